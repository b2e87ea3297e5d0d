#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftdb_pg::fuzz::binary_parameter(data));
