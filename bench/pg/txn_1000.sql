-- One transaction of 1000 single-row INSERTs (BEGIN; 1000 x INSERT; COMMIT), 1002 round trips.
-- Generated: python3 loop, see bench/pg/README.md. Ids :b .. :b+999, :b random, multiple of 1000.
\set b random(1, 9000000000000) * 1000
BEGIN;
\set r :b
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
\set r :r + 1
INSERT INTO bulk_inserts (id, owner, balance) VALUES (:r, 'bulk', 1);
COMMIT;
