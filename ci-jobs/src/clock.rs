//! Times as CI writes them (`2022-07-18T15:16:43+0800`) and fresh ids (`c`/`p` + 32 hex).

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::{JobsError, Result};

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How the engine writes times: in one fixed offset (CI's examples use `+0800`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: UtcOffset,
}

impl Clock {
    /// A clock writing times at `minutes` east of UTC (480 for `+0800`); out-of-range
    /// offsets (beyond ±25:59) are refused.
    pub fn new(minutes: i16) -> Result<Self> {
        UtcOffset::from_whole_seconds(i32::from(minutes) * 60)
            .map(|offset| Clock { offset })
            .map_err(|e| JobsError::InvalidArgument(format!("UTC offset {minutes} min: {e}")))
    }

    /// `YYYY-MM-DDTHH:MM:SS+hhmm` for `secs` since the epoch.
    pub fn format(&self, secs: i64) -> String {
        let fmt = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
        );
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| t.to_offset(self.offset).format(&fmt).ok())
            // Only times beyond year 9999 fail; the engine's times are `now`.
            .unwrap_or_else(|| "-".to_owned())
    }
}

/// Reads a creation-time filter: `%Y-%m-%dT%H:%M:%S%z` (`2001-01-01T00:00:00+0800`) as
/// the docs give it, or RFC 3339 (`+08:00`, `Z`). A space where the sign should be is read
/// as `+` (a `+` decoded from a query string as form data).
pub fn parse_time(text: &str) -> Result<i64> {
    let compact = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    let fixed;
    let text = match text.len().checked_sub(5).and_then(|i| text.get(i..)) {
        Some(tail) if tail.starts_with(' ') => {
            fixed = format!("{}+{}", &text[..text.len() - 5], &tail[1..]);
            fixed.as_str()
        }
        _ => text,
    };
    OffsetDateTime::parse(text, &compact)
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339))
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| {
            JobsError::InvalidArgument(format!(
                "time `{text}` is not %Y-%m-%dT%H:%M:%S%z (e.g. 2001-01-01T00:00:00+0800)"
            ))
        })
}

/// `prefix` + 32 hex digits of OS randomness (`c...` for jobs, `p...` for queues).
pub(crate) fn fresh_id(prefix: char) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| JobsError::Random(e.to_string()))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() -> Result<()> {
        let cst = Clock::new(480)?;
        // 2022-07-18T07:16:43Z
        assert_eq!(cst.format(1_658_128_603), "2022-07-18T15:16:43+0800");
        assert_eq!(Clock::new(0)?.format(0), "1970-01-01T00:00:00+0000");
        assert_eq!(Clock::new(-330)?.format(0), "1969-12-31T18:30:00-0530");
        assert_eq!(parse_time("2022-07-18T15:16:43+0800")?, 1_658_128_603);
        assert_eq!(parse_time("2022-07-18T15:16:43 0800")?, 1_658_128_603);
        assert_eq!(parse_time("2022-07-18T15:16:43+08:00")?, 1_658_128_603);
        assert_eq!(parse_time("2022-07-18T07:16:43Z")?, 1_658_128_603);
        for bad in [
            "",
            "2022-07-18",
            "2022-07-18T15:16:43",
            "yesterday",
            "2022-13-01T00:00:00+0800",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        assert!(Clock::new(2000).is_err());
        Ok(())
    }

    #[test]
    fn ids() -> Result<()> {
        let a = fresh_id('c')?;
        let b = fresh_id('c')?;
        assert_eq!(a.len(), 33);
        assert!(a.starts_with('c') && a[1..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        Ok(())
    }
}
