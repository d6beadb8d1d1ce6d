//! The local journal of `cos-ci jobs submit`: one JSON object per line, appended and
//! flushed to disk (fsync) record by record, so that a run cut at any point resumes
//! without submitting an object twice.
//!
//! Every submission writes an `intent` (with the `UserData` the job carries) before the
//! create call and a `submitted` record (the job id) after it. An intent with no outcome
//! means the run died mid-call: the job may or may not exist, and the next run settles it
//! by finding that `UserData` among the queue's jobs ([`Journal::unsettled`]).

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::CliError;

/// Largest journal read back (about four million records); a bigger file is not one
/// this command wrote.
const MAX_JOURNAL_BYTES: u64 = 1 << 30;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// First line: what the run does (a resume must do the same).
    Run {
        bucket: String,
        prefix: String,
        rule: String,
        output: String,
    },
    /// About to create the job of `key`, tagged with `user_data`.
    Intent {
        key: String,
        output: String,
        user_data: String,
    },
    /// The job of `key` exists.
    Submitted {
        key: String,
        output: String,
        job_id: String,
    },
    /// The service refused the create (an error answer): no job exists for `key`.
    Refused { key: String, reason: String },
}

/// A job the journal knows was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedJob {
    pub key: String,
    pub output: String,
    pub job_id: String,
}

/// An intent with no outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    pub key: String,
    pub output: String,
    pub user_data: String,
}

/// The open journal: what it says, and the file to append to.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Submitted jobs, in journal order.
    submitted: Vec<SubmittedJob>,
    submitted_keys: HashSet<String>,
    /// Intents with no outcome yet, by key.
    unsettled: HashMap<String, Unsettled>,
}

