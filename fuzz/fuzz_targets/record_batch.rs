#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftdb_log::fuzz::record_batch(data));
