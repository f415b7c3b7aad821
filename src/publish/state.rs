//! What was published to a topic, thing by thing: its SHA-256 and its N-Triples (a change
//! deletes exactly them), and each slice's security label. Kept as a log of chunks, each
//! written and synced before it is sent and marked acknowledged once the broker took it.
//! A publish that was killed leaves a chunk sent but not known to be acknowledged: its
//! things are *uncertain* (the receiver holds the old triples or the new), so the next
//! change deletes both. Triples are kept compressed (LZ4), in the log and in memory; the
//! log is rewritten whole when most of it is out of date.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::output::log::{Records, SyncedLog, record};
use crate::output::{AtomicFile, OutputError};

/// A thing as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// None while uncertain.
    pub sha256: Option<String>,
    /// Its N-Triples (uncertain: every triple the receiver may hold), compressed.
    packed: Vec<u8>,
}

impl Published {
    /// Its N-Triples.
    pub fn triples(&self) -> String {
        unpack(&self.packed)
    }
}

/// N-Triples compressed for keeping.
pub fn pack(triples: &[u8]) -> Vec<u8> {
    lz4::block::compress(triples, None, true).unwrap_or_default()
}

fn unpack(packed: &[u8]) -> String {
    let bytes = lz4::block::decompress(packed, None).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A slice's things as published, by IRI.
pub type Things = HashMap<String, Published, Xxh3DefaultBuilder>;

/// A thing about to be sent: its new SHA-256 and packed triples; none when retracted.
#[derive(Debug, Clone)]
pub struct Intent {
    pub thing: String,
    pub sha256: Option<String>,
    pub packed: Option<Vec<u8>>,
}

/// What a topic holds, by slice and thing.
pub struct State {
    log: SyncedLog,
    slices: HashMap<String, Things>,
    /// The security label each slice's things were last sent with.
    labels: HashMap<String, String>,
    chunk: u64,
}

/// The label of a slice without one, as kept.
const NO_LABEL: &str = "-";

impl State {
    /// The state of `topic` on the broker `bootstrap`, kept in `dir`.
    pub fn load(dir: &Path, bootstrap: &str, topic: &str) -> Result<Self, OutputError> {
        let server: String = (bootstrap.chars())
            .map(
                |c| match c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    true => c,
                    false => '_',
                },
            )
            .collect();
        let mut state = Self {
            log: SyncedLog::new(dir.join(format!("{topic}@{server}.state"))),
            slices: HashMap::new(),
            labels: HashMap::new(),
            chunk: 0,
        };
        let records = state.replay()?;
        let live: usize = state.slices.values().map(Things::len).sum();
        if records > 2 * live + 10_000 {
            state.compact()?;
        }
        Ok(state)
    }

    /// The things of `slice` as published.
    pub fn things(&self, slice: &str) -> Option<&Things> {
        self.slices.get(slice)
    }

    /// Whether `slice`'s things were last sent with another label than `label`.
    pub fn relabelled(&self, slice: &str, label: Option<&str>) -> bool {
        let known = self.labels.get(slice).map(String::as_str);
        self.slices.contains_key(slice) && known.unwrap_or(NO_LABEL) != label.unwrap_or(NO_LABEL)
    }

    /// Reads the log; returns how many records it holds.
    fn replay(&mut self) -> Result<usize, OutputError> {
        let Ok(file) = File::open(self.log.path()) else {
            return Ok(0);
        };
        let mut reader = Records::new(BufReader::new(file));
        let mut pending: Vec<(u64, String, Intent)> = Vec::new();
        let mut records = 0;
        // A record cut short by a kill is the end of what was written.
        while let Some(record) = read_record(&mut reader) {
            records += 1;
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
                Record::Label(slice, label) => {
                    self.labels.insert(slice, label);
                }
            }
        }
        // Sent, perhaps taken: the receiver holds the old triples or the new ones.
        for (_, slice, intent) in pending {
            let things = self.slices.entry(slice).or_default();
            let old = things.get(&intent.thing).map(Published::triples);
            let new = intent.packed.as_deref().map(unpack);
            let lines: BTreeSet<&str> = (old.iter().chain(new.iter()))
                .flat_map(|text| text.lines())
                .collect();
            let mut all = String::new();
            for line in lines {
                all.push_str(line);
                all.push('\n');
            }
            let uncertain = Published {
                sha256: None,
                packed: pack(all.as_bytes()),
            };
            things.insert(intent.thing, uncertain);
        }
        Ok(records)
    }

    fn settle(&mut self, slice: &str, intent: Intent) {
        let things = match self.slices.get_mut(slice) {
            Some(things) => things,
            None => self.slices.entry(slice.to_string()).or_default(),
        };
        match intent.packed {
            Some(packed) => {
                let sha256 = intent.sha256;
                things.insert(intent.thing, Published { sha256, packed });
            }
            None => {
                things.remove(&intent.thing);
            }
        }
    }

    /// Records a chunk of `slice`'s things about to be sent. Returns its number, for
    /// [`State::acked`].
    pub fn intend(&mut self, slice: &str, chunk: &[Intent]) -> Result<u64, OutputError> {
        let number = self.chunk;
        self.chunk += 1;
        let size: usize = (chunk.iter())
            .map(|i| 64 + i.thing.len() + i.packed.as_ref().map_or(0, Vec::len))
            .sum();
        let mut bytes = Vec::with_capacity(size);
        for intent in chunk {
            write_intent(&mut bytes, number, slice, intent);
        }
        self.log.append(&bytes)?;
        Ok(number)
    }

    /// The broker acknowledged chunk `number`. What this publish sent is not looked up
    /// again by it: the log keeps it for the next.
    pub fn acked(&mut self, number: u64) -> Result<(), OutputError> {
        let mut bytes = Vec::new();
        record(&mut bytes, &["K", &number.to_string()], &[]);
        self.log.append(&bytes)
    }

    /// Every thing of `slice` was sent with `label`.
    pub fn labelled(&mut self, slice: &str, label: Option<&str>) -> Result<(), OutputError> {
        let mut bytes = Vec::new();
        write_label(&mut bytes, slice, label.unwrap_or(NO_LABEL));
        self.log.append(&bytes)
    }

    /// Rewrites the log as what it says now: one acknowledged chunk, the labels.
    fn compact(&mut self) -> Result<(), OutputError> {
        self.log.close();
        let (atomic, file) = AtomicFile::create(self.log.path())?;
        let mut out = BufWriter::new(file);
        let mut slices: Vec<&String> = self.slices.keys().collect();
        slices.sort();
        let mut bytes = Vec::new();
        for slice in slices {
            let mut things: Vec<(&String, &Published)> = self.slices[slice].iter().collect();
            things.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (thing, published) in things {
                bytes.clear();
                let intent = Intent {
                    thing: thing.clone(),
                    sha256: published.sha256.clone(),
                    packed: Some(published.packed.clone()),
                };
                write_intent(&mut bytes, 0, slice, &intent);
                out.write_all(&bytes).map_err(|e| atomic.error(e))?;
            }
        }
        let mut labels: Vec<(&String, &String)> = self.labels.iter().collect();
        labels.sort();
        bytes.clear();
        record(&mut bytes, &["K", "0"], &[]);
        for (slice, label) in labels {
            write_label(&mut bytes, slice, label);
        }
        out.write_all(&bytes).map_err(|e| atomic.error(e))?;
        out.flush().map_err(|e| atomic.error(e))?;
        drop(out);
        atomic.commit()?;
        self.chunk = 1;
        Ok(())
    }
}

