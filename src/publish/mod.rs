//! `publish`: a run's things sent to a message broker as a national digital twin node
//! ingests them: one message per thing (key: its IRI; body: an RDF Patch; headers: its
//! media type, security label, slice, origin, content digest and the run's manifest id).
//! The first publish adds every thing; later ones send changes only: a changed thing
//! deletes its old triples and adds the new, a thing gone from the source is deleted, an
//! unchanged thing sends nothing. What the broker acknowledged is kept in a state file
//! beside the outputs ([`state`]), so a publish that was stopped resumes where it was.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use miette::Diagnostic;
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

pub mod patch;
mod state;

use crate::broker::{BrokerError, Endpoint, Message, Producer, topic_name};
use crate::columns::ORIGIN_COLUMN;
use crate::mapping::Mapping;
use crate::marking::Marking;
use crate::output::{OutputError, SliceRdf, ThingTriples};
use crate::progress::Progress;
use crate::rdl::Rdl;
use crate::share::Withheld;
use crate::slice::Slice;
use crate::workspace::Workspace;
use state::{Intent, State};

/// The headers of a message, as a receiver reads them.
pub mod header {
    /// The body's media type: `application/rdf-patch`.
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// The access label a national digital twin node's access control reads.
    pub const SECURITY_LABEL: &str = "Security-Label";
    /// The slice the thing belongs to.
    pub const SLICE: &str = "Thinslice-Slice";
    /// `add`, `change`, `retract`, or `dataset` for the slice's own triples.
    pub const CHANGE: &str = "Thinslice-Change";
    /// Where the thing was read: `FILE:LINE` or `BOOK:Sheet!A1`.
    pub const ORIGIN: &str = "Thinslice-Origin";
    /// SHA-256 (hex) of the thing's N-Triples after the change; absent for a retraction.
    pub const SHA256: &str = "Thinslice-SHA256";
    /// The id of the run (its `manifest.json`) the thing comes from.
    pub const MANIFEST: &str = "Thinslice-Manifest";
}

/// Where a workspace keeps what it published, beside its output folder.
pub const STATE_DIR: &str = ".thinslice/published";

/// Messages sent (and recorded) together: the broker acknowledges each chunk before the
/// next is recorded.
const CHUNK: usize = 50_000;

/// A checked workspace's slices, as `lint` leaves them: what makes their things' triples.
pub struct Checked<'a> {
    pub rdl: &'a Rdl,
    pub slices: &'a [Slice],
    /// By slice name.
    pub mappings: &'a BTreeMap<String, Mapping>,
    /// What each slice's shared outputs withhold, by slice name.
    pub withheld: &'a BTreeMap<String, Withheld>,
}

/// What to publish, and where.
pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    /// The topic: one name for every slice, or a name with `{slice}` in it.
    pub topic: &'a str,
    /// The slices to publish; none: every mapped slice.
    pub slices: &'a [String],
}

/// What a publish did for one slice.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Account {
    pub slice: String,
    pub topic: String,
    pub added: u64,
    pub changed: u64,
    pub retracted: u64,
    pub unchanged: u64,
    /// Things not sent: a second thing with an IRI already sent (the run's uniqueness
    /// check names it).
    pub failed: u64,
    pub messages: u64,
    pub bytes: u64,
}

#[derive(Debug, Error, Diagnostic)]
pub enum PublishError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Broker(#[from] BrokerError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] OutputError),

    #[error("nothing to publish for slice `{slice}`: {why}")]
    #[diagnostic(
        code(thinslice::publish::no_things),
        help("run `thinslice run` first: publish sends the things of the last run")
    )]
    NoThings { slice: String, why: String },
}

/// The `Security-Label` of a marking: its label as written, else its classification as
/// an attribute (`classification=OFFICIAL-SENSITIVE`).
pub fn security_label(marking: &Marking) -> Option<String> {
    if let Some(label) = &marking.label {
        return Some(label.clone());
    }
    let classification = marking.classification.as_ref()?;
    let word = (classification.chars()).all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    Some(match word {
        true => format!("classification={classification}"),
        false => format!("classification=\"{}\"", classification.replace('"', "'")),
    })
}

