//! Small helpers: HTTP and ISO dates, body digests, request ids.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest as _, Md5};

/// CRC-64/XZ (what COS calls `crc64ecma`): the client's, so both ends of the wire agree.
pub use ci_core::client::{crc64, CRC64};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn split_time(secs: u64) -> (i64, u32, u32, u64, u64, u64, usize) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let wd = ((days + 4).rem_euclid(7)) as usize;
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60, wd)
}

/// RFC 7231 date: `Wed, 28 Oct 2020 08:17:19 GMT` (`Last-Modified`, `Date`).
pub fn http_date(secs: u64) -> String {
    const WD: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, hh, mm, ss, wd) = split_time(secs);
    if !(1000..=9999).contains(&y) {
        return format!(
            "{}, {d:02} {} {y} {hh:02}:{mm:02}:{ss:02} GMT",
            WD[wd],
            MO[(m - 1) as usize]
        );
    }
    // Without `format!` (every GET writes `Last-Modified`): digits into a template.
    let mut b = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    b[..3].copy_from_slice(WD[wd].as_bytes());
    put_digits(&mut b[5..7], u64::from(d));
    b[8..11].copy_from_slice(MO[(m - 1) as usize].as_bytes());
    put_digits(&mut b[12..16], y as u64);
    put_digits(&mut b[17..19], hh);
    put_digits(&mut b[20..22], mm);
    put_digits(&mut b[23..25], ss);
    // ASCII throughout.
    String::from_utf8_lossy(&b).into_owned()
}

/// Writes the last `dst.len()` decimal digits of `v` into `dst`, zero-padded.
pub(crate) fn put_digits(dst: &mut [u8], mut v: u64) {
    for d in dst.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// ISO 8601 as COS lists write it: `2020-10-28T08:17:19.000Z`.
pub fn iso_date(secs: u64) -> String {
    let (y, m, d, hh, mm, ss, _) = split_time(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.000Z")
}

/// Running MD5 and CRC-64 of a body.
pub struct BodyDigest {
    md5: Md5,
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    size: u64,
}

impl Default for BodyDigest {
    fn default() -> Self {
        BodyDigest {
            md5: Md5::new(),
            crc: CRC64.digest(),
            size: 0,
        }
    }
}

impl BodyDigest {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.crc.update(data);
        self.size += data.len() as u64;
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `(md5 bytes, crc64, size)`.
    pub fn finish(self) -> ([u8; 16], u64, u64) {
        (self.md5.finalize().into(), self.crc.finalize(), self.size)
    }
}

/// Hex MD5 of `data`.
pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// Hex SHA-1 of `data` (the ETag inside an `UploadResult`, see rules.md).
pub fn sha1_hex(data: &[u8]) -> String {
    use sha1::{Digest as _, Sha1};
    hex::encode(Sha1::digest(data))
}

/// A fresh id: time in nanoseconds and a process-wide counter, hex (`x-cos-request-id`,
/// upload ids, blob names). Unique within one process and, by the time part, across
/// restarts.
pub fn fresh_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // `{nanos:016x}{n:08x}` without `format!` (one per request).
    let mut id = String::with_capacity(24);
    push_hex(&mut id, nanos, 16);
    push_hex(&mut id, n, 8);
    id
}

/// Appends `v` in lower-case hex, zero-padded to at least `width` digits.
fn push_hex(out: &mut String, v: u64, width: usize) {
    let digits = (16 - v.leading_zeros() as usize / 4).max(width);
    for i in (0..digits).rev() {
        let d = ((v >> (4 * i)) & 0xf) as u32;
        out.push(char::from_digit(d, 16).unwrap_or('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_as_format_writes_it() {
        for (v, w) in [
            (0u64, 8),
            (0xabc, 8),
            (u64::MAX, 16),
            (0x1_0000_0000, 8),
            (5, 16),
        ] {
            let mut s = String::new();
            push_hex(&mut s, v, w);
            assert_eq!(s, format!("{v:0w$x}"));
        }
        let id = fresh_id();
        assert_eq!(id.len(), 24);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_603_873_039), "Wed, 28 Oct 2020 08:17:19 GMT");
        assert_eq!(http_date(253_402_300_799), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(253_402_300_800), "Sat, 01 Jan 10000 00:00:00 GMT");
        assert_eq!(iso_date(1_603_873_039), "2020-10-28T08:17:19.000Z");
        assert_eq!(iso_date(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn crc_check_value() {
        // CRC-64/XZ check value.
        assert_eq!(crc64(b"123456789"), 0x995d_c9bb_df19_39fa);
    }
}
