#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| synthkit_fuzz::doc_json_array(data));