/// Publishes the slices of `request` from the workspace's last run.
pub fn publish(
    workspace: &Workspace,
    checked: &Checked<'_>,
    request: &Request<'_>,
    progress: &dyn Progress,
) -> Result<Vec<Account>, PublishError> {
    let slices: Vec<&str> = match request.slices.is_empty() {
        true => (checked.slices.iter())
            .filter(|s| checked.mappings.contains_key(&s.name))
            .map(|s| s.name.as_str())
            .collect(),
        false => request.slices.iter().map(String::as_str).collect(),
    };
    // Every topic name is checked before anything is sent.
    let topics: Vec<(String, &str)> = (slices.iter())
        .map(|s| topic_name(request.topic, s).map(|t| (t, *s)))
        .collect::<Result<_, _>>()?;
    let manifest =
        crate::manifest::read(&workspace.output_dir).map_err(|why| PublishError::NoThings {
            slice: slices.first().map(|s| s.to_string()).unwrap_or_default(),
            why,
        })?;
    let state_dir = state_dir(workspace);
    let mut accounts = Vec::new();
    let mut by_topic: Vec<(String, Vec<&str>)> = Vec::new();
    for (topic, slice) in topics {
        match by_topic.iter_mut().find(|(t, _)| *t == topic) {
            Some((_, slices)) => slices.push(slice),
            None => by_topic.push((topic, vec![slice])),
        }
    }
    for (topic, slices) in by_topic {
        let mut state = State::load(&state_dir, &request.endpoint.bootstrap, &topic)?;
        let mut producer = request.endpoint.producer(&topic)?;
        for slice in slices {
            let mut out = Outbox {
                producer: producer.as_mut(),
                state: &mut state,
                messages: Vec::new(),
                intents: Vec::new(),
                account: Account {
                    slice: slice.to_string(),
                    topic: topic.clone(),
                    ..Account::default()
                },
            };
            publish_slice(workspace, checked, slice, &manifest.id, &mut out, progress)?;
            out.flush()?;
            accounts.push(out.account);
        }
        state.save()?;
    }
    Ok(accounts)
}

/// The folder of a workspace's publish states.
pub fn state_dir(workspace: &Workspace) -> PathBuf {
    workspace.root.join(STATE_DIR)
}

/// Messages on their way, with what they change in the state.
struct Outbox<'a> {
    producer: &'a mut dyn Producer,
    state: &'a mut State,
    messages: Vec<Message>,
    intents: Vec<Intent>,
    account: Account,
}

impl Outbox<'_> {
    fn push(&mut self, message: Message, intent: Intent) -> Result<(), PublishError> {
        self.account.messages += 1;
        self.account.bytes += message.body.len() as u64;
        self.messages.push(message);
        self.intents.push(intent);
        if self.messages.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Records the chunk, sends it, and records that the broker took it.
    fn flush(&mut self) -> Result<(), PublishError> {
        if self.messages.is_empty() {
            return Ok(());
        }
        let intents = std::mem::take(&mut self.intents);
        let number = self.state.intend(&intents)?;
        self.producer.send(&self.messages)?;
        self.messages.clear();
        self.state.acked(number, intents)?;
        Ok(())
    }
}

/// The same headers on every message of a slice.
struct Headers {
    slice: String,
    label: Option<String>,
    manifest: String,
}

