//! How an engine runs: workers, time offset, new queues' settings, callbacks.

use crate::callback::CallbackConfig;

/// How the engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Worker threads; each queue also runs at most its `MaxConcurrent` jobs at once.
    /// 0 runs nothing (a read-only view of the store). Default: the machine's cores.
    pub workers: usize,
    /// Offset of the times written, minutes east of UTC. Default 480 (`+0800`, as CI's
    /// examples show).
    pub utc_offset_minutes: i16,
    /// `MaxSize` of a new queue: most jobs waiting at once. Default 10000.
    pub queue_max_size: u32,
    /// `MaxConcurrent` of a new queue. Default 10.
    pub queue_max_concurrent: u32,
    /// `Name` of a new queue. Default `queue-pic-process-1`.
    pub queue_name: String,
    /// Callback delivery.
    pub callbacks: CallbackConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            utc_offset_minutes: 480,
            queue_max_size: 10_000,
            queue_max_concurrent: 10,
            queue_name: "queue-pic-process-1".to_owned(),
            callbacks: CallbackConfig::default(),
        }
    }
}
