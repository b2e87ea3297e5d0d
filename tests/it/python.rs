//! Python drivers against the real server: psycopg2, psycopg 3, asyncpg, SQLAlchemy 2,
//! Alembic and Django (`.ci/run` installs them).

use std::path::Path;
use std::process::Command;

use crate::server::fresh;

/// Runs `script` (under `tests/it/python/`) against a fresh server; it must print "ok".
fn run_against_a_server(script: &str, install: &str) {
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/python")
        .join(script);
    let output = Command::new("python3")
        .arg(&script)
        .args([host, port])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "{} failed (install what it needs with `pip install {install}`):\n{stdout}\n{stderr}",
        script.display()
    );
}

#[test]
fn python_drivers_and_sqlalchemy_work_against_the_server() {
    run_against_a_server(
        "compat.py",
        "psycopg2-binary 'psycopg[binary]' asyncpg 'sqlalchemy[asyncio]>=2' alembic",
    );
}

#[test]
fn django_migrates_and_its_orm_works_against_the_server() {
    run_against_a_server("django_app/check.py", "django");
}
