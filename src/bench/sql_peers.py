"""The peers of `driftdb bench sql`, run by it in the same session with the same sizes.

SQLite (Python's sqlite3, WAL with synchronous=FULL: one fsync per commit, as DriftDB) for
single-row autocommit inserts, 1000-row transactions and point reads by key; DuckDB (the
Python package, in memory) for a GROUP BY over the same 1M-row table. Prints one JSON object.
"""

import json
import os
import sqlite3
import sys
import time


def sqlite_figures(directory, inserts, transactions, rows_per_transaction, lookups):
    path = os.path.join(directory, "peer.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER NOT NULL, v INTEGER NOT NULL, note TEXT)")
    start = time.perf_counter()
    for i in range(inserts):
        db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (i, i % 1000, i * 7 % 10007, "row %d" % i))
    autocommit = inserts / (time.perf_counter() - start)
    base = inserts
    start = time.perf_counter()
    for t in range(transactions):
        db.execute("BEGIN")
        for j in range(rows_per_transaction):
            i = base + t * rows_per_transaction + j
            db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (i, i % 1000, i * 7 % 10007, "row %d" % i))
        db.execute("COMMIT")
    batched = transactions * rows_per_transaction / (time.perf_counter() - start)
    total = base + transactions * rows_per_transaction
    samples = []
    for n in range(lookups):
        key = (n * 7919) % total
        s = time.perf_counter()
        db.execute("SELECT * FROM t WHERE id = ?", (key,)).fetchall()
        samples.append(time.perf_counter() - s)
    samples.sort()
    db.close()
    return {
        "sqlite_version": sqlite3.sqlite_version,
        "autocommit_inserts_per_s": autocommit,
        "transaction_rows_per_s": batched,
        "point_reads_per_s": lookups / sum(samples),
        "point_read_p50_ms": samples[len(samples) // 2] * 1e3,
        "point_read_p99_ms": samples[int(len(samples) * 0.99)] * 1e3,
    }


def duckdb_figures(rows, repeats):
    import duckdb

    db = duckdb.connect()
    db.execute(
        "CREATE TABLE big AS SELECT range AS id, range % 1000 AS g, range * 7 % 10007 AS v, "
        "'row ' || range AS note FROM range(1, {})".format(rows + 1)
    )
    query = "SELECT g, count(*), sum(v), avg(v) FROM big GROUP BY g"
    db.execute(query).fetchall()
    times = []
    for _ in range(repeats):
        s = time.perf_counter()
        db.execute(query).fetchall()
        times.append(time.perf_counter() - s)
    times.sort()
    return {"duckdb_version": duckdb.__version__, "group_by_ms": times[len(times) // 2] * 1e3}


def main():
    directory, inserts, transactions, rows_per_transaction, lookups, rows, repeats = sys.argv[1:8]
    out = {}
    out.update(sqlite_figures(directory, int(inserts), int(transactions), int(rows_per_transaction), int(lookups)))
    try:
        out.update(duckdb_figures(int(rows), int(repeats)))
    except ImportError as e:
        out["duckdb_error"] = str(e)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
