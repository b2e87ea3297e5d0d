#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftdb_projector::fuzz::ledger_record(data));
