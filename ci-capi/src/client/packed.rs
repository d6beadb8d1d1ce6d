//! The whole response in one buffer (`cos_ci_response_packed`): a binding that crosses
//! the C boundary at a cost per call (cgo) reads the status, the headers and the
//! UploadResult with one call instead of one per header and per field.

use ci_core::result::{CodeLocation, UploadResult};

use super::cos_ci_response;
use crate::ffi::*;
use crate::results::{cos_ci_field, object_field, original_field, Val};

/// Version of the packed layout, its first 4 bytes.
const PACKED_VERSION: u32 = 1;

/// The text fields of a record, in their order in the buffer.
const TEXT_FIELDS: [cos_ci_field; 6] = [
    cos_ci_field::Key,
    cos_ci_field::Location,
    cos_ci_field::Etag,
    cos_ci_field::Format,
    cos_ci_field::Md5,
    cos_ci_field::Ave,
];

/// The number fields of a record, in their order in the buffer.
const NUMBER_FIELDS: [cos_ci_field; 10] = [
    cos_ci_field::Width,
    cos_ci_field::Height,
    cos_ci_field::Size,
    cos_ci_field::Quality,
    cos_ci_field::Orientation,
    cos_ci_field::FrameCount,
    cos_ci_field::BitDepth,
    cos_ci_field::VerticalDpi,
    cos_ci_field::HorizontalDpi,
    cos_ci_field::CodeStatus,
];

/// `flags` of the UploadResult part.
const HAS_RESULT: u32 = 1;
const HAS_ORIGINAL: u32 = 2;

struct Packer(Vec<u8>);

impl Packer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) -> FfiResult<()> {
        // Nothing in a response comes near 4 GiB; refuse rather than wrap.
        self.u32(u32::try_from(n).map_err(|_| cos_ci_result::InvalidArgument)?);
        Ok(())
    }

    fn text(&mut self, s: &str) -> FfiResult<()> {
        self.len(s.len())?;
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }

    /// One record: the presence mask, the six texts, the ten numbers.
    fn record<'a>(&mut self, field: impl Fn(cos_ci_field) -> Option<Val<'a>>) -> FfiResult<()> {
        let mut mask = 0u32;
        let mut texts = [""; TEXT_FIELDS.len()];
        let mut numbers = [0u64; NUMBER_FIELDS.len()];
        for (slot, f) in texts.iter_mut().zip(TEXT_FIELDS) {
            if let Some(Val::S(Some(s))) = field(f) {
                *slot = s;
                mask |= 1 << f as u32;
            }
        }
        for (slot, f) in numbers.iter_mut().zip(NUMBER_FIELDS) {
            if let Some(Val::N(Some(n))) = field(f) {
                *slot = n;
                mask |= 1 << f as u32;
            }
        }
        self.u32(mask);
        for s in texts {
            self.text(s)?;
        }
        for n in numbers {
            self.0.extend_from_slice(&n.to_le_bytes());
        }
        Ok(())
    }

    fn codes(&mut self, location: &CodeLocation) -> FfiResult<()> {
        let corners = location.coordinates();
        self.len(corners.len())?;
        for c in corners {
            let (valid, (x, y)) = match c {
                Some(xy) => (1u8, xy),
                None => (0, (0, 0)),
            };
            self.0.push(valid);
            self.0.extend_from_slice(&x.to_le_bytes());
            self.0.extend_from_slice(&y.to_le_bytes());
        }
        Ok(())
    }

    fn upload_result(&mut self, r: Option<&UploadResult>) -> FfiResult<()> {
        let Some(r) = r else {
            self.u32(0);
            return Ok(());
        };
        let original = r.original_info.as_ref();
        self.u32(HAS_RESULT | if original.is_some() { HAS_ORIGINAL } else { 0 });
        if let Some(o) = original {
            self.record(|f| original_field(o, f))?;
        }
        self.len(r.process_results.len())?;
        for p in &r.process_results {
            self.record(|f| object_field(p, f))?;
            self.len(p.qr_code_info.len())?;
            for code in &p.qr_code_info {
                self.text(&code.code_url)?;
                self.codes(&code.code_location)?;
            }
        }
        Ok(())
    }
}

