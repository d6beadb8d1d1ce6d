//! Image styles and the per-bucket style separators, in the same SQLite database as the
//! objects (tables `styles` and `bucket_settings`).

use rusqlite::{params, OptionalExtension};

use super::{LocalStore, NOTE_BUCKET};
use crate::store::StoreError;
use crate::util::now_secs;

/// The tables (created with the store's schema).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS styles (
    bucket TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket_settings (
    bucket TEXT PRIMARY KEY,
    style_separators TEXT NOT NULL
);
";

impl LocalStore {
    pub(super) fn list_styles(&self, bucket: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|conn| {
            let mut st = conn
                .prepare_cached("SELECT name, body FROM styles WHERE bucket = ?1 ORDER BY name")?;
            let rows = st
                .query_map([bucket], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub(super) fn get_style(&self, bucket: &str, name: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            let mut st =
                conn.prepare_cached("SELECT body FROM styles WHERE bucket = ?1 AND name = ?2")?;
            Ok(st
                .query_row(params![bucket, name], |r| r.get(0))
                .optional()?)
        })
    }

    /// Adds or replaces a style in one transaction, so that two writers cannot both pass
    /// the count.
    pub(super) fn upsert_style(
        &self,
        bucket: &str,
        name: &str,
        body: &str,
        max: usize,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM styles WHERE bucket = ?1 AND name = ?2",
                params![bucket, name],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            let count: i64 = tx.query_row(
                "SELECT COUNT(*) FROM styles WHERE bucket = ?1",
                [bucket],
                |r| r.get(0),
            )?;
            if count as usize >= max {
                return Err(StoreError::TooManyStyles(max));
            }
        }
        let now = now_secs() as i64;
        tx.prepare_cached(NOTE_BUCKET)?
            .execute(params![bucket, now])?;
        tx.execute(
            "INSERT INTO styles (bucket, name, body, created) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (bucket, name) DO UPDATE SET body = excluded.body",
            params![bucket, name, body, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(super) fn remove_style(&self, bucket: &str, name: &str) -> Result<bool, StoreError> {
        let n = self.lock().execute(
            "DELETE FROM styles WHERE bucket = ?1 AND name = ?2",
            params![bucket, name],
        )?;
        Ok(n > 0)
    }

    pub(super) fn get_separators(&self, bucket: &str) -> Result<String, StoreError> {
        self.read(|conn| {
            let mut st = conn
                .prepare_cached("SELECT style_separators FROM bucket_settings WHERE bucket = ?1")?;
            Ok(st
                .query_row([bucket], |r| r.get(0))
                .optional()?
                .unwrap_or_default())
        })
    }

    pub(super) fn put_separators(&self, bucket: &str, separators: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO bucket_settings (bucket, style_separators) VALUES (?1, ?2)
             ON CONFLICT (bucket) DO UPDATE SET style_separators = excluded.style_separators",
            params![bucket, separators],
        )?;
        Ok(())
    }
}
