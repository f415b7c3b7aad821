//! `thinslice publish`: the last run's things to a Kafka topic, as RDF Patch messages;
//! the first time everything, then only what changed. Exit 2 when the broker cannot be
//! reached or a setting is wrong; what the broker acknowledged before that is recorded.

use std::path::PathBuf;

use super::{Context, Outcome, print, print_json};
use crate::broker::{BrokerError, Endpoint};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::publish::{self, Account, Checked, Request};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The broker: kafka://HOST:PORT (several servers: kafka://A:9092,B:9092). Default:
    /// `publish: { to }` in thinslice.yaml.
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// The topic: one name for every slice, or a name with {slice} in it for a topic per
    /// slice. Default: `publish: { topic }` in thinslice.yaml, else `{slice}`.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,
    /// Publish only this slice (repeat for several). Default: `publish: { slices }` in
    /// thinslice.yaml, else every mapped slice.
    #[arg(long = "slice", value_name = "NAME")]
    pub slices: Vec<String>,
    /// Client settings for the broker (TLS, SASL...): a file of librdkafka name=value
    /// lines. Default: `publish: { settings }` in thinslice.yaml.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Send every thing again, changed or not (each as a patch deleting what was sent
    /// before): for a broker that lost its topic, or a new receiver reading from scratch.
    #[arg(long)]
    pub resend: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let configured = &workspace.publish;
    let Some(to) = args.to.as_ref().or(configured.to.as_ref()) else {
        return Err(BrokerError::NoBroker.into());
    };
    let mut endpoint = Endpoint::parse(to)?;
    if let Some(file) = args.settings.as_ref().or(configured.settings.as_ref()) {
        endpoint = endpoint.with_settings_file(file)?;
    }
    let topic = (args.topic.as_deref())
        .or(configured.topic.as_deref())
        .unwrap_or("{slice}");
    let slices = match args.slices.is_empty() {
        true => &configured.slices,
        false => &args.slices,
    };
    let linted = crate::lint::lint(&workspace)?;
    crate::pipeline::check_names(&linted.plan.slices, slices)?;
    let Some(rdl) = linted.rdl.as_ref() else {
        return Err(crate::error::Error::NoRdl);
    };
    let checked = Checked {
        rdl,
        slices: &linted.plan.slices,
        mappings: &linted.mappings,
        withheld: &linted.withheld,
    };
    let request = Request {
        endpoint: &endpoint,
        topic,
        slices,
        again: args.resend,
    };
    let accounts = publish::publish(&workspace, &checked, &request, ctx.progress.as_ref())?;
    match ctx.format {
        OutputFormat::Json => print_json(&accounts)?,
        OutputFormat::Text => print(&text(&accounts, &endpoint.bootstrap))?,
    }
    Ok(Outcome::Conformant)
}

/// The account of each slice, as a table.
fn text(accounts: &[Account], bootstrap: &str) -> String {
    let width = (accounts.iter())
        .map(|a| a.slice.len())
        .chain([5])
        .max()
        .unwrap_or(5);
    let mut out = format!(
        "{:<width$}  {:>7}  {:>7}  {:>9}  {:>9}  {:>6}  {:>8}  topic\n",
        "slice", "added", "changed", "retracted", "unchanged", "failed", "messages"
    );
    for a in accounts {
        out.push_str(&format!(
            "{:<width$}  {:>7}  {:>7}  {:>9}  {:>9}  {:>6}  {:>8}  {}\n",
            a.slice, a.added, a.changed, a.retracted, a.unchanged, a.failed, a.messages, a.topic
        ));
    }
    let messages: u64 = accounts.iter().map(|a| a.messages).sum();
    let plural = if messages == 1 { "" } else { "s" };
    out.push_str(&format!(
        "\n{messages} message{plural} acknowledged by {bootstrap}.\n"
    ));
    if accounts.iter().any(|a| a.failed > 0) {
        out.push_str("failed = not sent: an IRI already sent, or an identifier that is no IRI (the run's failures name them).\n");
    }
    out
}
