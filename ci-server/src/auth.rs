//! Signature checks: the COS signature (header or pre-signed query) and the v4 API's.

use ci_core::sign::{encode_key_for_url, v4_verify, verify_view, RequestView};
use hyper::header::{self, HeaderMap};
use hyper::Method;

use crate::address::{Address, BucketSource};
use crate::error::ApiError;
use crate::replay::ReplayRefusal;
use crate::state::State;
use crate::util::now_secs;

/// Whether the server acts on header `name` (lower case): such a header changes what the
/// request does, so a signature must cover it (`x-cos-copy-source` turned a pre-signed
/// PUT into a copy of any object). The official SDKs sign all of these.
fn acted_on(name: &str) -> bool {
    name.starts_with("x-cos-") || name.starts_with("x-ci-") || name == "pic-operations"
}

/// Checks a COS request's signature (the `Authorization` header or a pre-signed query)
/// over the request as addressed; without one, passes only an anonymous server.
///
/// Beyond the signature itself (ci-core's [`verify_view`]: key, window, token, every query
/// parameter signed unless configured otherwise), the signature must be bound to what
/// the request does: to its bucket (the `Host` signed when the host names the bucket; the
/// bucket in the signed path with path style), and to every `x-cos-*`, `x-ci-*` and
/// `Pic-Operations` header it carries.
pub(crate) fn check_cos(
    state: &State,
    method: &Method,
    address: &Address,
    params: &[(String, Option<String>)],
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let has_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    let has_query = params
        .iter()
        .any(|(k, _)| k == "q-signature" || k == "q-sign-algorithm");
    if !has_header && !has_query {
        if state.config.anonymous {
            return Ok(());
        }
        return Err(ApiError::new(
            403,
            "AccessDenied",
            "Access Denied: the request carries no signature",
        ));
    }
    // Borrowed from the request: verify needs no copy of the headers.
    let mut hs: Vec<(&str, &str)> = Vec::with_capacity(headers.len() + 1);
    hs.extend(
        headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))),
    );
    // A request without `Content-Length` or `Transfer-Encoding` has an empty body, whose
    // length is 0: the Go SDK signs `content-length` (as 0) on a bodiless GET but its
    // transport leaves the header out (wire-ci.md §1.2).
    let bodiless = !headers.contains_key(header::CONTENT_LENGTH)
        && !headers.contains_key(header::TRANSFER_ENCODING);
    if bodiless && lists_content_length(headers, params) {
        hs.push(("content-length", "0"));
    }
    let path = address.signed_path();
    let req = RequestView {
        method: method.as_str(),
        path: &path,
        params,
        headers: &hs,
    };
    let who = verify_view(
        &req,
        |ak| state.config.lookup(ak),
        now_secs(),
        &state.policy,
    )?;
    let signed = |name: &str| {
        who.signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
    };
    let unsigned = |why: String| ApiError::new(403, "AccessDenied", why);
    if address.source == BucketSource::Host && !signed("host") {
        return Err(unsigned(
            "the Host header names the bucket, so the signature must cover it (add host \
             to q-header-list)"
                .into(),
        ));
    }
    if let Some(name) = headers
        .keys()
        .map(|k| k.as_str())
        .find(|k| acted_on(k) && !signed(k))
    {
        return Err(unsigned(format!(
            "the header {name} changes what the request does, so the signature must cover \
             it (add it to q-header-list)"
        )));
    }
    Ok(())
}

/// A single-use v4 signature admitted for one request: give it back with
/// [`release_v4`] when the request fails.
pub(crate) struct SingleUse(String);

/// Checks a v4 request's signature (the `Authorization` header) for `file` of the bucket
/// `name` of `appid`; without one, passes only an anonymous server. What the v4 scheme
/// means is enforced: a single-use signature (`e=0`) names the file the request acts on
/// in `f` (`/<appid>/<bucket>/<file>`) and is accepted once, within the configured window
/// after its signing time; a multi-use one expires within the configured lifetime.
pub(crate) fn check_v4(
    state: &State,
    headers: &HeaderMap,
    appid: &str,
    name: &str,
    file: &str,
) -> Result<Option<SingleUse>, ApiError> {
    let denied = |m: String| ApiError::new(403, "AccessDenied", m);
    let sign = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(sign) if !sign.trim().is_empty() => sign.trim(),
        _ if state.config.anonymous => return Ok(None),
        _ => return Err(denied("the request carries no v4 signature".into())),
    };
    let now = now_secs();
    let claims = v4_verify(sign, |ak| state.config.lookup(ak), appid, name, now)
        .map_err(|e| ApiError::new(403, "SignatureDoesNotMatch", e.to_string()))?;
    let limits = &state.config.limits;
    if claims.expire != 0 {
        let longest = limits.v4_max_signature_lifetime_secs;
        if claims.expire.saturating_sub(now) > longest {
            return Err(denied(format!(
                "the v4 signature expires at {}, more than {longest} s from now",
                claims.expire
            )));
        }
        return Ok(None);
    }
    let encoded = format!("/{appid}/{name}/{}", encode_key_for_url(file));
    let plain = format!("/{appid}/{name}/{file}");
    if claims.fileid != plain && claims.fileid != encoded {
        return Err(denied(format!(
            "the single-use v4 signature is for {:?}, not {plain:?}",
            claims.fileid
        )));
    }
    let skew = state.config.clock_skew_secs;
    match state.v4_replay.admit(sign, claims.now, now, skew) {
        Ok(()) => Ok(Some(SingleUse(sign.to_owned()))),
        Err(ReplayRefusal::Replayed) => Err(denied(
            "the single-use v4 signature has been used already".into(),
        )),
        Err(ReplayRefusal::OutsideWindow) => Err(denied(format!(
            "the single-use v4 signature was made at {}, outside the {} s it is valid for",
            claims.now, limits.v4_single_use_window_secs
        ))),
        Err(ReplayRefusal::Full) => Err(ApiError::slow_down(
            "too many single-use v4 signatures in flight; retry later",
        )),
    }
}

/// Gives a single-use v4 signature back after its request failed.
pub(crate) fn release_v4(state: &State, single_use: Option<SingleUse>) {
    if let Some(SingleUse(sign)) = single_use {
        state.v4_replay.release(&sign);
    }
}

/// Whether the request's signature lists `content-length` among its signed headers.
fn lists_content_length(headers: &HeaderMap, params: &[(String, Option<String>)]) -> bool {
    let in_list = |list: &str| {
        list.split(';')
            .any(|h| h.trim().eq_ignore_ascii_case("content-length"))
    };
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split('&')
                .find_map(|field| field.strip_prefix("q-header-list="))
                .map(in_list)
        });
    let from_query = params
        .iter()
        .find(|(k, _)| k == "q-header-list")
        .and_then(|(_, v)| v.as_deref())
        .map(in_list);
    from_header.or(from_query).unwrap_or(false)
}
