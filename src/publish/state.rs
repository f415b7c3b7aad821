//! What was published to a topic, thing by thing: its slice, the SHA-256 of its N-Triples
//! and the N-Triples themselves (a change deletes exactly them). Kept in a state file, and
//! between two of them in a write-ahead journal: each chunk of messages is written there
//! before it is sent and marked acknowledged once the broker took it, both synced to disk.
//! A publish that was killed leaves chunks sent but not known to be acknowledged: their
//! things are *uncertain* (the receiver holds the old triples or the new), so the next
//! change deletes both.

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::output::{AtomicFile, OutputError, write_error};

/// A thing as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// None while uncertain.
    pub sha256: Option<String>,
    /// Its N-Triples (uncertain: every triple the receiver may hold).
    pub triples: String,
}

/// A line of the journal: a thing about to be sent in a chunk, or a chunk acknowledged.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Intent {
        chunk: u64,
        slice: String,
        thing: String,
        /// None: retracted.
        sha256: Option<String>,
        triples: Option<String>,
    },
    Acked {
        acked: u64,
    },
}

/// What a topic holds, by slice and thing.
pub struct State {
    path: PathBuf,
    journal_path: PathBuf,
    journal: Option<File>,
    pub things: HashMap<(String, String), Published>,
    chunk: u64,
}

