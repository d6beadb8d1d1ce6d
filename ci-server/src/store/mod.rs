//! Object storage behind a trait, so that a remote backend (MinIO, COS) can replace the
//! local one.
//!
//! Bodies arrive through a [`StagingFile`]: the server streams the request body into it,
//! [`StagingFile::finish`] fsyncs it, and [`ObjectStore::commit`] makes it visible in one
//! step. A staged body that is dropped before `commit` is deleted, so an upload killed
//! half-way never becomes an object.

mod local;

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

pub use local::LocalStore;

use crate::util::BodyDigest;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The upload id names no open multipart upload.
    #[error("no such upload")]
    NoSuchUpload,
    /// A listed part is missing or its ETag differs.
    #[error("{0}")]
    InvalidPart(String),
    /// Parts not listed in ascending order.
    #[error("parts not in ascending order")]
    InvalidPartOrder,
    /// The assembled object exceeds the size limit (bytes).
    #[error("object larger than {0} bytes")]
    TooLarge(u64),
    /// The bucket holds the most styles it may (the number) and the name is new.
    #[error("the bucket already holds {0} styles, the most it may")]
    TooManyStyles(usize),
    /// Another process (a second `cos-ci serve`) holds the store's root.
    #[error("{0} is in use by another cos-ci server")]
    RootInUse(std::path::PathBuf),
    /// File system failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Database failure.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Headers stored with an object and sent back on GET/HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewObject {
    /// `Content-Type` (default `application/octet-stream`).
    pub content_type: String,
    /// Other headers to echo: `x-cos-meta-*`, `Cache-Control`, `Content-Disposition`,
    /// `Content-Encoding`, `Content-Language`, `Expires` (names lower case).
    pub headers: Vec<(String, String)>,
}

/// A stored object's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag with quotes: `"<md5>"` or `"<md5 of part md5s>-<n>"`.
    pub etag: String,
    /// CRC-64/XZ of the body.
    pub crc64: u64,
    /// Content-Type.
    pub content_type: String,
    /// Echoed headers (see [`NewObject::headers`]).
    pub headers: Vec<(String, String)>,
    /// Unix seconds of the write.
    pub last_modified: u64,
}

/// One multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInfo {
    /// Upload id.
    pub upload_id: String,
    /// Target bucket.
    pub bucket: String,
    /// Target key.
    pub key: String,
    /// Headers for the final object.
    pub object: NewObject,
    /// Unix seconds of the initiation.
    pub initiated: u64,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// 1-based part number.
    pub part_number: u32,
    /// Size in bytes.
    pub size: u64,
    /// ETag with quotes: `"<md5>"`.
    pub etag: String,
    /// Unix seconds of the upload.
    pub last_modified: u64,
}

/// A ListObjects query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only keys starting with this.
    pub prefix: String,
    /// Only keys (and common prefixes) after this.
    pub marker: String,
    /// Roll keys up to the first occurrence of this after the prefix.
    pub delimiter: Option<String>,
    /// At most this many keys plus common prefixes (1–1000).
    pub max_keys: usize,
}

/// A ListObjects page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Objects, in key order.
    pub objects: Vec<ObjectMeta>,
    /// Common prefixes, in order.
    pub common_prefixes: Vec<String>,
    /// More follow.
    pub is_truncated: bool,
    /// Marker for the next page (when truncated).
    pub next_marker: Option<String>,
}

/// A body being received: a temporary file that is deleted unless committed.
#[derive(Debug)]
pub struct StagingFile {
    path: PathBuf,
    file: Option<File>,
    digest: BodyDigest,
}

impl StagingFile {
    /// Creates the temporary file at `path` (which must not exist).
    pub fn create(path: PathBuf) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(StagingFile {
            path,
            file: Some(file),
            digest: BodyDigest::default(),
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.write_all(data)?,
            None => return Err(std::io::Error::other("staging file already finished")),
        }
        self.digest.update(data);
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.digest.size()
    }

