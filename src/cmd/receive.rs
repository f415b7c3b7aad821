//! `thinslice receive`: a consumer group member that applies a topic's messages to a
//! local copy of each slice, and with `--export` writes the copy into the workspace's own
//! tables through its export mappings. Run again, it continues where it stopped.

use std::path::PathBuf;
use std::time::Duration;

use super::{Context, Outcome, print, print_json};
use crate::broker::{BrokerError, Endpoint};
use crate::cli::OutputFormat;
use crate::error::{Error, Result};
use crate::export::{self, Exported, Input};
use crate::rdl::Rdl;
use crate::receive::{self, Account, Request};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The broker: kafka://HOST:PORT (several servers: kafka://A:9092,B:9092).
    #[arg(long, value_name = "URL")]
    pub from: String,
    #[arg(long, value_name = "TOPIC")]
    pub topic: String,
    /// The consumer group: a receiver continues where its group stopped.
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    /// The folder of the copies (SLICE.nt, SLICE.parquet), relative to the workspace.
    #[arg(long, value_name = "DIR", default_value = receive::RECEIVED_DIR)]
    pub into: PathBuf,
    /// Then run this export mapping (exports/NAME.yaml) on the copy of the slice it reads
    /// (repeat for several).
    #[arg(long = "export", value_name = "NAME")]
    pub exports: Vec<String>,
    /// Client settings for the broker (TLS, SASL...): a file of librdkafka name=value
    /// lines.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Give up when nothing arrives for this many seconds before the topic's end.
    #[arg(long, value_name = "SECONDS", default_value_t = receive::DEFAULT_PATIENCE.as_secs())]
    pub patience: u64,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let started = std::time::SystemTime::now();
    let workspace = ctx.workspace()?;
    crate::broker::topic_name(&args.topic, "")?;
    if args.group.trim().is_empty() {
        return Err(BrokerError::NoGroup.into());
    }
    let mut endpoint = Endpoint::parse(&args.from)?;
    if let Some(file) = &args.settings {
        endpoint = endpoint.with_settings_file(file)?;
    }
    // The export mappings are checked before anything is received.
    let mut specs = Vec::new();
    let rdl = match args.exports.is_empty() {
        true => None,
        false => Some(Rdl::load_layers(
            &workspace.rdl,
            workspace.prefixes.clone(),
        )?),
    };
    if let Some(rdl) = &rdl {
        let mut problems = Vec::new();
        for name in &args.exports {
            match export::load(&workspace, rdl, name) {
                Ok(spec) => specs.push(spec),
                Err(err) => problems.push(Error::from(err)),
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
    }
    let into = workspace.root.join(&args.into);
    let request = Request {
        endpoint: &endpoint,
        topic: &args.topic,
        group: &args.group,
        into: &into,
        patience: Duration::from_secs(args.patience),
    };
    let mut account = receive::receive(&request, ctx.progress.as_ref())?;
    for file in &mut account.files {
        *file = workspace.display_path(std::path::Path::new(file.as_str()));
    }
    let mut exported: Vec<Exported> = Vec::new();
    if let Some(rdl) = &rdl {
        for spec in &specs {
            let copy = match &spec.input {
                Input::Slice(slice) => match receive::copy_of(&into, slice) {
                    Some(copy) => Some(copy),
                    None => {
                        return Err(Error::from(crate::receive::ReceiveError::NoCopy {
                            export: spec.name.clone(),
                            slice: slice.clone(),
                            path: workspace.display_path(&into),
                        }));
                    }
                },
                Input::Rdf(_) => None,
            };
            exported.push(export::run(&workspace, rdl, spec, copy.as_deref())?);
        }
        crate::manifest::refresh(&workspace.output_dir, started)?;
    }
    match ctx.format {
        OutputFormat::Json => print_json(&serde_json::json!({
            "receive": account,
            "exports": exported,
        }))?,
        OutputFormat::Text => print(&text(&account, &exported))?,
    }
    let failed = account.failed > 0 || exported.iter().any(|e| !e.failures.is_empty());
    Ok(match failed {
        true => Outcome::BelowThreshold,
        false => Outcome::Conformant,
    })
}

fn text(account: &Account, exported: &[Exported]) -> String {
    let mut out = format!(
        "{} messages received from `{}` (group `{}`): {} applied, {} failed\nthings: {} added, {} changed, {} retracted, {} unchanged\n",
        account.received,
        account.topic,
        account.group,
        account.applied,
        account.failed,
        account.added,
        account.changed,
        account.retracted,
        account.unchanged,
    );
    for (slice, things) in &account.things {
        out.push_str(&format!("  {slice}: {things} things\n"));
    }
    for file in &account.files {
        out.push_str(&format!("copy: {file}\n"));
    }
    for failure in account.failures.iter().take(10) {
        out.push_str(&format!("  failed {failure}\n"));
    }
    out.push_str(&super::export::text(exported));
    out
}