impl State {
    /// The state of `topic` on the broker `bootstrap`, kept in `dir`: the file and the
    /// journal of an unfinished publish, both read.
    pub fn load(dir: &Path, bootstrap: &str, topic: &str) -> Result<Self, OutputError> {
        let server: String = (bootstrap.chars())
            .map(
                |c| match c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    true => c,
                    false => '_',
                },
            )
            .collect();
        let path = dir.join(format!("{topic}@{server}.parquet"));
        let journal_path = dir.join(format!("{topic}@{server}.journal"));
        let mut state = Self {
            things: read_state(&path)?,
            path,
            journal_path,
            journal: None,
            chunk: 0,
        };
        state.replay()?;
        Ok(state)
    }

    /// Applies the journal of a publish that did not finish.
    fn replay(&mut self) -> Result<(), OutputError> {
        let Ok(file) = File::open(&self.journal_path) else {
            return Ok(());
        };
        let path = self.journal_path.clone();
        let fail = |e: std::io::Error| write_error(&path, e);
        let mut pending: Vec<(u64, Intent)> = Vec::new();
        for line in BufReader::new(file).lines() {
            // A line cut short by a kill is the end of what was written.
            let Ok(line) = serde_json::from_str::<Line>(&line.map_err(fail)?) else {
                break;
            };
            match line {
                Line::Intent {
                    chunk,
                    slice,
                    thing,
                    sha256,
                    triples,
                } => {
                    self.chunk = self.chunk.max(chunk + 1);
                    let intent = Intent {
                        slice,
                        thing,
                        sha256,
                        triples,
                    };
                    pending.push((chunk, intent));
                }
                Line::Acked { acked } => {
                    let (done, rest) = pending.into_iter().partition(|p| p.0 == acked);
                    pending = rest;
                    for (_, intent) in done {
                        self.settle((intent.slice, intent.thing), intent.sha256, intent.triples);
                    }
                }
            }
        }
        // Sent, perhaps taken: the receiver holds the old triples or the new ones.
        for (
            _,
            Intent {
                slice,
                thing,
                triples,
                ..
            },
        ) in pending
        {
            let entry = self.things.entry((slice, thing)).or_insert(Published {
                sha256: None,
                triples: String::new(),
            });
            let lines: BTreeSet<&str> = (entry.triples.lines())
                .chain(triples.as_deref().unwrap_or_default().lines())
                .collect();
            let mut all = String::new();
            for line in lines {
                all.push_str(line);
                all.push('\n');
            }
            *entry = Published {
                sha256: None,
                triples: all,
            };
        }
        Ok(())
    }

    fn settle(&mut self, key: (String, String), sha256: Option<String>, triples: Option<String>) {
        match (sha256, triples) {
            (Some(sha256), Some(triples)) => {
                self.things.insert(
                    key,
                    Published {
                        sha256: Some(sha256),
                        triples,
                    },
                );
            }
            _ => {
                self.things.remove(&key);
            }
        }
    }

    fn journal(&mut self) -> Result<&mut File, OutputError> {
        if self.journal.is_none() {
            if let Some(dir) = self.journal_path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.journal_path)
                .map_err(|e| write_error(&self.journal_path, e))?;
            self.journal = Some(file);
        }
        match self.journal.as_mut() {
            Some(file) => Ok(file),
            None => Err(write_error(
                &self.journal_path,
                std::io::Error::other("not open"),
            )),
        }
    }

    fn append(&mut self, text: &str) -> Result<(), OutputError> {
        let path = self.journal_path.clone();
        let file = self.journal()?;
        (file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(|e| write_error(&path, e))
    }

    /// Records a chunk about to be sent: (slice, thing, the new SHA-256 and triples, none
    /// for a retraction). Returns its number, for [`State::acked`].
    pub fn intend(&mut self, chunk: &[Intent]) -> Result<u64, OutputError> {
        let number = self.chunk;
        self.chunk += 1;
        let mut text = String::new();
        for intent in chunk {
            let line = Line::Intent {
                chunk: number,
                slice: intent.slice.clone(),
                thing: intent.thing.clone(),
                sha256: intent.sha256.clone(),
                triples: intent.triples.clone(),
            };
            let json = serde_json::to_string(&line)
                .map_err(|e| write_error(&self.journal_path, std::io::Error::other(e)))?;
            text.push_str(&json);
            text.push('\n');
        }
        self.append(&text)?;
        Ok(number)
    }

    /// The broker acknowledged chunk `number`: its things are as sent.
    pub fn acked(&mut self, number: u64, chunk: Vec<Intent>) -> Result<(), OutputError> {
        self.append(&format!("{{\"acked\":{number}}}\n"))?;
        for intent in chunk {
            self.settle((intent.slice, intent.thing), intent.sha256, intent.triples);
        }
        Ok(())
    }

    /// Writes the state file (sorted, so the same state is the same bytes) and drops the
    /// journal it now holds.
    pub fn save(mut self) -> Result<(), OutputError> {
        let mut keys: Vec<&(String, String)> = self.things.keys().collect();
        keys.sort();
        let column = |name: &str, values: Vec<Option<&str>>| {
            Column::new(name.into(), values.into_iter().collect::<StringChunked>())
        };
        let slices = keys.iter().map(|k| Some(k.0.as_str())).collect();
        let things = keys.iter().map(|k| Some(k.1.as_str())).collect();
        let hashes = (keys.iter())
            .map(|k| self.things[*k].sha256.as_deref())
            .collect();
        let triples = (keys.iter())
            .map(|k| Some(self.things[*k].triples.as_str()))
            .collect();
        let fail = |e: PolarsError| write_error(&self.path, std::io::Error::other(e));
        let mut frame = DataFrame::new(
            keys.len(),
            vec![
                column("slice", slices),
                column("thing", things),
                column("sha256", hashes),
                column("triples", triples),
            ],
        )
        .map_err(fail)?;
        let (atomic, file) = AtomicFile::create(&self.path)?;
        ParquetWriter::new(file)
            .finish(&mut frame)
            .map_err(|e| atomic.error(std::io::Error::other(e)))?;
        atomic.commit()?;
        self.journal = None;
        match std::fs::remove_file(&self.journal_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(write_error(&self.journal_path, e))
            }
            _ => Ok(()),
        }
    }
}

/// A thing about to be sent: its new SHA-256 and triples, none when retracted.
#[derive(Debug, Clone)]
pub struct Intent {
    pub slice: String,
    pub thing: String,
    pub sha256: Option<String>,
    pub triples: Option<String>,
}

