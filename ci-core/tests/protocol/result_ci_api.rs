//! The image API's documents (wire-ci.md §A, §D3, §F) byte for byte, and as the Python
//! SDK's `xml_to_dict` reads them: styles, the QR-code generator's answer, the imageInfo /
//! imageAve / exif JSON.

use ci_core::result::{
    xml_to_dict, AddStyle, BasicImageInfo, DeleteStyle, ExifInfo, GetStyle, ImageAveResult,
    QrCodeGenerateResult, StyleList, StyleRule,
};

fn rule(name: &str, body: &str) -> StyleRule {
    StyleRule {
        style_name: name.into(),
        style_body: body.into(),
    }
}

#[test]
fn style_requests_byte_for_byte_and_as_each_sdk_sends_them() {
    let add = AddStyle::new("style_name", "imageMogr2/thumbnail/!50px");
    assert_eq!(
        add.to_xml(),
        "<AddStyle>\n<StyleName>style_name</StyleName>\n\
         <StyleBody>imageMogr2/thumbnail/!50px</StyleBody>\n</AddStyle>"
    );
    // Go (encoding/xml): no declaration, no line breaks.
    let go = "<AddStyle><StyleName>style_name</StyleName><StyleBody>imageMogr2/thumbnail/!50px</StyleBody></AddStyle>";
    assert_eq!(AddStyle::from_xml(go).unwrap(), add);
    // Python (xmltodict): declaration with double quotes; `None` is an empty element.
    let py =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetStyle><StyleName></StyleName></GetStyle>";
    assert_eq!(GetStyle::from_xml(py).unwrap().name(), None);
    let named = GetStyle::named("s1");
    assert_eq!(
        GetStyle::from_xml(&named.to_xml()).unwrap().name(),
        Some("s1")
    );
    let delete = DeleteStyle::new("s1");
    assert_eq!(
        delete.to_xml(),
        "<DeleteStyle>\n<StyleName>s1</StyleName>\n</DeleteStyle>"
    );
    // Text that needs escaping survives (a style body with `&`).
    let amp = AddStyle::new("m", "ci-process=AIPicMatting&center-layout=1");
    assert!(amp.to_xml().contains("AIPicMatting&amp;center-layout=1"));
    assert_eq!(AddStyle::from_xml(&amp.to_xml()).unwrap(), amp);
}

#[test]
fn style_lists_byte_for_byte_and_as_the_python_sdk_reads_them() {
    let empty = StyleList::default();
    assert_eq!(empty.to_xml(), "<StyleList/>");
    assert_eq!(
        xml_to_dict(&empty.to_xml()).unwrap().to_python_repr(),
        "{'StyleList': None}"
    );
    let one = StyleList {
        style_rule: vec![rule("s1", "imageMogr2/grayscale/1")],
    };
    assert_eq!(
        xml_to_dict(&one.to_xml()).unwrap().to_python_repr(),
        "{'StyleRule': {'StyleName': 's1', 'StyleBody': 'imageMogr2/grayscale/1'}}"
    );
    let two = StyleList {
        style_rule: vec![
            rule("s1", "imageMogr2/grayscale/1"),
            rule("s2", "imageMogr2/thumbnail/!50px"),
        ],
    };
    let xml = two.to_xml();
    assert_eq!(
        xml,
        "<StyleList>\n<StyleRule>\n<StyleName>s1</StyleName>\n<StyleBody>imageMogr2/grayscale/1</StyleBody>\n\
         </StyleRule>\n<StyleRule>\n<StyleName>s2</StyleName>\n<StyleBody>imageMogr2/thumbnail/!50px</StyleBody>\n\
         </StyleRule>\n</StyleList>"
    );
    assert_eq!(
        xml_to_dict(&xml).unwrap().to_python_repr(),
        "{'StyleRule': [{'StyleName': 's1', 'StyleBody': 'imageMogr2/grayscale/1'}, \
         {'StyleName': 's2', 'StyleBody': 'imageMogr2/thumbnail/!50px'}]}"
    );
    assert_eq!(StyleList::from_xml(&xml).unwrap(), two);
    // The documentation's sample, indented.
    let doc = "<StyleList>\n  <StyleRule><StyleName>s1</StyleName><StyleBody>imageMogr2/grayscale/1</StyleBody></StyleRule>\n</StyleList>";
    assert_eq!(StyleList::from_xml(doc).unwrap(), one);
}

#[test]
fn qrcode_generate_answer() {
    let answer = QrCodeGenerateResult::from_image(&[0x89, b'P', b'N', b'G', 0, 1]);
    let xml = answer.to_xml();
    assert_eq!(
        xml,
        "<Response>\n<ResultImage>iVBORwAB</ResultImage>\n</Response>"
    );
    assert_eq!(
        xml_to_dict(&xml).unwrap().to_python_repr(),
        "{'ResultImage': 'iVBORwAB'}"
    );
    // Line-wrapped Base64 decodes too.
    let wrapped = QrCodeGenerateResult {
        result_image: "iVBO\nRwAB".into(),
    };
    assert_eq!(wrapped.image().unwrap(), vec![0x89, b'P', b'N', b'G', 0, 1]);
}

#[test]
fn image_information_json_answers() {
    // The documentation's examples.
    let info = BasicImageInfo::from_json(
        r#"{"format":"jpeg","width":"960","height":"540","size":"158421","md5":"77a16fa70e2eba652fb42e8a639c52f2","frame_count":"1","bit_depth":"8","vertical_dpi":"118","horizontal_dpi":"118","dynamic_range":"sdr"}"#,
    )
    .unwrap();
    assert_eq!(
        (
            info.width_px(),
            info.height_px(),
            info.size_bytes(),
            info.frames()
        ),
        (Some(960), Some(540), Some(158421), Some(1))
    );
    assert_eq!(info.vertical_dpi.as_deref(), Some("118"));
    assert_eq!(
        info.other.get("dynamic_range").map(String::as_str),
        Some("sdr")
    );
    let ave = ImageAveResult::from_json(r#"{"RGB": "0x736246"}"#).unwrap();
    assert_eq!(ave.rgb(), Some((0x73, 0x62, 0x46)));
    let exif = ExifInfo::from_json(
        r#"{"DateTime":{"val":"2018:09:03 17:37:06"},"ExposureTime":{"val":"1/200"}}"#,
    )
    .unwrap();
    assert_eq!(exif.tags.len(), 2);
    assert_eq!(exif.tags["DateTime"].val, "2018:09:03 17:37:06");
    assert_eq!(exif.tags["DateTime"].type_code, None);
    let none = ExifInfo::from_json(r#"{"error" : "no exif data"}"#).unwrap();
    assert_eq!(
        (none.tags.len(), none.error.as_deref()),
        (0, Some("no exif data"))
    );
}
