-- Time-travel point read on DriftDB addressed by ledger sequence instead of time.
-- Template: run.sh replaces @ASOF_SEQ@ with the sequence number read at the same moment as
-- the timestamp of timetravel_driftdb.sql. pgbench leaves @SEQ:<digits> alone (its variable
-- names cannot start with a digit), in every -M mode. Needs -D naccounts=N.
\set id random(1, :naccounts)
SELECT balance FROM accounts FOR SYSTEM_TIME AS OF @SEQ:@ASOF_SEQ@ WHERE id = :id;
