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
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::output::{AtomicFile, OutputError, write_error};

/// A thing as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// None while uncertain.
    pub sha256: Option<String>,
    /// Its N-Triples (uncertain: every triple the receiver may hold).
    pub triples: String,
}

/// A slice's things as published, by IRI.
pub type Things = HashMap<String, Published, Xxh3DefaultBuilder>;

/// A thing about to be sent: its new SHA-256 and triples, none when retracted.
#[derive(Debug, Clone)]
pub struct Intent {
    pub thing: String,
    pub sha256: Option<String>,
    pub triples: Option<String>,
}

/// What a topic holds, by slice and thing.
pub struct State {
    path: PathBuf,
    journal_path: PathBuf,
    journal: Option<File>,
    slices: HashMap<String, Things>,
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
            slices: read_state(&path)?,
            path,
            journal_path,
            journal: None,
            chunk: 0,
        };
        state.replay()?;
        Ok(state)
    }

    /// The things of `slice` as published.
    pub fn things(&self, slice: &str) -> Option<&Things> {
        self.slices.get(slice)
    }

    /// Applies the journal of a publish that did not finish.
    fn replay(&mut self) -> Result<(), OutputError> {
        let Ok(file) = File::open(&self.journal_path) else {
            return Ok(());
        };
        let mut reader = BufReader::new(file);
        let mut pending: Vec<(u64, String, Intent)> = Vec::new();
        // A record cut short by a kill is the end of what was written.
        while let Some(record) = read_record(&mut reader) {
            match record {
                Record::Intent(chunk, slice, intent) => {
                    self.chunk = self.chunk.max(chunk + 1);
                    pending.push((chunk, slice, intent));
                }
                Record::Acked(acked) => {
                    let (done, rest) = pending.into_iter().partition(|p| p.0 == acked);
                    pending = rest;
                    for (_, slice, intent) in done {
                        self.settle(&slice, intent);
                    }
                }
            }
        }
        // Sent, perhaps taken: the receiver holds the old triples or the new ones.
        for (_, slice, intent) in pending {
            let things = self.slices.entry(slice).or_default();
            let entry = things.entry(intent.thing).or_insert(Published {
                sha256: None,
                triples: String::new(),
            });
            let lines: BTreeSet<&str> = (entry.triples.lines())
                .chain(intent.triples.as_deref().unwrap_or_default().lines())
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

    fn settle(&mut self, slice: &str, intent: Intent) {
        let things = match self.slices.get_mut(slice) {
            Some(things) => things,
            None => self.slices.entry(slice.to_string()).or_default(),
        };
        match (intent.sha256, intent.triples) {
            (Some(sha256), Some(triples)) => {
                let sha256 = Some(sha256);
                things.insert(intent.thing, Published { sha256, triples });
            }
            _ => {
                things.remove(&intent.thing);
            }
        }
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
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
        let path = &self.journal_path;
        match self.journal.as_mut() {
            Some(file) => (file.write_all(bytes))
                .and_then(|()| file.sync_data())
                .map_err(|e| write_error(path, e)),
            None => Ok(()),
        }
    }

    /// Records a chunk of `slice`'s things about to be sent. Returns its number, for
    /// [`State::acked`].
    pub fn intend(&mut self, slice: &str, chunk: &[Intent]) -> Result<u64, OutputError> {
        let number = self.chunk;
        self.chunk += 1;
        let size: usize = (chunk.iter())
            .map(|i| 64 + i.thing.len() + i.triples.as_ref().map_or(0, String::len))
            .sum();
        let mut bytes = Vec::with_capacity(size);
        for intent in chunk {
            write_intent(&mut bytes, number, slice, intent);
        }
        self.append(&bytes)?;
        Ok(number)
    }

    /// The broker acknowledged chunk `number`: its things are as sent.
    pub fn acked(
        &mut self,
        number: u64,
        slice: &str,
        chunk: Vec<Intent>,
    ) -> Result<(), OutputError> {
        self.append(format!("K {number}\n").as_bytes())?;
        for intent in chunk {
            self.settle(slice, intent);
        }
        Ok(())
    }

    /// Writes the state file (sorted, so the same state is the same bytes) and drops the
    /// journal it now holds.
    pub fn save(mut self) -> Result<(), OutputError> {
        let mut keys: Vec<(&str, &str, &Published)> = (self.slices.iter())
            .flat_map(|(slice, things)| {
                things
                    .iter()
                    .map(move |(t, p)| (slice.as_str(), t.as_str(), p))
            })
            .collect();
        keys.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let column = |name: &str, values: Vec<Option<&str>>| {
            Column::new(name.into(), values.into_iter().collect::<StringChunked>())
        };
        let slices = keys.iter().map(|k| Some(k.0)).collect();
        let things = keys.iter().map(|k| Some(k.1)).collect();
        let hashes = keys.iter().map(|k| k.2.sha256.as_deref()).collect();
        let triples = keys.iter().map(|k| Some(k.2.triples.as_str())).collect();
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
            .with_compression(ParquetCompression::Lz4Raw)
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

/// A record of the journal: a thing about to be sent in a chunk, or a chunk acknowledged.
/// `I CHUNK SLICE_LEN THING_LEN SHA256|- TRIPLES_LEN|-` and a newline, then the slice's
/// name, the thing's IRI and its triples, as bytes; `K CHUNK` and a newline. Lengths, not
/// escapes: the triples go to disk as they are.
enum Record {
    Intent(u64, String, Intent),
    Acked(u64),
}

fn write_intent(out: &mut Vec<u8>, chunk: u64, slice: &str, intent: &Intent) {
    let sha = intent.sha256.as_deref().unwrap_or("-");
    let len = (intent.triples.as_ref()).map_or_else(|| "-".to_string(), |t| t.len().to_string());
    let head = format!(
        "I {chunk} {} {} {sha} {len}\n",
        slice.len(),
        intent.thing.len()
    );
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(slice.as_bytes());
    out.extend_from_slice(intent.thing.as_bytes());
    if let Some(triples) = &intent.triples {
        out.extend_from_slice(triples.as_bytes());
    }
}

fn read_record(reader: &mut impl BufRead) -> Option<Record> {
    let mut head = String::new();
    if reader.read_line(&mut head).ok()? == 0 || !head.ends_with('\n') {
        return None;
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let mut text = |len: usize| -> Option<String> {
        let mut bytes = vec![0; len];
        reader.read_exact(&mut bytes).ok()?;
        String::from_utf8(bytes).ok()
    };
    match words.as_slice() {
        ["K", chunk] => Some(Record::Acked(chunk.parse().ok()?)),
        ["I", chunk, slice, thing, sha, triples] => {
            let slice = text(slice.parse().ok()?)?;
            let thing = text(thing.parse().ok()?)?;
            let triples = match *triples {
                "-" => None,
                len => Some(text(len.parse().ok()?)?),
            };
            let sha256 = (*sha != "-").then(|| sha.to_string());
            let intent = Intent {
                thing,
                sha256,
                triples,
            };
            Some(Record::Intent(chunk.parse().ok()?, slice, intent))
        }
        _ => None,
    }
}

fn read_state(path: &Path) -> Result<HashMap<String, Things>, OutputError> {
    let mut slices: HashMap<String, Things> = HashMap::new();
    let Ok(file) = File::open(path) else {
        return Ok(slices);
    };
    let fail = |e: PolarsError| write_error(path, std::io::Error::other(e));
    let frame = ParquetReader::new(file).finish().map_err(fail)?;
    let text = |name: &str| -> Result<StringChunked, OutputError> {
        frame
            .column(name)
            .and_then(|c| Ok(c.str()?.clone()))
            .map_err(fail)
    };
    let (names, ids, hashes, triples) = (
        text("slice")?,
        text("thing")?,
        text("sha256")?,
        text("triples")?,
    );
    for row in 0..frame.height() {
        if let (Some(slice), Some(thing)) = (names.get(row), ids.get(row)) {
            let things = match slices.get_mut(slice) {
                Some(things) => things,
                None => slices.entry(slice.to_string()).or_default(),
            };
            things.insert(
                thing.to_string(),
                Published {
                    sha256: hashes.get(row).map(str::to_string),
                    triples: triples.get(row).unwrap_or_default().to_string(),
                },
            );
        }
    }
    Ok(slices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(thing: &str, triples: Option<&str>) -> Intent {
        Intent {
            thing: thing.into(),
            sha256: triples.map(|t| {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(t))
            }),
            triples: triples.map(str::to_string),
        }
    }

    fn get<'a>(state: &'a State, thing: &str) -> Option<&'a Published> {
        state.things("pumps")?.get(thing)
    }

    #[test]
    fn a_publish_killed_between_send_and_ack_leaves_its_things_uncertain() {
        let dir = tempfile::tempdir().expect("folder");
        let mut state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("empty");
        let first = vec![intent("p1", Some("<p1> <n> \"1\" .\n"))];
        let number = state.intend("pumps", &first).expect("intent");
        state.acked(number, "pumps", first).expect("ack");
        state.save().expect("save");

        // A change of p1 and a new p2 are sent, and the publish is killed before the ack.
        let mut state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("state");
        let chunk = [
            intent("p1", Some("<p1> <n> \"2\" .\n")),
            intent("p2", Some("<p2> <n> \"1\" .\n")),
        ];
        state.intend("pumps", &chunk).expect("intent");
        drop(state);

        let state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("replayed");
        // The receiver may hold either version: the next change deletes both.
        assert_eq!(
            get(&state, "p1"),
            Some(&Published {
                sha256: None,
                triples: "<p1> <n> \"1\" .\n<p1> <n> \"2\" .\n".into()
            })
        );
        assert_eq!(get(&state, "p2").map(|p| p.sha256.clone()), Some(None));
        state.save().expect("save");
        let again = State::load(dir.path(), "127.0.0.1:9092", "t").expect("from the file");
        assert_eq!(get(&again, "p1").map(|p| p.sha256.clone()), Some(None));
        assert!(!dir.path().join("t@127.0.0.1_9092.journal").exists());
    }

    #[test]
    fn acknowledged_retractions_leave_the_state_and_a_cut_line_is_the_end() {
        let dir = tempfile::tempdir().expect("folder");
        let mut state = State::load(dir.path(), "b:1", "t").expect("empty");
        let add = vec![intent("p1", Some("<p1> <n> \"1\" .\n"))];
        let number = state.intend("pumps", &add).expect("intent");
        state.acked(number, "pumps", add).expect("ack");
        let retract = vec![intent("p1", None)];
        let number = state.intend("pumps", &retract).expect("intent");
        state.acked(number, "pumps", retract).expect("ack");
        drop(state);
        // A kill while writing leaves half a line.
        let journal = dir.path().join("t@b_1.journal");
        let mut text = std::fs::read_to_string(&journal).expect("journal");
        text.push_str("I 9 5 2 - 10\npumpsp2<p2>");
        std::fs::write(&journal, text).expect("cut");
        let state = State::load(dir.path(), "b:1", "t").expect("replayed");
        assert!(state.things("pumps").is_none_or(|t| t.is_empty()));
    }
}
