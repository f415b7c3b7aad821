//! A small builder for test workspaces, and helpers to run the binary and read its outputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

/// The slices of the example workspace, in name order.
pub const EXAMPLE_SLICES: [&str; 5] = [
    "power-substations",
    "telecom-exchanges",
    "water-pumps",
    "water-sites",
    "water-valves",
];

/// The binary under test: this build's, or the one `THINSLICE_BIN` names (to show that a
/// test fails on an earlier build: `THINSLICE_BIN=/path/to/old/thinslice cargo test`).
pub fn binary() -> PathBuf {
    std::env::var_os("THINSLICE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_thinslice")))
}

/// The repository root: the example workspace, and `tests/fixtures`.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> PathBuf {
    repo().join("tests/fixtures").join(path)
}

/// A workspace in a temporary folder, removed when dropped.
pub struct TestWorkspace {
    dir: tempfile::TempDir,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestWorkspace {
    /// An empty workspace with the given `thinslice.yaml`.
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("thinslice.yaml"), config).expect("write thinslice.yaml");
        std::fs::create_dir_all(dir.path().join("slices")).expect("slices folder");
        Self { dir }
    }

    /// An empty folder: no `thinslice.yaml` yet.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// A copy of the repository's example workspace.
    pub fn example() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        for item in [
            "thinslice.yaml",
            "rdl",
            "slices",
            "mappings",
            "examples",
            "expected",
            "exports",
        ] {
            copy_tree(&repo().join(item), &dir.path().join(item));
        }
        Self { dir }
    }

    /// The example workspace, told to write its rows as read (`share: { slices: true }`):
    /// internal, since its sites hold people's names.
    pub fn example_with_internal_rows() -> Self {
        let ws = Self::example();
        let config = ws
            .text("thinslice.yaml")
            .replace("share:\n", "share:\n  slices: true\n");
        ws.with_file("thinslice.yaml", &config)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A copy of the example workspace with one more slice, `extra-pumps`: the whole of a
    /// source `extra`, `examples/extra/pumps.csv` holding `csv`, mapped by `mapping`.
    pub fn example_with_extra_pumps(csv: &str, mapping: &str) -> Self {
        let ws = Self::example()
            .with_file("examples/extra/pumps.csv", csv)
            .with_file("slices/extra-pumps.yaml", "source: extra\n")
            .with_file("mappings/extra-pumps.yaml", mapping);
        let config = std::fs::read_to_string(ws.path().join("thinslice.yaml")).expect("config");
        let config = config.replace(
            "sources:\n",
            "sources:\n  extra: { path: examples/extra/pumps.csv }\n",
        );
        std::fs::write(ws.path().join("thinslice.yaml"), config).expect("write config");
        ws
    }

    /// Copies a fixture file into the workspace, under the same relative name.
    pub fn with_fixture(self, name: &str) -> Self {
        let target = self.path().join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("fixture folder");
        }
        std::fs::copy(fixture(name), target).expect("copy fixture");
        self
    }

    /// Writes a file (a slice, say) into the workspace.
    pub fn with_file(self, name: &str, text: &str) -> Self {
        let target = self.path().join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(target, text).expect("write file");
        self
    }

    /// `thinslice ARGS` in the workspace, without colour or progress bars, to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .arg("--color=never")
            .current_dir(self.path())
            .env_remove("THINSLICE_WORKSPACE")
            .env("NO_COLOR", "1");
        command
    }

    /// Runs `thinslice ARGS` in the workspace, without colour or progress bars.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Runs `thinslice ARGS` with environment variables set (`Some`) or removed (`None`).
    pub fn run_with(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
        let mut command = self.command(args);
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let output = command.output().expect("run thinslice");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        // No input, however bad, may crash thinslice: a panic exits 101, an abort (a stack
        // overflow) is killed by a signal. Every run of every test checks it.
        assert!(
            run.code >= 0 && run.code != 101,
            "thinslice crashed (exit {}) on {args:?}\n--- stderr\n{}",
            run.code,
            run.stderr
        );
        run
    }

    /// Reads a text file of the workspace (one a command wrote, say).
    pub fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Reads a Parquet file the run wrote.
    pub fn parquet(&self, name: &str) -> DataFrame {
        let file = std::fs::File::open(self.path().join(name)).expect("open output");
        ParquetReader::new(file).finish().expect("read Parquet")
    }
}

/// Copies a file, or a folder and everything in it.
pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("create folder");
        for entry in std::fs::read_dir(from).expect("list folder") {
            let entry = entry.expect("entry");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else if from.is_file() {
        std::fs::copy(from, to).expect("copy file");
    }
}

/// A frame in full, for comparing: its schema, then every row of every column as CSV.
/// (`{frame:?}` shows at most 10 rows, 8 columns and 30 characters a string.)
pub fn dump(frame: &DataFrame) -> String {
    let mut frame = frame.clone();
    frame.rechunk_mut_par();
    let mut text = format!("{:?}\n", frame.schema());
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv)
        .include_header(true)
        .finish(&mut frame)
        .expect("write the frame as CSV");
    text.push_str(&String::from_utf8(csv).expect("UTF-8"));
    text
}

/// Reads a Parquet file in full, as [`dump`] writes it.
pub fn dump_parquet(path: &Path) -> String {
    let file = std::fs::File::open(path).expect("open Parquet");
    dump(&ParquetReader::new(file).finish().expect("read Parquet"))
}

/// A text column's values.
pub fn strings(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    frame
        .column(column)
        .unwrap_or_else(|e| panic!("column {column}: {e}"))
        .cast(&DataType::String)
        .expect("cast to text")
        .str()
        .expect("text column")
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// Shorthand for expected text values.
pub fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

pub fn dtype(frame: &DataFrame, column: &str) -> DataType {
    frame
        .column(column)
        .unwrap_or_else(|e| panic!("column {column}: {e}"))
        .dtype()
        .clone()
}

/// Compares text with a snapshot file under `tests/cli/snapshots/`. `SNAPSHOTS=overwrite`
/// rewrites the snapshot; review the diff before committing it. Paths are not normalised:
/// diagnostics quote YAML whose backslashes must stay as written.
#[track_caller]
pub fn assert_snapshot(actual: &str, snapshot: snapbox::Data) {
    snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .normalize_paths(false)
        .eq(actual.to_string(), snapshot);
}

/// Every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
