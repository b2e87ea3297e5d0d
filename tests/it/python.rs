//! Python drivers against the real server: psycopg2, psycopg 3, asyncpg, SQLAlchemy 2,
//! Alembic and Django (`.ci/run` installs them).

use std::path::Path;
use std::process::Command;

use crate::server::fresh;

#[test]
fn python_drivers_and_sqlalchemy_work_against_the_server() {
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/python/compat.py");
    let output = Command::new("python3")
        .arg(&script)
        .args([host, port])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "the Python compatibility script failed (install its drivers with \
         `pip install psycopg2-binary 'psycopg[binary]' asyncpg 'sqlalchemy[asyncio]>=2' alembic`):\n{stdout}\n{stderr}"
    );
}

#[test]
fn django_migrates_and_its_orm_works_against_the_server() {
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/python/django_app/check.py");
    let output = Command::new("python3")
        .arg(&script)
        .args([host, port])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "the Django project failed (install Django with `pip install django`):\n{stdout}\n{stderr}"
    );
}
