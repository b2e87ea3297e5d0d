#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftdb_sql::session::fuzz_projection_event(data));