    /// Flushes and fsyncs; the body is complete.
    pub fn finish(mut self) -> std::io::Result<Staged> {
        let file = self
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("staging file already finished"))?;
        file.sync_all()?;
        drop(file);
        let digest = std::mem::take(&mut self.digest);
        let (md5, crc64, size) = digest.finish();
        let path = std::mem::take(&mut self.path);
        Ok(Staged {
            path,
            md5,
            crc64,
            size,
        })
    }
}

impl Drop for StagingFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl std::fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyDigest")
            .field("size", &self.size())
            .finish()
    }
}

/// A complete, fsynced body waiting for [`ObjectStore::commit`]; deleted if dropped.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    /// MD5 of the body.
    pub md5: [u8; 16],
    /// CRC-64/XZ of the body.
    pub crc64: u64,
    /// Size in bytes.
    pub size: u64,
}

impl Staged {
    /// The file holding the body (valid until the value is committed or dropped).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Gives the file up to the caller, who must move it (the drop no longer deletes it).
    pub(crate) fn take_path(mut self) -> PathBuf {
        std::mem::take(&mut self.path)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An object to publish with [`ObjectStore::commit_all`].
#[derive(Debug)]
pub struct Publish {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The body.
    pub body: Staged,
    /// Its headers.
    pub object: NewObject,
}

/// A multipart upload's parts joined into one staged body, not yet visible: published
/// (and the upload closed) by [`ObjectStore::commit_all`]; dropped, it leaves the upload
/// open.
#[derive(Debug)]
pub struct Assembled {
    /// The upload.
    pub upload_id: String,
    /// Target bucket.
    pub bucket: String,
    /// Target key.
    pub key: String,
    /// Headers given at initiation.
    pub object: NewObject,
    /// The joined parts.
    pub body: Staged,
    /// `"<md5 of the part md5s>-<parts>"`.
    pub etag: String,
}

/// What [`ObjectStore::commit_all`] published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The completed multipart object, if one was.
    pub completed: Option<ObjectMeta>,
    /// The other objects, in the order given.
    pub objects: Vec<ObjectMeta>,
}

/// A small object held in memory by the store's read cache (see
/// [`ObjectStore::enable_read_cache`]): its metadata and its whole body.
#[derive(Debug)]
pub struct CachedObject {
    /// The metadata, as [`ObjectStore::head`] gives it.
    pub meta: ObjectMeta,
    /// The whole body (`meta.size` bytes).
    pub body: bytes::Bytes,
}

/// A readable, seekable object body.
pub trait BodyReader: Read + Seek + Send {}
impl<T: Read + Seek + Send> BodyReader for T {}

/// An object's metadata with its body.
pub type OpenObject = (ObjectMeta, Box<dyn BodyReader>);

/// Where objects live. All methods block (call them from a blocking thread, except as
/// [`reads_are_local`](Self::reads_are_local) allows).
pub trait ObjectStore: Send + Sync {
    /// A new staging file for a body about to be received.
    fn stage(&self) -> Result<StagingFile, StoreError>;

    /// Makes a staged body the object `bucket`/`key`, replacing any previous version
    /// atomically: readers see the old or the new version, never a mix.
    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Staged,
        object: NewObject,
    ) -> Result<ObjectMeta, StoreError>;

    /// Stores bytes as an object (processing results).
    fn put_bytes(
        &self,
        bucket: &str,
        key: &str,
        data: &[u8],
        object: NewObject,
    ) -> Result<ObjectMeta, StoreError> {
        let mut staging = self.stage()?;
        staging.write(data)?;
        let staged = staging.finish()?;
        self.commit(bucket, key, staged, object)
    }

    /// Whether [`head`](Self::head) and [`open`](Self::open) only touch local files (a
    /// lookup and an open(2), page-cache fast): the server then calls them, and reads
    /// small bodies, on its async workers instead of handing each GET to a blocking
    /// thread. Remote backends keep the default, `false`.
    fn reads_are_local(&self) -> bool {
        false
    }

