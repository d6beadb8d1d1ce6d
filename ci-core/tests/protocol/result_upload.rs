//! `UploadResult` XML: seed round trips, shapes, errors.

use ci_core::result::{ImageInfo, OriginalInfo, ProcessResult, ResultError, UploadResult};

const PUT: &str = include_str!("../../../tests/fixtures/seeds/upload_result_put.xml");
const IMAGE_PROCESS: &str =
    include_str!("../../../tests/fixtures/seeds/upload_result_image_process.xml");
const MATTING: &str = include_str!("../../../tests/fixtures/seeds/upload_result_aipicmatting.xml");

fn parse(xml: &str) -> UploadResult {
    match UploadResult::from_xml(xml) {
        Ok(r) => r,
        Err(e) => panic!("parse failed: {e}\n{xml}"),
    }
}

#[test]
fn seed_002_put_parses_to_the_expected_model() {
    let r = parse(PUT);
    let expected = UploadResult {
        original_info: Some(OriginalInfo {
            key: "filename.jpg".into(),
            location: "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg".into(),
            etag: "\"580cd6930444576523c25f86ce2af9b1fc2d5484\"".into(),
            image_info: Some(ImageInfo {
                md5: None,
                format: "JPEG".into(),
                width: 640,
                height: 427,
                quality: Some(100),
                ave: Some("0xa18454".into()),
                orientation: Some(1),
                frame_count: Some(1),
                bit_depth: None,
                vertical_dpi: None,
                horizontal_dpi: None,
            }),
        }),
        process_results: vec![ProcessResult {
            key: "test.png".into(),
            location: "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png".into(),
            format: Some("png".into()),
            width: Some(640),
            height: Some(427),
            size: Some(463092),
            quality: Some(100),
            etag: "\"eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c\"".into(),
            frame_count: Some(1),
            ..ProcessResult::default()
        }],
    };
    assert_eq!(r, expected);
}

#[test]
fn seed_002_examples_round_trip_byte_for_byte() {
    for xml in [PUT, IMAGE_PROCESS] {
        assert_eq!(parse(xml).to_xml(), xml);
    }
}

#[test]
fn seed_004_matting_parses() {
    let r = parse(MATTING);
    let original = r.original_info.as_ref().expect("OriginalInfo");
    assert_eq!(original.key, "goods_matting.jpg");
    assert_eq!(original.etag, "\"ed60e3598e6862d8c8443a06acfb2153\"");
    assert_eq!(original.image_info, None);
    assert_eq!(
        r.process_results,
        vec![ProcessResult {
            key: "goods_matting_process.jpeg".into(),
            location: "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/exampleobject".into(),
            format: Some(String::new()),
            size: Some(354256),
            etag: "\"521451f63c331becf533e466732c1091\"".into(),
            ..ProcessResult::default()
        }]
    );
}

/// The seed writes literal `"` in ETags; we always write `&quot;` (as seed 002 does).
/// That is the only difference: `<Format/>` stays `<Format/>`.
#[test]
fn seed_004_reserialises_with_quot_entities() {
    let expected = MATTING.replace('"', "&quot;");
    assert_ne!(expected, MATTING);
    assert_eq!(
        parse(MATTING).to_xml(),
        "<UploadResult>\n<OriginalInfo>\n<Key>goods_matting.jpg</Key>\n\
         <Location>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg</Location>\n\
         <ETag>&quot;ed60e3598e6862d8c8443a06acfb2153&quot;</ETag>\n</OriginalInfo>\n\
         <ProcessResults>\n<Object>\n<Key>goods_matting_process.jpeg</Key>\n\
         <Location>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/exampleobject</Location>\n\
         <Format/>\n<Size>354256</Size>\n\
         <ETag>&quot;521451f63c331becf533e466732c1091&quot;</ETag>\n</Object>\n\
         </ProcessResults>\n</UploadResult>"
    );
    assert_eq!(parse(MATTING).to_xml(), expected);
}

