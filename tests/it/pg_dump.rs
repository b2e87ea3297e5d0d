//! `pg_dump --schema-only` against the real server, and the script it writes restored into a
//! throwaway PostgreSQL 15 (`.ci/run` installs the server; where none is installed the
//! restore half says it is skipped). The restored schema must be the one DriftDB has: the
//! same tables, columns, types, nullability and constraints, in PostgreSQL's own catalogs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::server::fresh;

/// What ORMs and hand-written schemas make: identity and SERIAL keys, a composite key,
/// unique constraints and indexes, foreign keys (one deferrable), checks, defaults, the
/// common types, a quoted name, a table without a key (hidden row identity), one made by
/// CREATE TABLE AS, views over views, a free-standing sequence with every option, comments.
const SCHEMA: &str = r#"
CREATE TABLE authors (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE, born DATE, CHECK (born > '1800-01-01'));
CREATE TABLE "Mixed Case" ("Key" INT PRIMARY KEY, v TEXT);
CREATE INDEX "Mixed Case v" ON "Mixed Case" (v);
CREATE TABLE books (id SERIAL PRIMARY KEY, author_id BIGINT REFERENCES authors ON DELETE CASCADE, title VARCHAR(200) NOT NULL, price NUMERIC(10,2) DEFAULT 0, tags JSONB, cover BYTEA, code CHAR(4), uid UUID, added TIMESTAMPTZ DEFAULT now(), span INTERVAL, ratio DOUBLE PRECISION, ok BOOLEAN DEFAULT true);
CREATE UNIQUE INDEX books_title_code ON books (title, code);
CREATE INDEX books_by_author ON books (author_id);
CREATE TABLE log (at TIMESTAMPTZ, line TEXT);
INSERT INTO log VALUES (now(), 'a row takes a row identity');
CREATE TABLE pairs (a INT, b INT, PRIMARY KEY (a, b), CONSTRAINT pairs_b_fkey FOREIGN KEY (b) REFERENCES books (id) DEFERRABLE INITIALLY DEFERRED);
CREATE SEQUENCE counter AS bigint INCREMENT BY 5 MINVALUE 10 MAXVALUE 1000 START 20 CACHE 3 CYCLE;
CREATE VIEW cheap AS SELECT id, title FROM books WHERE price < 10;
CREATE VIEW cheap_titles AS SELECT title FROM cheap;
COMMENT ON COLUMN books.title IS 'the title';
COMMENT ON VIEW cheap IS 'under ten';
CREATE TABLE copied AS SELECT id, title FROM books;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id SERIAL PRIMARY KEY, book_id INT REFERENCES books (id), qty INT NOT NULL CHECK (qty > 0));
CREATE INDEX orders_by_book ON sales.orders (book_id);
CREATE VIEW sales.big AS SELECT o.id, o.qty, b.title FROM sales.orders o JOIN books b ON b.id = o.book_id WHERE o.qty > 10;
"#;

/// The schema as the catalogs describe it, to compare DriftDB's with the restored one.
/// (Views' columns are left out: a view over a `varchar` column has `text` columns in
/// DriftDB, `character varying` in PostgreSQL.)
const DESCRIBE: &str = "
SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.is_nullable
 FROM information_schema.columns c
 JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
 WHERE c.table_schema IN ('public', 'sales') AND t.table_type = 'BASE TABLE'
 ORDER BY c.table_schema, c.table_name, c.ordinal_position;
SELECT table_schema, table_name FROM information_schema.views
 WHERE table_schema IN ('public', 'sales') ORDER BY 1, 2;
SELECT table_schema, table_name, constraint_name, constraint_type
 FROM information_schema.table_constraints
 WHERE table_schema IN ('public', 'sales') AND constraint_type <> 'CHECK' ORDER BY 1, 2, 3;
SELECT sequence_schema, sequence_name, data_type, start_value, minimum_value, maximum_value,
 increment, cycle_option FROM information_schema.sequences ORDER BY 1, 2;
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('public', 'sales') AND c.relkind = 'i' ORDER BY 1, 2;
SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'sales') ORDER BY 1;
";

pub(crate) fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn psql(host: &str, port: &str, user: &str, database: &str) -> Command {
    let mut command = Command::new("psql");
    command
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .args(["-h", host, "-p", port, "-U", user, "-d", database]);
    command
}

