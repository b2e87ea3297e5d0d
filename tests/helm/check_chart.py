#!/usr/bin/env python3
"""Checks the Helm chart offline, with the real Helm engine (helm-python-sdk) and no cluster.

    check_chart.py            lint, render every scenario, validate, compare with goldens
    check_chart.py --update   the same, rewriting the golden files
    check_chart.py pod VALUES print what the rendered server pod and test pods get, as
                              JSON, for the Rust test that starts the real binary with it

Each scenario is a values file in helm/driftdb/ci/ (what chart-testing would install). For
each: `helm lint --strict`, a render, yamllint over every manifest, `kubernetes-validate
--strict` against the oldest and newest Kubernetes the chart supports, checks of what the
chart promises (non-root, read-only root, probes on the server's real paths and ports,
headless Service publishing not-ready addresses, ...), and a byte-for-byte comparison with
tests/helm/golden/<scenario>.yaml. Every file in tests/helm/invalid/ must be refused, with
the message its `# expect:` line names. The three-node render is also made with the schema
removed (cluster mode is refused until replication exists) so the cluster templating is
reviewed in its golden file too.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import helm_python as helm
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "driftdb"
HERE = ROOT / "tests" / "helm"
GOLDEN = HERE / "golden"
RELEASE = {"name": "drift", "namespace": "data"}
# The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion) and the newest known.
KUBE_VERSIONS = ["1.30.0", "1.37.0"]
YAMLLINT = """
extends: default
rules:
  line-length: {max: 120}
  document-start: disable
  indentation: {spaces: 2, indent-sequences: whatever}
  comments: {min-spaces-from-content: 1}
  truthy: {check-keys: false}
