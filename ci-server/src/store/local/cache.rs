//! The read cache: small objects' metadata and bodies in memory, so that a GET or HEAD
//! of one skips the SQLite lookup and the open/read/close of its file.
//!
//! Exactness: every write of the `objects` table (publish, delete) calls
//! [`ReadCache::invalidate`] after its transaction and before it returns, which drops the
//! key and advances a generation. A read that missed notes the generation before its
//! lookup and inserts what it read only if no write happened since ([`ReadCache::insert`]),
//! so a lookup that raced a write can never leave the old version behind.
//!
//! Hand-written rather than a caching crate: the generation check has to be in the same
//! critical section as the insertion, and the map is small and simple.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::store::CachedObject;

/// Bytes counted per entry on top of its body and strings (map slots, `Arc`, `Bytes`).
const ENTRY_OVERHEAD: u64 = 256;

#[derive(Default)]
pub(super) struct ReadCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// bucket -> key -> object (two levels: a lookup by `&str` needs no allocation).
    objects: HashMap<String, HashMap<String, Arc<CachedObject>>>,
    used: u64,
    /// 0: disabled.
    capacity: u64,
    max_object: u64,
    /// Advanced by every write.
    generation: u64,
}

fn cost(o: &CachedObject) -> u64 {
    let m = &o.meta;
    let headers: usize = m.headers.iter().map(|(k, v)| k.len() + v.len() + 48).sum();
    o.body.len() as u64
        + (m.bucket.len() + m.key.len() * 2 + m.etag.len() + m.content_type.len() + headers) as u64
        + ENTRY_OVERHEAD
}

impl ReadCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn enable(&self, capacity: u64, max_object: u64) {
        let mut inner = self.lock();
        inner.capacity = capacity;
        inner.max_object = max_object;
        if inner.used > capacity {
            inner.objects.clear();
            inner.used = 0;
        }
    }

    /// The largest body kept (0: the cache is disabled).
    pub(super) fn max_object(&self) -> u64 {
        let inner = self.lock();
        if inner.capacity == 0 {
            0
        } else {
            inner.max_object
        }
    }

    pub(super) fn get(&self, bucket: &str, key: &str) -> Option<Arc<CachedObject>> {
        self.lock().objects.get(bucket)?.get(key).cloned()
    }

    /// The generation to hand back to [`insert`](Self::insert) after a lookup.
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps `object` unless a write happened since `generation` was taken (or it does not
    /// fit); evicts other entries to make room.
    pub(super) fn insert(&self, generation: u64, object: CachedObject) {
        let size = cost(&object);
        let mut inner = self.lock();
        if inner.generation != generation
            || inner.capacity == 0
            || object.body.len() as u64 > inner.max_object
            || size > inner.capacity
        {
            return;
        }
        let (bucket, key) = (object.meta.bucket.clone(), object.meta.key.clone());
        if let Some(old) = inner.objects.get_mut(&bucket).and_then(|m| m.remove(&key)) {
            inner.used -= cost(&old);
        }
        while inner.used + size > inner.capacity {
            // Any entry: the map's order is as good as random, and cheap.
            let Some((b, k)) = inner
                .objects
                .iter()
                .find_map(|(b, m)| m.keys().next().map(|k| (b.clone(), k.clone())))
            else {
                break;
            };
            let removed = inner.objects.get_mut(&b).and_then(|m| m.remove(&k));
            if let Some(old) = removed {
                inner.used -= cost(&old);
            }
            if inner.objects.get(&b).is_some_and(HashMap::is_empty) {
                inner.objects.remove(&b);
            }
        }
        inner.used += size;
        inner
            .objects
            .entry(bucket)
            .or_default()
            .insert(key, Arc::new(object));
    }

    /// Drops the keys written and advances the generation (see the module's note).
    pub(super) fn invalidate<'a>(&self, written: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let mut inner = self.lock();
        inner.generation += 1;
        for (bucket, key) in written {
            let removed = inner.objects.get_mut(bucket).and_then(|m| m.remove(key));
            if let Some(old) = removed {
                inner.used -= cost(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjectMeta;

    fn object(key: &str, body: &[u8]) -> CachedObject {
        CachedObject {
            meta: ObjectMeta {
                bucket: "b-1".into(),
                key: key.into(),
                size: body.len() as u64,
                etag: "\"e\"".into(),
                crc64: 0,
                content_type: "text/plain".into(),
                headers: Vec::new(),
                last_modified: 0,
            },
            body: bytes::Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn a_write_since_the_lookup_keeps_the_read_out() {
        let cache = ReadCache::default();
        cache.enable(1 << 20, 1000);
        let before = cache.generation();
        cache.invalidate([("b-1", "k")]);
        cache.insert(before, object("k", b"old"));
        assert!(cache.get("b-1", "k").is_none());
        cache.insert(cache.generation(), object("k", b"new"));
        assert_eq!(&cache.get("b-1", "k").unwrap().body[..], b"new");
        cache.invalidate([("b-1", "k")]);
        assert!(cache.get("b-1", "k").is_none());
        assert_eq!(cache.lock().used, 0);
    }

    #[test]
    fn stays_within_its_capacity_and_object_size() {
        let cache = ReadCache::default();
        let one = cost(&object("k0", &[0; 500]));
        cache.enable(one * 3, 600);
        for i in 0..10 {
            cache.insert(cache.generation(), object(&format!("k{i}"), &[0; 500]));
            assert!(cache.lock().used <= one * 3);
        }
        let kept: usize = cache.lock().objects.values().map(HashMap::len).sum();
        assert_eq!(kept, 3);
        cache.insert(cache.generation(), object("big", &[0; 601]));
        assert!(cache.get("b-1", "big").is_none());
        let disabled = ReadCache::default();
        disabled.insert(disabled.generation(), object("k", b"x"));
        assert!(disabled.get("b-1", "k").is_none());
    }
}
