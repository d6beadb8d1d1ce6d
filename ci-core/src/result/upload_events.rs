//! The `<UploadResult>` read straight from quick-xml's events, for the usual shape only:
//! every element known and at most once (but `<Object>`), no attributes or namespaces,
//! leaves with text that has no surrounding blanks or control characters, numbers as
//! plain digits, no comments, CDATA, processing instructions or DOCTYPE. No element names
//! or texts are copied but the leaves' values, which matters on a client's every upload.
//! Where it answers, serde answers the same (the tests compare the two); anything unusual
//! or wrong, every error included, is `None`, and `from_xml` then runs the checked tree
//! and serde (same errors, positions and limits).

use std::str::FromStr;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{ImageInfo, OriginalInfo, ProcessResult, UploadResult};

/// Sets a field seen for the first time; `None` (give up) on a repeat or a bad value.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The name of a start tag without attributes (namespace declarations included) or
/// prefix: the tree reader's `plain`.
fn plain_name<'e>(e: &'e BytesStart<'_>) -> Option<&'e [u8]> {
    let name = e.name().into_inner();
    (is_blank(e.attributes_raw()) && !name.contains(&b':')).then_some(name)
}

struct Events<'a>(Reader<&'a [u8]>);

impl<'a> Events<'a> {
    fn next(&mut self) -> Option<Event<'a>> {
        self.0.read_event().ok()
    }

    /// The children of the element just opened, each handed by name to `child`, which
    /// reads it to its end tag; only blank text around them, at least one.
    fn children(&mut self, mut child: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        let mut any = false;
        loop {
            match self.next()? {
                Event::Start(e) => {
                    child(self, plain_name(&e)?)?;
                    any = true;
                }
                Event::Text(t) if is_blank(&t) => {}
                Event::End(_) => return any.then_some(()),
                _ => return None,
            }
        }
    }

    /// The text of the leaf just opened, up to its end tag: entities resolved as the
    /// tree does, then tidy (not empty, no surrounding blanks or control characters).
    fn text(&mut self) -> Option<String> {
        let mut text = String::new();
        loop {
            match self.next()? {
                Event::Text(t) => text.push_str(&t.xml10_content().ok()?),
                Event::GeneralRef(r) => match r.resolve_char_ref().ok()? {
                    Some(c) => text.push(c),
                    None => text.push_str(resolve_predefined_entity(&r.decode().ok()?)?),
                },
                Event::End(_) => break,
                _ => return None,
            }
        }
        let first = text.chars().next()?;
        let last = text.chars().next_back()?;
        let tidy =
            !first.is_whitespace() && !last.is_whitespace() && !text.chars().any(char::is_control);
        tidy.then_some(text)
    }

    fn number<T: FromStr>(&mut self) -> Option<T> {
        let t = self.text()?;
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    }
}

/// The UploadResult of `input`, or `None` when it is not the usual shape.
pub(super) fn upload_result(input: &str) -> Option<UploadResult> {
    let mut ev = Events(Reader::from_str(input));
    ev.0.config_mut().trim_text(false);
    // Blanks, at most an XML declaration first, blanks, the root.
    let decl_first = input
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .strip_prefix("<?xml")
        .is_some_and(|rest| rest.starts_with([' ', '\t', '\r', '\n']));
    let mut decl_seen = false;
    loop {
        match ev.next()? {
            Event::Text(t) if is_blank(&t) => {}
            Event::Decl(_) if decl_first && !decl_seen => decl_seen = true,
            Event::Start(e) if plain_name(&e)? == b"UploadResult" => break,
            _ => return None,
        }
    }
    let mut original_info = None;
    let mut process_results = None;
    ev.children(|ev, name| match name {
        b"OriginalInfo" => once(&mut original_info, self::original_info(ev)),
        b"ProcessResults" => {
            let mut objects = Vec::new();
            let read = ev.children(|ev, name| {
                (name == b"Object").then_some(())?;
                objects.push(process_result(ev)?);
                Some(())
            });
            once(&mut process_results, read.map(|()| objects))
        }
        _ => None,
    })?;
    // After the root: blanks only.
    loop {
        match ev.next()? {
            Event::Text(t) if is_blank(&t) => {}
            Event::Eof => break,
            _ => return None,
        }
    }
    Some(UploadResult {
        original_info,
        process_results: process_results.unwrap_or_default(),
    })
}

