//! The RDL's own jobs: loading the workspace's layers, naming a term that is not there,
//! writing the RDL out (whole, or the part a run's data uses), and what a new version of it
//! changes for the workspace's mappings.

use serde::Serialize;

use crate::diag;
use crate::error::{Error, Result};
use crate::lint::{Linted, mappings_against};
use crate::output::AtomicFile;
use crate::rdl::diff::{Change, diff};
use crate::rdl::{LayerFile, Rdl, RdlFormat};
use crate::report::SliceRun;
use crate::workspace::Workspace;

/// The workspace's RDL, every layer read and checked.
pub fn rdl(workspace: &Workspace) -> Result<Rdl> {
    if workspace.rdl.is_empty() {
        return Err(Error::NoRdl);
    }
    Ok(Rdl::load_layers(
        &workspace.rdl,
        workspace.prefixes.clone(),
    )?)
}

/// The part of the RDL the mapped slices use, as Turtle beside the data's RDF (`rdl.ttl` in
/// the output folder), so a consumer who receives only the outputs has the classes' chain to
/// the top, labels, properties, code lists and units. None when nothing was mapped.
pub(crate) fn used_rdl(
    workspace: &Workspace,
    checked: &Linted,
    runs: &[SliceRun],
) -> Result<Option<AtomicFile>> {
    let Some(rdl) = checked.rdl.as_ref() else {
        return Ok(None);
    };
    let mut used = crate::rdl::export::Used::default();
    for run in runs {
        let Some(mapping) = checked.mapping_of(&run.account.slice) else {
            continue;
        };
        used.classes
            .extend(mapping.classes().into_iter().map(str::to_string));
        used.properties
            .extend(mapping.properties.iter().map(|r| r.property.clone()));
        used.properties
            .extend(mapping.links.iter().map(|l| l.property.clone()));
    }
    if used.classes.is_empty() {
        return Ok(None);
    }
    let path = workspace.output_dir.join("rdl.ttl");
    let triples = crate::rdl::export::triples(rdl, crate::rdl::export::Part::Both, Some(&used));
    let bytes = crate::rdl::export::turtle(rdl, &triples).map_err(|source| Error::Io {
        what: "the RDL the data uses".into(),
        source,
    })?;
    let (atomic, mut file) = AtomicFile::create(&path)?;
    std::io::Write::write_all(&mut file, &bytes).map_err(|e| atomic.error(e))?;
    // Done with: its digest is sealed; the commit syncs it.
    drop(file);
    Ok(Some(atomic))
}

/// The RDL's `part` as Turtle.
pub fn export_rdl(rdl: &Rdl, part: crate::rdl::export::Part) -> Result<Vec<u8>> {
    let triples = crate::rdl::export::triples(rdl, part, None);
    crate::rdl::export::turtle(rdl, &triples).map_err(|source| Error::Io {
        what: "the exported RDL".into(),
        source,
    })
}

/// The error of a name that finds no term of the RDL, or several.
pub fn unknown_term(name: &str, unresolved: crate::rdl::Unresolved) -> Error {
    let help = match unresolved {
        crate::rdl::Unresolved::Unknown(known) => {
            diag::suggest(name, known.iter().map(String::as_str), "terms")
        }
        crate::rdl::Unresolved::Ambiguous(keys) => {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "it names terms of several layers: write one of {}",
                keys.join(", ")
            )
        }
    };
    Error::UnknownTerm {
        name: name.to_string(),
        help,
    }
}

/// What a new version of an RDL changes, and what it breaks.
#[derive(Debug, Serialize)]
pub struct RdlDiff {
    pub old: String,
    pub new: String,
    pub changes: Vec<Impact>,
    /// Mappings that pass against the old version and not against the new, with why.
    pub broken: Vec<Broken>,
}