impl Journal {
    /// Opens (or creates) the journal of the run `header`. An existing journal of a
    /// different run is refused: resuming it with other settings would mix two batches.
    pub fn open(path: &Path, header: &Record) -> Result<Self, CliError> {
        let mut records = Vec::new();
        // Bytes of whole lines; a tail without its newline was cut by a crash mid-write
        // (its action never happened: the write comes first) and is cut off.
        let mut whole = 0u64;
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| CliError::io(format!("cannot open {}", path.display()), e))?;
        // Two runs on one journal would both submit what it lacks. The lock (flock) goes
        // with the process, even one killed with SIGKILL.
        file.try_lock().map_err(|e| match e {
            std::fs::TryLockError::WouldBlock => CliError::invalid(format!(
                "{} is in use by another cos-ci jobs submit",
                path.display()
            )),
            std::fs::TryLockError::Error(e) => {
                CliError::io(format!("cannot lock {}", path.display()), e)
            }
        })?;
        if existed {
            let len = std::fs::metadata(path)
                .map_err(|e| CliError::io(format!("cannot stat {}", path.display()), e))?
                .len();
            if len > MAX_JOURNAL_BYTES {
                return Err(CliError::invalid(format!(
                    "{} is {len} bytes, more than a journal of this command ({MAX_JOURNAL_BYTES})",
                    path.display()
                )));
            }
            let data = std::fs::read(path)
                .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
            whole = data
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i as u64 + 1);
            let text = String::from_utf8_lossy(&data[..whole as usize]);
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let record = serde_json::from_str::<Record>(line).map_err(|e| {
                    CliError::invalid(format!(
                        "{} line {}: not a journal record ({e})",
                        path.display(),
                        n + 1
                    ))
                })?;
                records.push(record);
            }
        }
        if let Some(first) = records.first() {
            if first != header {
                return Err(CliError::invalid(format!(
                    "{} is the journal of another run ({}); use the same --prefix, --rule and \
                     --output to resume it, or another --journal",
                    path.display(),
                    serde_json::to_string(first).unwrap_or_default()
                )));
            }
        }
        file.set_len(whole)
            .map_err(|e| CliError::io(format!("cannot repair {}", path.display()), e))?;
        if !existed {
            // The new file's directory entry must survive a crash as its lines do.
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| CliError::io(format!("cannot sync {}", dir.display()), e))?;
        }
        let mut journal = Journal {
            path: path.to_owned(),
            file,
            submitted: Vec::new(),
            submitted_keys: HashSet::new(),
            unsettled: HashMap::new(),
        };
        if records.is_empty() {
            journal.append(header)?;
        }
        for r in records {
            journal.apply(r);
        }
        Ok(journal)
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Run { .. } => {}
            Record::Intent {
                key,
                output,
                user_data,
            } => {
                if !self.submitted_keys.contains(&key) {
                    self.unsettled.insert(
                        key.clone(),
                        Unsettled {
                            key,
                            output,
                            user_data,
                        },
                    );
                }
            }
            Record::Submitted {
                key,
                output,
                job_id,
            } => {
                self.unsettled.remove(&key);
                if self.submitted_keys.insert(key.clone()) {
                    self.submitted.push(SubmittedJob {
                        key,
                        output,
                        job_id,
                    });
                }
            }
            Record::Refused { key, .. } => {
                self.unsettled.remove(&key);
            }
        }
    }

    /// Writes `record` as one line and forces it to disk before returning.
    pub fn append(&mut self, record: &Record) -> Result<(), CliError> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| CliError::failure(format!("journal record: {e}")))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| CliError::io(format!("cannot write {}", self.path.display()), e))
    }

    /// Appends `record` and takes it into account.
    pub fn record(&mut self, record: Record) -> Result<(), CliError> {
        self.append(&record)?;
        self.apply(record);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn submitted(&self) -> &[SubmittedJob] {
        &self.submitted
    }

    pub fn is_submitted(&self, key: &str) -> bool {
        self.submitted_keys.contains(key)
    }

    /// Intents whose outcome the journal does not know.
    pub fn unsettled(&self) -> Vec<Unsettled> {
        let mut v: Vec<Unsettled> = self.unsettled.values().cloned().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }

    /// Every output key this run has submitted (not to be taken for inputs when the
    /// output lies under the input prefix).
    pub fn outputs(&self) -> HashSet<String> {
        self.submitted.iter().map(|j| j.output.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Record {
        Record::Run {
            bucket: "b-1".into(),
            prefix: "p/".into(),
            rule: "r".into(),
            output: "o/${InputName}".into(),
        }
    }

    #[test]
    fn a_journal_resumes_what_it_recorded_and_ignores_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("cosci-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        {
            let mut j = Journal::open(&path, &header()).unwrap();
            for (k, id) in [("p/a", "c1"), ("p/b", "c2")] {
                j.record(Record::Intent {
                    key: k.into(),
                    output: format!("o/{k}"),
                    user_data: format!("u-{k}"),
                })
                .unwrap();
                j.record(Record::Submitted {
                    key: k.into(),
                    output: format!("o/{k}"),
                    job_id: id.into(),
                })
                .unwrap();
            }
            j.record(Record::Intent {
                key: "p/c".into(),
                output: "o/p/c".into(),
                user_data: "u-p/c".into(),
            })
            .unwrap();
            j.record(Record::Intent {
                key: "p/d".into(),
                output: "o/p/d".into(),
                user_data: "u-p/d".into(),
            })
            .unwrap();
            j.record(Record::Refused {
                key: "p/d".into(),
                reason: "400".into(),
            })
            .unwrap();
        }
        // A crash in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"event\":\"submi").unwrap();
        drop(f);
        let mut j = Journal::open(&path, &header()).unwrap();
        // The torn tail is gone: what is appended next starts its own line.
        j.record(Record::Refused {
            key: "p/e".into(),
            reason: "x".into(),
        })
        .unwrap();
        // A job journaled twice (a settled intent, then a late answer) counts once.
        j.record(Record::Submitted {
            key: "p/a".into(),
            output: "o/p/a".into(),
            job_id: "c1".into(),
        })
        .unwrap();
        assert_eq!(j.submitted().len(), 2);
        drop(j);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(
                "}\n{\"event\":\"refused\",\"key\":\"p/e\",\"reason\":\"x\"}\n\
                 {\"event\":\"submitted\",\"key\":\"p/a\",\"output\":\"o/p/a\",\"job_id\":\"c1\"}\n"
            ),
            "{text}"
        );
        let j = Journal::open(&path, &header()).unwrap();
        let ids: Vec<&str> = j.submitted().iter().map(|s| s.job_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert!(j.is_submitted("p/a") && !j.is_submitted("p/c") && !j.is_submitted("p/d"));
        let unsettled: Vec<String> = j.unsettled().into_iter().map(|u| u.key).collect();
        assert_eq!(unsettled, ["p/c"]);
        // One run at a time.
        assert!(matches!(
            Journal::open(&path, &header()),
            Err(CliError::Invalid(m)) if m.contains("in use")
        ));
        drop(j);
        // Another run's settings are refused.
        let other = Record::Run {
            bucket: "b-1".into(),
            prefix: "q/".into(),
            rule: "r".into(),
            output: "o".into(),
        };
        assert!(Journal::open(&path, &other).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
