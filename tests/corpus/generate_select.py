#!/usr/bin/env python3
"""Writes sql/tests/slt/corpus_select.slt: a sqllogictest corpus in the style of SQLite's
select1-select5 (random queries over small integer tables: arithmetic, CASE, BETWEEN, scalar,
EXISTS and IN subqueries, correlated or not, aggregates, GROUP BY/HAVING, DISTINCT, joins,
UNION/INTERSECT/EXCEPT), with the expected answers taken from a real PostgreSQL.

    python3 tests/corpus/generate_select.py postgresql://postgres@127.0.0.1:55432/postgres [OUT]

(OUT defaults to sql/tests/slt/corpus_select.slt; `tests/corpus/check.sh` regenerates the file
against a throwaway PostgreSQL 15 and fails if it differs from the one committed.)

The queries come from a seeded random generator, so the file is the same on every run
against the same PostgreSQL; each query orders its result completely, so the answer is one
sequence of values, compared exactly or, past 8 values, by its MD5 hash as SQLite's corpus
does (`hash-threshold 8`). A query PostgreSQL refuses is recorded as an expected error with
its SQLSTATE. Values are PostgreSQL's text output, NULL as `NULL`, the empty text as
`(empty)`, as `sql/tests/it/slt.rs` writes them.
"""
import hashlib
import io
import random
import sys

import psycopg2

SEED = 20261206
QUERIES = {"select1": 260, "aggregates": 120, "setops": 80, "joins": 80, "in_lists": 60}
HASH_THRESHOLD = 8

# ---------------------------------------------------------------- data

def table_rows(rng, count, nulls):
    """Rows of distinct integers from 100 up (the primary key `a` never NULL); with `nulls`,
    about one value in twelve is NULL."""
    rows, next_value = [], 100
    for _ in range(count):
        row = []
        for column in range(5):
            value = next_value + rng.randrange(0, 5)
            next_value += 5
            row.append(None if nulls and column > 0 and rng.random() < 1 / 12 else value)
        rows.append(row)
    return rows


def insert(table, row, rng):
    columns = ["a", "b", "c", "d", "e"]
    order = list(range(5))
    rng.shuffle(order)
    names = ",".join(columns[i] for i in order)
    values = ",".join("NULL" if row[i] is None else str(row[i]) for i in order)
    return f"INSERT INTO {table}({names}) VALUES({values})"

# ---------------------------------------------------------------- queries

EXPRESSIONS = [
    "a+b*2+c*3+d*4+e*5",
    "(a+b+c+d+e)/5",
    "abs(a)", "abs(b-c)", "a-b", "c-d", "d-e",
    "a+b*2", "a+b*2+c*3", "a+b*2+c*3+d*4",
    "CASE WHEN c>(SELECT avg(c) FROM t1) THEN a*2 ELSE b*10 END",
    "CASE WHEN a<b-3 THEN 111 WHEN a<=b THEN 222\n        WHEN a<b+3 THEN 333 ELSE 444 END",
    "CASE a+1 WHEN b THEN 111 WHEN c THEN 222\n        WHEN d THEN 333  WHEN e THEN 444 ELSE 555 END",
    "(SELECT count(*) FROM t1 AS x WHERE x.b<t1.b)",
    "(SELECT count(*) FROM t1 AS x WHERE x.c>t1.c AND x.d<t1.d)",
    "(SELECT max(x.e) FROM t1 AS x WHERE x.a<t1.a)",
    "coalesce(b, c, 0)", "nullif(a % 3, 0)", "a % 7", "-b", "greatest(a, c)", "least(b, d)",
    "a", "b", "c", "d", "e",
]


PREDICATES = [
    "a>b", "b>c", "c>d", "d>e", "c BETWEEN b-2 AND d+2", "d NOT BETWEEN 110 AND 150",
    "(e>a AND e<b)", "(e>c OR e<d)", "(a>b-2 AND a<b+2)", "e+d BETWEEN a+b-10 AND c+130",
    "EXISTS(SELECT 1 FROM t1 AS x WHERE x.b<t1.b)", "(c<=d-2 OR c>=d+2)", "b IS NOT NULL",
    "c IS NULL", "NOT (a>c)", "a IN (SELECT b+1 FROM t1 AS x)", "d > ALL (SELECT e FROM t1 AS x WHERE x.a < t1.a)",
    "coalesce(e, 0) < 200", "b % 2 = 0", "(a+b) % 3 <> 1",
]


def where(rng, predicates=PREDICATES):
    chosen = rng.sample(predicates, rng.choice([0, 1, 1, 2, 2, 3]))
    if not chosen:
        return ""
    joiner = rng.choice(["\n   AND ", "\n    OR "])
    return "\n WHERE " + joiner.join(chosen)


def order_all(rng, n):
    positions = list(range(1, n + 1))
    rng.shuffle(positions)
    return "\n ORDER BY " + ",".join(str(p) for p in positions)


def select1(rng):
    items = rng.sample(EXPRESSIONS, rng.randint(1, 6))
    listed = ",\n       ".join(items)
    return f"SELECT {listed}\n  FROM t1{where(rng)}{order_all(rng, len(items))}"


def aggregates(rng):
    group = rng.choice(["a % 5", "b > c", "CASE WHEN d > 170 THEN 'hi' ELSE 'lo' END",
                        "e IS NULL", "(a+b) / 50", "c % 3"])
    aggs = rng.sample(["count(*)", "count(b)", "sum(c)", "min(d)", "max(e)", "sum(DISTINCT a % 4)",
                       "count(DISTINCT b % 3)", "max(a) - min(a)", "sum(e) FILTER (WHERE e > 150)",
                       "bool_and(a > b)", "bool_or(c < d)"], rng.randint(1, 4))
    having = rng.choice(["", "\nHAVING count(*) > 2", "\nHAVING sum(a) > 1000", "\nHAVING max(b) IS NOT NULL"])
    items = [group] + aggs
    return (f"SELECT {', '.join(items)}\n  FROM t1{where(rng)}\n GROUP BY 1{having}"
            f"{order_all(rng, len(items))}")