#[test]
fn pg_dump_writes_a_schema_postgresql_15_restores() {
    let (dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    run(
        psql(host, port, "driftdb", "driftdb").args(["-c", SCHEMA]),
        "the schema",
    );
    let dump = run(
        Command::new("pg_dump")
            .args(["--schema-only", "-h", host, "-p", port, "-U", "driftdb"])
            .arg("driftdb"),
        "pg_dump",
    );
    for expected in [
        "CREATE TABLE public.books (\n    id integer NOT NULL,",
        "ALTER TABLE public.authors ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (",
        "ALTER SEQUENCE public.books_id_seq OWNED BY public.books.id;",
        // pg_dump reads with an empty search path: every name comes qualified.
        "ALTER TABLE ONLY public.books ALTER COLUMN id SET DEFAULT nextval('public.books_id_seq'::regclass);",
        "CREATE SEQUENCE public.counter\n    START WITH 20\n    INCREMENT BY 5\n    MINVALUE 10\n    MAXVALUE 1000\n    CACHE 3\n    CYCLE;",
        "CREATE TABLE public.log (\n    at timestamp with time zone,\n    line text\n);",
        "CREATE VIEW public.cheap_titles AS",
        "COMMENT ON COLUMN public.books.title IS 'the title';",
        "COMMENT ON VIEW public.cheap IS 'under ten';",
        "ADD CONSTRAINT pairs_b_fkey FOREIGN KEY (b) REFERENCES public.books(id) DEFERRABLE INITIALLY DEFERRED;",
        "CREATE SCHEMA sales;",
        "CREATE TABLE sales.orders (",
        "ADD CONSTRAINT orders_book_id_fkey FOREIGN KEY (book_id) REFERENCES public.books(id);",
        "ALTER TABLE ONLY sales.orders ALTER COLUMN id SET DEFAULT nextval('sales.orders_id_seq'::regclass);",
        "CREATE INDEX orders_by_book ON sales.orders USING btree (book_id);",
        "CREATE VIEW sales.big AS",
        "CREATE UNIQUE INDEX books_title_code ON public.books USING btree (title, code);",
        "CREATE INDEX \"Mixed Case v\" ON public.\"Mixed Case\" USING btree (v);",
    ] {
        assert!(
            dump.contains(expected),
            "the dump lacks {expected:?}:\n{dump}"
        );
    }
    // DriftDB's own objects stay out: hidden row identities and their sequences, its
    // internal tables.
    assert!(!dump.contains("rowid"), "{dump}");
    assert!(!dump.contains("__driftdb"), "{dump}");

    let Some(postgres) = Postgres::start() else {
        eprintln!(
            "restoring the dump skipped: no PostgreSQL 15 server in {BIN} (.ci/run installs it)"
        );
        return;
    };
    let script = dir.data().with_file_name("dump.sql");
    std::fs::write(&script, &dump).expect("write the dump");
    let port = postgres.port.to_string();
    // The script gives each object to its owner, as a restore keeps them.
    run(
        psql("127.0.0.1", &port, "postgres", "postgres").args(["-c", "CREATE ROLE driftdb"]),
        "CREATE ROLE",
    );
    run(
        psql("127.0.0.1", &port, "postgres", "postgres")
            .arg("-f")
            .arg(&script),
        "restoring the dump into PostgreSQL 15",
    );
    let theirs = run(
        psql("127.0.0.1", &port, "postgres", "postgres").args(["-c", DESCRIBE]),
        "PostgreSQL's catalogs",
    );
    let ours = run(
        psql(
            host,
            &server.pg_addr[host.len() + 1..],
            "driftdb",
            "driftdb",
        )
        .args(["-c", DESCRIBE]),
        "DriftDB's catalogs",
    );
    assert_eq!(ours, theirs, "the restored schema differs");
}

/// Where Debian's PostgreSQL 15 server programs are.
pub(crate) const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A throwaway PostgreSQL 15 on a free loopback port, stopped (and its directory removed)
/// when dropped. Run as user `postgres` when the test runs as root (PostgreSQL refuses
/// root), in a directory of its own that user owns.
pub(crate) struct Postgres {
    dir: PathBuf,
    pub(crate) port: u16,
    _temporary: tempfile::TempDir,
}

impl Postgres {
    pub(crate) fn start() -> Option<Postgres> {
        if !Path::new(BIN).join("initdb").exists() {
            return None;
        }
        let temporary = tempfile::tempdir().expect("the cluster's directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let postgres = Postgres {
            dir: temporary.path().to_path_buf(),
            port,
            _temporary: temporary,
        };
        if is_root() {
            run(
                Command::new("chown").arg("postgres").arg(&postgres.dir),
                "chown",
            );
        }
        let data = postgres.dir.join("data");
        run(
            &mut postgres.as_postgres(&format!(
                "{BIN}/initdb -D {} -A trust -U postgres",
                data.display()
            )),
            "initdb",
        );
        run(
            &mut postgres.as_postgres(&format!(
                "{BIN}/pg_ctl -D {} -w -t 60 -l {}/log -o \"-p {port} -k {} -c listen_addresses=127.0.0.1\" start",
                data.display(),
                postgres.dir.display(),
                postgres.dir.display(),
            )),
            "pg_ctl start",
        );
        Some(postgres)
    }

    fn as_postgres(&self, command: &str) -> Command {
        let mut shell = if is_root() {
            let mut su = Command::new("su");
            su.args(["postgres", "-s", "/bin/sh", "-c"]);
            su
        } else {
            let mut sh = Command::new("sh");
            sh.arg("-c");
            sh
        };
        shell.arg(command);
        shell
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres(&format!(
                "{BIN}/pg_ctl -D {} -m immediate stop",
                self.dir.join("data").display()
            ))
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL database as an application's migrations leave it, with rows: the other way
/// of moving, from PostgreSQL to DriftDB.
const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE customers (id serial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, tags text[] DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE, total numeric(10,2) CHECK (total >= 0), note text, placed date);
CREATE TABLE order_items (order_id bigint REFERENCES orders, sku text, qty int NOT NULL DEFAULT 1, PRIMARY KEY (order_id, sku));
CREATE TABLE audit (at timestamptz, line text);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
COMMENT ON TABLE orders IS 'one per checkout';
INSERT INTO customers (email, tags) VALUES ('a@x', '{vip,"x y"}'), ('b@x', '{}');
INSERT INTO orders (customer_id, total, note, placed) VALUES (1, 150.5, E'tab\tand "quote"\nnewline \\ backslash', '2025-01-31'), (2, 20, NULL, NULL);
INSERT INTO order_items VALUES (1, 'sku-1', 2), (1, 'sku-2', 1), (2, 'sku-1', 1);
INSERT INTO audit VALUES ('2025-01-01 00:00+00', 'same'), ('2025-01-01 00:00+00', 'same');
CREATE SCHEMA sales;
CREATE TABLE sales.refunds (id serial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders, amount numeric(10,2));
CREATE VIEW sales.refunded AS SELECT o.id, r.amount FROM orders o JOIN sales.refunds r ON r.order_id = o.id;
INSERT INTO sales.refunds (order_id, amount) VALUES (1, 5.25);
"#;

/// Every row of every table, as text, in a fixed order.
const ROWS: &str = "
SELECT * FROM customers ORDER BY id;
SELECT * FROM orders ORDER BY id;
SELECT * FROM order_items ORDER BY order_id, sku;
SELECT * FROM audit ORDER BY line;
SELECT * FROM big_orders ORDER BY id;
SELECT * FROM sales.refunds ORDER BY id;
SELECT * FROM sales.refunded ORDER BY id;
";

#[test]
fn a_postgresql_15_dump_restores_into_driftdb() {
    let Some(postgres) = Postgres::start() else {
        eprintln!("skipped: no PostgreSQL 15 server in {BIN} (.ci/run installs it)");
        return;
    };
    let theirs_port = postgres.port.to_string();
    let pg = || psql("127.0.0.1", &theirs_port, "postgres", "postgres");
    run(pg().args(["-c", POSTGRES_SCHEMA]), "the PostgreSQL schema");
    // As an operator moving a database would dump it: with its owners (DriftDB has their
    // role), without PostgreSQL's grants.
    let dump = run(
        Command::new("pg_dump")
            .args(["--no-privileges", "-h", "127.0.0.1", "-p"])
            .arg(&theirs_port)
            .args(["-U", "postgres", "postgres"]),
        "pg_dump of PostgreSQL",
    );
    // pg_dump adds every key after its table, so the restore gives keys to keyless tables.
    assert!(
        dump.contains("ADD CONSTRAINT orders_pkey PRIMARY KEY (id);"),
        "{dump}"
    );

    let (dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let script = dir.data().with_file_name("from-postgres.sql");
    std::fs::write(&script, &dump).expect("write the dump");
    let ours = || psql(host, port, "driftdb", "driftdb");
    run(
        ours().args(["-c", "CREATE ROLE postgres"]),
        "the owner's role",
    );
    run(
        ours().arg("-f").arg(&script),
        "restoring PostgreSQL's dump into DriftDB",
    );
    let owners = "SELECT tableowner, count(*) FROM pg_tables \
                  WHERE schemaname IN ('public', 'sales') GROUP BY 1";
    assert_eq!(
        run(ours().args(["-c", owners]), "DriftDB"),
        run(pg().args(["-c", owners]), "PostgreSQL"),
        "the restored owners differ"
    );
    for check in [DESCRIBE, ROWS] {
        assert_eq!(
            run(ours().args(["-c", check]), "DriftDB"),
            run(pg().args(["-c", check]), "PostgreSQL"),
            "the restored database differs"
        );
    }
    // The sequences go on where PostgreSQL's were, the keys and references hold.
    let next = "INSERT INTO customers (email) VALUES ('c@x') RETURNING id";
    assert_eq!(run(ours().args(["-c", next]), "DriftDB"), "3\n");
    let dangling = ours()
        .args([
            "-c",
            "INSERT INTO orders (customer_id, total) VALUES (9, 1)",
        ])
        .output()
        .expect("psql runs");
    assert!(!dangling.status.success());
    assert!(String::from_utf8_lossy(&dangling.stderr).contains("orders_customer_id_fkey"));
    let twice = ours()
        .args(["-c", "INSERT INTO order_items VALUES (1, 'sku-1', 5)"])
        .output()
        .expect("psql runs");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("order_items_pkey"));
}

#[test]
fn a_full_driftdb_dump_restores_into_postgresql_15_with_its_rows() {
    let Some(postgres) = Postgres::start() else {
        eprintln!("skipped: no PostgreSQL 15 server in {BIN} (.ci/run installs it)");
        return;
    };
    let (dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let ours = || psql(host, port, "driftdb", "driftdb");
    run(
        ours().args(["-c", POSTGRES_SCHEMA]),
        "the schema in DriftDB",
    );
    // Schema and rows, as an operator moving off DriftDB would dump them.
    let dump = run(
        Command::new("pg_dump")
            .args(["--no-owner", "--no-privileges", "-h", host, "-p", port])
            .args(["-U", "driftdb", "driftdb"]),
        "pg_dump of DriftDB",
    );
    assert!(
        dump.contains("COPY public.orders (id, customer_id, total, note, placed) FROM stdin;"),
        "{dump}"
    );
    let theirs_port = postgres.port.to_string();
    let pg = || psql("127.0.0.1", &theirs_port, "postgres", "postgres");
    let script = dir.data().with_file_name("from-driftdb.sql");
    std::fs::write(&script, &dump).expect("write the dump");
    run(
        pg().arg("-f").arg(&script),
        "restoring DriftDB's dump into PostgreSQL",
    );
    assert_eq!(
        run(pg().args(["-c", ROWS]), "PostgreSQL"),
        run(ours().args(["-c", ROWS]), "DriftDB"),
        "the restored rows differ"
    );
    // The sequences go on where DriftDB's were, and the keys hold.
    let next = "INSERT INTO customers (email) VALUES ('c@x') RETURNING id";
    assert_eq!(run(pg().args(["-c", next]), "PostgreSQL"), "3\n");
    let dangling = pg()
        .args([
            "-c",
            "INSERT INTO orders (customer_id, total) VALUES (9, 1)",
        ])
        .output()
        .expect("psql runs");
    assert!(String::from_utf8_lossy(&dangling.stderr).contains("orders_customer_id_fkey"));
}
