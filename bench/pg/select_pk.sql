-- Point SELECT by primary key. Needs -D naccounts=N (rows in accounts, ids 1..N).
\set id random(1, :naccounts)
SELECT owner, balance FROM accounts WHERE id = :id;
