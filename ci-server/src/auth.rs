//! Signature checks: the COS signature (header or pre-signed query) and the v4 API's.

use ci_core::sign::{v4_verify, verify, ReceivedRequest, VerifyError};
use hyper::header::HeaderMap;
use hyper::Method;

use crate::error::ApiError;
use crate::state::State;
use crate::util::now_secs;

/// Checks a COS request's signature (the `Authorization` header or a pre-signed query)
/// over any of `paths`; without one, passes only an anonymous server.
pub(crate) fn check_cos(
    state: &State,
    method: &Method,
    paths: &[String],
    params: &[(String, Option<String>)],
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let has_header = headers
        .get("authorization")
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
    let hs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let now = now_secs();
    let mut last = VerifyError::SignatureMismatch;
    for path in paths {
        let req = ReceivedRequest {
            method: method.as_str().to_owned(),
            path: path.clone(),
            params: params.to_vec(),
            headers: hs.clone(),
        };
        match verify(&req, |ak| state.config.lookup(ak), now, &state.policy) {
            Ok(_) => return Ok(()),
            Err(VerifyError::SignatureMismatch) => last = VerifyError::SignatureMismatch,
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.into())
}

/// Checks a v4 request's signature (the `Authorization` header) for the bucket `name` of
/// `appid`; without one, passes only an anonymous server.
pub(crate) fn check_v4(
    state: &State,
    headers: &HeaderMap,
    appid: &str,
    name: &str,
) -> Result<(), ApiError> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(sign) if !sign.trim().is_empty() => {
            v4_verify(sign, |ak| state.config.lookup(ak), appid, name, now_secs())
                .map(|_| ())
                .map_err(|e| ApiError::new(403, "SignatureDoesNotMatch", e.to_string()))
        }
        _ if state.config.anonymous => Ok(()),
        _ => Err(ApiError::new(
            403,
            "AccessDenied",
            "the request carries no v4 signature",
        )),
    }
}
