//! QR-code results: `CodeStatus` and `QRcodeInfo` inside a ProcessResults `<Object>`
//! (wire-ci.md §D2) and the download answer's `<Response>` (§D1), byte for byte, parsed
//! back, and as the Python SDK's dict.

use ci_core::result::{
    CodeLocation, ProcessResult, QrCodeInfo, QrCodeResponse, SdkValue, UploadResult,
};

fn info(url: &str, points: [&str; 4]) -> QrCodeInfo {
    QrCodeInfo {
        code_url: url.into(),
        code_location: CodeLocation {
            points: points.iter().map(|p| p.to_string()).collect(),
        },
    }
}

fn object(code_status: u32, codes: Vec<QrCodeInfo>) -> ProcessResult {
    ProcessResult {
        key: "qr.jpg".into(),
        location: "b-1250000000.cos.ap-guangzhou.myqcloud.com/qr.jpg".into(),
        format: Some("jpg".into()),
        width: Some(640),
        height: Some(400),
        size: Some(55130),
        etag: "\"ab\"".into(),
        code_status: Some(code_status),
        qr_code_info: codes,
        ..ProcessResult::default()
    }
}

#[test]
fn process_results_carry_code_status_and_every_code_after_the_image_fields() {
    let result = UploadResult {
        original_info: None,
        process_results: vec![object(
            1,
            vec![
                info(
                    "https://a.example/x?y=1&z=2",
                    ["330,150", "432,150", "432,252", "330,252"],
                ),
                info("second", ["1,2", "3,4", "5,6", "7,8"]),
            ],
        )],
    };
    let xml = result.to_xml();
    assert_eq!(
        xml,
        "<UploadResult>\n<ProcessResults>\n<Object>\n<Key>qr.jpg</Key>\n\
         <Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/qr.jpg</Location>\n\
         <Format>jpg</Format>\n<Width>640</Width>\n<Height>400</Height>\n<Size>55130</Size>\n\
         <ETag>&quot;ab&quot;</ETag>\n<CodeStatus>1</CodeStatus>\n\
         <QRcodeInfo>\n<CodeUrl>https://a.example/x?y=1&amp;z=2</CodeUrl>\n<CodeLocation>\n\
         <Point>330,150</Point>\n<Point>432,150</Point>\n<Point>432,252</Point>\n\
         <Point>330,252</Point>\n</CodeLocation>\n</QRcodeInfo>\n\
         <QRcodeInfo>\n<CodeUrl>second</CodeUrl>\n<CodeLocation>\n<Point>1,2</Point>\n\
         <Point>3,4</Point>\n<Point>5,6</Point>\n<Point>7,8</Point>\n</CodeLocation>\n\
         </QRcodeInfo>\n</Object>\n</ProcessResults>\n</UploadResult>"
    );
    assert_eq!(UploadResult::from_xml(&xml).unwrap(), result);
    let coords = result.process_results[0].qr_code_info[0]
        .code_location
        .coordinates();
    assert_eq!(coords[0], Some((330, 150)));

    // The Python SDK's shape: several codes are a list, one is a dict.
    let dict = result.to_sdk_dict();
    let object = dict
        .get("ProcessResults")
        .and_then(|p| p.get("Object"))
        .unwrap();
    assert_eq!(object.get("CodeStatus"), Some(&SdkValue::Str("1".into())));
    assert!(matches!(object.get("QRcodeInfo"), Some(SdkValue::List(l)) if l.len() == 2));
    let one = UploadResult {
        original_info: None,
        process_results: vec![object_with_one()],
    };
    let dict = one.to_sdk_dict();
    let code = dict
        .get("ProcessResults")
        .and_then(|p| p.get("Object"))
        .and_then(|o| o.get("QRcodeInfo"))
        .unwrap();
    assert_eq!(code.get("CodeUrl"), Some(&SdkValue::Str("only".into())));
}

fn object_with_one() -> ProcessResult {
    object(1, vec![info("only", ["0,0", "9,0", "9,9", "0,9"])])
}

#[test]
fn no_code_is_code_status_0_and_other_objects_carry_neither() {
    let none = object(0, Vec::new());
    let xml = UploadResult {
        original_info: None,
        process_results: vec![none.clone()],
    }
    .to_xml();
    assert!(
        xml.contains("<ETag>&quot;ab&quot;</ETag>\n<CodeStatus>0</CodeStatus>\n</Object>"),
        "{xml}"
    );
    assert!(!xml.contains("QRcodeInfo"));
    let plain = ProcessResult {
        code_status: None,
        ..none
    };
    let xml = UploadResult {
        original_info: None,
        process_results: vec![plain.clone()],
    }
    .to_xml();
    assert!(!xml.contains("CodeStatus"), "{xml}");
    assert_eq!(
        UploadResult::from_xml(&xml).unwrap().process_results[0],
        plain
    );
}

#[test]
fn the_documented_download_answer_parses() {
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n  <CodeStatus>1</CodeStatus>\n  \
               <QRcodeInfo>\n    <CodeUrl>https://www.example.com</CodeUrl>\n    <CodeLocation>\n      \
               <Point>x1,y1</Point><Point>327,257</Point><Point>330,353</Point><Point>232,353</Point>\n    \
               </CodeLocation>\n  </QRcodeInfo>\n  <ResultImage>aGVsbG8=</ResultImage>\n  <Extra>1</Extra>\n</Response>";
    let r = QrCodeResponse::from_xml(doc).unwrap();
    assert_eq!(r.code_status, 1);
    assert_eq!(r.qr_code_info.len(), 1);
    assert_eq!(
        r.qr_code_info[0].code_location.coordinates(),
        [None, Some((327, 257)), Some((330, 353)), Some((232, 353))]
    );
    assert_eq!(r.result_image.as_deref(), Some("aGVsbG8="));
    assert_eq!(QrCodeResponse::from_xml(&r.to_xml()).unwrap(), r);
    let none = QrCodeResponse::from_xml("<Response><CodeStatus>0</CodeStatus></Response>").unwrap();
    assert_eq!(none, QrCodeResponse::default());
    assert_eq!(
        none.to_xml(),
        "<Response>\n<CodeStatus>0</CodeStatus>\n</Response>"
    );
    assert!(QrCodeResponse::from_xml("<UploadResult/>").is_err());
}
