//! No parser of the `result` module panics, whatever the input.

use ci_core::result::{
    xml_to_dict, CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePicResult,
    CosError, InitiateMultipartUploadResult, UploadResult, V4Response,
};
use proptest::prelude::*;

const PUT: &str = include_str!("../../../tests/fixtures/seeds/upload_result_put.xml");
const MATTING: &str = include_str!("../../../tests/fixtures/seeds/upload_result_aipicmatting.xml");
const V4: &str = include_str!("../../../tests/fixtures/seeds/v4_upload.json");

fn parse_all(input: &str) {
    let _ = UploadResult::from_xml(input);
    let _ = CosError::from_xml(input);
    let _ = InitiateMultipartUploadResult::from_xml(input);
    let _ = CompleteMultipartUpload::from_xml(input);
    let _ = CompleteMultipartUploadResult::from_xml(input);
    if let Ok(r) = CompletePicResult::from_xml(input) {
        assert_eq!(
            CompletePicResult::from_xml(&r.to_xml()).ok(),
            Some(r.clone())
        );
        let _ = r.to_sdk_dict();
    }
    let _ = V4Response::from_json(input);
    if let Ok(d) = xml_to_dict(input) {
        let _ = d.to_python_repr();
    }
    if let Ok(r) = UploadResult::from_xml(input) {
        // Whatever parses serialises and reads back to the same model.
        assert_eq!(UploadResult::from_xml(&r.to_xml()).ok(), Some(r.clone()));
        let _ = r.to_sdk_dict();
    }
}

/// Seed 002's results in the multipart completion's combined form.
fn combined() -> String {
    PUT.replacen(
        "<UploadResult>",
        "<CompleteMultipartUploadResult>\n<Location>b-1.cos.ap-chengdu.myqcloud.com/k</Location>\n\
         <Bucket>b-1</Bucket>\n<Key>k</Key>\n<ETag>&quot;ab-2&quot;</ETag>",
        1,
    )
    .replacen("</UploadResult>", "</CompleteMultipartUploadResult>", 1)
}

/// Splices `insert` into `base` at `at` (clamped to a char boundary) after removing `cut`
/// characters: mutations of real documents reach deeper than random text.
fn mutate(base: &str, at: usize, cut: usize, insert: &str) -> String {
    let chars: Vec<char> = base.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + cut).min(chars.len());
    chars[..at]
        .iter()
        .chain(insert.chars().collect::<Vec<_>>().iter())
        .chain(chars[end..].iter())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        parse_all(&input);
    }

    #[test]
    fn xmlish_strings_never_panic(input in "[<>/a-zA-Z&;#x0-9\"'=! \n\\[\\]?:{},-]{0,64}") {
        parse_all(&input);
    }

    #[test]
    fn mutated_seeds_never_panic(
        which in 0usize..4,
        at in any::<usize>(),
        cut in 0usize..16,
        insert in "[<>/a-zA-Z&;#0-9\"',:{}\\[\\] \n]{0,12}",
    ) {
        let combined = combined();
        let base = [PUT, MATTING, V4, combined.as_str()][which];
        parse_all(&mutate(base, at, cut, &insert));
    }
}

#[test]
fn combined_seed_parses() {
    let r = CompletePicResult::from_xml(&combined()).expect("the combined seed parses");
    assert_eq!(r.completion.map(|c| c.etag), Some("\"ab-2\"".to_owned()));
    assert_eq!(r.upload_result.process_results.len(), 1);
}
