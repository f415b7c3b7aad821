//! The way back out of the common language: things in the RDL's terms (a run's entities, or
//! RDF from anyone, flat or IES4) written into one organisation's own table, as an export
//! mapping (`exports/NAME.yaml`) says. Every row keeps the thing it came from; a value the
//! table cannot express is a located failure and an empty cell.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

mod columns;
mod convert;
mod error;
mod spec;
mod things;
mod write;

pub use convert::Failure;
pub use error::ExportError;
pub use spec::{ExportSpec, Input};

use crate::diag::YamlFile;
use crate::rdl::Rdl;
use crate::workspace::Workspace;
use spec::Source;
use things::Batches;

/// The folder of export mappings in a workspace.
pub const EXPORTS_DIR: &str = "exports";

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub export: String,
    /// Where the things were read: `out/entities/SLICE.parquet` or the RDF file.
    pub input: String,
    pub file: String,
    pub rows: usize,
    pub columns: usize,
    /// The failures file, when a cell could not be written.
    pub failures_file: Option<String>,
    pub failures: Vec<PlacedFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlacedFailure {
    pub place: String,
    #[serde(flatten)]
    pub failure: Failure,
}

/// The export mappings of a workspace, by name.
pub fn names(workspace: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace.root.join(EXPORTS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Loads and checks `exports/NAME.yaml` against the RDL; no data is read.
pub fn load(workspace: &Workspace, rdl: &Rdl, name: &str) -> Result<ExportSpec, ExportError> {
    let path = workspace
        .root
        .join(EXPORTS_DIR)
        .join(format!("{name}.yaml"));
    if !path.is_file() {
        let known = names(workspace);
        let help = crate::diag::suggest(name, known.iter().map(String::as_str), "export mappings");
        return Err(ExportError::NotFound {
            name: name.to_string(),
            dir: EXPORTS_DIR.to_string(),
            help,
        });
    }
    let file = YamlFile::read(&path, format!("{EXPORTS_DIR}/{name}.yaml"))?;
    let slices: Vec<String> = std::fs::read_dir(&workspace.slices_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let yaml = path.extension().is_some_and(|x| x == "yaml");
            yaml.then(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))?
        })
        .collect();
    let slices: Vec<&str> = slices.iter().map(String::as_str).collect();
    ExportSpec::load(&file, name, rdl, &slices, &workspace.root)
}

/// Export mappings that write the same file: the second would replace the first.
pub fn same_files(specs: &[ExportSpec]) -> Vec<ExportError> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut problems = Vec::new();
    for spec in specs {
        let file = spec.target.path.to_lowercase();
        match seen.iter().find(|(f, _)| *f == file) {
            Some((_, first)) => problems.push(ExportError::SameFile {
                file: format!("{EXPORTS_DIR}/{}", spec.target.path),
                first: first.to_string(),
                second: spec.name.clone(),
            }),
            None => seen.push((file, &spec.name)),
        }
    }
    problems
}

/// Runs a checked export: reads the things, writes the table and its failures under
/// `out/exports/`. `rdf`: read this RDF file instead of what the mapping names.
pub fn run(
    workspace: &Workspace,
    rdl: &Rdl,
    spec: &ExportSpec,
    rdf: Option<&Path>,
) -> Result<Exported, ExportError> {
    let properties: Vec<String> = (spec.columns.iter())
        .filter_map(|c| match &c.source {
            Source::Property(p) => Some(p.property.clone()),
            _ => None,
        })
        .collect();
    let (mut batches, input, mut failures) = open(workspace, rdl, spec, rdf, &properties)?;
    let folder = workspace.output_dir.join(EXPORTS_DIR);
    let path = folder.join(&spec.target.path);
    inside_output(workspace, &path)?;
    // Read, converted and written a batch at a time, so memory holds one batch of cells.
    let mut rows = 0;
    let mut stopped: Option<ExportError> = None;
    let mut next = || -> Result<Option<convert::Table>, crate::output::Cause> {
        let batch = match batches.next(workspace.batch_rows.max(1)) {
            Ok(Some(batch)) => batch,
            Ok(None) => return Ok(None),
            Err(err) => {
                stopped = Some(err);
                return Err(crate::output::Cause::Stopped("export reader"));
            }
        };
        let mut table = convert::table(&batch, &spec.columns, &spec.target, rows)?;
        rows += batch.height();
        failures.append(&mut table.failures);
        Ok(Some(table))
    };
    let written = write::write_table(&path, &spec.target, &spec.columns, &mut next);
    if let Some(err) = stopped {
        return Err(err);
    }
    written?;
    failures.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    let failures: Vec<PlacedFailure> = (failures.into_iter())
        .map(|f| PlacedFailure {
            place: write::place(&spec.target, &spec.columns, &f),
            failure: f,
        })
        .collect();
    let failures_path: PathBuf = folder.join(format!("{}.failures.csv", spec.name));
    let failures_file = match failures.is_empty() {
        true => {
            // A failures file from an earlier export would say what is no longer so.
            let _ = std::fs::remove_file(&failures_path);
            None
        }
        false => {
            let placed: Vec<(String, &Failure)> = failures
                .iter()
                .map(|f| (f.place.clone(), &f.failure))
                .collect();
            write::write_failures(&failures_path, &placed)?;
            Some(workspace.display_path(&failures_path))
        }
    };
    Ok(Exported {
        export: spec.name.clone(),
        input,
        file: workspace.display_path(&path),
        rows,
        columns: spec.columns.len(),
        failures_file,
        failures,
    })
}

