//! node-postgres against the real server (`.ci/run` installs it into `tests/it/node`).

use std::path::Path;
use std::process::Command;

use crate::server::fresh;

#[test]
fn node_postgres_works_against_the_server() {
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/node");
    let output = Command::new("node")
        .arg(dir.join("compat.js"))
        .args([host, port])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "the node-postgres script failed (install it with \
         `npm install --prefix tests/it/node`):\n{stdout}\n{stderr}"
    );
}
