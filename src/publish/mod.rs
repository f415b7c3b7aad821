//! `publish`: a run's things sent to a message broker as a national digital twin node
//! ingests them: one message per thing (key: its IRI; body: an RDF Patch; headers: its
//! media type, security label, slice, origin, content digest and the run's manifest id).
//! The first publish adds every thing; later ones send changes only: a changed thing
//! deletes its old triples and adds the new, a thing gone from the source is deleted, an
//! unchanged thing sends nothing. What the broker acknowledged is kept in a state file
//! beside the outputs ([`state`]), so a publish that was stopped resumes where it was.

use std::collections::BTreeMap;
use std::path::PathBuf;

use miette::Diagnostic;
use serde::Serialize;
use thiserror::Error;

pub mod patch;
mod slice;
mod state;

use crate::broker::{BrokerError, Endpoint, Message, Producer, topic_name};
use crate::mapping::Mapping;
use crate::marking::Marking;
use crate::output::OutputError;
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
    /// Send every thing, whatever the state says was sent (a broker that lost its topic).
    pub again: bool,
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
    /// Things not sent: a second thing with an IRI already sent, or one whose identifier
    /// is not an IRI (the run's checks name both).
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
    #[diagnostic(code(thinslice::publish::no_things), help("{help}"))]
    NoThings {
        slice: String,
        why: String,
        help: String,
    },
}

/// What to do when there is no run to publish.
pub(crate) const RUN_FIRST: &str = "run `thinslice run` first: publish sends the things of the last run, from out/entities/SLICE.parquet (so `outputs:` in thinslice.yaml must include parquet)";

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
    // A slice named twice is published once.
    let mut named = std::collections::BTreeSet::new();
    let slices: Vec<&str> = slices.into_iter().filter(|s| named.insert(*s)).collect();
    // Every topic name is checked before anything is sent.
    let topics: Vec<(String, &str)> = (slices.iter())
        .map(|s| topic_name(request.topic, s).map(|t| (t, *s)))
        .collect::<Result<_, _>>()?;
    let manifest =
        crate::manifest::read(&workspace.output_dir).map_err(|why| PublishError::NoThings {
            slice: slices.first().map(|s| s.to_string()).unwrap_or_default(),
            why,
            help: RUN_FIRST.into(),
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
                again: request.again,
                progress,
                producer: producer.as_mut(),
                state: &mut state,
                slice: slice.to_string(),
                messages: Vec::new(),
                intents: Vec::new(),
                in_flight: None,
                account: Account {
                    slice: slice.to_string(),
                    topic: topic.clone(),
                    ..Account::default()
                },
            };
            slice::publish(workspace, checked, slice, &manifest.id, &mut out, progress)?;
            accounts.push(out.account);
        }
    }
    Ok(accounts)
}

/// The folder of a workspace's publish states.
pub fn state_dir(workspace: &Workspace) -> PathBuf {
    workspace.root.join(STATE_DIR)
}

/// Messages on their way, with what they change in the state.
struct Outbox<'a> {
    again: bool,
    progress: &'a dyn Progress,
    producer: &'a mut dyn Producer,
    state: &'a mut State,
    /// The slice whose things these are: a chunk is one slice's.
    slice: String,
    messages: Vec<Message>,
    intents: Vec<Intent>,
    /// The chunk on its way: the producer's ticket and the state's chunk number.
    in_flight: Option<(u64, u64)>,
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
        let task = self.progress.task("recording what is sent", None);
        let number = self.state.intend(&self.slice, &intents)?;
        drop(intents);
        task.finish();
        let task = self.progress.task("sending to the broker", None);
        let ticket = self.producer.enqueue(&self.messages)?;
        self.messages.clear();
        // The chunk before travelled while this one was made: recorded once it arrived.
        self.settle_in_flight()?;
        self.in_flight = Some((ticket, number));
        task.finish();
        Ok(())
    }

    /// Waits for the chunk on its way, and records that the broker took it.
    fn settle_in_flight(&mut self) -> Result<(), PublishError> {
        if let Some((ticket, number)) = self.in_flight.take() {
            self.producer.wait(ticket)?;
            self.state.acked(number)?;
        }
        Ok(())
    }

    /// Sends what is left and waits until the broker took everything.
    fn finish(&mut self) -> Result<(), PublishError> {
        self.flush()?;
        let task = self.progress.task("sending to the broker", None);
        self.settle_in_flight()?;
        task.finish();
        Ok(())
    }
}
