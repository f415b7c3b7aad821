//! `thinslice rdl`: for people who need to find the right word in the layered RDL.

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::rdl::{browse, export};
use crate::terms;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: RdlCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RdlCommand {
    /// List the classes, all or those under one.
    Classes {
        /// Only this class and the classes under it (a key, CURIE, IRI or local name).
        #[arg(long)]
        under: Option<String>,
        /// Indent each class under each of its parents.
        #[arg(long)]
        tree: bool,
    },
    /// Show one class, property or unit: IRI, labels, where it is defined, ancestors,
    /// inherited requirements, the properties of its domain, allowed values.
    Show {
        /// A key, CURIE, IRI, local name or unit symbol.
        term: String,
    },
    /// Write the RDL out: `turtle` (OWL classes and properties, SKOS code lists, QUDT units)
    /// or `shacl` (shapes of the requirements and value constraints).
    Export {
        #[arg(value_enum)]
        what: ExportPart,
        /// Write to this file (replaced whole, atomically) instead of stdout.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
    /// What a new version of an RDL file changes (terms added, removed, re-parented,
    /// requirements, datatypes, units, allowed values) and which mappings it breaks.
    Diff {
        old: std::path::PathBuf,
        new: std::path::PathBuf,
    },
    /// Find terms by label and description.
    Search {
        text: String,
        /// How many terms to show at most.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportPart {
    Turtle,
    Shacl,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    if let RdlCommand::Diff { old, new } = &args.command {
        let diff = terms::rdl_diff(&workspace, old, new)?;
        match ctx.format {
            OutputFormat::Json => print_json(&diff)?,
            OutputFormat::Text => print(&diff.text())?,
        }
        return Ok(Outcome::Conformant);
    }
    let rdl = terms::rdl(&workspace)?;
    if let RdlCommand::Export { what, output } = &args.command {
        let part = match what {
            ExportPart::Turtle => export::Part::Vocabulary,
            ExportPart::Shacl => export::Part::Shapes,
        };
        let bytes = terms::export_rdl(&rdl, part)?;
        match output {
            Some(path) => crate::output::write_text(path, &String::from_utf8_lossy(&bytes))?,
            None => print(&String::from_utf8_lossy(&bytes))?,
        }
        return Ok(Outcome::Conformant);
    }
    let (json, text) = match &args.command {
        RdlCommand::Classes { under, tree } => {
            let list = browse::classes(&rdl, under.as_deref(), *tree)
                .map_err(|e| terms::unknown_term(under.as_deref().unwrap_or_default(), e))?;
            (serde_json::to_value(&list), list.text())
        }
        RdlCommand::Show { term } => {
            let card = browse::show(&rdl, term).map_err(|e| terms::unknown_term(term, e))?;
            (serde_json::to_value(&card), card.text())
        }
        RdlCommand::Search { text, limit } => {
            let hits = browse::search(&rdl, text, *limit);
            (serde_json::to_value(&hits), hits.text())
        }
        RdlCommand::Export { .. } | RdlCommand::Diff { .. } => return Ok(Outcome::Conformant),
    };
    match ctx.format {
        OutputFormat::Json => {
            print_json(&json.map_err(|source| crate::error::Error::Json { source })?)?
        }
        OutputFormat::Text => print(&text)?,
    }
    Ok(Outcome::Conformant)
}
