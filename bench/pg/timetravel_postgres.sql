-- Time-travel point read on PostgreSQL: one account's balance as of a past moment T.
-- The version valid at T is the one with the latest valid_from <= T: the current row if it
-- started by T, else the newest history row that started by T, if it had not ended by T.
-- At most one branch returns a row; both are index lookups (accounts_pkey, and
-- accounts_history (id, valid_from) read backwards for one row), however long the history.
-- Template: run.sh replaces @ASOF@ with the same timestamp literal DriftDB gets.
-- Needs -D naccounts=N.
\set id random(1, :naccounts)
SELECT balance FROM accounts
 WHERE id = :id AND valid_from <= '@ASOF@'
UNION ALL
SELECT balance FROM (
    SELECT balance, valid_to FROM accounts_history
     WHERE id = :id AND valid_from <= '@ASOF@'
     ORDER BY valid_from DESC LIMIT 1) AS h
 WHERE valid_to > '@ASOF@';
