//! `receive`: the other end of `publish`. A member of a consumer group applies the messages
//! of a topic, in order, to a local copy of each slice (its things' triples, in
//! `received/SLICE.parquet` and `received/SLICE.nt`). Every message handled is first
//! written to a journal synced to disk, and only then is the group's position committed:
//! a receiver stopped at any point loses nothing, and what it sees twice changes nothing
//! (a change deletes the old triples and adds the new, so applying it again is no change).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use miette::Diagnostic;
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

mod copy;

use crate::broker::{BrokerError, Endpoint, Message, PATIENCE, Received};
use crate::output::log::{Records, SyncedLog, record};
use crate::output::{OutputError, write_error};
use crate::progress::Progress;
use crate::publish::header;
use crate::publish::patch;
pub use copy::Copy;

/// The folder of received copies in a workspace, unless told otherwise.
pub const RECEIVED_DIR: &str = "received";

/// The journal of messages applied but not yet in the copy's files.
const JOURNAL: &str = ".journal";

/// Held by the receiver writing a copy folder.
const LOCK: &str = ".lock";

/// Messages applied, and written to the journal, together.
const BATCH: usize = 20_000;

/// What to receive, and into where.
pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    pub topic: &'a str,
    pub group: &'a str,
    /// The folder of the copies.
    pub into: &'a Path,
    /// Stop when nothing came for this long although the topic was not read to its end.
    pub patience: Duration,
}

/// What a receive did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Account {
    pub topic: String,
    pub group: String,
    pub received: u64,
    pub applied: u64,
    /// Messages whose body could not be read: named in `failures`, and skipped.
    pub failed: u64,
    pub added: u64,
    pub changed: u64,
    pub retracted: u64,
    pub unchanged: u64,
    /// Things held now, by slice.
    pub things: BTreeMap<String, usize>,
    /// The copies written: `received/SLICE.nt`.
    pub files: Vec<String>,
    /// `partition P offset O (key `K`): why`, for each failed message.
    pub failures: Vec<String>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ReceiveError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Broker(#[from] BrokerError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] OutputError),

    #[error("the received copy {path} could not be read: {why}")]
    #[diagnostic(
        code(thinslice::receive::copy),
        help(
            "it is not a copy thinslice wrote: move it away, and receive again with a new --group to read the topic from its start"
        )
    )]
    Copy { path: String, why: String },

    #[error(
        "export mapping `{export}` reads slice `{slice}`, and no copy of it was received in {path}"
    )]
    #[diagnostic(
        code(thinslice::receive::no_copy),
        help(
            "receive the topic that carries `{slice}` first, or run the export mapping on the workspace's own run with `thinslice export`"
        )
    )]
    NoCopy {
        export: String,
        slice: String,
        path: String,
    },

    #[error("another receiver is writing the copies in {path}")]
    #[diagnostic(
        code(thinslice::receive::busy),
        help("wait for it to finish, or receive into another folder (--into)")
    )]
    Busy { path: String },

    #[error("nothing came from topic `{topic}` for {seconds} s, and it was not read to its end")]
    #[diagnostic(
        code(thinslice::receive::silent),
        help(
            "is the topic there, and is another member of group `{group}` holding its partitions? Run again: the receiver continues where it stopped"
        )
    )]
    Silent {
        topic: String,
        group: String,
        seconds: u64,
    },
}