#[derive(Debug, Serialize)]
pub struct Impact {
    #[serde(flatten)]
    pub change: Change,
    /// The mapping files that name the term.
    pub used_by: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Broken {
    pub mapping: String,
    pub problems: Vec<String>,
}

/// Compares two versions of an RDL file. When the workspace's `rdl:` has `old` as a layer,
/// both sides are the workspace's layers, with `new` in its place on the new side;
/// otherwise each file is read alone. Every mapping of the workspace is checked against
/// both.
pub fn rdl_diff(
    workspace: &Workspace,
    old: &std::path::Path,
    new: &std::path::Path,
) -> Result<RdlDiff> {
    let layer = |path: &std::path::Path| -> Result<LayerFile> {
        let format = RdlFormat::from_path(path).ok_or_else(|| Error::RdlFormatOf {
            path: path.display().to_string(),
        })?;
        Ok(LayerFile {
            path: path.to_path_buf(),
            display: path.display().to_string(),
            format,
            foundation: false,
            table: None,
        })
    };
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a.canonicalize()
            .ok()
            .is_some_and(|a| b.canonicalize().ok() == Some(a))
    };
    let (old_layers, new_layers) = match workspace.rdl.iter().position(|l| same(&l.path, old)) {
        Some(at) => {
            let mut replaced = workspace.rdl.clone();
            replaced[at] = LayerFile {
                foundation: replaced[at].foundation,
                ..layer(new)?
            };
            (workspace.rdl.clone(), replaced)
        }
        None => (vec![layer(old)?], vec![layer(new)?]),
    };
    let old_rdl = Rdl::load_layers(&old_layers, workspace.prefixes.clone())?;
    let new_rdl = Rdl::load_layers(&new_layers, workspace.prefixes.clone())?;
    let before = mappings_against(workspace, &old_rdl)?;
    let after = mappings_against(workspace, &new_rdl)?;
    let changes = diff(&old_rdl, &new_rdl)
        .into_iter()
        .map(|change| {
            let used_by = before
                .iter()
                .filter_map(|(name, m)| m.as_ref().ok().map(|m| (name, m)))
                .filter(|(_, m)| {
                    change
                        .old_key
                        .as_deref()
                        .is_some_and(|k| names(m, change.kind, k))
                })
                .map(|(name, _)| name.clone())
                .collect();
            Impact { change, used_by }
        })
        .collect();
    let broken = before
        .iter()
        .zip(&after)
        .filter_map(|((name, was), (_, now))| match (was, now) {
            (Ok(_), Err(problems)) => Some(Broken {
                mapping: name.clone(),
                problems: problems.clone(),
            }),
            _ => None,
        })
        .collect();
    Ok(RdlDiff {
        old: old.display().to_string(),
        new: new.display().to_string(),
        changes,
        broken,
    })
}

/// Whether a mapping names a term of the kind by its key.
fn names(mapping: &crate::mapping::Mapping, kind: &str, key: &str) -> bool {
    match kind {
        "class" => mapping.classes().contains(&key),
        "property" => {
            mapping.properties.iter().any(|r| r.property == key)
                || mapping.links.iter().any(|l| l.property == key)
        }
        _ => mapping
            .properties
            .iter()
            .any(|r| r.unit.as_deref() == Some(key)),
    }
}

impl RdlDiff {
    pub fn text(&self) -> String {
        let mut text = format!(
            "{} → {}: {} changes\n",
            self.old,
            self.new,
            self.changes.len()
        );
        for impact in &self.changes {
            let c = &impact.change;
            text.push_str(&format!("  {} {}: {}", c.kind, c.term, c.what));
            if !impact.used_by.is_empty() {
                text.push_str(&format!("  (used by {})", impact.used_by.join(", ")));
            }
            text.push('\n');
        }
        if self.broken.is_empty() {
            text.push_str("every mapping passes against the new version\n");
        } else {
            text.push_str("mappings that no longer pass against the new version:\n");
            for b in &self.broken {
                let first = b.problems.first().map(String::as_str).unwrap_or_default();
                text.push_str(&format!("  {}: {first}", b.mapping));
                if b.problems.len() > 1 {
                    text.push_str(&format!(" (and {} more)", b.problems.len() - 1));
                }
                text.push('\n');
            }
        }
        text
    }
}
