-- PostgreSQL only: UPDATE by primary key on accounts_plain (same data, no history trigger),
-- to show what the history trigger costs. Needs -D naccounts=N.
\set id random(1, :naccounts)
\set delta random(1, 1000)
UPDATE accounts_plain SET balance = balance + :delta WHERE id = :id;