/// Refuses a file that a link under the exports folder would put outside the output folder.
fn inside_output(workspace: &Workspace, path: &Path) -> Result<(), ExportError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let shown = workspace.display_path(path);
    let fail = |e: std::io::Error| {
        ExportError::Output(crate::output::OutputError::Write {
            path: shown.clone(),
            source: e.into(),
        })
    };
    std::fs::create_dir_all(parent).map_err(fail)?;
    let real = parent.canonicalize().map_err(fail)?;
    let output = workspace.output_dir.canonicalize().map_err(fail)?;
    match real.starts_with(&output) {
        true => Ok(()),
        false => Err(ExportError::Outside {
            path: shown.clone(),
            real: real.display().to_string(),
        }),
    }
}

/// Where the things come from, ready to hand out in batches, shown as a path; and what RDF
/// gave that could not be read in the RDL's terms, as failures.
fn open(
    workspace: &Workspace,
    rdl: &Rdl,
    spec: &ExportSpec,
    rdf: Option<&Path>,
    properties: &[String],
) -> Result<(Batches, String, Vec<Failure>), ExportError> {
    // The file read, and how it is shown: as given on the command line, as written in `rdf:`.
    let rdf = match (rdf, &spec.input) {
        (Some(path), _) => Some((path.to_path_buf(), path.display().to_string())),
        (None, Input::Rdf(path)) => Some((workspace.root.join(path), path.clone())),
        (None, Input::Slice(_)) => None,
    };
    let classes = spec.classes.as_deref();
    // A value read but not in the RDL's terms (a unit with no conversion) left its cell empty.
    let mut failures: Vec<Failure> = Vec::new();
    let (batches, input) = match (rdf, &spec.input) {
        (Some((path, shown)), _) => {
            let read = things::from_rdf(&path, &shown, rdl, properties)?;
            let (frame, unread) = of_classes(read, classes)?;
            let ids = frame.column(crate::columns::ID)?.str()?.clone();
            for unread in unread {
                for column in &spec.columns {
                    if matches!(&column.source, Source::Property(p) if p.property == unread.property)
                    {
                        failures.push(Failure {
                            row: unread.row + 1,
                            column: column.name.clone(),
                            thing: ids.get(unread.row).unwrap_or_default().to_string(),
                            origin: None,
                            value: unread.value.clone(),
                            reason: unread.reason.clone(),
                        });
                    }
                }
            }
            (
                Batches::Whole { frame, offset: 0 },
                workspace.display_path(&path),
            )
        }
        (None, _) => {
            let slice = match &spec.input {
                Input::Slice(slice) => slice.as_str(),
                Input::Rdf(_) => "",
            };
            let path = workspace
                .output_dir
                .join("entities")
                .join(format!("{slice}.parquet"));
            let shown = workspace.display_path(&path);
            (
                Batches::entities(&path, &shown, properties, classes)?,
                shown,
            )
        }
    };
    Ok((batches, input, failures))
}

/// The things of the classes asked for (all when none), and what could not be read of
/// them, renumbered.
fn of_classes(
    read: things::Things,
    classes: Option<&[String]>,
) -> PolarsResult<(DataFrame, Vec<things::Unread>)> {
    let Some(classes) = classes else {
        return Ok((read.frame, read.unread));
    };
    let class = read.frame.column(crate::columns::CLASS)?.str()?.clone();
    let keep: Vec<bool> = class
        .iter()
        .map(|c| c.is_some_and(|c| classes.iter().any(|k| k == c)))
        .collect();
    let mut new_row = Vec::with_capacity(keep.len());
    let mut next = 0;
    for kept in &keep {
        new_row.push(next);
        next += usize::from(*kept);
    }
    let unread = (read.unread.into_iter())
        .filter(|u| keep.get(u.row).copied().unwrap_or(false))
        .map(|mut u| {
            u.row = new_row[u.row];
            u
        })
        .collect();
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    Ok((read.frame.filter(&mask)?, unread))
}