/// The response packed as bytes.
fn pack(h: &cos_ci_response) -> FfiResult<Vec<u8>> {
    let mut p = Packer(Vec::with_capacity(1024));
    p.u32(PACKED_VERSION);
    p.u32(u32::from(h.status));
    p.len(h.headers.len())?;
    for (k, v) in &h.headers {
        p.text(k)?;
        p.text(v)?;
    }
    p.upload_result(h.upload_result.as_ref().map(|r| &r.value))?;
    Ok(p.0)
}

/// The status, the headers and the UploadResult of a response in one buffer, with the
/// buffer conventions (`COS_CI_RESULT_BUFFER_TOO_SMALL` and the size needed in
/// `*out_len` when `buf` is NULL or short; 2 KB hold a usual answer). For bindings that
/// pay for every call into C (cgo); C callers may as well use the accessors.
///
/// Layout (version 1): integers little-endian, unaligned; a *text* is a u32 length then
/// that many UTF-8 bytes (no NUL).
///
/// - u32 layout version (1); u32 HTTP status;
/// - u32 header count, then per header its name (lower case) and value, two texts;
/// - u32 flags: bit 0 the response has an UploadResult, bit 1 it has an OriginalInfo;
/// - with bit 1: the OriginalInfo as a *record*;
/// - with bit 0: u32 object count, then per object its *record*, u32 QR code count, and
///   per code its text (`CodeUrl`), u32 corner count, per corner u8 1 (or 0 when the
///   service did not write `x,y`) and i64 x, i64 y (0, 0 when not `x,y`).
///
/// A *record*: u32 mask with bit `COS_CI_FIELD_x` set for each field present (as the
/// `_string` and `_number` accessors would answer), six texts (Key, Location, ETag,
/// Format, MD5, Ave), ten u64 (Width, Height, Size, Quality, Orientation, FrameCount,
/// BitDepth, VerticalDPI, HorizontalDPI, CodeStatus); an absent field is empty or 0.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_packed(
    resp: *const cos_ci_response,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let h = unsafe { handle(resp) }?;
        let packed = pack(h)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(&packed, buf, len, out_len) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ci_core::client::ResponseHeaders;

    const XML: &str = "<UploadResult><OriginalInfo><Key>a.jpg</Key><Location>l/a.jpg</Location>\
        <ETag>\"o\"</ETag><ImageInfo><Format>JPEG</Format><Width>640</Width>\
        <Height>427</Height><Quality>90</Quality><Ave>0xa18454</Ave><Orientation>1</Orientation>\
        </ImageInfo></OriginalInfo><ProcessResults><Object><Key>t.png</Key><Location>l/t.png\
        </Location><Format>png</Format><Width>200</Width><Height>133</Height><Size>4630</Size>\
        <ETag>\"e\"</ETag><CodeStatus>1</CodeStatus><QRcodeInfo><CodeUrl>q</CodeUrl>\
        <CodeLocation><Point>10,11</Point><Point>x</Point></CodeLocation></QRcodeInfo>\
        </Object></ProcessResults></UploadResult>";

    fn response(result: Option<UploadResult>) -> cos_ci_response {
        let h = ResponseHeaders {
            status: 200,
            raw: vec![
                ("etag".into(), "\"o\"".into()),
                ("x-cos-request-id".into(), "r1".into()),
            ],
            ..ResponseHeaders::default()
        };
        cos_ci_response::ok(h, result, Vec::new())
    }

    fn u32s(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|n| n.to_le_bytes()).collect()
    }

    fn text(s: &str) -> Vec<u8> {
        let mut v = u32s(&[s.len() as u32]);
        v.extend_from_slice(s.as_bytes());
        v
    }

    /// Status and the two headers, as packed.
    fn head() -> Vec<u8> {
        let mut want = u32s(&[1, 200, 2]);
        for s in ["etag", "\"o\"", "x-cos-request-id", "r1"] {
            want.extend(text(s));
        }
        want
    }

    fn record(mask: u32, texts: [&str; 6], numbers: [u64; 10]) -> Vec<u8> {
        let mut v = u32s(&[mask]);
        for s in texts {
            v.extend(text(s));
        }
        for n in numbers {
            v.extend_from_slice(&n.to_le_bytes());
        }
        v
    }

    fn bit(fields: &[cos_ci_field]) -> u32 {
        fields.iter().fold(0, |m, f| m | 1 << *f as u32)
    }

    #[test]
    fn packs_headers_and_upload_result() {
        use cos_ci_field::*;
        let r = UploadResult::from_xml(XML).expect("fixture parses");
        let resp = response(Some(r));
        let mut want = head();
        want.extend(u32s(&[HAS_RESULT | HAS_ORIGINAL]));
        let mask = bit(&[
            Key,
            Location,
            Etag,
            Format,
            Ave,
            Width,
            Height,
            Quality,
            Orientation,
        ]);
        want.extend(record(
            mask,
            ["a.jpg", "l/a.jpg", "\"o\"", "JPEG", "", "0xa18454"],
            [640, 427, 0, 90, 1, 0, 0, 0, 0, 0],
        ));
        want.extend(u32s(&[1]));
        let mask = bit(&[Key, Location, Etag, Format, Width, Height, Size, CodeStatus]);
        want.extend(record(
            mask,
            ["t.png", "l/t.png", "\"e\"", "png", "", ""],
            [200, 133, 4630, 0, 0, 0, 0, 0, 0, 1],
        ));
        want.extend(u32s(&[1]));
        want.extend(text("q"));
        want.extend(u32s(&[2]));
        want.push(1);
        want.extend(10i64.to_le_bytes());
        want.extend(11i64.to_le_bytes());
        want.push(0);
        want.extend([0u8; 16]);

        let mut need = 0usize;
        let mut buf = vec![0u8; want.len()];
        // SAFETY: every pointer is a live local; `buf` has `len` bytes.
        unsafe {
            assert_eq!(
                cos_ci_response_packed(&resp, std::ptr::null_mut(), 0, &mut need),
                cos_ci_result::BufferTooSmall
            );
            assert_eq!(need, want.len());
            assert_eq!(
                cos_ci_response_packed(&resp, buf.as_mut_ptr(), want.len() - 1, &mut need),
                cos_ci_result::BufferTooSmall
            );
            assert_eq!(
                cos_ci_response_packed(&resp, buf.as_mut_ptr(), buf.len(), &mut need),
                cos_ci_result::Ok
            );
        }
        assert_eq!(buf, want);
    }

    #[test]
    fn without_upload_result_and_bad_pointers() {
        let resp = response(None);
        let mut want = head();
        want.extend(u32s(&[0]));
        let mut buf = [0u8; 256];
        let mut need = 0usize;
        // SAFETY: every pointer is a live local or NULL.
        unsafe {
            assert_eq!(
                cos_ci_response_packed(&resp, buf.as_mut_ptr(), buf.len(), &mut need),
                cos_ci_result::Ok
            );
            assert_eq!(&buf[..need], &want[..]);
            assert_eq!(
                cos_ci_response_packed(std::ptr::null(), buf.as_mut_ptr(), 256, &mut need),
                cos_ci_result::NullParameter
            );
            assert_eq!(
                cos_ci_response_packed(&resp, buf.as_mut_ptr(), 256, std::ptr::null_mut()),
                cos_ci_result::NullParameter
            );
        }
    }
}
