//! `thinslice init`: a first working workspace drafted from files a person already has. Each
//! sheet or file becomes a source (its header found under its title lines, a CSV file's
//! delimiter and encoding guessed), a slice (keyed by its first unique, complete column) and
//! a mapping drafted against the RDL (a class from a code column, properties from headers,
//! units and values, links from columns holding another slice's keys), every guess commented
//! with why and how sure. The draft passes `lint` and runs as it is; a person edits it.

mod files;
mod links;
mod matching;
mod plan;
mod render;
mod sample;
mod sniff;
mod units;
mod values;
mod words;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::YamlFile;
use crate::error::{Error, InitError, Result};
use crate::progress::Progress;
use crate::rdl::Rdl;
use crate::source::Source;
use crate::workspace::{WORKSPACE_FILE, Workspace};
use files::Table;
use plan::{ClassDraft, SliceDraft};

/// What to draft from.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// CSV files, workbooks, Parquet files.
    pub paths: Vec<PathBuf>,
    /// The RDL to draft against; None: the example RDL, copied into the workspace.
    pub rdl: Option<PathBuf>,
    /// Of workbooks, only these sheets (all when empty).
    pub sheets: Vec<String>,
    /// Overwrite files that exist.
    pub force: bool,
}

/// What `init` drafted.
#[derive(Debug, Serialize)]
pub struct Drafted {
    /// The files written, relative to the workspace.
    pub files: Vec<String>,
    pub slices: Vec<SliceSummary>,
    /// Sheets and files with nothing to draft from, and why.
    pub skipped: Vec<String>,
}

/// One drafted slice, in numbers.
#[derive(Debug, Serialize)]
pub struct SliceSummary {
    pub slice: String,
    /// The file (and sheet) it is cut from.
    pub from: String,
    pub rows_read: usize,
    pub columns: usize,
    /// Columns a property, a link or the class reads.
    pub mapped: usize,
    /// Columns nothing maps (the label and key columns among them).
    pub left: usize,
    /// Distinct codes matched to RDL terms (classes, allowed values), and left.
    pub codes_matched: usize,
    pub codes_left: usize,
}

/// Drafts a workspace in `dir` from `options.paths`, writes it, and lints what it wrote.
pub fn init(dir: &Path, options: &InitOptions, progress: &dyn Progress) -> Result<Drafted> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        what: dir.display().to_string(),
        source,
    })?;
    let root = dir.canonicalize().map_err(|source| Error::Io {
        what: dir.display().to_string(),
        source,
    })?;
    if root.join(WORKSPACE_FILE).exists() && !options.force {
        return Err(InitError::Exists {
            files: WORKSPACE_FILE.to_string(),
        }
        .into());
    }
    let rdl = files::Rdl::choose(&root, options.rdl.as_deref())?;
    let loaded = rdl.load()?;
    let (tables, skipped) = files::tables(&root, options, progress)?;
    if tables.is_empty() {
        return Err(InitError::Empty {
            skipped: skipped.join("; "),
        }
        .into());
    }
    let (drafts, spares) = draft_slices(&root, &tables, &loaded, progress)?;
    let mut written = vec![(
        PathBuf::from(WORKSPACE_FILE),
        files::workspace_file(&tables, &rdl),
    )];
    for draft in &drafts {
        written.push((
            Path::new("slices").join(format!("{}.yaml", draft.name)),
            render::slice_file(draft),
        ));
        written.push((
            Path::new("mappings").join(format!("{}.yaml", draft.name)),
            render::mapping_file(draft),
        ));
    }
    written.extend(rdl.files());
    files::write_all(&root, &written, options.force)?;

    let task = progress.task("checking the draft (lint)", None);
    let mut workspace = Workspace::load(&root)?;
    // Lint reads each sheet's header: from the copy kept, not from the workbook again.
    for (id, spare) in &spares {
        if let Some(source) = workspace.sources.get_mut(id) {
            source.shares_read(spare);
        }
    }
    let linted = crate::lint::lint(&workspace).map(|_| ());
    task.finish();
    if let Err(e) = linted {
        return Err(InitError::FailsLint {
            dir: dir.display().to_string(),
            problem: Box::new(e),
        }
        .into());
    }
    Ok(Drafted {
        files: written
            .iter()
            .map(|(path, _)| path.display().to_string())
            .collect(),
        slices: drafts.iter().map(summary).collect(),
        skipped,
    })
}

/// Copies of the sheets peeked at, by source name.
type Spares = Vec<(String, Source)>;

/// Reads each table's rows and drafts its slice; then links the slices. With the drafts, a
/// copy of each sheet peeked at, by source, for the lint that follows.
fn draft_slices(
    root: &Path,
    tables: &[Table],
    rdl: &Rdl,
    progress: &dyn Progress,
) -> Result<(Vec<SliceDraft>, Spares)> {
    let text = files::sources_block(tables);
    let file = YamlFile::from_text(root.join(WORKSPACE_FILE), WORKSPACE_FILE.to_string(), text);
    let workspace = Workspace::from_file(root, file)?;
    let (mut drafts, mut spares) = (Vec::new(), Vec::new());
    for table in tables {
        let Some(source) = workspace.sources.get(&table.id) else {
            continue;
        };
        let mut source = source.clone();
        if let Some(peeked) = &table.peeked {
            source.shares_read(peeked);
            spares.push((table.id.clone(), source.forked()));
        }
        let sample =
            sample::read(&source, progress).map_err(|e| InitError::unreadable(&table.place, e))?;
        let task = progress.task(&format!("drafting {}", table.id), None);
        let named = table.sheet.clone().unwrap_or_else(|| table.stem.clone());
        drafts.push(SliceDraft::new(
            rdl,
            table.id.clone(),
            table.id.clone(),
            table.place.clone(),
            sample,
            &named,
        ));
        task.finish();
    }
    let task = progress.task("linking the slices", None);
    links::link_slices(rdl, &mut drafts);
    task.finish();
    for draft in &mut drafts {
        draft.note_left(rdl);
    }
    Ok((drafts, spares))
}

fn summary(draft: &SliceDraft) -> SliceSummary {
    let (mut matched, mut left) = match &draft.class {
        ClassDraft::Codes {
            matched, unmatched, ..
        } => (matched.len(), unmatched.len()),
        ClassDraft::Fixed { .. } => (0, 0),
    };
    for property in &draft.properties {
        if let Some((m, u)) = &property.codes {
            matched += m.len();
            left += u.len();
        }
    }
    let columns = draft.sample.columns.len();
    let class_column = usize::from(matches!(draft.class, ClassDraft::Codes { .. }));
    let mapped = draft.properties.len() + draft.links.len() + class_column;
    SliceSummary {
        slice: draft.name.clone(),
        from: draft.place.clone(),
        rows_read: draft.sample.rows,
        columns,
        mapped,
        left: columns.saturating_sub(mapped),
        codes_matched: matched,
        codes_left: left,
    }
}
