-- DriftDB schema for bench/pg (run by run.sh with psql -v ON_ERROR_STOP=1).
-- No history table and no trigger: every table keeps its history (FOR SYSTEM_TIME).
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS inserts;
DROP TABLE IF EXISTS bulk_inserts;
DROP TABLE IF EXISTS events;
CREATE TABLE accounts     (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE inserts      (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE bulk_inserts (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE events       (id BIGINT PRIMARY KEY, kind TEXT, amount BIGINT);
