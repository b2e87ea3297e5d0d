"""Python drivers against a running driftdb-server: psycopg2 (simple protocol, client-side
parameters) and psycopg 3 (extended protocol, server-side parameters). Usage:
compat.py HOST PORT. Exits non-zero with the failing check on any mismatch."""

import sys
from decimal import Decimal

import psycopg
import psycopg2
import psycopg2.errors

host, port = sys.argv[1], int(sys.argv[2])


def check(what, got, expected):
    if got != expected:
        sys.exit(f"{what}: got {got!r}, expected {expected!r}")


def exercise(mod, table):
    conn = mod.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    cur = conn.cursor()
    # Both drivers open a transaction implicitly: DDL runs inside it.
    cur.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2))")
    cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s), (%s, %s, %s)", (1, "it's", Decimal("9.50"), 2, "b", Decimal("1.25")))
    conn.commit()
    cur.execute(f"SELECT id, name, price FROM {table} WHERE id = %s", (1,))
    check(f"{mod.__name__} select", cur.fetchall(), [(1, "it's", Decimal("9.50"))])
    cur.execute(f"UPDATE {table} SET price = price * 2 WHERE id = %s", (2,))
    check(f"{mod.__name__} rowcount", cur.rowcount, 1)
    conn.commit()
    cur.execute("SHOW driftdb.last_sequence")
    last = int(cur.fetchone()[0])
    cur.execute(f"SELECT price FROM {table} FOR SYSTEM_TIME AS OF @SEQ:{last - 1} WHERE id = 2")
    check(f"{mod.__name__} time travel", cur.fetchall(), [(Decimal("1.25"),)])
    cur.execute(f"SELECT price FROM {table} WHERE id = 2")
    check(f"{mod.__name__} now", cur.fetchall(), [(Decimal("2.50"),)])
    # A duplicate key is a UniqueViolation with SQLSTATE 23505, and aborts the transaction.
    try:
        cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", (1, "dup", Decimal("0")))
        sys.exit(f"{mod.__name__}: a duplicate key was accepted")
    except Exception as e:
        code = getattr(e, "pgcode", None) or getattr(e, "sqlstate", None)
        check(f"{mod.__name__} duplicate sqlstate", code, "23505")
    conn.rollback()
    cur.execute(f"SELECT count(*) FROM {table}")
    check(f"{mod.__name__} count", cur.fetchall(), [(2,)])
    conn.close()


exercise(psycopg2, "py2_items")
exercise(psycopg, "py3_items")
print("ok")
