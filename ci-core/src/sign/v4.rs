//! The legacy v4 API's "multi-effect" signature.
//!
//! ```text
//! orig = "a=<appid>&b=<bucket>&k=<SecretId>&e=<expire>&t=<now>&r=<rand>&f=<fileid>"
//! sign = base64(HMAC-SHA1(SecretKey, orig) ++ orig)
//! ```
//! A multi-effect signature has an empty `f` and an expiry `e`; a single-effect one names
//! a file and has `e=0`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use thiserror::Error;

use super::Credentials;

/// The fields of a verified v4 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Claims {
    /// `a`: the APPID.
    pub appid: String,
    /// `b`: the bucket.
    pub bucket: String,
    /// `k`: the SecretId.
    pub secret_id: String,
    /// `e`: expiry, Unix seconds (0 for a single-effect signature).
    pub expire: u64,
    /// `t`: signing time, Unix seconds.
    pub now: u64,
    /// `r`: the random number.
    pub rand: u64,
    /// `f`: the file id (empty for multi-effect).
    pub fileid: String,
}

/// Why a v4 signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum V4Error {
    /// Not base64, too short, not UTF-8, or missing/invalid fields.
    #[error("malformed v4 signature: {0}")]
    Malformed(String),
    /// The SecretId is unknown.
    #[error("unknown secret id {0:?}")]
    UnknownAccessKey(String),
    /// The HMAC does not match.
    #[error("v4 signature does not match")]
    SignatureMismatch,
    /// `e` is in the past.
    #[error("v4 signature expired at {expire} (now {now})")]
    Expired {
        /// Expiry.
        expire: u64,
        /// Server time.
        now: u64,
    },
    /// The APPID or bucket differs from the request's.
    #[error("v4 signature is for {appid}/{bucket}")]
    WrongBucket {
        /// Signed APPID.
        appid: String,
        /// Signed bucket.
        bucket: String,
    },
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> Hmac<Sha1> {
    let mut mac = match Hmac::<Sha1>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA1 accepts any key length"),
    };
    mac.update(msg);
    mac
}

/// Computes a v4 signature.
///
/// ```
/// use ci_core::sign::v4_sign;
/// let s = v4_sign("1250000000", "examplebucket", "AKIDexample", "sk-example",
///                 1795387359, 1795377299, 12345, "");
/// assert!(!s.is_empty());
/// ```
#[allow(clippy::too_many_arguments)]
pub fn v4_sign(
    appid: &str,
    bucket: &str,
    secret_id: &str,
    secret_key: &str,
    expire: u64,
    now: u64,
    rand: u64,
    fileid: &str,
) -> String {
    let orig = format!("a={appid}&b={bucket}&k={secret_id}&e={expire}&t={now}&r={rand}&f={fileid}");
    let mut bytes = hmac_sha1(secret_key.as_bytes(), orig.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec();
    bytes.extend_from_slice(orig.as_bytes());
    STANDARD.encode(bytes)
}

/// Verifies a v4 signature for `appid`/`bucket` at server time `now`.
///
/// `e = 0` is accepted only with a non-empty `f` (single-effect).
pub fn v4_verify(
    sign: &str,
    lookup: impl Fn(&str) -> Option<Credentials>,
    appid: &str,
    bucket: &str,
    now: u64,
) -> Result<V4Claims, V4Error> {
    let malformed = |m: &str| V4Error::Malformed(m.to_owned());
    let raw = STANDARD
        .decode(sign.trim())
        .map_err(|_| malformed("not base64"))?;
    if raw.len() <= 20 {
        return Err(malformed("too short"));
    }
    let (mac, orig) = raw.split_at(20);
    let orig_str = std::str::from_utf8(orig).map_err(|_| malformed("not UTF-8"))?;
    let mut fields: [Option<&str>; 7] = [None; 7];
    const NAMES: [&str; 7] = ["a", "b", "k", "e", "t", "r", "f"];
    for part in orig_str.split('&') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| malformed("field without '='"))?;
        let i = NAMES
            .iter()
            .position(|n| *n == k)
            .ok_or_else(|| malformed("unknown field"))?;
        if fields[i].replace(v).is_some() {
            return Err(malformed("duplicate field"));
        }
    }
    let get =
        |i: usize| fields[i].ok_or_else(|| V4Error::Malformed(format!("missing {}", NAMES[i])));
    let num = |i: usize| -> Result<u64, V4Error> {
        get(i)?
            .parse()
            .map_err(|_| V4Error::Malformed(format!("{} is not a number", NAMES[i])))
    };
    let claims = V4Claims {
        appid: get(0)?.to_owned(),
        bucket: get(1)?.to_owned(),
        secret_id: get(2)?.to_owned(),
        expire: num(3)?,
        now: num(4)?,
        rand: num(5)?,
        fileid: get(6)?.to_owned(),
    };
    let creds = lookup(&claims.secret_id)
        .ok_or_else(|| V4Error::UnknownAccessKey(claims.secret_id.clone()))?;
    hmac_sha1(creds.secret_key.as_bytes(), orig)
        .verify_slice(mac)
        .map_err(|_| V4Error::SignatureMismatch)?;
    if claims.appid != appid || claims.bucket != bucket {
        return Err(V4Error::WrongBucket {
            appid: claims.appid,
            bucket: claims.bucket,
        });
    }
    if claims.expire == 0 {
        if claims.fileid.is_empty() {
            return Err(malformed("e=0 requires a file id"));
        }
    } else if claims.expire < now {
        return Err(V4Error::Expired {
            expire: claims.expire,
            now,
        });
    }
    Ok(claims)
}
