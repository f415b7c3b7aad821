//! One slice's things made into messages: read from the run's entities a batch at a time,
//! each thing's triples, digest and message made by all cores against the state, then
//! handed to the outbox in order.

use std::collections::HashSet;

use polars::prelude::*;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::{Xxh3DefaultBuilder, xxh3_128};

use super::state::{Intent, Things, pack};
use super::{Checked, Outbox, PublishError, header, patch, security_label};
use crate::broker::Message;
use crate::columns::ORIGIN_COLUMN;
use crate::output::{SliceRdf, ThingTriples};
use crate::progress::Progress;
use crate::share::Withheld;
use crate::workspace::Workspace;

/// The same headers on every message of a slice.
struct Headers {
    slice: String,
    label: Option<String>,
    manifest: String,
    /// Every thing is sent, changed or not: asked for, or the slice's label changed.
    again: bool,
}

impl Headers {
    fn message(&self, key: String, change: &str, body: Vec<u8>, more: &[(&str, &str)]) -> Message {
        let mut headers = Vec::with_capacity(7);
        let mut add = |name: &str, value: &str| headers.push((name.to_string(), value.to_string()));
        add(header::CONTENT_TYPE, patch::RDF_PATCH);
        if let Some(label) = &self.label {
            add(header::SECURITY_LABEL, label);
        }
        add(header::SLICE, &self.slice);
        add(header::CHANGE, change);
        for (name, value) in more {
            add(name, value);
        }
        add(header::MANIFEST, &self.manifest);
        Message { key, headers, body }
    }
}

/// What becomes of a thing: nothing (unchanged), or a message and what it makes of the
/// state once acknowledged.
enum Prepared {
    Unchanged,
    Send {
        message: Message,
        intent: Intent,
        added: bool,
    },
}

/// Compares a thing's triples now with what was published, and makes its message.
fn prepare(
    published: Option<&Things>,
    headers: &Headers,
    key: String,
    bytes: Vec<u8>,
    origin: Option<&str>,
    change: Option<&str>,
) -> Prepared {
    let hash = hex::encode(Sha256::digest(&bytes));
    let previous = published.and_then(|things| things.get(&key));
    let same = previous.is_some_and(|p| p.sha256.as_deref() == Some(hash.as_str()));
    if same && !headers.again {
        return Prepared::Unchanged;
    }
    let old = previous.map(|p| p.triples()).unwrap_or_default();
    let body = patch::patch(old.as_bytes(), &bytes);
    let added = previous.is_none();
    let change = change.unwrap_or(if added { "add" } else { "change" });
    let mut more = vec![(header::SHA256, hash.as_str())];
    if let Some(origin) = origin {
        more.push((header::ORIGIN, origin));
    }
    let message = headers.message(key.clone(), change, body, &more);
    let intent = Intent {
        thing: key,
        sha256: Some(hash),
        packed: Some(pack(&bytes)),
    };
    Prepared::Send {
        message,
        intent,
        added,
    }
}

/// Hands a prepared thing to the outbox, counting it unless it is the slice's own.
fn hand_over(out: &mut Outbox<'_>, prepared: Prepared, counted: bool) -> Result<(), PublishError> {
    match prepared {
        Prepared::Unchanged => {
            out.account.unchanged += u64::from(counted);
            Ok(())
        }
        Prepared::Send {
            message,
            intent,
            added,
        } => {
            if counted {
                match added {
                    true => out.account.added += 1,
                    false => out.account.changed += 1,
                }
            }
            out.push(message, intent)
        }
    }
}

/// Nothing to publish for `slice`: why, and what to do.
fn no_things(slice: &str, why: &str, help: &str) -> PublishError {
    PublishError::NoThings {
        slice: slice.to_string(),
        why: why.to_string(),
        help: help.to_string(),
    }
}

