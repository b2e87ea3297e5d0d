#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for a bounded time each, growing its corpus in
# fuzz/corpus/<target>; a crash stops the run and leaves its input in
# fuzz/artifacts/<target>/. Keep it as a regression test: after the fix, move it to
# fuzz/regressions/<target>/ (tests/fuzz_corpora.rs replays both folders at every build).
#
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]
#
# Needs cargo-fuzz (installed here if missing). The machine's toolchain is stable: libFuzzer's
# instrumentation flags are stable, and RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass the one
# unstable flag it uses; no sanitizer is built in (-s none), a panic is the crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(record_batch sidecar ledger_record snapshot pg_frontend pg_binary_parameter projection_event)
fi
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    echo "== $target: ${seconds}s"
    # --dev: the debug profile (fast to build; debug assertions on); -s none: no sanitizer.
    cargo fuzz run --fuzz-dir fuzz --dev -s none "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10
    # Keep the corpus small: only the inputs that add coverage.
    cargo fuzz cmin --fuzz-dir fuzz --dev -s none "$target" "fuzz/corpus/$target" -- \
        -max_len=65536
done
