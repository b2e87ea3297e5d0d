//! The README's SQL quick start, run exactly as written: the block between the
//! `quickstart:begin` and `quickstart:end` markers goes to `bash -euo pipefail` in an empty
//! directory with the built `driftdb` first on `PATH`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_quick_start_runs_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let block = readme
        .split("<!-- quickstart:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- quickstart:end -->").next())
        .expect("README has a quick start between markers");
    let script = block
        .trim()
        .strip_prefix("```sh")
        .and_then(|s| s.strip_suffix("```"))
        .expect("the quick start is one sh code block");
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = Path::new(env!("CARGO_BIN_EXE_driftdb"))
        .parent()
        .expect("binary directory");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "quick start failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // What the comments in the block promise.
    for expected in [
        "CREATE TABLE @SEQ:0",
        "INSERT 0 3 @SEQ:1",
        "UPDATE 1 @SEQ:2",
        "COMMIT @SEQ:3",
        "CREATE INDEX @SEQ:4",
        "DELETE 1 @SEQ:5",
        "  2 | Gadget | 19.99",
        "  2 | Gadget | 24.50",
        "  1 |  8.99",
        "  2 | 17.99",
        "access=index_eq(products_by_category)",
        "  3 | Gizmo | INSERT      |                1 |              5",
        "  3 | Gizmo | DELETE      |                5 |",
        "CHECKPOINT",
        "VACUUM",
    ] {
        assert!(
            stdout.contains(expected),
            "quick start output lacks {expected:?}\n--- stdout\n{stdout}"
        );
    }
    // The read by time shows the price before the update, as the read at @SEQ:1 does.
    assert_eq!(
        stdout.matches("  2 | Gadget | 24.50").count(),
        2,
        "AS OF '<timestamp>' before the update reads 24.50\n{stdout}"
    );
}
