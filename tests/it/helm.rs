//! The Helm chart against the real binary.
//!
//! `tests/helm/check_chart.py` lints and renders the chart offline with the real Helm engine
//! (no cluster, no `helm` binary) and validates what it renders. Then, so the chart and the
//! binary cannot drift apart, a scenario's server pod is started for real: the command and
//! environment the pod would get, its Secret files laid out where its mounts put them, only
//! the listen address (loopback) and ports (free ones) changed. Its probes must answer on
//! the paths the chart names, and the chart's own `helm test` pods must pass against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

const PASSWORD: &str = "helm secret pw";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_chart(args: &[&str]) -> std::process::Output {
    Command::new("python3")
        .arg(repo().join("tests/helm/check_chart.py"))
        .args(args)
        .output()
        .expect("python3 runs")
}

#[test]
fn the_chart_lints_renders_and_validates() {
    let output = check_chart(&[]);
    assert!(
        output.status.success(),
        "the chart checks failed (they need `pip install helm-python-sdk kubernetes-validate \
         yamllint pyyaml`; after a reviewed chart change, `python3 tests/helm/check_chart.py \
         --update` rewrites the golden files):\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_rendered_single_node_pod_runs_the_real_server() {
    run_scenario("single");
}

#[test]
fn a_rendered_tls_pod_runs_the_real_server() {
    run_scenario("tls");
}

/// The server process, killed on drop.
struct Pod(Child);

impl Drop for Pod {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_scenario(scenario: &str) {
    let values = repo().join(format!("helm/driftdb/ci/{scenario}-values.yaml"));
    let output = check_chart(&["pod", values.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "{output:?}");
    let spec: Value = serde_json::from_slice(&output.stdout).expect("the pod as JSON");
    let server = &spec["server"];
    let root = tempfile::tempdir().expect("temp dir");

    // The pod's mounts, as directories under `root`; Secret volumes hold their files.
    let mounts: BTreeMap<String, String> =
        serde_json::from_value(server["mounts"].clone()).expect("mounts");
    let host_path = |path: &str| root.path().join(path.trim_start_matches('/'));
    for (name, mount) in &mounts {
        let dir = host_path(mount);
        std::fs::create_dir_all(&dir).expect("mount directory");
        for item in server["secret_items"][name]
            .as_array()
            .into_iter()
            .flatten()
        {
            let item = item.as_str().expect("item name");
            match item {
                "tls.crt" | "tls.key" => {}
                _ => std::fs::write(dir.join(item), PASSWORD).expect("write the Secret's file"),
            }
        }
        if name == "tls" {
            make_certificate(&dir);
        }
    }

    let mut env: BTreeMap<String, String> =
        serde_json::from_value(server["env"].clone()).expect("env");
    // A misspelt variable would be ignored without a word: each must be the server's.
    let known = crate::deploy::server_variables();
    let unknown: Vec<_> = env.keys().filter(|k| !known.contains(*k)).collect();
    assert!(
        unknown.is_empty(),
        "not variables of driftdb-server: {unknown:?}"
    );
    assert_eq!(
        env.get("DRIFTDB_LISTEN").map(String::as_str),
        Some("0.0.0.0"),
        "the pod listens on every interface"
    );
    // Paths inside the pod's mounts, to the same files under `root`.
    for value in env.values_mut() {
        if mounts.values().any(|m| value.starts_with(m.as_str())) {
            *value = host_path(value).display().to_string();
        }
    }
    // Loopback only, and free ports (the chart's ports are checked against its containerPorts
    // by check_chart.py).
    env.insert("DRIFTDB_LISTEN".into(), "127.0.0.1".into());
    for port in ["DRIFTDB_GRPC_PORT", "DRIFTDB_PG_PORT", "DRIFTDB_HTTP_PORT"] {
        env.insert(port.into(), "0".into());
    }
    let command: Vec<String> = serde_json::from_value(server["command"].clone()).expect("command");
    assert_eq!(
        command,
        ["driftdb-server"],
        "the image's server binary, no arguments"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_driftdb-server"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(&env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(root.path().join("server.log")).expect("log file"))
        .spawn()
        .expect("start driftdb-server");
    let stdout = child.stdout.take().expect("stdout");
    let pod = Pod(child);
    let ready = crate::server::ready_line(stdout)
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "the pod's server did not start:\n{}",
                std::fs::read_to_string(root.path().join("server.log")).unwrap_or_default()
            )
        });
    let field = |name: &str| {
        ready
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {ready:?}"))
            .to_string()
    };
    let (grpc, http, pg) = (field("grpc="), field("http="), field("pg="));

    // Every probe's path answers 200 on the HTTP port, in the scheme the probe uses (HTTPS
    // when TLS is on: the kubelet does not verify the certificate; here it is).
    for (probe, get) in server["probes"].as_object().expect("probes") {
        let path = get["path"].as_str().expect("path");
        let status = match get["scheme"].as_str() {
            Some("HTTPS") => {
                let ca = host_path(&mounts["tls"]).join("ca.crt");
                crate::tls::https_get(&http, path, &ca, None).expect("an HTTPS probe")
            }
            _ => crate::http::get(&http, path).0,
        };
        assert_eq!(status, 200, "{probe} {path}");
    }

    // The chart's `helm test` pods, against this server: the Service's address is ours, the
    // Secret's value the file we wrote, `driftdb` the binary under test. The gRPC one runs
    // twice: once making its topic, once finding it.
    let service = spec["service_host"].as_str().expect("service host");
    let service_host = service
        .split_once("://")
        .map_or(service, |(_, address)| address)
        .rsplit_once(':')
        .expect("host:port")
        .0;
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_driftdb"))
        .parent()
        .expect("bin dir")
        .display()
        .to_string();
    for test in spec["tests"].as_array().expect("tests") {
        let name = test["name"].as_str().expect("name");
        let runs = if name.ends_with("grpc") { 2 } else { 1 };
        for _ in 0..runs {
            let command: Vec<String> = test["command"]
                .as_array()
                .expect("command")
                .iter()
                .map(|a| {
                    a.as_str().expect("arg").replace(
                        &format!("{service_host}:{}", server["ports"]["postgres"]),
                        &pg,
                    )
                })
                .collect();
            let mut run = Command::new(&command[0]);
            run.args(&command[1..])
                .env_clear()
                .env("PATH", format!("{bin_dir}:/usr/bin:/bin"));
            for (key, value) in test["env"].as_object().expect("env") {
                let value = value.as_str().expect("value");
                let value = if key == "DRIFTDB_SERVER" {
                    let scheme = value.split_once("://").expect("a URL").0;
                    format!("{scheme}://{grpc}")
                } else if mounts.values().any(|m| value.starts_with(m.as_str())) {
                    host_path(value).display().to_string()
                } else {
                    value.to_string()
                };
                run.env(key, value);
            }
            for key in test["secret_env"].as_array().expect("secret env") {
                run.env(key.as_str().expect("name"), PASSWORD);
            }
            let output = run.output().expect("run the test pod's command");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "helm test {name} failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            if name.ends_with("sql") {
                assert!(stdout.contains("| 42"), "{stdout}");
            } else {
                assert!(stdout.contains("consumed helm-test-"), "{stdout}");
            }
        }
    }
    drop(pod);
}

/// The TLS Secret's files as cert-manager writes them: `tls.crt` and `tls.key` (for the
/// loopback host the test reaches the pod on), and the CA that signed them as `ca.crt`.
fn make_certificate(dir: &Path) {
    let certs = crate::tls::Certs::new();
    for (made, secret) in [
        ("cert.pem", "tls.crt"),
        ("key.pem", "tls.key"),
        ("ca.pem", "ca.crt"),
    ] {
        std::fs::copy(certs.path(made), dir.join(secret)).expect("lay out the TLS Secret");
    }
}