"""

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}", file=sys.stderr)


def load_values(path):
    text = pathlib.Path(path).read_text()
    return yaml.safe_load(text) or {}, text


def render(values, chart=CHART):
    manifests = helm.Chart.load(str(chart)).render(values, **RELEASE)
    # Template path -> documents, skipping NOTES.txt and templates that rendered nothing.
    out = {}
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt") or not text.strip():
            continue
        out[path] = text
    return out


def documents(manifests):
    docs = []
    for path, text in manifests.items():
        for doc in yaml.safe_load_all(text):
            if doc:
                docs.append((path, doc))
    return docs


def golden_text(manifests):
    return "".join(f"---\n# Source: {path}\n{text.strip()}\n" for path, text in manifests.items())


def compare_golden(name, text, update):
    path = GOLDEN / f"{name}.yaml"
    if update:
        path.write_text(text)
        return
    if not path.exists():
        fail(f"{name}: no golden file {path.relative_to(ROOT)} (run with --update and review it)")
    elif path.read_text() != text:
        fail(f"{name}: the render differs from {path.relative_to(ROOT)} (run with --update and review the diff)")


def run(command, what):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{what}:\n{result.stdout}{result.stderr}")
    return result


def lint(name, values):
    report = helm.lint(str(CHART), values, strict=True, kube_version="v" + KUBE_VERSIONS[0])
    for message in report.get("messages", []):
        if message.get("severity", 0) >= 2:
            fail(f"{name}: helm lint: {message.get('path')}: {message.get('error')}")
    for error in report.get("errors") or []:
        fail(f"{name}: helm lint: {error}")


def validate(name, manifests, workdir):
    files = []
    for i, (path, doc) in enumerate(documents(manifests)):
        if doc.get("kind") == "ServiceMonitor":
            continue  # A CRD: checked structurally in check_promises.
        file = workdir / f"{name}-{i}.yaml"
        file.write_text(yaml.safe_dump(doc))
        files.append(str(file))
    for version in KUBE_VERSIONS:
        run(["kubernetes-validate", "--strict", "--quiet", "-k", version, *files],
            f"{name}: kubernetes-validate {version}")
    raw = []
    for i, text in enumerate(manifests.values()):
        file = workdir / f"{name}-raw-{i}.yaml"
        file.write_text(text)
        raw.append(str(file))
    run([sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT, *raw], f"{name}: yamllint")


def server_container(docs):
    sts = next(doc for _, doc in docs if doc["kind"] == "StatefulSet")
    return sts, next(c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "driftdb")


def check_promises(name, docs, values):
    by_kind = {}
    for _, doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    sts, server = server_container(docs)
    pod = sts["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in server.get("env", [])}
    ports = {p["name"]: p["containerPort"] for p in server["ports"]}

    def check(condition, message):
        if not condition:
            fail(f"{name}: {message}")

    check(sts["spec"]["podManagementPolicy"] == "Parallel", "podManagementPolicy is Parallel")
    check(env.get("DRIFTDB_LISTEN") in ("0.0.0.0", "::"), "the server listens on every interface in the pod")
    check(env.get("DRIFTDB_DATA_DIR") == "/data", "the data directory is the volume")
    for port, variable in [("grpc", "DRIFTDB_GRPC_PORT"), ("postgres", "DRIFTDB_PG_PORT"), ("http", "DRIFTDB_HTTP_PORT")]:
        check(str(ports.get(port)) == env.get(variable), f"containerPort {port} is the port {variable} gives the server")
    probes = {kind: server.get(kind) for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    check(probes["livenessProbe"]["httpGet"]["path"] == "/health/live", "liveness on /health/live")
    check(probes["readinessProbe"]["httpGet"]["path"] == "/health/ready", "readiness on /health/ready")
    startup = probes["startupProbe"]
    check(startup["periodSeconds"] * startup["failureThreshold"] >= 600, "the startup probe allows a long ledger replay")
    check(all(p["httpGet"]["port"] == "http" for p in probes.values()), "probes use the HTTP port")
    tls = values.get("tls", {}).get("enabled", False)
    check(all(p["httpGet"].get("scheme", "HTTP") == ("HTTPS" if tls else "HTTP") for p in probes.values()),
          "probes use HTTPS exactly when TLS is on (--require-tls covers the HTTP port)")
    check("sleep" in server["lifecycle"]["preStop"], "a preStop hook lets endpoints drain")
    check(pod["terminationGracePeriodSeconds"] > server["lifecycle"]["preStop"]["sleep"]["seconds"] + 10,
          "the grace period covers the preStop sleep and the server's 10 s drain")
    mounts = {m["mountPath"] for m in server["volumeMounts"]}
    check("/data" in mounts, "the data volume is mounted at /data")
    if values.get("persistence", {}).get("enabled", True):
        claims = sts["spec"].get("volumeClaimTemplates", [])
        check([c["metadata"]["name"] for c in claims] == ["data"], "one persistent volume per pod")
    for kind_docs in (by_kind.get("StatefulSet", []), by_kind.get("Pod", [])):
        for doc in kind_docs:
            spec = doc["spec"]["template"]["spec"] if doc["kind"] == "StatefulSet" else doc["spec"]
            check(spec["securityContext"].get("runAsNonRoot") is True, f"{doc['kind']} runs as non-root")
            check(spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", "seccomp RuntimeDefault")
            check(spec.get("automountServiceAccountToken") is False, "no service account token")
            for container in spec["containers"]:
                sc = container["securityContext"]
                check(sc.get("readOnlyRootFilesystem") is True, f"{container['name']}: read-only root file system")
                check(sc.get("allowPrivilegeEscalation") is False, f"{container['name']}: no privilege escalation")
                check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{container['name']}: capabilities dropped")
    services = by_kind.get("Service", [])
    headless = [s for s in services if s["spec"].get("clusterIP") == "None"]
    check(len(headless) == 1 and headless[0]["spec"].get("publishNotReadyAddresses") is True,
          "a headless Service publishes not-ready addresses")
    check(sts["spec"]["serviceName"] == headless[0]["metadata"]["name"], "the StatefulSet's serviceName is the headless Service")
    labels = sts["spec"]["template"]["metadata"]["labels"]
    for service in services:
        check(all(labels.get(k) == v for k, v in service["spec"]["selector"].items()),
              f"Service {service['metadata']['name']} selects the server pods")
        for port in service["spec"]["ports"]:
            check(port["targetPort"] in ports, f"Service port {port['name']} targets a container port")
    client = [s for s in services if s not in headless]
    check({p["name"] for p in client[0]["spec"]["ports"]} == {"grpc", "postgres", "http"},
          "the client Service exposes gRPC, PostgreSQL and HTTP")
    for doc in by_kind.get("ServiceMonitor", []):
        selector = doc["spec"]["selector"]["matchLabels"]
        chosen = [s for s in services if all(s["metadata"]["labels"].get(k) == v for k, v in selector.items())]
        check(chosen == headless, "the ServiceMonitor selects the headless Service (every pod, ready or not)")
        check([e["port"] for e in doc["spec"]["endpoints"]] == ["http"] and doc["spec"]["endpoints"][0]["path"] == "/metrics",
              "the ServiceMonitor scrapes /metrics on the HTTP port")
    for doc in by_kind.get("ConfigMap", []):
        for key, text in doc["data"].items():
            dashboard = json.loads(text)
            exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
            check(all("driftdb_" in e for e in exprs), f"dashboard {key}: every panel reads DriftDB's metrics")
    if values.get("auth", {}).get("existingSecret"):
        check(env.get("DRIFTDB_SUPERUSER_PASSWORD_FILE", "").startswith("/etc/driftdb/auth/"),
              "the superuser password comes from the mounted Secret")
        check(not any("PASSWORD" in k and v for k, v in env.items() if not k.endswith("_FILE")),
              "no password in the pod's environment")
    tests = [d for d in by_kind.get("Pod", []) if d["metadata"]["annotations"].get("helm.sh/hook") == "test"]
    check(len(tests) == 2, "two helm test pods")
    for test in tests:
        check(test["spec"]["containers"][0]["image"] == server["image"], "helm tests use DriftDB's own image")
        for e in test["spec"]["containers"][0].get("env", []):
            if e["name"] == "DRIFTDB_SERVER":
                check(e["value"].startswith("https://" if tls else "http://"), "the gRPC test connects in TLS exactly when TLS is on")


def pod_spec(values_path):
    """What the server container and the test pods of a scenario get, for the Rust test."""
    values, _ = load_values(values_path)
    docs = documents(render(values))
    sts, server = server_container(docs)
    tests = [doc for _, doc in docs if doc["kind"] == "Pod"]
    spec = {
        "server": {
            "command": server.get("command", []) + server.get("args", []),
            "env": {e["name"]: e.get("value") for e in server["env"] if "value" in e},
            "ports": {p["name"]: p["containerPort"] for p in server["ports"]},
            "probes": {
                k: {"path": server[k]["httpGet"]["path"], "scheme": server[k]["httpGet"].get("scheme", "HTTP")}
                for k in ("startupProbe", "livenessProbe", "readinessProbe") if k in server
            },
            "mounts": {m["name"]: m["mountPath"] for m in server["volumeMounts"]},
            "secret_items": {
                v["name"]: [i["path"] for i in v["secret"].get("items", [])]
                for v in sts["spec"]["template"]["spec"]["volumes"] if "secret" in v
            },
        },
        "service_host": next(
            e["value"] for t in tests for e in t["spec"]["containers"][0].get("env", []) if e["name"] == "DRIFTDB_SERVER"
        ),
        "tests": [
            {
                "name": t["metadata"]["name"],
                "command": t["spec"]["containers"][0]["command"],
                "env": {e["name"]: e.get("value") for e in t["spec"]["containers"][0].get("env", []) if "value" in e},
                "secret_env": [e["name"] for e in t["spec"]["containers"][0].get("env", []) if "valueFrom" in e],
            }
            for t in tests
        ],
    }
    print(json.dumps(spec, indent=2))


def check_invalid():
    for path in sorted((HERE / "invalid").glob("*.yaml")):
        values, text = load_values(path)
        expect = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# expect:"))
        try:
            render(values)
        except helm.HelmError as e:
            if expect not in str(e):
                fail(f"invalid/{path.name}: refused, but the message lacks {expect!r}: {e}")
            continue
        fail(f"invalid/{path.name}: accepted; it must be refused ({expect})")


def check_cluster_render(update, workdir):
    """The three-node render, the schema's refusal set aside, for review in its golden file."""
    chart = workdir / "driftdb"
    shutil.copytree(CHART, chart)
    (chart / "values.schema.json").unlink()
    values, _ = load_values(HERE / "invalid" / "three-nodes.yaml")
    manifests = render(values, chart)
    docs = documents(manifests)
    _, server = server_container(docs)
    env = {e["name"]: e.get("value") for e in server["env"]}
    peers = env.get("DRIFTDB_CLUSTER_PEERS", "")
    expected = ",".join(
        f"{i}=drift-driftdb-{i}.drift-driftdb-headless.data.svc.cluster.local:50052" for i in range(3)
    )
    if peers != expected:
        fail(f"cluster: peers {peers!r}, expected {expected!r}")
    if not any(doc["kind"] == "PodDisruptionBudget" for _, doc in docs):
        fail("cluster: no PodDisruptionBudget with three replicas")
    validate("three-nodes-unchecked", manifests, workdir)
    compare_golden("three-nodes-unchecked", golden_text(manifests), update)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "pod":
        pod_spec(sys.argv[2])
        return
    update = "--update" in sys.argv[1:]
    GOLDEN.mkdir(exist_ok=True)
    scenarios = sorted((CHART / "ci").glob("*-values.yaml"))
    if not scenarios:
        fail("no scenarios in helm/driftdb/ci")
    run([sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT, str(CHART / "values.yaml"), str(CHART / "Chart.yaml"),
         *map(str, scenarios), *map(str, (HERE / "invalid").glob("*.yaml"))], "yamllint of the chart's own files")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        for path in scenarios:
            name = path.name.removesuffix("-values.yaml")
            values, _ = load_values(path)
            lint(name, values)
            try:
                manifests = render(values)
            except helm.HelmError as e:
                fail(f"{name}: render failed: {e}")
                continue
            validate(name, manifests, workdir)
            check_promises(name, documents(manifests), values)
            compare_golden(name, golden_text(manifests), update)
        check_invalid()
        check_cluster_render(update, workdir)
    if failures:
        sys.exit(f"{len(failures)} chart check(s) failed")
    print(f"chart checks passed: {len(scenarios)} scenarios, "
          f"{len(list((HERE / 'invalid').glob('*.yaml')))} refused values files")


if __name__ == "__main__":
    main()
