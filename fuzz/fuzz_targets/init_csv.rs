#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| thinslice::fuzz::init_csv(data));
