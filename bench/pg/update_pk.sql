-- UPDATE by primary key, autocommit. Needs -D naccounts=N.
-- On PostgreSQL the history trigger on accounts fires (that is what gives it time travel);
-- update_pk_plain.sql is the same statement on a table without the trigger.
\set id random(1, :naccounts)
\set delta random(1, 1000)
UPDATE accounts SET balance = balance + :delta WHERE id = :id;
