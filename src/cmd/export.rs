//! `thinslice export NAME...`: things in the RDL's terms back into an organisation's own
//! table, as `exports/NAME.yaml` says. Exit 1 when a cell could not be written (each is
//! named, and left empty), 2 on an invalid export mapping.

use std::path::PathBuf;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::{Error, Result};
use crate::export::{self, Exported};
use crate::rdl::Rdl;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The export mappings to run, by name (`exports/NAME.yaml`). Default: every one.
    pub names: Vec<String>,
    /// Read the things from this RDF file (N-Triples or Turtle, flat or IES4) instead of
    /// what the export mapping names.
    #[arg(long, value_name = "FILE")]
    pub rdf: Option<PathBuf>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let started = std::time::SystemTime::now();
    let workspace = ctx.workspace()?;
    let rdl = Rdl::load_layers(&workspace.rdl, workspace.prefixes.clone())?;
    let names = match args.names.is_empty() {
        true => export::names(&workspace),
        false => args.names.clone(),
    };
    if names.is_empty() {
        return Err(Error::from(export::ExportError::NotFound {
            name: "(any)".into(),
            dir: export::EXPORTS_DIR.into(),
            help: "write one: exports/NAME.yaml, see the README's \"Back out\" section".into(),
        }));
    }
    // Every export mapping is checked before any data is read.
    let mut specs = Vec::new();
    let mut problems = Vec::new();
    for name in &names {
        match export::load(&workspace, &rdl, name) {
            Ok(spec) => specs.push(spec),
            Err(err) => problems.push(Error::from(err)),
        }
    }
    problems.extend(export::same_files(&specs).into_iter().map(Error::from));
    if args.rdf.is_some() && names.len() != 1 {
        let count = names.len();
        problems.push(Error::from(export::ExportError::RdfForOne { count }));
    }
    if !problems.is_empty() {
        return Err(Error::from_problems(problems));
    }
    // A path on the command line is the shell's: relative to the current folder.
    let rdf = args.rdf.clone();
    let mut done: Vec<Exported> = Vec::new();
    for spec in &specs {
        done.push(export::run(&workspace, &rdl, spec, rdf.as_deref())?);
    }
    // The exports are part of the output folder a recipient verifies.
    crate::manifest::refresh(&workspace.output_dir, started)?;
    match ctx.format {
        OutputFormat::Json => print_json(&done)?,
        OutputFormat::Text => print(&text(&done))?,
    }
    Ok(match done.iter().any(|e| !e.failures.is_empty()) {
        true => Outcome::BelowThreshold,
        false => Outcome::Conformant,
    })
}

/// What a person reads: each file, its rows, and the cells that could not be written.
pub(super) fn text(done: &[Exported]) -> String {
    let mut out = String::new();
    for exported in done {
        out.push_str(&format!(
            "{} → {}: {} rows × {} columns, from {}\n",
            exported.export, exported.file, exported.rows, exported.columns, exported.input
        ));
        if let Some(file) = &exported.failures_file {
            out.push_str(&format!(
                "  {} cells could not be written and were left empty (all in {file}):\n",
                exported.failures.len()
            ));
            for failure in exported.failures.iter().take(10) {
                out.push_str(&format!(
                    "  {} `{}` ({}): `{}`: {}\n",
                    failure.place,
                    failure.failure.column,
                    failure.failure.thing,
                    failure.failure.value,
                    failure.failure.reason
                ));
            }
            if exported.failures.len() > 10 {
                out.push_str(&format!("  … and {} more\n", exported.failures.len() - 10));
            }
        }
    }
    out
}
