use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use thinslice::cli::{Cli, Color, Command, OutputFormat};
use thinslice::cmd::{self, Context, Outcome};

/// The stack of the thread a command runs on. Parsers of user input recurse (polars' SQL
/// conditions, YAML); a deep input should meet a located limit, not the end of the stack.
const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    let worker = std::thread::Builder::new()
        .name("thinslice".into())
        .stack_size(STACK_BYTES)
        .spawn(run);
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        // A panic has printed its message already; it is a bug, not bad input.
        Ok(Err(_)) => ExitCode::from(101),
        Err(e) => {
            to_stderr(&format!("thinslice could not start: {e}\n"));
            ExitCode::from(2)
        }
    }
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Tools asked for JSON: a bad command line is JSON on stdout too (help and version
        // are not errors).
        Err(e) if e.use_stderr() && json_asked() => {
            to_stdout(&cmd::usage_json(&e));
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    // Without the handler an interrupted run still leaves the previous outputs whole, but
    // its temporaries behind (the next run removes them).
    let doing = match cli.command {
        Command::Init(_) => cmd::Doing::Drafting,
        Command::Publish(_) | Command::Receive(_) => cmd::Doing::Messaging,
        _ => cmd::Doing::Writing,
    };
    let _ = ctrlc::set_handler(move || cmd::interrupted(doing));
    let stderr_is_terminal = std::io::stderr().is_terminal();
    install_diagnostics(cli.color, stderr_is_terminal);
    let ctx = Context::new(&cli, stderr_is_terminal);
    let result = cmd::dispatch(&cli, &ctx);
    if let Some(table) = ctx.timings_table() {
        to_stderr(&table);
    }
    match result {
        Ok(Outcome::Conformant) => ExitCode::SUCCESS,
        Ok(Outcome::BelowThreshold) => ExitCode::from(1),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) if cli.format == OutputFormat::Json => {
            to_stdout(&cmd::error_json(&err));
            ExitCode::from(2)
        }
        Err(err) => {
            to_stderr(&format!("{:?}\n", miette::Report::new(err)));
            ExitCode::from(2)
        }
    }
}

/// Whether the command line asks for JSON, read from the raw arguments (for when they do
/// not parse).
fn json_asked() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}

/// Writes to stdout; a closed stdout loses the text, never the exit code.
fn to_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes to stderr; a closed stderr (`2>&1 | head`) loses the text, never the exit code.
fn to_stderr(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Diagnostics draw the offending line with a caret; colour only on a terminal unless asked,
/// and a fixed width when not on a terminal so output is stable.
fn install_diagnostics(color: Color, terminal: bool) {
    let colored = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let _ = miette::set_hook(Box::new(move |_| {
        let mut options = miette::MietteHandlerOpts::new()
            .terminal_links(false)
            .color(colored)
            .unicode(colored);
        if !terminal {
            options = options.width(100);
        }
        if !colored {
            options = options.graphical_theme(miette::GraphicalTheme::unicode_nocolor());
        }
        Box::new(options.build())
    }));
}
