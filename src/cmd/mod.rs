//! One module per command: its arguments and a `run` that loads the workspace, calls the
//! library and prints. Commands are the only code that writes to stdout.

mod bars;
pub mod check;
pub mod completions;
pub mod export;
pub mod init;
pub mod lint;
pub mod map;
pub mod merge;
pub mod profile;
pub mod publish;
pub mod rdl;
pub mod receive;
pub mod run;
pub mod slice;
pub mod test;
pub mod verify;

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, OutputFormat};
use crate::error::{Error, Result};
use crate::job::Reported;
use crate::progress::{Progress, Silent, Timed, Timings};
use crate::remote::Location;
use crate::report::text;
use crate::workspace::Workspace;
use bars::Bars;

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything met its thresholds: exit 0.
    Conformant,
    /// A threshold marked `fail` was not met, or a regression was found: exit 1.
    BelowThreshold,
}

/// What every command gets: where the workspace is, how to print, how to show progress.
pub struct Context {
    pub workspace_dir: PathBuf,
    pub format: OutputFormat,
    pub progress: Box<dyn Progress>,
    /// Filled when `--timings` asked for them.
    pub timings: Option<Timings>,
    pub batch_rows: usize,
    /// The local folder and the object-storage URL of the outputs of a workspace whose
    /// `output:` is remote, once loaded: uploaded when the command is done.
    pub remote_output: RefCell<Option<(PathBuf, String)>>,
}

impl Context {
    pub fn new(cli: &Cli, stderr_is_terminal: bool) -> Self {
        let progress: Box<dyn Progress> = if cli.no_progress || !stderr_is_terminal {
            Box::new(Silent)
        } else {
            Box::new(Bars)
        };
        let (progress, timings) = match cli.timings {
            true => {
                let timings = Timings::default();
                let timed = Timed {
                    inner: progress,
                    timings: timings.clone(),
                };
                (Box::new(timed) as Box<dyn Progress>, Some(timings))
            }
            false => (progress, None),
        };
        Self {
            workspace_dir: cli.workspace.clone().unwrap_or_else(|| PathBuf::from(".")),
            format: cli.format,
            progress,
            timings,
            batch_rows: usize::try_from(cli.batch_rows).unwrap_or(usize::MAX),
            remote_output: RefCell::new(None),
        }
    }

    /// The phases' durations as a table for stderr, when `--timings` asked for them.
    pub fn timings_table(&self) -> Option<String> {
        let phases = self.timings.as_ref()?.phases();
        let width = phases
            .iter()
            .map(|(label, _)| label.len())
            .max()
            .unwrap_or(0);
        let mut table = String::from("timings\n");
        for (label, took) in phases {
            table.push_str(&format!(
                "  {label:<width$}  {:>8.3} s\n",
                took.as_secs_f64()
            ));
        }
        Some(table)
    }

    /// The workspace, with its sources on object storage fetched.
    pub fn workspace(&self) -> Result<Workspace> {
        let mut workspace = Workspace::load(&self.workspace_dir)?;
        workspace.batch_rows = self.batch_rows;
        for source in workspace.sources.values() {
            if let Some(url) = &source.remote {
                let task = self.progress.task(&format!("fetching {}", source.id), None);
                Location::parse(url)?.fetch(&source.path)?;
                task.finish();
            }
        }
        if let Some(url) = &workspace.output_remote {
            Location::parse(url)?.check_output()?;
            *self.remote_output.borrow_mut() = Some((workspace.output_dir.clone(), url.clone()));
        }
        Ok(workspace)
    }

    /// For `merge` with a remote output folder: every shard's state, from the store into
    /// the local folder (shards run on other machines uploaded theirs).
    pub fn fetch_shard_states(&self) -> Result<()> {
        let Some((folder, url)) = self.remote_output.borrow().clone() else {
            return Ok(());
        };
        let task = self
            .progress
            .task(&format!("fetching the shards from {url}"), None);
        let wanted = |relative: &str| {
            let parts: Vec<&str> = relative.split('/').collect();
            parts.len() == 4 && parts[0] == crate::shard::SHARDS_DIR && parts[2] == "shard"
        };
        Location::parse(&url)?.download_folder(
            crate::shard::SHARDS_DIR,
            &folder,
            &upload_record(&folder),
            &wanted,
        )?;
        task.finish();
        Ok(())
    }

    /// Uploads what a command wrote to a remote output folder.
    fn upload_outputs(&self) -> Result<()> {
        let Some((folder, url)) = self.remote_output.borrow().clone() else {
            return Ok(());
        };
        if !folder.is_dir() {
            return Ok(());
        }
        let task = self.progress.task(&format!("uploading to {url}"), None);
        Location::parse(&url)?.upload_folder(&folder, &upload_record(&folder))?;
        task.finish();
        Ok(())
    }
}

/// Where what was uploaded from a staged output folder is noted.
fn upload_record(folder: &Path) -> PathBuf {
    let mut record = folder.as_os_str().to_os_string();
    record.push(".uploaded.json");
    PathBuf::from(record)
}