/// Publishes slice `name`'s things from the workspace's last run.
pub(super) fn publish(
    workspace: &Workspace,
    checked: &Checked<'_>,
    name: &str,
    manifest: &str,
    out: &mut Outbox<'_>,
    progress: &dyn Progress,
) -> Result<(), PublishError> {
    let none = |why: &str, help: &str| no_things(name, why, help);
    let Some(mapping) = checked.mappings.get(name) else {
        return Err(none(
            "it has no mapping, so no things",
            "write its mapping (mappings/SLICE.yaml): a slice's things are made by it",
        ));
    };
    let Some(slice) = checked.slices.iter().find(|s| s.name == name) else {
        return Err(none("there is no such slice", "name a slice of slices/"));
    };
    let marking =
        (workspace.marking.clone().unwrap_or_default()).overridden_by(slice.marking.as_ref());
    let withheld = checked.withheld.get(name);
    let writer = ThingTriples::new(
        mapping,
        checked.rdl,
        SliceRdf {
            slice: name,
            settings: &workspace.rdf,
            key: &slice.key,
            source: &slice.source,
            withheld,
            marking: (!marking.is_empty()).then_some(&marking),
        },
    );
    let label = security_label(&marking);
    let again = out.again || out.state.relabelled(name, label.as_deref());
    let headers = Headers {
        slice: name.to_string(),
        label,
        manifest: manifest.to_string(),
        again,
    };
    // Things seen in this run, by a 128-bit digest of their IRI.
    let mut seen: HashSet<u128, Xxh3DefaultBuilder> = HashSet::default();
    // The slice's own triples (its marking, the pattern's declarations) as one message.
    if !writer.header.is_empty() {
        let key = format!("urn:thinslice:dataset:{}", name.replace(' ', "%20"));
        seen.insert(xxh3_128(key.as_bytes()));
        let published = out.state.things(name);
        let prepared = prepare(
            published,
            &headers,
            key,
            writer.header.clone(),
            None,
            Some("dataset"),
        );
        hand_over(out, prepared, false)?;
    }
    let dropped = withheld.map(Withheld::dropped).unwrap_or_default();
    let task = send_things(
        workspace,
        (name, &dropped),
        (&writer, &headers),
        &mut seen,
        out,
        progress,
    )?;
    retract_gone(out, &headers, &seen)?;
    out.finish()?;
    // Only once every thing was taken with it.
    out.state.labelled(name, headers.label.as_deref())?;
    task.finish();
    Ok(())
}

/// Sends the things of the slice's entities, a batch at a time; returns its progress task.
fn send_things(
    workspace: &Workspace,
    (name, dropped): (&str, &[&str]),
    (writer, headers): (&ThingTriples, &Headers),
    seen: &mut HashSet<u128, Xxh3DefaultBuilder>,
    out: &mut Outbox<'_>,
    progress: &dyn Progress,
) -> Result<Box<dyn crate::progress::Task>, PublishError> {
    let none = |why: &str, help: &str| no_things(name, why, help);
    let path = workspace
        .output_dir
        .join("entities")
        .join(format!("{name}.parquet"));
    let shown = workspace.display_path(&path);
    let unreadable = |e: PolarsError| {
        let why = format!("{shown} could not be read: {e}");
        none(
            &why,
            "run `thinslice run` again: the file is not one it wrote",
        )
    };
    let open = || {
        let missing = |_| none(&format!("{shown} is not there"), super::RUN_FIRST);
        std::fs::File::open(&path).map_err(missing)
    };
    let rows = ParquetReader::new(open()?).num_rows().map_err(unreadable)?;
    let task = progress.task(&format!("publishing {name}"), Some(rows as u64));
    let size = workspace.batch_rows.max(1);
    for start in (0..rows).step_by(size) {
        let mut batch = ParquetReader::new(open()?)
            .with_slice(Some((start, size.min(rows - start))))
            .finish()
            .map_err(unreadable)?;
        // What the share policy drops is not in the entities: it has no triples either.
        for column in dropped {
            if batch.column(column).is_err() {
                let nulls = Column::full_null((*column).into(), batch.height(), &DataType::String);
                batch.with_column(nulls).map_err(unreadable)?;
            }
        }
        let origins = (batch.column(ORIGIN_COLUMN).ok()).and_then(|c| c.str().ok().cloned());
        let making = progress.task("making messages", None);
        let mut things = writer.things(&batch).map_err(unreadable)?;
        // A second thing with an IRI already sent is not sent (uniqueness names it).
        things.retain(|(_, iri, _)| seen.insert(xxh3_128(iri.as_bytes())));
        out.account.failed += (batch.height() - things.len()) as u64;
        let published = out.state.things(name);
        let prepared: Vec<Prepared> = things
            .into_par_iter()
            .map(|(row, iri, bytes)| {
                let origin = origins.as_ref().and_then(|o| o.get(row));
                prepare(published, headers, iri, bytes, origin, None)
            })
            .collect();
        making.finish();
        for prepared in prepared {
            hand_over(out, prepared, true)?;
        }
        task.set_position((start + size).min(rows) as u64);
    }
    Ok(task)
}

/// Things published before and gone from the source since: deleted, in IRI order.
fn retract_gone(
    out: &mut Outbox<'_>,
    headers: &Headers,
    seen: &HashSet<u128, Xxh3DefaultBuilder>,
) -> Result<(), PublishError> {
    let Some(published) = out.state.things(&headers.slice) else {
        return Ok(());
    };
    let mut gone: Vec<(String, Vec<u8>)> = (published.iter())
        .filter(|(thing, _)| !seen.contains(&xxh3_128(thing.as_bytes())))
        .map(|(thing, p)| (thing.clone(), patch::patch(p.triples().as_bytes(), b"")))
        .collect();
    gone.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (thing, body) in gone {
        let message = headers.message(thing.clone(), "retract", body, &[]);
        let intent = Intent {
            thing,
            sha256: None,
            packed: None,
        };
        out.account.retracted += 1;
        out.push(message, intent)?;
    }
    Ok(())
}
