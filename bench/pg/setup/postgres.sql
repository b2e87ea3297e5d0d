-- PostgreSQL schema for bench/pg (run by run.sh with psql -v ON_ERROR_STOP=1).
-- accounts carries valid_from, and a row trigger copies the old version into accounts_history
-- on UPDATE and DELETE: the usual way to keep system-versioned history in PostgreSQL
-- (the pattern of the temporal_tables extension, with explicit from/to columns).
DROP TABLE IF EXISTS accounts, accounts_history, accounts_plain, inserts, bulk_inserts, events;
DROP FUNCTION IF EXISTS accounts_versioning();

CREATE TABLE accounts (
    id         BIGINT PRIMARY KEY,
    owner      TEXT NOT NULL,
    balance    BIGINT NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE accounts_history (
    id         BIGINT NOT NULL,
    owner      TEXT NOT NULL,
    balance    BIGINT NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_history_id_valid_from ON accounts_history (id, valid_from);

-- clock_timestamp(), not now(): now() is the transaction's start, so a transaction that waited
-- on another's row lock would record valid_to before the valid_from of the version it replaces.
-- Under the row lock, clock_timestamp() is increasing per row.
CREATE FUNCTION accounts_versioning() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t TIMESTAMPTZ := clock_timestamp();
BEGIN
    INSERT INTO accounts_history (id, owner, balance, valid_from, valid_to)
    VALUES (OLD.id, OLD.owner, OLD.balance, OLD.valid_from, t);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    NEW.valid_from := t;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_versioning BEFORE UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_versioning();

-- Same data, no trigger: only for update_pk_plain.sql.
CREATE TABLE accounts_plain (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);

CREATE TABLE inserts      (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE bulk_inserts (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE events       (id BIGINT PRIMARY KEY, kind TEXT, amount BIGINT);