/// What a command is doing when it is interrupted, for what to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    /// `init`: a draft, file by file.
    Drafting,
    /// `publish`, `receive`: messages, recorded as the broker takes them.
    Messaging,
    /// Everything else: outputs put in place together at the end.
    Writing,
}

/// What an interrupted run (Ctrl-C, SIGTERM) does: it removes the files it was writing, so
/// no half-written file is left behind, and exits 130. A run puts its files in place only
/// at its end, all together: the outputs are either the previous run's or this one's.
/// `init` writes its draft file by file, each whole: an interrupted draft may be partly
/// written, never a file half-written.
pub fn interrupted(doing: Doing) -> ! {
    let partials = crate::output::remove_partials();
    let said = if doing == Doing::Drafting {
        "interrupted: init may have written some of its files, each whole; run it again with --force to draft them all\n"
    } else if doing == Doing::Messaging {
        "interrupted: what the broker acknowledged (or what was received) is recorded; run the command again to go on from there\n"
    } else if partials {
        "interrupted: the outputs were written, the run's report may be missing\n"
    } else {
        "interrupted: the outputs are those of the previous run\n"
    };
    // A closed stderr loses the words, not the exit code.
    let _ = std::io::stderr().write_all(said.as_bytes());
    std::process::exit(130)
}

/// Runs the command the user asked for.
pub fn dispatch(cli: &Cli, ctx: &Context) -> Result<Outcome> {
    let outcome = command(cli, ctx)?;
    ctx.upload_outputs()?;
    Ok(outcome)
}

fn command(cli: &Cli, ctx: &Context) -> Result<Outcome> {
    match &cli.command {
        Command::Run(args) => run::run(args, ctx),
        Command::Slice(args) => slice::run(args, ctx),
        Command::Profile(args) => profile::run(args, ctx),
        Command::Lint(args) => lint::run(args, ctx),
        Command::Export(args) => export::run(args, ctx),
        Command::Publish(args) => publish::run(args, ctx),
        Command::Receive(args) => receive::run(args, ctx),
        Command::Verify(args) => verify::run(args, ctx),
        Command::Rdl(args) => rdl::run(args, ctx),
        Command::Map(args) => map::run(args, ctx),
        Command::Check(args) => check::run(args, ctx),
        Command::Merge(args) => merge::run(args, ctx),
        Command::Test(args) => test::run(args, ctx),
        Command::Init(args) => init::run(args, ctx),
        Command::Completions(args) => completions::run(args),
        Command::Man => completions::man(),
    }
}

/// Prints a checked run (`run`, `check`): the account of every row, the scores and the
/// first failures for people, or all of it as JSON; exit 1 below a `fail` threshold.
fn print_checked_run(ctx: &Context, workspace: &Workspace, run: &Reported) -> Result<Outcome> {
    let (execution, report) = (&run.execution, &run.report);
    match ctx.format {
        OutputFormat::Json => print_json(&serde_json::json!({
            "slices": execution.runs,
            "report": report,
        }))?,
        OutputFormat::Text => {
            let mut summary = text::run_summary(&execution.runs, report, &execution.conformances);
            let files = &run.files;
            summary.push_str(&format!(
                "\nreports: {}, {}, {}\n",
                workspace.display_path(&files.html),
                workspace.display_path(&files.json),
                workspace.display_path(&files.junit),
            ));
            // Outputs going to a store are said where they go, not where they are staged.
            if let Some((folder, url)) = ctx.remote_output.borrow().as_ref() {
                let staged = format!("{}/", workspace.display_path(folder));
                summary = summary.replace(&staged, &format!("{}/", url.trim_end_matches('/')));
            }
            print(&summary)?;
        }
    }
    Ok(if report.passed {
        Outcome::Conformant
    } else {
        Outcome::BelowThreshold
    })
}

/// Writes to stdout, turning a failure (a closed pipe, say) into an error main can judge.
pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| Error::Io {
            what: "stdout".into(),
            source,
        })
}

/// An error as JSON for machines (`--format json`), with a trailing newline:
/// `{ "error": { code, message, file, line, column, help, related } }`.
pub fn error_json(error: &Error) -> String {
    json_line(&serde_json::json!({ "error": crate::diag::to_json(error) }))
}

/// A command line clap could not parse, as JSON: its kind, what it said, and the usage.
pub fn usage_json(error: &clap::Error) -> String {
    let said = error.render().to_string();
    let message = said
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let value = serde_json::json!({ "error": {
        "code": "thinslice::usage",
        "message": message,
        "severity": "error",
        "file": null, "line": null, "column": null, "sheet": null, "cell": null,
        "label": null, "cause": null, "related": [],
        "help": "run `thinslice --help` for the commands and their options",
        "detail": said,
    }});
    json_line(&value)
}

/// A JSON value, pretty, with a trailing newline (`{}` should it not serialise).
fn json_line(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    format!("{text}\n")
}

/// JSON for machines: pretty, with a trailing newline.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| Error::Json { source })?;
    print(&format!("{text}\n"))
}