fn original_info(ev: &mut Events<'_>) -> Option<OriginalInfo> {
    let (mut key, mut location, mut etag, mut image_info) = (None, None, None, None);
    ev.children(|ev, name| match name {
        b"Key" => once(&mut key, ev.text()),
        b"Location" => once(&mut location, ev.text()),
        b"ETag" => once(&mut etag, ev.text()),
        b"ImageInfo" => once(&mut image_info, self::image_info(ev)),
        _ => None,
    })?;
    Some(OriginalInfo {
        key: key?,
        location: location?,
        etag: etag?,
        image_info,
    })
}

fn image_info(ev: &mut Events<'_>) -> Option<ImageInfo> {
    let (mut md5, mut format, mut width, mut height) = (None, None, None, None);
    let (mut quality, mut ave, mut orientation, mut frame_count) = (None, None, None, None);
    let (mut bit_depth, mut vertical_dpi, mut horizontal_dpi) = (None, None, None);
    ev.children(|ev, name| match name {
        b"Md5" => once(&mut md5, ev.text()),
        b"Format" => once(&mut format, ev.text()),
        b"Width" => once(&mut width, ev.number()),
        b"Height" => once(&mut height, ev.number()),
        b"Quality" => once(&mut quality, ev.number()),
        b"Ave" => once(&mut ave, ev.text()),
        b"Orientation" => once(&mut orientation, ev.number()),
        b"FrameCount" => once(&mut frame_count, ev.number()),
        b"BitDepth" => once(&mut bit_depth, ev.number()),
        b"VerticalDpi" => once(&mut vertical_dpi, ev.number()),
        b"HorizontalDpi" => once(&mut horizontal_dpi, ev.number()),
        _ => None,
    })?;
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

fn process_result(ev: &mut Events<'_>) -> Option<ProcessResult> {
    let (mut key, mut location, mut format, mut md5) = (None, None, None, None);
    let (mut width, mut height, mut size, mut quality) = (None, None, None, None);
    let (mut ave, mut etag, mut frame_count, mut bit_depth) = (None, None, None, None);
    let (mut vertical_dpi, mut horizontal_dpi, mut code_status) = (None, None, None);
    ev.children(|ev, name| match name {
        b"Key" => once(&mut key, ev.text()),
        b"Location" => once(&mut location, ev.text()),
        b"Format" => once(&mut format, ev.text()),
        b"Md5" => once(&mut md5, ev.text()),
        b"Width" => once(&mut width, ev.number()),
        b"Height" => once(&mut height, ev.number()),
        b"Size" => once(&mut size, ev.number()),
        b"Quality" => once(&mut quality, ev.number()),
        b"Ave" => once(&mut ave, ev.text()),
        b"ETag" => once(&mut etag, ev.text()),
        b"FrameCount" => once(&mut frame_count, ev.number()),
        b"BitDepth" => once(&mut bit_depth, ev.number()),
        b"VerticalDpi" => once(&mut vertical_dpi, ev.number()),
        b"HorizontalDpi" => once(&mut horizontal_dpi, ev.number()),
        b"CodeStatus" => once(&mut code_status, ev.number()),
        _ => None,
    })?;
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
    use super::*;

    const OBJECT: &str = "<Object>\n<Key>thumb.jpg</Key>\n<Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/thumb.jpg</Location>\n<Format>jpg</Format>\n<Md5>0123</Md5>\n<Width>200</Width>\n<Height>125</Height>\n<Size>7345</Size>\n<Quality>90</Quality>\n<Ave>0x7f7f7f</Ave>\n<ETag>&quot;ab&amp;&#65;&quot;</ETag>\n<FrameCount>1</FrameCount>\n<BitDepth>8</BitDepth>\n<VerticalDpi>72</VerticalDpi>\n<HorizontalDpi>0072</HorizontalDpi>\n<CodeStatus>0</CodeStatus>\n</Object>";
    const ORIGINAL: &str = "<OriginalInfo><Key>a b.jpg</Key><Location>l</Location><ETag>&quot;e&quot;</ETag><ImageInfo><Md5>m</Md5><Format>JPEG</Format><Width>640</Width><Height>400</Height><Quality>90</Quality><Ave>0x1</Ave><Orientation>0</Orientation><FrameCount>1</FrameCount><BitDepth>8</BitDepth><VerticalDpi>72</VerticalDpi><HorizontalDpi>72</HorizontalDpi></ImageInfo></OriginalInfo>";

    #[test]
    fn the_usual_shapes_read_as_serde_reads_them() {
        let docs = [
            format!("<UploadResult>\n<ProcessResults>\n{OBJECT}\n</ProcessResults>\n</UploadResult>"),
            format!("<?xml version='1.0' encoding='UTF-8'?>\n<UploadResult>{ORIGINAL}<ProcessResults>{OBJECT}{OBJECT}</ProcessResults></UploadResult>\n"),
            format!("\n <?xml version=\"1.0\"?><UploadResult> {ORIGINAL} </UploadResult> \n"),
            format!("<UploadResult><ProcessResults>{OBJECT}</ProcessResults>{ORIGINAL}</UploadResult>"),
            "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults><Object><ETag>a>b</ETag><Location>&lt;l&gt;</Location><Key>k&#x4e2d;</Key></Object></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult ><ProcessResults><Object ><Key\n>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
        ];
        for doc in &docs {
            let events = upload_result(doc).unwrap_or_else(|| panic!("events for {doc}"));
            let serde: UploadResult = quick_xml::de::from_str(doc).expect("serde reads it");
            assert_eq!(events, serde, "{doc}");
            assert_eq!(UploadResult::from_xml(doc).ok(), Some(events), "{doc}");
        }
        let r = upload_result(&docs[1]).expect("events");
        assert_eq!(r.process_results.len(), 2);
        assert_eq!(r.process_results[0].etag, "\"ab&A\"");
        assert_eq!(r.process_results[0].horizontal_dpi, Some(72));
        assert_eq!(
            r.original_info.and_then(|o| o.image_info).map(|i| i.width),
            Some(640)
        );
        let r = upload_result(&docs[5]).expect("events");
        assert_eq!(r.process_results[0].key, "k\u{4e2d}");
    }

    /// Unusual shapes and errors: `None`, so that `from_xml` answers as the checked tree
    /// and serde do.
    #[test]
    fn anything_else_is_left_to_the_tree_and_serde() {
        let object = |inner: &str| {
            format!("<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag>{inner}</Object></ProcessResults></UploadResult>")
        };
        let usual = object("");
        let docs = [
            object("<Format/>"),
            object("<Format></Format>"),
            object("<Md5> m</Md5>"),
            object("<Md5>m\n</Md5>"),
            object("<Md5>m&#10;</Md5>"),
            object("<Md5>m&#1;x</Md5>"),
            object("<Md5>&bogus;</Md5>"),
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
            object("&#32;"),
            object("<Md5 a=\"1\">m</Md5>"),
            object("<x:Md5 xmlns:x=\"urn:x\">m</x:Md5>"),
            object("<Md5><b>m</b></Md5>"),
            object("<Md5>m</Md6>"),
            "<UploadResult/>".to_owned(),
            "<UploadResult></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults/></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults>\n</ProcessResults></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location></Object></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult><ProcessResults><Obj><Key>k</Key><Location>l</Location><ETag>e</ETag></Obj></ProcessResults></UploadResult>".to_owned(),
            "<UploadResult xmlns=\"urn:x\"><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
            "<?xml-stylesheet href='a'?><UploadResult><ProcessResults><Object><Key>k</Key><Location>l</Location><ETag>e</ETag></Object></ProcessResults></UploadResult>".to_owned(),
            format!("<!DOCTYPE UploadResult>{usual}"),
            format!("<!-- c -->{usual}"),
            format!("x{usual}"),
            format!("{usual}x"),
            format!("{usual}<!-- c -->"),
            format!("{usual}<?xml version='1.0'?>"),
            format!("{usual}{usual}"),
            format!("<?xml version='1.0'?><?xml version='1.0'?>{usual}"),
            usual.replace("<UploadResult>", "<Other>").replace("</UploadResult>", "</Other>"),
            usual[..usual.len() - 1].to_owned(),
            usual.replace("</Object>", ""),
            String::new(),
        ];
        for doc in &docs {
            assert_eq!(upload_result(doc), None, "{doc}");
        }
        assert!(upload_result(&usual).is_some());
        // The well-formed ones with the right root: `from_xml` answers what serde answers.
        for doc in docs
            .iter()
            .filter(|d| crate::result::xml::parse_tree(d).is_ok_and(|t| t.local == "UploadResult"))
        {
            let expected = quick_xml::de::from_str::<UploadResult>(doc).map_err(|e| e.to_string());
            let got = UploadResult::from_xml(doc).map_err(|e| match e {
                crate::result::ResultError::XmlShape { message, .. } => message,
                other => other.to_string(),
            });
            assert_eq!(got, expected, "{doc}");
        }
    }
}
