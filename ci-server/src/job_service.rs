//! The server's job engine as the shared state holds it: below the state and the job
//! runner (which reads the state), so that neither imports the other back.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use ci_jobs::Engine;

use crate::error::ApiError;

/// The server's job engine, shared by the routes; taken out and stopped when the server
/// stops (not when the last request lets go of the state: the engine must not be dropped
/// on one of its own worker threads).
pub(crate) struct JobService {
    engine: RwLock<Option<Arc<Engine>>>,
}

impl JobService {
    pub(crate) fn new(engine: Engine) -> Self {
        JobService {
            engine: RwLock::new(Some(Arc::new(engine))),
        }
    }

    /// The engine, or 503 once the server is stopping.
    pub(crate) fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| ApiError::slow_down("the server is stopping"))
    }

    /// Stops the engine: no new job starts, running ones finish, threads are joined. Waits
    /// (bounded) for requests still holding the engine to let go; should one still hold
    /// it, the engine stops when that request ends. Blocks: call it on a blocking thread.
    pub(crate) fn shutdown(&self) {
        let taken = self
            .engine
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(mut engine) = taken else { return };
        for _ in 0..500 {
            match Arc::try_unwrap(engine) {
                Ok(engine) => {
                    engine.shutdown();
                    return;
                }
                Err(shared) => {
                    engine = shared;
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
        tracing::warn!("a request still holds the job engine; it stops when that request ends");
    }
}
