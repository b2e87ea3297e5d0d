-- Time-travel point read on DriftDB: one account's balance as of a past moment.
-- Template: run.sh replaces @ASOF@ with a UTC timestamp literal taken in the middle of a
-- burst of updates (a FOR SYSTEM_TIME point must be a literal, not a parameter).
-- Needs -D naccounts=N.
\set id random(1, :naccounts)
SELECT balance FROM accounts FOR SYSTEM_TIME AS OF '@ASOF@' WHERE id = :id;