fn read_state(path: &Path) -> Result<HashMap<(String, String), Published>, OutputError> {
    let mut things = HashMap::new();
    let Ok(file) = File::open(path) else {
        return Ok(things);
    };
    let fail = |e: PolarsError| write_error(path, std::io::Error::other(e));
    let frame = ParquetReader::new(file).finish().map_err(fail)?;
    let text = |name: &str| -> Result<StringChunked, OutputError> {
        frame
            .column(name)
            .and_then(|c| Ok(c.str()?.clone()))
            .map_err(fail)
    };
    let (slices, ids, hashes, triples) = (
        text("slice")?,
        text("thing")?,
        text("sha256")?,
        text("triples")?,
    );
    for row in 0..frame.height() {
        if let (Some(slice), Some(thing)) = (slices.get(row), ids.get(row)) {
            things.insert(
                (slice.to_string(), thing.to_string()),
                Published {
                    sha256: hashes.get(row).map(str::to_string),
                    triples: triples.get(row).unwrap_or_default().to_string(),
                },
            );
        }
    }
    Ok(things)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(thing: &str, triples: Option<&str>) -> Intent {
        Intent {
            slice: "pumps".into(),
            thing: thing.into(),
            sha256: triples.map(|t| format!("sha of {t}")),
            triples: triples.map(str::to_string),
        }
    }

    fn key(thing: &str) -> (String, String) {
        ("pumps".to_string(), thing.to_string())
    }

    #[test]
    fn a_publish_killed_between_send_and_ack_leaves_its_things_uncertain() {
        let dir = tempfile::tempdir().expect("folder");
        let mut state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("empty");
        let first = vec![intent("p1", Some("<p1> <n> \"1\" .\n"))];
        let number = state.intend(&first).expect("intent");
        state.acked(number, first).expect("ack");
        state.save().expect("save");

        // A change of p1 and a new p2 are sent, and the publish is killed before the ack.
        let mut state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("state");
        let chunk = [
            intent("p1", Some("<p1> <n> \"2\" .\n")),
            intent("p2", Some("<p2> <n> \"1\" .\n")),
        ];
        state.intend(&chunk).expect("intent");
        drop(state);

        let state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("replayed");
        // The receiver may hold either version: the next change deletes both.
        assert_eq!(
            state.things[&key("p1")],
            Published {
                sha256: None,
                triples: "<p1> <n> \"1\" .\n<p1> <n> \"2\" .\n".into()
            }
        );
        assert_eq!(state.things[&key("p2")].sha256, None);
        state.save().expect("save");
        let again = State::load(dir.path(), "127.0.0.1:9092", "t").expect("from the file");
        assert_eq!(again.things[&key("p1")].sha256, None);
        assert!(!dir.path().join("t@127.0.0.1_9092.journal").exists());
    }

    #[test]
    fn acknowledged_retractions_leave_the_state_and_a_cut_line_is_the_end() {
        let dir = tempfile::tempdir().expect("folder");
        let mut state = State::load(dir.path(), "b:1", "t").expect("empty");
        let add = vec![intent("p1", Some("<p1> <n> \"1\" .\n"))];
        let number = state.intend(&add).expect("intent");
        state.acked(number, add).expect("ack");
        let retract = vec![intent("p1", None)];
        let number = state.intend(&retract).expect("intent");
        state.acked(number, retract).expect("ack");
        drop(state);
        // A kill while writing leaves half a line.
        let journal = dir.path().join("t@b_1.journal");
        let mut text = std::fs::read_to_string(&journal).expect("journal");
        text.push_str("{\"chunk\":9,\"sli");
        std::fs::write(&journal, text).expect("cut");
        let state = State::load(dir.path(), "b:1", "t").expect("replayed");
        assert!(state.things.is_empty());
    }
}
