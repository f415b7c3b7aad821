//! `thinslice verify [FOLDER]`: checks a received output folder against its manifest. Exit 1
//! when a file is missing, altered or extra (each named), 2 when there is no manifest.

use std::path::PathBuf;

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::manifest::{self, Difference};
use crate::share::ShareError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to verify. Default: the workspace's output folder.
    pub folder: Option<PathBuf>,
}

#[derive(Serialize)]
struct Verified {
    folder: String,
    run: String,
    files: usize,
    differences: Vec<Found>,
}

#[derive(Serialize)]
struct Found {
    path: String,
    difference: Difference,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let folder = match &args.folder {
        Some(folder) => folder.clone(),
        None => ctx.workspace()?.output_dir,
    };
    let shown = folder.display().to_string();
    let manifest = manifest::read(&folder).map_err(|why| ShareError::NoManifest {
        folder: shown.clone(),
        why,
    })?;
    let differences = manifest::verify(&folder, &manifest).map_err(|e| ShareError::NoManifest {
        folder: shown.clone(),
        why: e.to_string(),
    })?;
    let verified = Verified {
        folder: shown,
        run: manifest.id.clone(),
        files: manifest.outputs.len(),
        differences: (differences.into_iter())
            .map(|(path, difference)| Found { path, difference })
            .collect(),
    };
    match ctx.format {
        OutputFormat::Json => print_json(&verified)?,
        OutputFormat::Text => print(&text(&verified))?,
    }
    Ok(match verified.differences.is_empty() {
        true => Outcome::Conformant,
        false => Outcome::BelowThreshold,
    })
}

fn text(verified: &Verified) -> String {
    if verified.differences.is_empty() {
        return format!(
            "ok: {} files in {} match the manifest of run {}\n",
            verified.files, verified.folder, verified.run
        );
    }
    let mut out = format!(
        "{} differs from the manifest of run {}:\n",
        verified.folder, verified.run
    );
    for found in &verified.differences {
        let what = match found.difference {
            Difference::Missing => "missing",
            Difference::Altered => "altered",
            Difference::Extra => "extra  ",
        };
        out.push_str(&format!("  {what}  {}\n", found.path));
    }
    out
}