fn object(key: &str) -> ProcessResult {
    ProcessResult {
        key: key.into(),
        location: format!("b-1250000000.cos.ap-guangzhou.myqcloud.com/{key}"),
        format: Some("webp".into()),
        etag: "\"00\"".into(),
        ..ProcessResult::default()
    }
}

#[test]
fn zero_one_many_objects() {
    for n in 0..4 {
        let r = UploadResult {
            original_info: None,
            process_results: (0..n).map(|i| object(&format!("out/{i}.webp"))).collect(),
        };
        let xml = r.to_xml();
        assert_eq!(xml.matches("<Object>").count(), n);
        assert_eq!(parse(&xml), r, "{xml}");
    }
    assert_eq!(UploadResult::default().to_xml(), "<UploadResult/>");
}

#[test]
fn empty_process_results_forms() {
    for xml in [
        "<UploadResult><ProcessResults/></UploadResult>",
        "<UploadResult>\n<ProcessResults>\n</ProcessResults>\n</UploadResult>",
        "<UploadResult></UploadResult>",
        "<UploadResult/>",
    ] {
        assert_eq!(parse(xml), UploadResult::default(), "{xml}");
    }
}

#[test]
fn all_optional_fields_round_trip_in_documented_order() {
    let r = UploadResult {
        original_info: Some(OriginalInfo {
            key: "a.gif".into(),
            location: "l".into(),
            etag: "\"e\"".into(),
            image_info: Some(ImageInfo {
                md5: Some("d41d8cd98f00b204e9800998ecf8427e".into()),
                format: "GIF".into(),
                width: 1,
                height: 2,
                quality: Some(100),
                ave: Some("0x000000".into()),
                orientation: Some(0),
                frame_count: Some(3),
                bit_depth: Some(8),
                vertical_dpi: Some(72),
                horizontal_dpi: Some(72),
            }),
        }),
        process_results: vec![ProcessResult {
            key: "k".into(),
            location: "l".into(),
            format: Some("PNG".into()),
            md5: Some("m".into()),
            width: Some(1),
            height: Some(2),
            size: Some(5_000_000_000),
            quality: Some(90),
            ave: Some("0x010203".into()),
            etag: "\"e\"".into(),
            frame_count: Some(1),
            bit_depth: Some(16),
            vertical_dpi: Some(300),
            horizontal_dpi: Some(301),
            code_status: None,
            qr_code_info: Vec::new(),
        }],
    };
    let xml = r.to_xml();
    assert!(xml.contains(
        "<Object>\n<Key>k</Key>\n<Location>l</Location>\n<Format>PNG</Format>\n<Md5>m</Md5>\n\
         <Width>1</Width>\n<Height>2</Height>\n<Size>5000000000</Size>\n<Quality>90</Quality>\n\
         <Ave>0x010203</Ave>\n<ETag>&quot;e&quot;</ETag>\n<FrameCount>1</FrameCount>\n\
         <BitDepth>16</BitDepth>\n<VerticalDpi>300</VerticalDpi>\n\
         <HorizontalDpi>301</HorizontalDpi>\n</Object>"
    ));
    assert!(xml.contains(
        "<ImageInfo>\n<Md5>d41d8cd98f00b204e9800998ecf8427e</Md5>\n<Format>GIF</Format>"
    ));
    assert_eq!(parse(&xml), r);
}

