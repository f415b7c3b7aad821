//! The command line: global flags and one subcommand per job.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;

#[derive(Debug, Parser)]
#[command(
    name = "thinslice",
    version,
    about = "Cut asset datasets into thin slices, refactor them against a Reference Data Library, and report their quality.",
    propagate_version = true
)]
pub struct Cli {
    /// The workspace folder (holding thinslice.yaml). Default: the current folder.
    #[arg(
        long,
        short = 'w',
        global = true,
        value_name = "DIR",
        env = "THINSLICE_WORKSPACE"
    )]
    pub workspace: Option<PathBuf>,

    /// Output for people (text) or machines (json).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Never show progress bars (they are shown only when stderr is a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// After the command, print on stderr how long each phase took (reading, cutting,
    /// mapping, checking, writing), per source and slice.
    #[arg(long, global = true)]
    pub timings: bool,

    /// Rows read per batch from a CSV or Parquet source (a workbook sheet is read whole).
    /// Memory holds about three batches; fewer rows per batch use less.
    #[arg(long, global = true, value_name = "ROWS", default_value_t = crate::source::BATCH_ROWS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_rows: u64,

    /// Colour in diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: cut every slice out of its source and write it.
    Run(cmd::run::Args),
    /// Draft a workspace from spreadsheets and files: sources, slices and mappings, every
    /// guess commented; then lint it.
    Init(cmd::init::Args),
    /// Cut slices out of their sources and write them as Parquet, with row accounts.
    Slice(cmd::slice::Args),
    /// Show what a source holds, column by column.
    Profile(cmd::profile::Args),
    /// Cut the slices and refactor each into things in the RDL's terms; write the data
    /// (entities, RDF, quarantine), not the reports.
    Map(cmd::map::Args),
    /// Slice, map and check conformance; write the reports but no data outputs.
    Check(cmd::check::Args),
    /// Merge the shards of a run (`run --shard K/N`, under out/shards/) into its reports.
    Merge(cmd::merge::Args),
    /// Compare a run with the committed expectations (expected/); --bless accepts it.
    Test(cmd::test::Args),
    /// Check the workspace (slices, RDL, mappings) without reading data.
    Lint(cmd::lint::Args),
    /// Write things in the RDL's terms (a run's, or RDF from anyone) into an organisation's
    /// own table, as exports/NAME.yaml says.
    Export(cmd::export::Args),
    /// Send the last run's things to a Kafka topic as RDF Patch messages: everything the
    /// first time, then only what changed.
    Publish(cmd::publish::Args),
    /// Apply a Kafka topic's messages to a local copy of each slice, as a consumer group
    /// member; optionally export the copy into the workspace's own tables.
    Receive(cmd::receive::Args),
    /// Check a received output folder against its manifest: every file there, unaltered,
    /// and no other.
    Verify(cmd::verify::Args),
    /// The RDL: its classes, one term whole, a search; export it, compare two versions.
    Rdl(cmd::rdl::Args),
    /// Print a shell's completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::Args),
    /// Print the manual page (roff), for `man -l -` or a man folder.
    Man,
}
