//! The v4 API's replay store: single-use signatures (`e=0`) are accepted once. Bounded in
//! time (a signature older than the window is refused by age, so its entry can go) and in
//! size (when full of live entries, new single-use signatures are refused rather than
//! older ones forgotten, which would reopen them to replay).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Why a single-use signature cannot be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplayRefusal {
    /// Used before (or in use by a request in flight).
    Replayed,
    /// Signed before the window (or too far in the future).
    OutsideWindow,
    /// The store is full of live entries.
    Full,
}

/// Signatures seen, with their signing time, oldest first.
#[derive(Debug)]
pub(crate) struct ReplayStore {
    window: u64,
    capacity: usize,
    inner: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    by_signature: HashMap<String, u64>,
    /// (signing time, signature) in admission order, for expiry.
    order: VecDeque<(u64, String)>,
}

impl ReplayStore {
    /// A store for signatures signed at most `window` seconds ago, holding at most
    /// `capacity` of them.
    pub(crate) fn new(window: u64, capacity: usize) -> Self {
        ReplayStore {
            window,
            capacity,
            inner: Mutex::new(Seen::default()),
        }
    }

    /// Admits `signature` (signed at `signed_at`) once; `now` and `skew` in seconds.
    pub(crate) fn admit(
        &self,
        signature: &str,
        signed_at: u64,
        now: u64,
        skew: u64,
    ) -> Result<(), ReplayRefusal> {
        if signed_at.saturating_add(self.window) < now || signed_at > now.saturating_add(skew) {
            return Err(ReplayRefusal::OutsideWindow);
        }
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what the window refuses anyway (admission order is close to signing
        // order; an entry signed earlier than its neighbours only lives a little longer).
        while let Some((t, _)) = seen.order.front() {
            if t.saturating_add(self.window) >= now {
                break;
            }
            if let Some((_, sig)) = seen.order.pop_front() {
                seen.by_signature.remove(&sig);
            }
        }
        if seen.by_signature.contains_key(signature) {
            return Err(ReplayRefusal::Replayed);
        }
        if seen.by_signature.len() >= self.capacity {
            return Err(ReplayRefusal::Full);
        }
        seen.by_signature.insert(signature.to_owned(), signed_at);
        seen.order.push_back((signed_at, signature.to_owned()));
        Ok(())
    }

    /// Gives a signature back after its request failed (a failed request leaves no trace,
    /// so the client may retry with the same signature).
    pub(crate) fn release(&self, signature: &str) {
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if seen.by_signature.remove(signature).is_some() {
            seen.order.retain(|(_, s)| s != signature);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_within_the_window_and_bounded() {
        let store = ReplayStore::new(600, 2);
        assert_eq!(store.admit("a", 1000, 1000, 60), Ok(()));
        assert_eq!(
            store.admit("a", 1000, 1001, 60),
            Err(ReplayRefusal::Replayed)
        );
        assert_eq!(
            store.admit("b", 300, 1000, 60),
            Err(ReplayRefusal::OutsideWindow)
        );
        assert_eq!(
            store.admit("b", 1100, 1000, 60),
            Err(ReplayRefusal::OutsideWindow)
        );
        assert_eq!(store.admit("b", 1000, 1000, 60), Ok(()));
        assert_eq!(store.admit("c", 1000, 1000, 60), Err(ReplayRefusal::Full));
        store.release("b");
        assert_eq!(store.admit("c", 1000, 1000, 60), Ok(()));
        // Past the window the entries go, and their signatures are refused by age.
        assert_eq!(store.admit("d", 1700, 1700, 60), Ok(()));
        assert_eq!(
            store.admit("a", 1000, 1700, 60),
            Err(ReplayRefusal::OutsideWindow)
        );
    }
}