#[test]
fn unknown_elements_declaration_and_whitespace_are_tolerated() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <UploadResult xmlns=\"http://www.qcloud.com/document/product/436/7751\">\n  \
        <Extra><Deep>1</Deep></Extra>\n  <OriginalInfo>\n    <Key>a.jpg</Key>\n    \
        <Location>l</Location>\n    <Unknown/>\n    <ETag>\"e\"</ETag>\n    <ImageInfo>\
        <Format>jpeg</Format><Width>1</Width><Height>1</Height><Exif>x</Exif></ImageInfo>\n  \
        </OriginalInfo>\n  <!-- comment -->\n  <ProcessResults>\n    <Object><Key>x</Key>\
        <Location>l</Location><Orientation>6</Orientation><ETag>\"e\"</ETag></Object>\n  \
        </ProcessResults>\n  <Trailer/>\n</UploadResult>\n";
    let r = parse(xml);
    let original = r.original_info.expect("OriginalInfo");
    assert_eq!(original.etag, "\"e\"");
    assert_eq!(original.image_info.expect("ImageInfo").format, "jpeg");
    assert_eq!(r.process_results.len(), 1);
    assert_eq!(r.process_results[0].format, None);
}

#[test]
fn format_is_accepted_in_any_case() {
    for format in ["png", "PNG", "Png", "wEbP"] {
        let xml = format!(
            "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location>\
             <Format>{format}</Format><ETag>e</ETag></Object></ProcessResults></UploadResult>"
        );
        assert_eq!(
            parse(&xml).process_results[0].format.as_deref(),
            Some(format)
        );
    }
}

#[test]
fn errors_say_what_and_where() {
    let e = UploadResult::from_xml("<UploadResult>\n<OriginalInfo>\n</UploadResult>")
        .expect_err("mismatched end tag");
    match &e {
        ResultError::XmlSyntax { line, .. } => assert_eq!(*line, 3, "{e}"),
        other => panic!("unexpected {other:?}"),
    }

    let e = UploadResult::from_xml("<Error><Code>NoSuchKey</Code></Error>").expect_err("root");
    assert_eq!(
        e,
        ResultError::UnexpectedRoot {
            expected: "UploadResult",
            found: "Error".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "expected root element <UploadResult>, found <Error>"
    );

    let e = UploadResult::from_xml(
        "<UploadResult><OriginalInfo><Key>k</Key><ETag>e</ETag></OriginalInfo></UploadResult>",
    )
    .expect_err("missing Location");
    assert!(e.to_string().contains("Location"), "{e}");

    let e = UploadResult::from_xml(
        "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location>\
         <Width>wide</Width><ETag>e</ETag></Object></ProcessResults></UploadResult>",
    )
    .expect_err("bad number");
    assert!(
        matches!(
            e,
            ResultError::XmlShape {
                document: "UploadResult",
                ..
            }
        ),
        "{e}"
    );

    for bad in [
        "",
        "not xml",
        "<UploadResult>",
        "<UploadResult>&bogus;</UploadResult>",
    ] {
        assert!(UploadResult::from_xml(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn special_characters_are_escaped_and_read_back() {
    let mut o = object("a&b <c> 'd' \"e\".png");
    o.location = "x]]>y".into();
    let r = UploadResult {
        original_info: None,
        process_results: vec![o],
    };
    let xml = r.to_xml();
    assert!(
        xml.contains("<Key>a&amp;b &lt;c&gt; &apos;d&apos; &quot;e&quot;.png</Key>"),
        "{xml}"
    );
    assert_eq!(parse(&xml), r);
}

#[test]
fn unknown_element_between_objects() {
    let xml = "<UploadResult><ProcessResults><Object><Key>a</Key><Location>l</Location>\
               <ETag>e</ETag></Object><Note>x</Note><Object><Key>b</Key><Location>l</Location>\
               <ETag>e</ETag></Object></ProcessResults></UploadResult>";
    let keys: Vec<String> = parse(xml)
        .process_results
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn awkward_text_round_trips() {
    for key in ["a&#13;b", " spaced ", "a&#9;b&#10;c", "a\r\nb", "&#x1F600;"] {
        let xml = format!(
            "<UploadResult><ProcessResults><Object><Key>{key}</Key><Location>l</Location>\
             <ETag>e</ETag></Object></ProcessResults></UploadResult>"
        );
        let r = parse(&xml);
        assert_eq!(
            parse(&r.to_xml()),
            r,
            "{key:?} -> {:?}",
            r.process_results[0].key
        );
    }
}
