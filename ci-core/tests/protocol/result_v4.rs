//! The v4 API JSON answers of seed 003.

use ci_core::result::{ResultError, V4Data, V4Response};

const UPLOAD: &str = include_str!("../../../tests/fixtures/seeds/v4_upload.json");
const IMAGE_PROCESS: &str = include_str!("../../../tests/fixtures/seeds/v4_image_process.json");

#[test]
fn seed_fixtures_carry_the_trailing_comma() {
    for json in [UPLOAD, IMAGE_PROCESS] {
        assert!(json.contains("\"quality\":100,\n}"));
        assert!(serde_json::from_str::<serde_json::Value>(json).is_err());
    }
}

#[test]
fn seed_fixtures_lack_the_final_brace() {
    for json in [UPLOAD, IMAGE_PROCESS] {
        assert_eq!(json.matches('{').count(), json.matches('}').count() + 1);
        assert!(matches!(
            V4Response::from_json_strict(&json.replace(",\n}", "\n}")),
            Err(ResultError::Json { .. })
        ));
    }
}

#[test]
fn strict_parser_rejects_trailing_commas() {
    assert!(V4Response::from_json_strict(r#"{"code":0,}"#).is_err());
    assert!(V4Response::from_json_strict(r#"{"code":0}"#).is_ok());
}

#[test]
fn seed_upload_answer() -> Result<(), ResultError> {
    let r = V4Response::from_json(UPLOAD)?;
    assert_eq!(r.code, 0);
    assert_eq!(r.message, "SUCCESS");
    assert_eq!(
        r.request_id.as_deref(),
        Some("NTlhNDBhZGVfOTYyMjViNjRfMTc3Ml8yYWQ5NWU=")
    );
    let data = r.data.as_ref().expect("data");
    assert_eq!(
        data.access_url.as_deref(),
        Some("http://bucket-appid.file.myqcloud.com/sample_file.jpg")
    );
    assert_eq!(
        data.resource_path.as_deref(),
        Some("/appid/bucket/sample_file.jpg")
    );
    assert_eq!(
        data.source_url.as_deref(),
        Some("http://bucket-appid.cosgz.myqcloud.com /sample_file.jpg")
    );
    assert_eq!(
        data.url.as_deref(),
        Some("http://gz.file.myqcloud.com/files/v2/appid/bucket/sample_file.jpg")
    );
    assert_eq!(data.timecost, Some(500));
    let info = data.image_info.as_ref().expect("image_info");
    let original = info.original_info.as_ref().expect("original_info");
    assert_eq!(
        (original.format.as_str(), original.width, original.height),
        ("JPEG", 50, 200)
    );
    assert_eq!(original.ave.as_deref(), Some("0xa18432"));
    assert_eq!(
        (original.orientation, original.quality),
        (Some(1), Some(100))
    );
    assert_eq!(info.process_results.len(), 1);
    let p = &info.process_results[0];
    assert_eq!(p.file_id, "test1.png");
    assert_eq!(p.format.as_deref(), Some("PNG"));
    assert_eq!(
        (p.width, p.height, p.size, p.quality),
        (Some(200), Some(50), Some(100200), Some(100))
    );
    assert_eq!(p.vid.as_deref(), Some("value"));
    assert_eq!(
        p.access_url.as_deref(),
        Some("http://bucket-appid.file.myqcloud.com/test1.png")
    );
    Ok(())
}

#[test]
fn seed_image_process_answer_lacks_urls() -> Result<(), ResultError> {
    let r = V4Response::from_json(IMAGE_PROCESS)?;
    let data = r.data.expect("data");
    assert_eq!(data.access_url, None);
    assert_eq!(data.url, None);
    assert_eq!(data.timecost, Some(500));
    let upload = V4Response::from_json(UPLOAD)?.data.expect("data");
    assert_eq!(data.image_info, upload.image_info);
    Ok(())
}

#[test]
fn to_json_is_strict_compact_and_round_trips() -> Result<(), ResultError> {
    for json in [UPLOAD, IMAGE_PROCESS] {
        let r = V4Response::from_json(json)?;
        let out = r.to_json();
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "{out}"
        );
        assert!(!out.contains(",}") && !out.contains(",]") && !out.contains('\n'));
        assert_eq!(V4Response::from_json(&out)?, r);
    }
    let r = V4Response::from_json(IMAGE_PROCESS)?;
    assert!(r.to_json().starts_with(
        "{\"code\":0,\"message\":\"SUCCESS\",\"request_id\":\"NTlhNDBhZGVfOTYyMjViNjRfMTc3Ml8yYWQ5NWU=\",\"data\":{\"timecost\":500,"
    ));
    Ok(())
}

#[test]
fn error_answer_and_commas_inside_strings() -> Result<(), ResultError> {
    let r =
        V4Response::from_json(r#"{"code":-133,"message":"ERROR_CMD_BUCKET_NOTEXIST, see ,}",}"#)?;
    assert_eq!(r.code, -133);
    assert_eq!(r.message, "ERROR_CMD_BUCKET_NOTEXIST, see ,}");
    assert_eq!(r.data, None::<V4Data>);
    assert_eq!(
        r.to_json(),
        r#"{"code":-133,"message":"ERROR_CMD_BUCKET_NOTEXIST, see ,}"}"#
    );
    Ok(())
}

#[test]
fn json_errors_have_positions() {
    match V4Response::from_json("{\n\"code\":\"zero\"\n}") {
        Err(ResultError::Json { line, .. }) => assert_eq!(line, 2),
        other => panic!("unexpected {other:?}"),
    }
    for bad in [
        "",
        "{",
        "{\"code\":[1,]}",
        "{\"code\":0,,}",
        "{\"message\":\"no code\"}",
    ] {
        assert!(V4Response::from_json(bad).is_err(), "{bad:?}");
    }
}
