//! The local store: bodies as files under `<root>/data`, metadata in SQLite (WAL).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use md5::{Digest as _, Md5};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{
    Assembled, CachedObject, Committed, ListQuery, Listing, NewObject, ObjectMeta, ObjectStore,
    OpenObject, PartInfo, Publish, Staged, StagingFile, StoreError, UploadInfo,
};
use crate::util::{fresh_id, now_secs};

mod cache;
mod publish;
mod styles;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    crc64 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    blob TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    initiated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    md5 TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    blob TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, initiated);
-- Stores written before the buckets table: every bucket that holds something.
INSERT OR IGNORE INTO buckets (name, created)
    SELECT bucket, MIN(last_modified) FROM objects GROUP BY bucket;
INSERT OR IGNORE INTO buckets (name, created)
    SELECT bucket, MIN(initiated) FROM uploads GROUP BY bucket;
";

const NOTE_BUCKET: &str = "INSERT OR IGNORE INTO buckets (name, created) VALUES (?1, ?2)";

/// Objects on the local disk.
///
/// Layout under the root: `meta.sqlite3` (WAL mode), `data/<id>` (one file per object
/// version or part, never modified once written), `tmp/<id>` (bodies being received).
/// A write goes to `tmp/`, is fsynced, renamed into `data/` and then published by one
/// SQLite transaction; the replaced version's file is deleted afterwards. Opening the
/// store empties `tmp/` and deletes `data/` files that no row references (left by a crash
/// between rename and commit).
pub struct LocalStore {
    conn: Mutex<Connection>,
    /// Read-only connections for `head` and `open`: WAL lets them read while the writer
    /// commits or checkpoints, so GET and HEAD never queue behind a write.
    readers: Mutex<Vec<Connection>>,
    /// Small objects in memory (off until [`ObjectStore::enable_read_cache`]).
    cache: cache::ReadCache,
    db: PathBuf,
    data: PathBuf,
    tmp: PathBuf,
    /// Held (locked) for the store's life: one server per root. Opening clears `tmp/`,
    /// which would destroy another server's uploads in flight.
    _root_lock: File,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("data", &self.data)
            .finish()
    }
}

fn headers_to_json(h: &[(String, String)]) -> String {
    serde_json::to_string(h).unwrap_or_else(|_| "[]".into())
}

fn headers_from_json(s: &str) -> Vec<(String, String)> {
    serde_json::from_str(s).unwrap_or_default()
}

