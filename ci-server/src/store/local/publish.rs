//! Publishing: staged bodies adopted into `data/` and made visible together in one SQLite
//! transaction, or not at all.

use rusqlite::{params, OptionalExtension};

use super::{headers_to_json, LocalStore, NOTE_BUCKET};
use crate::store::{Assembled, NewObject, ObjectMeta, Publish, Staged, StoreError};
use crate::util::now_secs;

impl LocalStore {
    /// Publishes every entry (and closes the upload `finish_upload`) in one SQLite
    /// transaction: all become visible at once, or, on any failure, none (their blobs are
    /// deleted).
    pub(super) fn publish_all(
        &self,
        entries: Vec<Entry>,
        finish_upload: Option<&str>,
    ) -> Result<Vec<ObjectMeta>, StoreError> {
        let now = now_secs();
        let mut dead: Vec<String> = Vec::new();
        let result = (|| -> Result<(), StoreError> {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            for e in &entries {
                if let Some(old) = tx
                    .query_row(
                        "SELECT blob FROM objects WHERE bucket = ?1 AND key = ?2",
                        params![e.bucket, e.key],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?
                {
                    dead.push(old);
                }
                tx.prepare_cached(NOTE_BUCKET)?
                    .execute(params![e.bucket, now as i64])?;
                tx.execute(
                    "INSERT OR REPLACE INTO objects
                     (bucket, key, size, etag, crc64, content_type, headers, last_modified, blob)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        e.bucket,
                        e.key,
                        e.size as i64,
                        e.etag,
                        e.crc64.to_string(),
                        e.object.content_type,
                        headers_to_json(&e.object.headers),
                        now as i64,
                        e.blob
                    ],
                )?;
            }
            if let Some(id) = finish_upload {
                let mut st = tx.prepare("SELECT blob FROM parts WHERE upload_id = ?1")?;
                let blobs = st
                    .query_map([id], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                drop(st);
                dead.extend(blobs);
                tx.execute("DELETE FROM parts WHERE upload_id = ?1", [id])?;
                if tx.execute("DELETE FROM uploads WHERE upload_id = ?1", [id])? == 0 {
                    // Another completion or an abort won: publish nothing.
                    return Err(StoreError::NoSuchUpload);
                }
            }
            tx.commit()?;
            Ok(())
        })();
        // Even after a failure (nothing changed then, and dropping copies is harmless).
        self.cache
            .invalidate(entries.iter().map(|e| (e.bucket.as_str(), e.key.as_str())));
        if let Err(e) = result {
            for entry in &entries {
                self.remove_blob(&entry.blob);
            }
            return Err(e);
        }
        // A key written twice in one batch: the second write found the first's blob in
        // the transaction and listed it above.
        for b in dead {
            self.remove_blob(&b);
        }
        Ok(entries
            .into_iter()
            .map(|e| ObjectMeta {
                bucket: e.bucket,
                key: e.key,
                size: e.size,
                etag: e.etag,
                crc64: e.crc64,
                content_type: e.object.content_type,
                headers: e.object.headers,
                last_modified: now,
            })
            .collect())
    }

    /// A staged body moved into `data/`, ready to publish.
    fn entry(
        &self,
        bucket: String,
        key: String,
        body: Staged,
        etag: Option<String>,
        mut object: NewObject,
    ) -> Result<Entry, StoreError> {
        let (size, crc64) = (body.size, body.crc64);
        let etag = etag.unwrap_or_else(|| format!("\"{}\"", hex::encode(body.md5)));
        if object.content_type.is_empty() {
            object.content_type = "application/octet-stream".to_owned();
        }
        let blob = self.adopt(body)?;
        Ok(Entry {
            bucket,
            key,
            blob,
            size,
            etag,
            crc64,
            object,
        })
    }

    /// Adopts every body; on a failure, the blobs adopted so far are deleted.
    pub(super) fn entries(
        &self,
        completing: Option<Assembled>,
        objects: Vec<Publish>,
    ) -> Result<(Vec<Entry>, Option<String>), StoreError> {
        let mut entries = Vec::with_capacity(objects.len() + 1);
        let mut upload_id = None;
        let adopt_all = || -> Result<(), StoreError> {
            if let Some(a) = completing {
                upload_id = Some(a.upload_id);
                entries.push(self.entry(a.bucket, a.key, a.body, Some(a.etag), a.object)?);
            }
            for p in objects {
                entries.push(self.entry(p.bucket, p.key, p.body, None, p.object)?);
            }
            Ok(())
        };
        match adopt_all() {
            Ok(()) => Ok((entries, upload_id)),
            Err(e) => {
                for entry in &entries {
                    self.remove_blob(&entry.blob);
                }
                Err(e)
            }
        }
    }
}

/// An object about to be published: its body already in `data/`.
pub(super) struct Entry {
    bucket: String,
    key: String,
    blob: String,
    size: u64,
    etag: String,
    crc64: u64,
    object: NewObject,
}
