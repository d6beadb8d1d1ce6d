//! The `<UploadResult>` read straight from the checked tree, for the usual shape only:
//! every element known and at most once (but `<Object>`), no attributes or namespaces,
//! leaves with text that has no surrounding blanks or control characters, numbers as
//! plain digits. Where it answers, serde answers the same (the tests compare the two);
//! anything else is `None` and left to serde (unknown elements, empty ones, QR codes,
//! duplicates, missing fields and every error).

use std::str::FromStr;

use super::super::xml::Element;
use super::{ImageInfo, OriginalInfo, ProcessResult, UploadResult};

fn plain(e: &Element) -> bool {
    e.attrs.is_empty() && e.name == e.local
}

/// The children of an element holding elements only (the text before the first child
/// blank; `plain_markup` has checked the text after each child).
fn children(e: &Element) -> Option<&[Element]> {
    let blank = e
        .text
        .as_deref()
        .is_none_or(|t| t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')));
    (plain(e) && blank && !e.children.is_empty()).then_some(e.children.as_slice())
}

fn leaf(e: &Element) -> Option<&str> {
    if !plain(e) || !e.children.is_empty() {
        return None;
    }
    let t = e.text.as_deref()?;
    let first = t.chars().next()?;
    let last = t.chars().next_back()?;
    let tidy = !first.is_whitespace() && !last.is_whitespace() && !t.chars().any(char::is_control);
    tidy.then_some(t)
}

fn text(e: &Element) -> Option<String> {
    leaf(e).map(str::to_owned)
}

fn number<T: FromStr>(e: &Element) -> Option<T> {
    let t = leaf(e)?;
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Sets a field seen for the first time; `None` (give up) on a repeat or a bad value.
pub(super) fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

pub(super) fn upload_result(root: &Element) -> Option<UploadResult> {
    let mut original_info = None;
    let mut process_results = None;
    for child in children(root)? {
        match child.local.as_str() {
            "OriginalInfo" => once(&mut original_info, self::original_info(child))?,
            "ProcessResults" => {
                let objects = children(child)?
                    .iter()
                    .map(|o| (o.local == "Object").then(|| process_result(o))?)
                    .collect::<Option<Vec<_>>>();
                once(&mut process_results, objects)?
            }
            _ => return None,
        }
    }
    Some(UploadResult {
        original_info,
        process_results: process_results.unwrap_or_default(),
    })
}

fn original_info(e: &Element) -> Option<OriginalInfo> {
    let (mut key, mut location, mut etag, mut image_info) = (None, None, None, None);
    for c in children(e)? {
        match c.local.as_str() {
            "Key" => once(&mut key, text(c))?,
            "Location" => once(&mut location, text(c))?,
            "ETag" => once(&mut etag, text(c))?,
            "ImageInfo" => once(&mut image_info, self::image_info(c))?,
            _ => return None,
        }
    }
    Some(OriginalInfo {
        key: key?,
        location: location?,
        etag: etag?,
        image_info,
    })
}

fn image_info(e: &Element) -> Option<ImageInfo> {
    let (mut md5, mut format, mut width, mut height) = (None, None, None, None);
    let (mut quality, mut ave, mut orientation, mut frame_count) = (None, None, None, None);
    let (mut bit_depth, mut vertical_dpi, mut horizontal_dpi) = (None, None, None);
    for c in children(e)? {
        match c.local.as_str() {
            "Md5" => once(&mut md5, text(c))?,
            "Format" => once(&mut format, text(c))?,
            "Width" => once(&mut width, number(c))?,
            "Height" => once(&mut height, number(c))?,
            "Quality" => once(&mut quality, number(c))?,
            "Ave" => once(&mut ave, text(c))?,
            "Orientation" => once(&mut orientation, number(c))?,
            "FrameCount" => once(&mut frame_count, number(c))?,
            "BitDepth" => once(&mut bit_depth, number(c))?,
            "VerticalDpi" => once(&mut vertical_dpi, number(c))?,
            "HorizontalDpi" => once(&mut horizontal_dpi, number(c))?,
            _ => return None,
        }
    }
    Some(ImageInfo {
        md5,
        format: format?,
        width: width?,
        height: height?,
        quality,
        ave,
        orientation,
        frame_count,
        bit_depth,
        vertical_dpi,
        horizontal_dpi,
    })
}

fn process_result(e: &Element) -> Option<ProcessResult> {
    let (mut key, mut location, mut format, mut md5) = (None, None, None, None);
    let (mut width, mut height, mut size, mut quality) = (None, None, None, None);
    let (mut ave, mut etag, mut frame_count, mut bit_depth) = (None, None, None, None);
    let (mut vertical_dpi, mut horizontal_dpi, mut code_status) = (None, None, None);
    for c in children(e)? {
        match c.local.as_str() {
            "Key" => once(&mut key, text(c))?,
            "Location" => once(&mut location, text(c))?,
            "Format" => once(&mut format, text(c))?,
            "Md5" => once(&mut md5, text(c))?,
            "Width" => once(&mut width, number(c))?,
            "Height" => once(&mut height, number(c))?,
            "Size" => once(&mut size, number(c))?,
            "Quality" => once(&mut quality, number(c))?,
            "Ave" => once(&mut ave, text(c))?,
            "ETag" => once(&mut etag, text(c))?,
            "FrameCount" => once(&mut frame_count, number(c))?,
            "BitDepth" => once(&mut bit_depth, number(c))?,
            "VerticalDpi" => once(&mut vertical_dpi, number(c))?,
            "HorizontalDpi" => once(&mut horizontal_dpi, number(c))?,
            "CodeStatus" => once(&mut code_status, number(c))?,
            _ => return None,
        }
    }
    Some(ProcessResult {
        key: key?,
        location: location?,
        format,
        md5,
        width,
        height,
        size,
        quality,
        ave,
        etag: etag?,
        frame_count,
        bit_depth,
        vertical_dpi,
        horizontal_dpi,
        code_status,
        qr_code_info: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::xml::{parse_tree, plain_markup};
    use super::*;

    /// The fast reader's answer, if it gives one.
    fn fast(input: &str) -> Option<UploadResult> {
        let tree = parse_tree(input).expect("well-formed");
        plain_markup(input).then(|| upload_result(&tree))?
    }

    fn serde(input: &str) -> UploadResult {
        quick_xml::de::from_str(input).expect("serde reads it")
    }

    const OBJECT: &str = "<Object>\n<Key>thumb.jpg</Key>\n<Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/thumb.jpg</Location>\n<Format>jpg</Format>\n<Md5>0123</Md5>\n<Width>200</Width>\n<Height>125</Height>\n<Size>7345</Size>\n<Quality>90</Quality>\n<Ave>0x7f7f7f</Ave>\n<ETag>&quot;ab&amp;&#65;&quot;</ETag>\n<FrameCount>1</FrameCount>\n<BitDepth>8</BitDepth>\n<VerticalDpi>72</VerticalDpi>\n<HorizontalDpi>0072</HorizontalDpi>\n<CodeStatus>0</CodeStatus>\n</Object>";
    const ORIGINAL: &str = "<OriginalInfo><Key>a b.jpg</Key><Location>l</Location><ETag>&quot;e&quot;</ETag><ImageInfo><Md5>m</Md5><Format>JPEG</Format><Width>640</Width><Height>400</Height><Quality>90</Quality><Ave>0x1</Ave><Orientation>0</Orientation><FrameCount>1</FrameCount><BitDepth>8</BitDepth><VerticalDpi>72</VerticalDpi><HorizontalDpi>72</HorizontalDpi></ImageInfo></OriginalInfo>";

    #[test]
    fn the_usual_shapes_read_as_serde_reads_them() {
        let docs = [
            format!("<UploadResult>\n<ProcessResults>\n{OBJECT}\n</ProcessResults>\n</UploadResult>"),
            format!("<?xml version='1.0' encoding='UTF-8'?>\n<UploadResult>{ORIGINAL}<ProcessResults>{OBJECT}{OBJECT}</ProcessResults></UploadResult>\n"),
            format!("<UploadResult> {ORIGINAL} </UploadResult>"),
            "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults><Object><ETag>a>b</ETag><Location>&lt;l&gt;</Location><Key>k</Key></Object></ProcessResults></UploadResult>".to_owned(),
        ];
        for doc in &docs {
            let fast = fast(doc).unwrap_or_else(|| panic!("fast path for {doc}"));
            assert_eq!(fast, serde(doc), "{doc}");
        }
        let r = fast(&docs[1]).expect("fast");
        assert_eq!(r.process_results.len(), 2);
        assert_eq!(r.process_results[0].etag, "\"ab&A\"");
        assert_eq!(r.process_results[0].horizontal_dpi, Some(72));
        assert_eq!(
            r.original_info.and_then(|o| o.image_info).map(|i| i.width),
            Some(640)
        );
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        let object = |inner: &str| {
            format!("<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag>{inner}</Object></ProcessResults></UploadResult>")
        };
        let docs = [
            object("<Format/>"),
            object("<Format></Format>"),
            object("<Md5> m</Md5>"),
            object("<Md5>m\n</Md5>"),
            object("<Width>+1</Width>"),
            object("<Width>99999999999</Width>"),
            object("<Width>1</Width><Width>2</Width>"),
            object("<Unknown>1</Unknown>"),
            object("<QRcodeInfo><CodeUrl>u</CodeUrl></QRcodeInfo>"),
            object("<!-- c --><Md5>m</Md5>"),
            object("<Md5>a<!-- c -->b</Md5>"),
            object("<Md5><![CDATA[m]]></Md5>"),
            object("<?pi x?>"),
            object("junk"),
            object("<Md5 a=\"1\">m</Md5>"),
            "<UploadResult/>".to_owned(),
            "<UploadResult><ProcessResults/></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults>\n</ProcessResults></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location></Object></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult xmlns=\"urn:x\"><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
            "<?xml-stylesheet href='a'?><UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
        ];
        for doc in &docs {
            assert_eq!(fast(doc), None, "{doc}");
        }
        // What serde makes of them is what `from_xml` answers.
        for doc in &docs {
            let expected = quick_xml::de::from_str::<UploadResult>(doc).map_err(|e| e.to_string());
            let got = UploadResult::from_xml(doc).map_err(|e| match e {
                crate::result::ResultError::XmlShape { message, .. } => message,
                other => other.to_string(),
            });
            assert_eq!(got, expected, "{doc}");
        }
    }
}
