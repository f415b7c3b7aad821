//! A run that is stopped (Ctrl-C, SIGTERM, killed, the machine going down) leaves the
//! outputs of the previous run as they were and no half-written file that looks complete:
//! files are written under temporary names and put in place together at the end (issue 11,
//! item 14).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::support::{TestWorkspace, files_under};

const RDL: &str = "namespace: https://rdl.test/r#
classes:
  Asset: {}
properties:
  name: { datatype: string }
";

/// A workspace mapping `assets.csv` (of `rows` rows) to Assets, writing every format.
fn workspace(rows: usize) -> TestWorkspace {
    TestWorkspace::new(
        "rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\noutput: out\noutputs: [parquet, csv, ntriples]\n",
    )
    .with_file("rdl.yaml", RDL)
    .with_file("slices/assets.yaml", "source: assets\n")
    .with_file(
        "mappings/assets.yaml",
        "slice: assets\nclass: Asset\nid: \"https://data.test/asset/{ID}\"\nproperties:\n  name: { from: Name }\n",
    )
    .with_file("assets.csv", &assets(rows))
}

fn assets(rows: usize) -> String {
    let lines: String = (0..rows)
        .map(|i| format!("A{i},asset number {i}\n"))
        .collect();
    format!("ID,Name\n{lines}")
}

/// Every file under the output folder with its bytes, in name order.
fn outputs(ws: &TestWorkspace) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = files_under(&ws.path().join("out"))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read output");
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn partials(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect()
}

/// Starts a run of a large source and waits until it is writing its files.
fn start_writing(ws: &TestWorkspace) -> Child {
    let mut child = ws
        .command(&["--no-progress", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start thinslice");
    let started = Instant::now();
    while partials(&ws.path().join("out")).is_empty() {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("the run ended ({status}) before it was seen writing: make the source larger");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run never wrote"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{name}");
}

#[test]
fn an_interrupted_run_leaves_the_previous_outputs_and_no_partial_file() {
    for name in ["INT", "TERM"] {
        let ws = workspace(3);
        ws.run(&["--no-progress", "run"]).expect(0);
        let before = outputs(&ws);
        assert!(before.len() >= 3, "{before:?}");

        std::fs::write(ws.path().join("assets.csv"), assets(400_000)).expect("source");
        let child = start_writing(&ws);
        signal(&child, name);
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "SIG{name}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(partials(&ws.path().join("out")).is_empty());
        assert!(outputs(&ws) == before, "SIG{name} changed the outputs");
    }
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_and_the_next_run_clears_its_temporaries() {
    let ws = workspace(3);
    ws.run(&["--no-progress", "run"]).expect(0);
    let before = outputs(&ws);

    std::fs::write(ws.path().join("assets.csv"), assets(400_000)).expect("source");
    let mut child = start_writing(&ws);
    signal(&child, "KILL");
    child.wait().expect("wait");
    // Nothing can be done on SIGKILL: the temporaries stay, under names no reader takes for
    // an output, and the outputs in place are the previous run's.
    let out = ws.path().join("out");
    let left = partials(&out);
    assert!(!left.is_empty());
    let finished: Vec<_> = outputs(&ws)
        .into_iter()
        .filter(|(p, _)| !left.contains(p))
        .collect();
    assert!(finished == before, "the kill changed the outputs");

    std::fs::write(ws.path().join("assets.csv"), assets(5)).expect("source");
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(partials(&out), Vec::<PathBuf>::new());
    let lines = std::fs::read_to_string(out.join("entities/assets.csv")).expect("entities");
    assert_eq!(lines.lines().count(), 6, "{lines}");
}
