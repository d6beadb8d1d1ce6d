//! Listings: GET Service (the buckets), GET Bucket (objects) and `GET /?uploads` (open
//! multipart uploads).

use std::sync::Arc;

use ci_core::result::{
    BucketEntry, BucketList, CommonPrefix, ListAllMyBucketsResult, ListBucketResult,
    ListMultipartUploadsResult, ListedObject, ListedUpload,
};
use hyper::Response;

use crate::address::owner_of;
use crate::error::ApiError;
use crate::http::{blocking, xml_response, Body};
use crate::request::{object_list_query, upload_list_query, Ctx, UploadListQuery};
use crate::state::State;
use crate::util::iso_date;

/// GET Service: every bucket the store has seen (configured ones included).
pub(crate) async fn get_service(state: &Arc<State>) -> Result<Response<Body>, ApiError> {
    let store = state.store.clone();
    let buckets = blocking(move || Ok(store.buckets()?)).await?;
    let appid = buckets
        .first()
        .map(|(name, _)| owner_of(name))
        .unwrap_or_default();
    let doc = ListAllMyBucketsResult {
        owner: appid,
        buckets: BucketList {
            buckets: buckets
                .into_iter()
                .map(|(name, created)| BucketEntry {
                    name,
                    location: state.config.region.clone(),
                    creation_date: iso_date(created),
                    bucket_type: "cos".to_owned(),
                })
                .collect(),
        },
    };
    Ok(xml_response(doc.to_xml()))
}

/// GET Bucket (ListObjects): keys after `marker` under `prefix`, rolled up at `delimiter`.
pub(crate) async fn list_objects(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let query = object_list_query(ctx)?;
    let url_encode = ctx.url_encoded();
    let store = state.store.clone();
    let bucket = ctx.bucket.clone();
    let q = query.clone();
    let listing = if query.max_keys == 0 {
        Default::default()
    } else {
        blocking(move || Ok(store.list(&bucket, &q)?)).await?
    };
    let enc = |s: &str| {
        if url_encode {
            ci_core::sign::encode_key_for_url(s)
        } else {
            s.to_owned()
        }
    };
    let owner = owner_of(&ctx.bucket);
    let doc = ListBucketResult {
        name: ctx.bucket.clone(),
        encoding_type: url_encode.then(|| "url".to_owned()),
        prefix: enc(&query.prefix),
        marker: enc(&query.marker),
        max_keys: query.max_keys as u32,
        delimiter: query.delimiter.as_deref().map(enc),
        is_truncated: listing.is_truncated,
        next_marker: listing.next_marker.as_deref().map(enc),
        common_prefixes: listing
            .common_prefixes
            .iter()
            .map(|cp| CommonPrefix { prefix: enc(cp) })
            .collect(),
        contents: listing
            .objects
            .iter()
            .map(|o| ListedObject {
                key: enc(&o.key),
                last_modified: iso_date(o.last_modified),
                etag: o.etag.clone(),
                size: o.size,
                owner: owner.clone(),
                storage_class: "STANDARD".to_owned(),
            })
            .collect(),
    };
    Ok(xml_response(doc.to_xml()))
}

/// `GET /?uploads`: open multipart uploads, with prefix, delimiter, key-marker,
/// upload-id-marker and max-uploads as ListObjects has them.
pub(crate) async fn list_uploads(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let UploadListQuery {
        prefix,
        delimiter,
        key_marker,
        upload_id_marker: id_marker,
        max_uploads: max,
    } = upload_list_query(ctx)?;
    let url_encode = ctx.url_encoded();
    let store = state.store.clone();
    let bucket = ctx.bucket.clone();
    let all = blocking(move || Ok(store.list_uploads(&bucket)?)).await?;
    // After the markers: keys past key-marker, and on key-marker itself the uploads that
    // follow upload-id-marker (in listing order).
    let id_pos = (!key_marker.is_empty() && !id_marker.is_empty())
        .then(|| {
            all.iter()
                .position(|u| u.key == key_marker && u.upload_id == id_marker)
        })
        .flatten();
    let enc = |s: &str| {
        if url_encode {
            ci_core::sign::encode_key_for_url(s)
        } else {
            s.to_owned()
        }
    };
    let owner = owner_of(&ctx.bucket);
    let mut doc = ListMultipartUploadsResult {
        bucket: ctx.bucket.clone(),
        encoding_type: url_encode.then(|| "url".to_owned()),
        key_marker: enc(key_marker),
        upload_id_marker: id_marker.to_owned(),
        max_uploads: max as u32,
        prefix: enc(prefix),
        delimiter: delimiter.map(enc),
        ..Default::default()
    };
    let mut count = 0;
    let mut last: Option<(String, String)> = None;
    for (i, u) in all.iter().enumerate() {
        let after = match id_pos {
            Some(p) => i > p,
            None => key_marker.is_empty() || u.key.as_str() > key_marker,
        };
        if !after || !u.key.starts_with(prefix) {
            continue;
        }
        let rolled = delimiter.and_then(|d| {
            let rest = &u.key[prefix.len()..];
            rest.find(d)
                .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
        });
        if let Some(cp) = &rolled {
            if last
                .as_ref()
                .is_some_and(|(k, id)| k == cp && id.is_empty())
            {
                continue; // already listed
            }
        }
        if count == max {
            doc.is_truncated = true;
            break;
        }
        count += 1;
        match rolled {
            Some(cp) => {
                doc.common_prefixes.push(CommonPrefix { prefix: enc(&cp) });
                last = Some((cp, String::new()));
            }
            None => {
                doc.uploads.push(ListedUpload {
                    key: enc(&u.key),
                    upload_id: u.upload_id.clone(),
                    storage_class: "STANDARD".to_owned(),
                    initiator: owner.clone(),
                    owner: owner.clone(),
                    initiated: iso_date(u.initiated),
                });
                last = Some((u.key.clone(), u.upload_id.clone()));
            }
        }
    }
    if doc.is_truncated {
        if let Some((k, id)) = last {
            doc.next_key_marker = Some(enc(&k));
            doc.next_upload_id_marker = Some(id);
        }
    }
    Ok(xml_response(doc.to_xml()))
}
