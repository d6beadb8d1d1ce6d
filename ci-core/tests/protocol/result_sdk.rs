//! The Python SDK dict shape (`xml_to_dict`) for the seed documents.

use ci_core::result::{xml_to_dict, ResultError, SdkValue, UploadResult};

const PUT: &str = include_str!("../../../tests/fixtures/seeds/upload_result_put.xml");
const MATTING: &str = include_str!("../../../tests/fixtures/seeds/upload_result_aipicmatting.xml");

fn s(v: &str) -> SdkValue {
    SdkValue::Str(v.into())
}

fn dict(entries: &[(&str, SdkValue)]) -> SdkValue {
    SdkValue::Dict(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// The shape wire.md and seed 001 show (`'ProcessResults': {'Object': {...}}`, every leaf a
/// string, ETag with its quotes), with the values of the seed 002 document.
fn expected_put() -> SdkValue {
    dict(&[
        (
            "OriginalInfo",
            dict(&[
                ("Key", s("filename.jpg")),
                (
                    "Location",
                    s("examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg"),
                ),
                ("ETag", s("\"580cd6930444576523c25f86ce2af9b1fc2d5484\"")),
                (
                    "ImageInfo",
                    dict(&[
                        ("Format", s("JPEG")),
                        ("Width", s("640")),
                        ("Height", s("427")),
                        ("Quality", s("100")),
                        ("Ave", s("0xa18454")),
                        ("Orientation", s("1")),
                        ("FrameCount", s("1")),
                    ]),
                ),
            ]),
        ),
        (
            "ProcessResults",
            dict(&[(
                "Object",
                dict(&[
                    ("Key", s("test.png")),
                    (
                        "Location",
                        s("examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png"),
                    ),
                    ("Format", s("png")),
                    ("Width", s("640")),
                    ("Height", s("427")),
                    ("Size", s("463092")),
                    ("Quality", s("100")),
                    ("ETag", s("\"eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c\"")),
                    ("FrameCount", s("1")),
                ]),
            )]),
        ),
    ])
}

#[test]
fn seed_002_dict() {
    assert_eq!(xml_to_dict(PUT), Ok(expected_put()));
}

#[test]
fn seed_002_dict_python_repr() {
    assert_eq!(
        xml_to_dict(PUT).map(|d| d.to_python_repr()),
        Ok("{'OriginalInfo': {'Key': 'filename.jpg', \
            'Location': 'examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg', \
            'ETag': '\"580cd6930444576523c25f86ce2af9b1fc2d5484\"', \
            'ImageInfo': {'Format': 'JPEG', 'Width': '640', 'Height': '427', 'Quality': '100', \
            'Ave': '0xa18454', 'Orientation': '1', 'FrameCount': '1'}}, \
            'ProcessResults': {'Object': {'Key': 'test.png', \
            'Location': 'examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png', \
            'Format': 'png', 'Width': '640', 'Height': '427', 'Size': '463092', \
            'Quality': '100', 'ETag': '\"eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c\"', \
            'FrameCount': '1'}}}"
            .to_owned())
    );
}

#[test]
fn to_sdk_dict_matches_xml_to_dict() -> Result<(), ResultError> {
    assert_eq!(UploadResult::from_xml(PUT)?.to_sdk_dict(), expected_put());
    // Seed 004 through the typed model: literal quotes and &quot; read the same.
    assert_eq!(
        UploadResult::from_xml(MATTING)?.to_sdk_dict(),
        xml_to_dict(MATTING)?
    );
    Ok(())
}

#[test]
fn empty_format_is_none_and_empty_process_results_is_none() -> Result<(), ResultError> {
    let d = xml_to_dict(MATTING)?;
    let object = d
        .get("ProcessResults")
        .and_then(|p| p.get("Object"))
        .expect("Object");
    assert_eq!(object.get("Format"), Some(&SdkValue::None));
    assert_eq!(
        object.get("Size").and_then(SdkValue::as_str),
        Some("354256")
    );
    assert_eq!(
        d.get("OriginalInfo")
            .and_then(|o| o.get("ETag"))
            .and_then(SdkValue::as_str),
        Some("\"ed60e3598e6862d8c8443a06acfb2153\"")
    );
    assert_eq!(
        xml_to_dict("<UploadResult>\n<OriginalInfo>\n<Key>k</Key>\n</OriginalInfo>\n<ProcessResults/>\n</UploadResult>")?,
        dict(&[
            ("OriginalInfo", dict(&[("Key", s("k"))])),
            ("ProcessResults", SdkValue::None)
        ])
    );
    Ok(())
}

#[test]
fn several_objects_become_a_list() -> Result<(), ResultError> {
    let d = xml_to_dict(
        "<UploadResult><ProcessResults><Object><Key>a</Key></Object><Object><Key>b</Key></Object>\
         <Object><Key>c</Key></Object></ProcessResults></UploadResult>",
    )?;
    assert_eq!(
        d,
        dict(&[(
            "ProcessResults",
            dict(&[(
                "Object",
                SdkValue::List(vec![
                    dict(&[("Key", s("a"))]),
                    dict(&[("Key", s("b"))]),
                    dict(&[("Key", s("c"))]),
                ])
            )])
        )])
    );
    Ok(())
}

#[test]
fn error_body_and_declaration() -> Result<(), ResultError> {
    let d = xml_to_dict(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>NoSuchKey</Code>\n\
         <Message>The specified key does not exist.</Message>\n<Resource>r</Resource>\n\
         <RequestId>id</RequestId>\n<TraceId/>\n</Error>",
    )?;
    assert_eq!(
        d.to_python_repr(),
        "{'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.', \
         'Resource': 'r', 'RequestId': 'id', 'TraceId': None}"
    );
    Ok(())
}

#[test]
fn malformed_input_is_an_error() {
    for bad in [
        "",
        "<a>",
        "<a><b></a>",
        "<a/><b/>",
        "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
    ] {
        assert!(
            matches!(xml_to_dict(bad), Err(ResultError::XmlSyntax { .. })),
            "{bad:?}"
        );
    }
}
