//! pgJDBC (Debian's `libpostgresql-jdbc-java`, which `.ci/run` installs) against the real
//! server: prepared statements past the driver's switch to named server-side statements,
//! NUMERIC and timestamp parameters, a transaction, SQLSTATEs and `DatabaseMetaData`.

use std::path::Path;
use std::process::Command;

use crate::server::fresh;

const DRIVER: &str = "/usr/share/java/postgresql.jar";

#[test]
fn pgjdbc_works_against_the_server() {
    assert!(
        Path::new(DRIVER).exists(),
        "{DRIVER} is missing: apt-get install libpostgresql-jdbc-java (.ci/run does)"
    );
    let classes = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/jdbc/Compat.java");
    let compiled = Command::new("javac")
        .arg("-d")
        .arg(classes.path())
        .arg(&source)
        .output()
        .expect("javac runs");
    assert!(compiled.status.success(), "javac: {compiled:?}");

    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let classpath = format!("{DRIVER}:{}", classes.path().display());
    let output = Command::new("java")
        .args(["-cp", &classpath, "Compat", host, port])
        .output()
        .expect("java runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "the JDBC program failed:\n{stdout}\n{stderr}"
    );
}