    /// Lets the store keep a copy of objects up to `max_object` bytes (metadata and body),
    /// `capacity` bytes in all, which the caller has set aside from its memory budget; the
    /// copy is dropped by every write of its key before the write returns. Whether the
    /// store keeps one (the default: no). A capacity of 0 empties and disables it.
    fn enable_read_cache(&self, capacity: u64, max_object: u64) -> bool {
        let _ = (capacity, max_object);
        false
    }

    /// The object from the read cache, if held there (never blocks).
    fn cached(&self, bucket: &str, key: &str) -> Option<std::sync::Arc<CachedObject>> {
        let _ = (bucket, key);
        None
    }

    /// Metadata of an object.
    fn head(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError>;

    /// Metadata and body of an object.
    fn open(&self, bucket: &str, key: &str) -> Result<Option<OpenObject>, StoreError>;

    /// Deletes an object; whether it existed.
    fn delete(&self, bucket: &str, key: &str) -> Result<bool, StoreError>;

    /// Lists objects.
    fn list(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StoreError>;

    /// Starts a multipart upload; returns its id.
    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        object: NewObject,
    ) -> Result<String, StoreError>;

    /// Records that `bucket` exists (idempotent; objects and uploads record their bucket
    /// themselves).
    fn add_bucket(&self, bucket: &str) -> Result<(), StoreError>;

    /// Every recorded bucket with its creation time (Unix seconds), by name.
    fn buckets(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// The open uploads of `bucket`, by key, then initiation time, then id.
    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, StoreError>;

    /// An open upload.
    fn upload(&self, upload_id: &str) -> Result<Option<UploadInfo>, StoreError>;

    /// Stores (or replaces) a part.
    fn put_part(
        &self,
        upload_id: &str,
        part_number: u32,
        body: Staged,
    ) -> Result<PartInfo, StoreError>;

    /// The parts uploaded so far, by number.
    fn list_parts(&self, upload_id: &str) -> Result<Vec<PartInfo>, StoreError>;

    /// Joins the listed parts (number, ETag) into one staged body, checking them, without
    /// publishing anything. `max_size` bounds the result.
    fn assemble(
        &self,
        upload_id: &str,
        parts: &[(u32, String)],
        max_size: u64,
    ) -> Result<Assembled, StoreError>;

    /// Publishes a completed upload (closing it) and `objects` together: a reader sees
    /// all of them or none, and on failure none is published (a request that fails
    /// leaves no side effect).
    fn commit_all(
        &self,
        completing: Option<Assembled>,
        objects: Vec<Publish>,
    ) -> Result<Committed, StoreError>;

    /// Assembles the listed parts into the object and closes the upload.
    fn complete(
        &self,
        upload_id: &str,
        parts: &[(u32, String)],
        max_size: u64,
    ) -> Result<ObjectMeta, StoreError> {
        let assembled = self.assemble(upload_id, parts, max_size)?;
        self.commit_all(Some(assembled), Vec::new())?
            .completed
            .ok_or(StoreError::NoSuchUpload)
    }

    /// Drops an upload and its parts; whether it existed.
    fn abort(&self, upload_id: &str) -> Result<bool, StoreError>;

    /// The image styles of `bucket` as (name, rule), by name.
    fn styles(&self, bucket: &str) -> Result<Vec<(String, String)>, StoreError>;

    /// The rule of the style `name` of `bucket`, if it exists.
    fn style(&self, bucket: &str, name: &str) -> Result<Option<String>, StoreError>;

    /// Adds the style `name` (or replaces its rule); a new name is refused with
    /// [`StoreError::TooManyStyles`] when the bucket holds `max` styles already.
    fn put_style(&self, bucket: &str, name: &str, body: &str, max: usize)
        -> Result<(), StoreError>;

    /// Deletes a style; whether it existed.
    fn delete_style(&self, bucket: &str, name: &str) -> Result<bool, StoreError>;

    /// The style separators enabled for `bucket` on downloads (characters of `-_/!`;
    /// empty: none, the default).
    fn style_separators(&self, bucket: &str) -> Result<String, StoreError>;

    /// Sets the style separators of `bucket`.
    fn set_style_separators(&self, bucket: &str, separators: &str) -> Result<(), StoreError>;
}