/// A message as the journal keeps it (see [`crate::output::log`]): `M` with its slice, key,
/// content type and body.
#[derive(Debug)]
struct Journaled {
    slice: String,
    key: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Journaled {
    fn write(&self, out: &mut Vec<u8>) {
        let fields = [
            Some(self.slice.as_bytes()),
            Some(self.key.as_bytes()),
            self.content_type.as_deref().map(str::as_bytes),
            Some(self.body.as_slice()),
        ];
        record(out, &["M"], &fields);
    }

    /// The next entry; none at the end, or where a kill cut the journal short.
    fn read(records: &mut Records<impl BufRead>) -> Option<Self> {
        let head = records.head()?;
        let fields: [Option<Vec<u8>>; 4] = records.fields(head.get(1..)?)?.try_into().ok()?;
        let [slice, key, content_type, body] = fields;
        let text = |field: Option<Vec<u8>>| String::from_utf8(field?).ok();
        Some(Self {
            slice: text(slice)?,
            key: text(key)?,
            content_type: content_type.and_then(|t| String::from_utf8(t).ok()),
            body: body?,
        })
    }
}

/// Reads the topic from where the group stopped to its end, applying every message to the
/// copies in `request.into`.
pub fn receive(request: &Request<'_>, progress: &dyn Progress) -> Result<Account, ReceiveError> {
    // One receiver at a time writes a copy folder.
    std::fs::create_dir_all(request.into).map_err(|e| write_error(request.into, e))?;
    let lock_path = request.into.join(LOCK);
    let lock = File::create(&lock_path).map_err(|e| write_error(&lock_path, e))?;
    if lock.try_lock().is_err() {
        return Err(ReceiveError::Busy {
            path: request.into.display().to_string(),
        });
    }
    let mut copy = Copy::load(request.into)?;
    let mut account = Account {
        topic: request.topic.to_string(),
        group: request.group.to_string(),
        ..Account::default()
    };
    // A receive stopped before it wrote its copies left what it applied in the journal.
    let journal_path = request.into.join(JOURNAL);
    for entry in read_journal(&journal_path)? {
        let slice = safe_name(&entry.slice);
        if entry.body.is_empty() {
            copy.remove(&slice, &entry.key);
        } else if let Ok(changes) = patch::read(&entry.body, entry.content_type.as_deref()) {
            copy.apply(&slice, &entry.key, &changes);
        }
    }
    let mut journal = SyncedLog::new(journal_path.clone());
    // The copy is the member: the same folder, the same member of the group.
    let folder = std::fs::canonicalize(request.into).unwrap_or_else(|_| request.into.to_path_buf());
    let digest = Sha256::digest(folder.to_string_lossy().as_bytes());
    let member = format!("thinslice-{}", &hex::encode(digest)[..16]);
    let mut consumer = (request.endpoint).consumer(request.topic, request.group, &member)?;
    let task = progress.task(&format!("receiving {}", request.topic), None);
    let mut quiet_since = Instant::now();
    // The last message handled in each partition: the group's position once caught up.
    let mut last: BTreeMap<(String, i32), Received> = BTreeMap::new();
    loop {
        let polled = consumer.poll(BATCH, Duration::from_millis(500))?;
        if polled.messages.is_empty() {
            if polled.caught_up {
                break;
            }
            if quiet_since.elapsed() > request.patience {
                return Err(ReceiveError::Silent {
                    topic: request.topic.to_string(),
                    group: request.group.to_string(),
                    seconds: request.patience.as_secs(),
                });
            }
            continue;
        }
        quiet_since = Instant::now();
        let mut lines = Vec::new();
        for received in polled.messages {
            if let Some(entry) = handle(&mut copy, &mut account, &received, request.topic) {
                entry.write(&mut lines);
            }
            let position = Received {
                message: Message::default(),
                ..received
            };
            last.insert((position.topic.clone(), position.partition), position);
        }
        // Applied, on disk: a receiver stopped from here on applies it again, to no effect.
        journal.append(&lines)?;
        task.set_position(account.received);
        if polled.caught_up {
            break;
        }
    }
    task.finish();
    journal.close();
    account.files = copy.save()?;
    account.things = copy.counts();
    // The group moves past what was handled only once it is in the copies, and only at a
    // partition's end: some brokers (tansu 0.6) resume a position inside a batch of
    // messages at the next batch, skipping the rest of it.
    let handled: Vec<Received> = last.into_values().collect();
    consumer.commit(&handled)?;
    match std::fs::remove_file(&journal_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(write_error(&journal_path, e).into());
        }
        _ => {}
    }
    Ok(account)
}

/// Applies one message to the copies, counting what it did; what the journal keeps of it.
fn handle(
    copy: &mut Copy,
    account: &mut Account,
    received: &Received,
    topic: &str,
) -> Option<Journaled> {
    account.received += 1;
    let message = &received.message;
    let content_type = message.header(header::CONTENT_TYPE);
    let changes = match (message.key.is_empty(), message.body.is_empty()) {
        (true, _) => {
            Err("the message has no key: its key is the IRI of the thing it changes".into())
        }
        // A tombstone: the thing is gone.
        (false, true) => Ok(None),
        (false, false) => patch::read(&message.body, content_type).map(Some),
    };
    let changes = match changes {
        Ok(changes) => changes,
        Err(why) => {
            account.failed += 1;
            account.failures.push(format!(
                "partition {} offset {} (key `{}`): {why}",
                received.partition, received.offset, message.key
            ));
            return None;
        }
    };
    let slice = slice_of(message, topic);
    let effect = match &changes {
        Some(changes) => copy.apply(&slice, &message.key, changes),
        None => copy.remove(&slice, &message.key),
    };
    account.applied += 1;
    // The slice's own triples are not a thing.
    if message.header(header::CHANGE) != Some("dataset") {
        match effect {
            copy::Effect::Added => account.added += 1,
            copy::Effect::Changed => account.changed += 1,
            copy::Effect::Retracted => account.retracted += 1,
            copy::Effect::Unchanged => account.unchanged += 1,
        }
    }
    Some(Journaled {
        slice,
        key: message.key.clone(),
        content_type: content_type.map(str::to_string),
        body: message.body.clone(),
    })
}

/// The slice a message belongs to: its `Thinslice-Slice` header, else its topic; made
/// safe as a file name.
fn slice_of(message: &Message, topic: &str) -> String {
    safe_name(message.header(header::SLICE).unwrap_or(topic))
}

/// A slice's name as a file name in the copy folder: no folders, no hidden files.
fn safe_name(name: &str) -> String {
    let safe: String = (name.chars())
        .map(
            |c| match c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                true => c,
                false => '_',
            },
        )
        .collect();
    match safe.trim_start_matches('.').is_empty() {
        true => "_".to_string(),
        false => safe.trim_start_matches('.').to_string(),
    }
}

fn read_journal(path: &Path) -> Result<Vec<Journaled>, ReceiveError> {
    let Ok(file) = File::open(path) else {
        return Ok(Vec::new());
    };
    let mut reader = Records::new(BufReader::new(file));
    let mut entries = Vec::new();
    // An entry cut short by a kill is the end of what was written; its message was not
    // committed, so it comes again.
    while let Some(entry) = Journaled::read(&mut reader) {
        entries.push(entry);
    }
    Ok(entries)
}

/// How long a receiver waits for a silent topic by default.
pub const DEFAULT_PATIENCE: Duration = PATIENCE;

/// The copy of slice `slice`'s N-Triples in `into`, when one was received.
pub fn copy_of(into: &Path, slice: &str) -> Option<PathBuf> {
    let path = into.join(format!("{slice}.nt"));
    path.is_file().then_some(path)
}
