-- Single-row autocommit INSERT (one transaction = one row, committed durably).
-- Keys are random over 1..9e18, so concurrent clients do not collide (p < 1e-7 per million rows).
\set id random(1, 9000000000000000000)
\set bal random(0, 1000000)
INSERT INTO inserts (id, owner, balance) VALUES (:id, 'insert', :bal);
