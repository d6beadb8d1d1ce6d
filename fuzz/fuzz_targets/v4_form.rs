#![no_main]
//! Any body and boundary as a v4 multipart/form-data request: no panic, a result or a
//! refusal; the file never exceeds its limit.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the boundary, the rest the body.
    let (boundary, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"XX"[..], data),
    };
    let content_type = format!(
        "multipart/form-data; boundary={}",
        String::from_utf8_lossy(boundary)
    );
    if let Ok((_, _, Some(file))) = ci_server::fuzzing::parse_v4_form(&content_type, body, 4096) {
        assert!(file.len() <= 4096);
    }
});