/// An `objects` row selected as [`META_COLUMNS`] (read by position: looking columns up
/// by name showed in GET profiles).
fn meta_from_row(bucket: &str, row: &rusqlite::Row<'_>) -> rusqlite::Result<ObjectMeta> {
    let crc: String = row.get(3)?;
    let headers: String = row.get(5)?;
    Ok(ObjectMeta {
        bucket: bucket.to_owned(),
        key: row.get(0)?,
        size: row.get::<_, i64>(1)? as u64,
        etag: row.get(2)?,
        crc64: crc.parse().unwrap_or(0),
        content_type: row.get(4)?,
        headers: headers_from_json(&headers),
        last_modified: row.get::<_, i64>(6)? as u64,
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn unquote(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

impl LocalStore {
    /// Opens (creating if needed) the store under `root`.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let data = root.join("data");
        let tmp = root.join("tmp");
        fs::create_dir_all(&data)?;
        let root_lock = File::create(root.join("lock"))?;
        match root_lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::RootInUse(root.to_path_buf()))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        // Whatever is in tmp/ belongs to uploads that never finished.
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        let db = root.join("meta.sqlite3");
        let conn = Connection::open(&db)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: in WAL mode NORMAL does not fsync the log at commit, so an acknowledged
        // PUT could vanish on power loss (its fsynced body would then be swept as an
        // orphan). FULL syncs the WAL on every commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(styles::SCHEMA)?;
        let store = LocalStore {
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            cache: cache::ReadCache::default(),
            db,
            data,
            tmp,
            _root_lock: root_lock,
        };
        store.sweep_orphans()?;
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on a pooled read-only connection (opened on first need, kept afterwards).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.db,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c
            }
        };
        let out = f(&conn);
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        out
    }

    fn sweep_orphans(&self) -> Result<(), StoreError> {
        let mut referenced = std::collections::HashSet::new();
        {
            let conn = self.lock();
            for sql in ["SELECT blob FROM objects", "SELECT blob FROM parts"] {
                let mut st = conn.prepare(sql)?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                for r in rows {
                    referenced.insert(r?);
                }
            }
        }
        for entry in fs::read_dir(&self.data)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !referenced.contains(&name) {
                tracing::warn!(blob = %name, "removing unreferenced body file");
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// Moves a staged body into `data/`; returns the blob name.
    fn adopt(&self, body: Staged) -> Result<String, StoreError> {
        let blob = fresh_id();
        let src = body.take_path();
        let dest = self.data.join(&blob);
        if let Err(e) = fs::rename(&src, &dest) {
            let _ = fs::remove_file(&src);
            return Err(e.into());
        }
        sync_dir(&self.data);
        Ok(blob)
    }

    fn remove_blob(&self, blob: &str) {
        if !blob.is_empty() {
            let _ = fs::remove_file(self.data.join(blob));
        }
    }
}

const META_COLUMNS: &str = "key, size, etag, crc64, content_type, headers, last_modified";

impl ObjectStore for LocalStore {
    fn stage(&self) -> Result<StagingFile, StoreError> {
        Ok(StagingFile::create(self.tmp.join(fresh_id()))?)
    }

    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Staged,
        object: NewObject,
    ) -> Result<ObjectMeta, StoreError> {
        let publish = Publish {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            body,
            object,
        };
        let mut metas = self.commit_all(None, vec![publish])?.objects;
        metas
            .pop()
            .ok_or_else(|| StoreError::Io(std::io::Error::other("nothing published")))
    }

    fn commit_all(
        &self,
        completing: Option<Assembled>,
        objects: Vec<Publish>,
    ) -> Result<Committed, StoreError> {
        let (entries, upload_id) = self.entries(completing, objects)?;
        let mut metas = self.publish_all(entries, upload_id.as_deref())?;
        let completed = upload_id.is_some().then(|| metas.remove(0));
        Ok(Committed {
            completed,
            objects: metas,
        })
    }

    fn reads_are_local(&self) -> bool {
        true
    }

    fn enable_read_cache(&self, capacity: u64, max_object: u64) -> bool {
        self.cache.enable(capacity, max_object);
        true
    }

    fn cached(&self, bucket: &str, key: &str) -> Option<std::sync::Arc<CachedObject>> {
        self.cache.get(bucket, key)
    }

    fn head(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        self.read(|conn| {
            let mut st = conn.prepare_cached(
                "SELECT key, size, etag, crc64, content_type, headers, last_modified
                 FROM objects WHERE bucket = ?1 AND key = ?2",
            )?;
            Ok(st
                .query_row(params![bucket, key], |r| meta_from_row(bucket, r))
                .optional()?)
        })
    }

    fn open(&self, bucket: &str, key: &str) -> Result<Option<OpenObject>, StoreError> {
        // A replacement committed between the lookup and the open(2) deletes the file we
        // found (after its commit): look again, and the new row names the new file. Only
        // a key replaced again and again in those microseconds can exhaust the attempts.
        let mut attempts = 0;
        let cacheable = self.cache.max_object();
        loop {
            let generation = self.cache.generation();
            let row = self.read(|conn| {
                let mut st = conn.prepare_cached(
                    "SELECT key, size, etag, crc64, content_type, headers, last_modified, blob
                     FROM objects WHERE bucket = ?1 AND key = ?2",
                )?;
                Ok(st
                    .query_row(params![bucket, key], |r| {
                        Ok((meta_from_row(bucket, r)?, r.get::<_, String>(7)?))
                    })
                    .optional()?)
            })?;
            let Some((meta, blob)) = row else {
                return Ok(None);
            };
            match File::open(self.data.join(blob)) {
                Ok(file) if cacheable > 0 && meta.size <= cacheable => {
                    let mut body = Vec::with_capacity(meta.size as usize);
                    file.take(meta.size).read_to_end(&mut body)?;
                    let body = bytes::Bytes::from(body);
                    if body.len() as u64 == meta.size {
                        let object = CachedObject {
                            meta: meta.clone(),
                            body: body.clone(),
                        };
                        self.cache.insert(generation, object);
                    }
                    return Ok(Some((meta, Box::new(std::io::Cursor::new(body)))));
                }
                Ok(file) => return Ok(Some((meta, Box::new(file)))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempts < 8 => {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn delete(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        let blob = {
            let conn = self.lock();
            let blob = conn
                .query_row(
                    "SELECT blob FROM objects WHERE bucket = ?1 AND key = ?2",
                    params![bucket, key],
                    |r| r.get::<_, String>(0),
                )
                .optional()?;
            if blob.is_some() {
                let deleted = conn.execute(
                    "DELETE FROM objects WHERE bucket = ?1 AND key = ?2",
                    params![bucket, key],
                );
                self.cache.invalidate([(bucket, key)]);
                deleted?;
            }
            blob
        };
        match blob {
            Some(b) => {
                self.remove_blob(&b);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn list(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StoreError> {
        const BATCH: i64 = 1000;
        let max = query.max_keys.clamp(1, 1000);
        let mut out = Listing::default();
        let delimiter = query.delimiter.as_deref().filter(|d| !d.is_empty());
        // Start after the marker, at the prefix at the earliest.
        let mut cursor = query.marker.clone();
        let mut inclusive = false;
        if query.prefix.as_str() > cursor.as_str() {
            cursor = query.prefix.clone();
            inclusive = true;
        }
        let conn = self.lock();
        let sql_gt = format!(
            "SELECT {META_COLUMNS} FROM objects WHERE bucket = ?1 AND key > ?2 ORDER BY key LIMIT ?3"
        );
        let sql_ge = format!(
            "SELECT {META_COLUMNS} FROM objects WHERE bucket = ?1 AND key >= ?2 ORDER BY key LIMIT ?3"
        );
        let mut count = 0usize;
        'outer: loop {
            let sql = if inclusive { &sql_ge } else { &sql_gt };
            let mut st = conn.prepare_cached(sql)?;
            let rows = st
                .query_map(params![bucket, cursor, BATCH], |r| meta_from_row(bucket, r))?
                .collect::<Result<Vec<_>, _>>()?;
            if rows.is_empty() {
                break;
            }
            let exhausted = (rows.len() as i64) < BATCH;
            inclusive = false;
            let mut skip_to: Option<String> = None;
            for meta in rows {
                if let Some(s) = &skip_to {
                    if meta.key.starts_with(s.as_str()) {
                        continue;
                    }
                    skip_to = None;
                }
                if !meta.key.starts_with(&query.prefix) {
                    break 'outer;
                }
                cursor = meta.key.clone();
                let rest = &meta.key[query.prefix.len()..];
                let common = delimiter.and_then(|d| {
                    rest.find(d)
                        .map(|i| format!("{}{}", query.prefix, &rest[..i + d.len()]))
                });
                if count == max {
                    out.is_truncated = true;
                    break 'outer;
                }
                match common {
                    Some(cp) => {
                        if cp.as_str() <= query.marker.as_str() {
                            // Already returned on an earlier page.
                            skip_to = Some(cp);
                            continue;
                        }
                        out.next_marker = Some(cp.clone());
                        out.common_prefixes.push(cp.clone());
                        skip_to = Some(cp);
                    }
                    None => {
                        out.next_marker = Some(meta.key.clone());
                        out.objects.push(meta);
                    }
                }
                count += 1;
            }
            if let Some(cp) = skip_to {
                // Jump past every key under this common prefix.
                cursor = format!("{cp}\u{10FFFF}");
                inclusive = true;
                continue;
            }
            if exhausted {
                break;
            }
        }
        if !out.is_truncated {
            out.next_marker = None;
        }
        Ok(out)
    }

    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        object: NewObject,
    ) -> Result<String, StoreError> {
        let id = fresh_id();
        let conn = self.lock();
        conn.prepare_cached(NOTE_BUCKET)?
            .execute(params![bucket, now_secs() as i64])?;
        conn.execute(
            "INSERT INTO uploads (upload_id, bucket, key, content_type, headers, initiated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                bucket,
                key,
                object.content_type,
                headers_to_json(&object.headers),
                now_secs() as i64
            ],
        )?;
        Ok(id)
    }

    fn add_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        self.lock()
            .prepare_cached(NOTE_BUCKET)?
            .execute(params![bucket, now_secs() as i64])?;
        Ok(())
    }

    fn buckets(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.lock();
        let mut st = conn.prepare_cached("SELECT name, created FROM buckets ORDER BY name")?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, StoreError> {
        let conn = self.lock();
        let mut st = conn.prepare_cached(
            "SELECT upload_id, key, content_type, headers, initiated FROM uploads
             WHERE bucket = ?1 ORDER BY key, initiated, upload_id",
        )?;
        let rows = st
            .query_map([bucket], |r| {
                Ok(UploadInfo {
                    upload_id: r.get(0)?,
                    bucket: bucket.to_owned(),
                    key: r.get(1)?,
                    object: NewObject {
                        content_type: r.get(2)?,
                        headers: headers_from_json(&r.get::<_, String>(3)?),
                    },
                    initiated: r.get::<_, i64>(4)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn upload(&self, upload_id: &str) -> Result<Option<UploadInfo>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT bucket, key, content_type, headers, initiated FROM uploads WHERE upload_id = ?1",
                [upload_id],
                |r| {
                    Ok(UploadInfo {
                        upload_id: upload_id.to_owned(),
                        bucket: r.get(0)?,
                        key: r.get(1)?,
                        object: NewObject {
                            content_type: r.get(2)?,
                            headers: headers_from_json(&r.get::<_, String>(3)?),
                        },
                        initiated: r.get::<_, i64>(4)? as u64,
                    })
                },
            )
            .optional()?)
    }

    fn put_part(
        &self,
        upload_id: &str,
        part_number: u32,
        body: Staged,
    ) -> Result<PartInfo, StoreError> {
        let md5 = hex::encode(body.md5);
        let size = body.size;
        let blob = self.adopt(body)?;
        let now = now_secs();
        let result = (|| -> Result<Option<String>, StoreError> {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let open: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM uploads WHERE upload_id = ?1",
                    [upload_id],
                    |r| r.get(0),
                )
                .optional()?;
            if open.is_none() {
                return Err(StoreError::NoSuchUpload);
            }
            let old = tx
                .query_row(
                    "SELECT blob FROM parts WHERE upload_id = ?1 AND part_number = ?2",
                    params![upload_id, part_number],
                    |r| r.get::<_, String>(0),
                )
                .optional()?;
            tx.execute(
                "INSERT OR REPLACE INTO parts (upload_id, part_number, size, md5, last_modified, blob)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![upload_id, part_number, size as i64, md5, now as i64, blob],
            )?;
            tx.commit()?;
            Ok(old)
        })();
        match result {
            Ok(old) => {
                if let Some(old) = old {
                    self.remove_blob(&old);
                }
                Ok(PartInfo {
                    part_number,
                    size,
                    etag: format!("\"{md5}\""),
                    last_modified: now,
                })
            }
            Err(e) => {
                self.remove_blob(&blob);
                Err(e)
            }
        }
    }

    fn list_parts(&self, upload_id: &str) -> Result<Vec<PartInfo>, StoreError> {
        let conn = self.lock();
        let mut st = conn.prepare_cached(
            "SELECT part_number, size, md5, last_modified FROM parts WHERE upload_id = ?1 ORDER BY part_number",
        )?;
        let parts = st
            .query_map([upload_id], |r| {
                Ok(PartInfo {
                    part_number: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    etag: format!("\"{}\"", r.get::<_, String>(2)?),
                    last_modified: r.get::<_, i64>(3)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parts)
    }

    fn assemble(
        &self,
        upload_id: &str,
        parts: &[(u32, String)],
        max_size: u64,
    ) -> Result<Assembled, StoreError> {
        let upload = self.upload(upload_id)?.ok_or(StoreError::NoSuchUpload)?;
        if parts.is_empty() {
            return Err(StoreError::InvalidPart("no parts listed".into()));
        }
        if parts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(StoreError::InvalidPartOrder);
        }
        let stored: BTreeMap<u32, (String, String)> = {
            let conn = self.lock();
            let mut st = conn
                .prepare_cached("SELECT part_number, md5, blob FROM parts WHERE upload_id = ?1")?;
            let rows = st
                .query_map([upload_id], |r| {
                    Ok((r.get::<_, u32>(0)?, (r.get(1)?, r.get(2)?)))
                })?
                .collect::<Result<BTreeMap<_, _>, _>>()?;
            rows
        };
        let mut staging = self.stage()?;
        let mut md5s = Md5::new();
        let mut buf = vec![0u8; 256 * 1024];
        for (n, etag) in parts {
            let (md5, blob) = stored
                .get(n)
                .ok_or_else(|| StoreError::InvalidPart(format!("part {n} was not uploaded")))?;
            if !unquote(etag).eq_ignore_ascii_case(md5) {
                return Err(StoreError::InvalidPart(format!(
                    "part {n}: ETag {etag} does not match the uploaded part"
                )));
            }
            md5s.update(hex::decode(md5).unwrap_or_default());
            let mut f = File::open(self.data.join(blob))?;
            loop {
                let k = f.read(&mut buf)?;
                if k == 0 {
                    break;
                }
                if staging.size() + k as u64 > max_size {
                    return Err(StoreError::TooLarge(max_size));
                }
                staging.write(&buf[..k])?;
            }
        }
        let staged = staging.finish()?;
        let etag = format!("\"{}-{}\"", hex::encode(md5s.finalize()), parts.len());
        Ok(Assembled {
            upload_id: upload_id.to_owned(),
            bucket: upload.bucket,
            key: upload.key,
            object: upload.object,
            body: staged,
            etag,
        })
    }

    fn styles(&self, bucket: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.list_styles(bucket)
    }

    fn style(&self, bucket: &str, name: &str) -> Result<Option<String>, StoreError> {
        self.get_style(bucket, name)
    }

    fn put_style(
        &self,
        bucket: &str,
        name: &str,
        body: &str,
        max: usize,
    ) -> Result<(), StoreError> {
        self.upsert_style(bucket, name, body, max)
    }

    fn delete_style(&self, bucket: &str, name: &str) -> Result<bool, StoreError> {
        self.remove_style(bucket, name)
    }

    fn style_separators(&self, bucket: &str) -> Result<String, StoreError> {
        self.get_separators(bucket)
    }

    fn set_style_separators(&self, bucket: &str, separators: &str) -> Result<(), StoreError> {
        self.put_separators(bucket, separators)
    }

    fn abort(&self, upload_id: &str) -> Result<bool, StoreError> {
        let blobs = {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let n = tx.execute("DELETE FROM uploads WHERE upload_id = ?1", [upload_id])?;
            let mut st = tx.prepare("SELECT blob FROM parts WHERE upload_id = ?1")?;
            let blobs = st
                .query_map([upload_id], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            drop(st);
            tx.execute("DELETE FROM parts WHERE upload_id = ?1", [upload_id])?;
            tx.commit()?;
            if n == 0 {
                return Ok(false);
            }
            blobs
        };
        for b in blobs {
            self.remove_blob(&b);
        }
        Ok(true)
    }
}