impl Headers {
    fn message(&self, key: &str, change: &str, body: Vec<u8>, more: &[(&str, &str)]) -> Message {
        let mut headers = vec![(
            header::CONTENT_TYPE.to_string(),
            patch::RDF_PATCH.to_string(),
        )];
        if let Some(label) = &self.label {
            headers.push((header::SECURITY_LABEL.to_string(), label.clone()));
        }
        headers.push((header::SLICE.to_string(), self.slice.clone()));
        headers.push((header::CHANGE.to_string(), change.to_string()));
        for (name, value) in more {
            headers.push((name.to_string(), value.to_string()));
        }
        headers.push((header::MANIFEST.to_string(), self.manifest.clone()));
        Message {
            key: key.to_string(),
            headers,
            body,
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn publish_slice(
    workspace: &Workspace,
    checked: &Checked<'_>,
    name: &str,
    manifest: &str,
    out: &mut Outbox<'_>,
    progress: &dyn Progress,
) -> Result<(), PublishError> {
    let none = |why: &str| PublishError::NoThings {
        slice: name.to_string(),
        why: why.to_string(),
    };
    let rdl = checked.rdl;
    let Some(mapping) = checked.mappings.get(name) else {
        return Err(none("it has no mapping, so no things"));
    };
    let Some(slice) = checked.slices.iter().find(|s| s.name == name) else {
        return Err(none("there is no such slice"));
    };
    let marking =
        (workspace.marking.clone().unwrap_or_default()).overridden_by(slice.marking.as_ref());
    let writer = ThingTriples::new(
        mapping,
        rdl,
        SliceRdf {
            slice: name,
            settings: &workspace.rdf,
            key: &slice.key,
            source: &slice.source,
            withheld: checked.withheld.get(name),
            marking: (!marking.is_empty()).then_some(&marking),
        },
    );
    let headers = Headers {
        slice: name.to_string(),
        label: security_label(&marking),
        manifest: manifest.to_string(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    // The slice's own triples (its marking, the pattern's declarations) as one message.
    if !writer.header.is_empty() {
        let key = format!("urn:thinslice:dataset:{}", name.replace(' ', "%20"));
        offer(out, &headers, &key, writer.header.clone(), None, "dataset")?;
        seen.insert(key);
    }
    let path = workspace
        .output_dir
        .join("entities")
        .join(format!("{name}.parquet"));
    let shown = workspace.display_path(&path);
    let unreadable = |e: PolarsError| none(&format!("{shown} could not be read: {e}"));
    let file = std::fs::File::open(&path).map_err(|_| none(&format!("{shown} is not there")))?;
    let rows = ParquetReader::new(file).num_rows().map_err(unreadable)?;
    let task = progress.task(&format!("publishing {name}"), Some(rows as u64));
    let size = workspace.batch_rows.max(1);
    for start in (0..rows).step_by(size) {
        let file =
            std::fs::File::open(&path).map_err(|_| none(&format!("{shown} is not there")))?;
        let mut batch = ParquetReader::new(file)
            .with_slice(Some((start, size.min(rows - start))))
            .finish()
            .map_err(unreadable)?;
        // What the share policy drops is not in the entities: it has no triples either.
        for column in checked
            .withheld
            .get(name)
            .map(Withheld::dropped)
            .unwrap_or_default()
        {
            if batch.column(column).is_err() {
                let nulls = Column::full_null(column.into(), batch.height(), &DataType::String);
                batch.with_column(nulls).map_err(unreadable)?;
            }
        }
        let origins = (batch.column(ORIGIN_COLUMN).ok()).and_then(|c| c.str().ok().cloned());
        let things = writer.things(&batch).map_err(unreadable)?;
        let hashes: Vec<String> = things.par_iter().map(|(_, _, b)| sha256_hex(b)).collect();
        for ((row, iri, bytes), hash) in things.into_iter().zip(hashes) {
            if !seen.insert(iri.clone()) {
                out.account.failed += 1;
                continue;
            }
            let origin = origins.as_ref().and_then(|o| o.get(row));
            offer(out, &headers, &iri, bytes, origin, &hash)?;
        }
        task.set_position((start + size).min(rows) as u64);
    }
    retract_gone(out, &headers, &seen)?;
    task.finish();
    Ok(())
}

/// Things published before and gone from the source since: deleted, in IRI order.
fn retract_gone(
    out: &mut Outbox<'_>,
    headers: &Headers,
    seen: &HashSet<String>,
) -> Result<(), PublishError> {
    let name = headers.slice.as_str();
    let mut gone: Vec<String> = (out.state.things.keys())
        .filter(|(s, thing)| s == name && !seen.contains(thing))
        .map(|(_, thing)| thing.clone())
        .collect();
    gone.sort();
    for thing in gone {
        let old = &out.state.things[&(name.to_string(), thing.clone())];
        let body = patch::patch(old.triples.as_bytes(), b"");
        let message = headers.message(&thing, "retract", body, &[]);
        let intent = Intent {
            slice: name.to_string(),
            thing,
            sha256: None,
            triples: None,
        };
        out.account.retracted += 1;
        out.push(message, intent)?;
    }
    Ok(())
}

/// Sends `bytes` as thing `key`'s content unless the broker has it already. `hash`:
/// `dataset` for the slice's own triples (its digest is computed here).
fn offer(
    out: &mut Outbox<'_>,
    headers: &Headers,
    key: &str,
    bytes: Vec<u8>,
    origin: Option<&str>,
    hash: &str,
) -> Result<(), PublishError> {
    let dataset = hash == "dataset";
    let hash = match dataset {
        true => sha256_hex(&bytes),
        false => hash.to_string(),
    };
    let previous = out
        .state
        .things
        .get(&(headers.slice.clone(), key.to_string()));
    let (change, old) = match previous {
        Some(p) if p.sha256.as_deref() == Some(hash.as_str()) => {
            if !dataset {
                out.account.unchanged += 1;
            }
            return Ok(());
        }
        Some(p) => ("change", p.triples.as_bytes()),
        None => ("add", &b""[..]),
    };
    if !dataset {
        match change {
            "add" => out.account.added += 1,
            _ => out.account.changed += 1,
        }
    }
    let body = patch::patch(old, &bytes);
    let mut more = vec![(header::SHA256, hash.as_str())];
    if let Some(origin) = origin {
        more.push((header::ORIGIN, origin));
    }
    let change = if dataset { "dataset" } else { change };
    let message = headers.message(key, change, body, &more);
    let intent = Intent {
        slice: headers.slice.clone(),
        thing: key.to_string(),
        sha256: Some(hash.clone()),
        triples: Some(String::from_utf8_lossy(&bytes).into_owned()),
    };
    out.push(message, intent)
}