/// A record of the log (see [`crate::output::log`]): `I CHUNK SHA256|-` with the slice's
/// name, the thing's IRI and its packed triples (absent: retracted): a thing about to be
/// sent; `K CHUNK`: a chunk acknowledged; `L` with a slice and its label.
enum Record {
    Intent(u64, String, Intent),
    Acked(u64),
    Label(String, String),
}

fn write_intent(out: &mut Vec<u8>, chunk: u64, slice: &str, intent: &Intent) {
    let sha = intent.sha256.as_deref().unwrap_or("-");
    let fields = [
        Some(slice.as_bytes()),
        Some(intent.thing.as_bytes()),
        intent.packed.as_deref(),
    ];
    record(out, &["I", &chunk.to_string(), sha], &fields);
}

fn write_label(out: &mut Vec<u8>, slice: &str, label: &str) {
    record(
        out,
        &["L"],
        &[Some(slice.as_bytes()), Some(label.as_bytes())],
    );
}

fn read_record(records: &mut Records<impl BufRead>) -> Option<Record> {
    let head = records.head()?;
    match head.first().map(String::as_str) {
        Some("K") => Some(Record::Acked(head.get(1)?.parse().ok()?)),
        Some("L") => {
            let texts: [Option<String>; 2] = records.texts(head.get(1..)?)?.try_into().ok()?;
            let [Some(slice), Some(label)] = texts else {
                return None;
            };
            Some(Record::Label(slice, label))
        }
        Some("I") => {
            let (chunk, sha) = (head.get(1)?.parse().ok()?, head.get(2)?);
            let fields: [Option<Vec<u8>>; 3] = records.fields(head.get(3..)?)?.try_into().ok()?;
            let [slice, thing, packed] = fields;
            let text = |field: Option<Vec<u8>>| String::from_utf8(field?).ok();
            let intent = Intent {
                thing: text(thing)?,
                sha256: (sha != "-").then(|| sha.clone()),
                packed,
            };
            Some(Record::Intent(chunk, text(slice)?, intent))
        }
        _ => None,
    }
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
            packed: triples.map(|t| pack(t.as_bytes())),
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
        state.acked(number).expect("ack");
        state
            .labelled("pumps", Some("clearance=sensitive"))
            .expect("label");
        drop(state);

        // A change of p1 and a new p2 are sent, and the publish is killed before the ack.
        let mut state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("state");
        let sha = get(&state, "p1").and_then(|p| p.sha256.clone());
        assert_eq!(sha, first[0].sha256);
        assert!(!state.relabelled("pumps", Some("clearance=sensitive")));
        assert!(state.relabelled("pumps", Some("clearance=secret")));
        let chunk = [
            intent("p1", Some("<p1> <n> \"2\" .\n")),
            intent("p2", Some("<p2> <n> \"1\" .\n")),
        ];
        state.intend("pumps", &chunk).expect("intent");
        drop(state);

        let state = State::load(dir.path(), "127.0.0.1:9092", "t").expect("replayed");
        // The receiver may hold either version: the next change deletes both.
        let p1 = get(&state, "p1").expect("p1");
        assert_eq!(p1.sha256, None);
        assert_eq!(p1.triples(), "<p1> <n> \"1\" .\n<p1> <n> \"2\" .\n");
        assert_eq!(get(&state, "p2").map(|p| p.sha256.clone()), Some(None));
    }

    #[test]
    fn retractions_leave_the_state_a_cut_record_is_the_end_and_the_log_is_compacted() {
        let dir = tempfile::tempdir().expect("folder");
        let mut state = State::load(dir.path(), "b:1", "t").expect("empty");
        let add: Vec<Intent> = (0..20_000)
            .map(|i| intent(&format!("p{i}"), Some(&format!("<p{i}> <n> \"1\" .\n"))))
            .collect();
        let number = state.intend("pumps", &add).expect("intent");
        state.acked(number).expect("ack");
        let retract: Vec<Intent> = (1..20_000)
            .map(|i| intent(&format!("p{i}"), None))
            .collect();
        let number = state.intend("pumps", &retract).expect("intent");
        state.acked(number).expect("ack");
        drop(state);
        // A kill while writing leaves half a record.
        let log = dir.path().join("t@b_1.state");
        let mut bytes = std::fs::read(&log).expect("log");
        let before = bytes.len();
        bytes.extend_from_slice(b"I 9 5 2 - 10\npumpsp2<p2");
        std::fs::write(&log, bytes).expect("cut");
        let state = State::load(dir.path(), "b:1", "t").expect("replayed");
        let things = state.things("pumps").expect("pumps");
        assert_eq!(things.len(), 1);
        assert_eq!(things["p0"].triples(), "<p0> <n> \"1\" .\n");
        // 40,000 records for one thing: rewritten as that thing.
        let after = std::fs::metadata(&log).expect("log").len() as usize;
        assert!(after < before / 100, "{after} of {before}");
        let again = State::load(dir.path(), "b:1", "t").expect("compacted");
        assert_eq!(again.things("pumps").map(Things::len), Some(1));
    }
}