def setops(rng):
    op = rng.choice(["UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL"])
    left = rng.choice(["a % 10", "b / 10", "c % 7", "coalesce(d, 0) % 5", "e % 6"])
    right = rng.choice(["a % 10", "b / 10", "c % 7", "coalesce(d, 0) % 5", "e % 6", "x % 9"])
    right_table = "t2" if right.startswith("x") else "t1"
    return (f"SELECT {left} FROM t1{where(rng)}\n{op}\nSELECT {right} FROM {right_table}"
            f"\n ORDER BY 1")


def joins(rng):
    kind = rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN"])
    on = "" if kind == "CROSS JOIN" else rng.choice([
        "\n    ON t2.x = t1.a % 10", "\n    ON t2.x = t1.b % 7 AND t2.y > t1.c % 5",
        "\n    ON t2.y = t1.e % 4", "\n    ON t2.x < t1.d % 3"])
    items = rng.sample(["t1.a", "t1.b", "t2.x", "t2.y", "t1.c + t2.x", "coalesce(t2.y, -1)",
                        "t1.e - t2.y"], rng.randint(2, 4))
    filters = [p for p in ["t1.a > 150", "t2.x IS NOT NULL", "t1.b IS NULL", "t2.y < 3",
                           "t1.c % 2 = 1"]]
    return (f"SELECT {', '.join(items)}\n  FROM t1 {kind} t2{on}{where(rng, filters)}"
            f"{order_all(rng, len(items))}")


def in_lists(rng):
    column = rng.choice(["a", "b", "c", "d", "e", "a % 10", "coalesce(c, -1) % 5"])
    values = rng.sample(["1", "2", "3", "107", "120", "NULL", "133", "4", "0"], rng.randint(1, 5))
    negated = rng.choice(["IN", "NOT IN"])
    source = rng.choice([f"({', '.join(values)})", "(SELECT x FROM t2)", "(SELECT y FROM t2 WHERE y > 1)",
                         "(SELECT NULL UNION SELECT 1)"])
    return (f"SELECT a, {column} {negated} {source}\n  FROM t1\n WHERE a % 3 = {rng.randrange(3)}"
            f"\n ORDER BY 1, 2")

# ---------------------------------------------------------------- answers

def text(value):
    if value is None:
        return "NULL"
    if value == "":
        return "(empty)"
    return value


def answer(cur, query):
    """The values of `query`, row by row, in PostgreSQL's text format (by COPY)."""
    out = io.StringIO()
    cur.copy_expert(f"COPY ({query}) TO STDOUT", out)
    rows = []
    for line in out.getvalue().splitlines():
        rows.append([None if v == "\\N" else v.replace("\\\\", "\\") for v in line.split("\t")])
    return rows


def record(cur, query, columns):
    try:
        cur.execute("SAVEPOINT q")
        rows = answer(cur, query)
        cur.execute("RELEASE SAVEPOINT q")
    except psycopg2.Error as e:
        cur.execute("ROLLBACK TO SAVEPOINT q")
        return f"query error {e.pgcode}\n{query}\n"
    values = [text(v) for row in rows for v in row]
    head = f"query {'I' * columns} nosort\n{query}\n----\n"
    if len(values) > HASH_THRESHOLD:
        digest = hashlib.md5("".join(v + "\n" for v in values).encode()).hexdigest()
        return head + f"{len(values)} values hashing to {digest}\n"
    return head + "".join(" ".join(text(v) for v in row) + "\n" for row in rows)


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:55432/postgres"
    rng = random.Random(SEED)
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS t1; DROP TABLE IF EXISTS t2")
    setup = [
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b INTEGER, c INTEGER, d INTEGER, e INTEGER)",
        "CREATE TABLE t2(id INTEGER PRIMARY KEY, x INTEGER, y INTEGER)",
    ]
    setup += [insert("t1", row, rng) for row in table_rows(rng, 30, nulls=True)]
    for i in range(8):
        x = None if i == 5 else rng.randrange(10)
        y = None if i == 2 else rng.randrange(5)
        setup.append(f"INSERT INTO t2 VALUES({i}, {'NULL' if x is None else x}, {'NULL' if y is None else y})")
    for statement in setup:
        cur.execute(statement)
    out = [
        "# Generated by tests/corpus/generate_select.py from PostgreSQL 15's answers: do not edit.\n"
        "# Queries in the style of SQLite's select1-select5 corpus; see that script.\n",
        f"hash-threshold {HASH_THRESHOLD}\n",
    ]
    out += [f"statement ok\n{s}\n" for s in setup]
    generators = {"select1": select1, "aggregates": aggregates, "setops": setops, "joins": joins,
                  "in_lists": in_lists}
    for family, count in QUERIES.items():
        out.append(f"# ---------------------------------------------------------------- {family}\n")
        for _ in range(count):
            query = generators[family](rng)
            columns = len(answer_columns(cur, query))
            out.append(record(cur, query, columns))
    conn.rollback()
    path = sys.argv[2] if len(sys.argv) > 2 else "sql/tests/slt/corpus_select.slt"
    with open(path, "w") as f:
        f.write("\n".join(out))


def answer_columns(cur, query):
    try:
        cur.execute("SAVEPOINT c")
        cur.execute(f"SELECT * FROM ({query}) q LIMIT 0")
        description = cur.description
        cur.execute("RELEASE SAVEPOINT c")
        return description
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT c")
        return [None]


if __name__ == "__main__":
    main()
