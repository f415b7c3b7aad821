#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| thinslice::fuzz::mapping_yaml(data));
