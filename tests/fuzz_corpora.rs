//! Replays every fuzz target's corpus and every crash the fuzzers found (`fuzz/corpus/<target>`,
//! `fuzz/regressions/<target>`) through the same entry points the targets call, so that a
//! decoder that once panicked, hung or ran away with memory on some bytes is tested on them
//! at every build, without libFuzzer (docs/design/fuzzing.md).

use std::path::{Path, PathBuf};

/// A target's entry point.
type Entry = fn(&[u8]);

/// Every target: its name (its folders') and its entry point.
const TARGETS: &[(&str, Entry)] = &[
    ("record_batch", driftdb_broker::log::fuzz::record_batch),
    ("sidecar", driftdb_broker::log::fuzz::sidecar),
    ("ledger_record", driftdb_projector::fuzz::ledger_record),
    ("snapshot", driftdb_projector::fuzz::snapshot),
    ("pg_frontend", driftdb_pg::fuzz::frontend),
    ("pg_binary_parameter", driftdb_pg::fuzz::binary_parameter),
    (
        "projection_event",
        driftdb_sql::session::fuzz_projection_event,
    ),
];

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_decodes_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut panicked = Vec::new();
    for (target, entry) in TARGETS {
        let corpus = inputs(&root.join("corpus").join(target));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{target} holds no inputs: run scripts/fuzz.sh"
        );
        let regressions = inputs(&root.join("regressions").join(target));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).expect("read an input");
            if std::panic::catch_unwind(|| entry(&data)).is_err() {
                panicked.push(path.display().to_string());
            }
        }
    }
    assert!(panicked.is_empty(), "decoders panicked on: {panicked:#?}");
}
