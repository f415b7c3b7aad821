//! Bad input never panics: it gets a message naming the file (and sheet, line, field or
//! cell), what to do, and exit code 2.

use crate::support::{Run, TestWorkspace, assert_snapshot};

/// A workspace with one source declared as `source`, and a slice over it.
fn with_source(source: &str) -> TestWorkspace {
    TestWorkspace::new(&format!("sources:\n  src: {source}\n"))
        .with_file("slices/all.yaml", "source: src\n")
}

#[track_caller]
fn fails_with(run: Run, expected: &[&str]) {
    let run = run.expect(2);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "expected {text:?} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_missing_file_points_at_its_declaration() {
    let ws = with_source("{ path: data/missing.csv }");
    fails_with(
        ws.run(&["slice"]),
        &[
            "cannot read source `src` from data/missing.csv",
            "thinslice.yaml:2:",
            "declared here",
        ],
    );
}

#[test]
fn a_missing_sheet_suggests_the_closest() {
    let ws = with_source("{ path: workbooks/register.xlsx, sheet: Regster }")
        .with_fixture("workbooks/register.xlsx");
    fails_with(
        ws.run(&["slice"]),
        &[
            "workbooks/register.xlsx: no sheet named `Regster`",
            "did you mean `Register`?",
        ],
    );
}

#[test]
fn a_header_row_past_the_end_names_the_last_row() {
    let ws = with_source("{ path: workbooks/register.xls, sheet: Register, header_row: 40 }")
        .with_fixture("workbooks/register.xls");
    fails_with(
        ws.run(&["slice"]),
        &["header row 40 is past the end of sheet `Register`, whose last row is 8"],
    );
}

#[test]
fn an_empty_sheet_has_no_header() {
    let ws = with_source("{ path: workbooks/register.xlsx, sheet: Empty }")
        .with_fixture("workbooks/register.xlsx");
    fails_with(
        ws.run(&["slice"]),
        &["header row 1 is past the end of sheet `Empty`, whose last row is 0"],
    );
}

#[test]
fn a_csv_header_line_past_the_end_is_refused() {
    let ws = with_source("{ path: bad/ragged.csv, header_row: 9 }").with_fixture("bad/ragged.csv");
    fails_with(
        ws.run(&["slice"]),
        &[
            "bad/ragged.csv: no row starts on line 9",
            "the file has 4 line(s)",
        ],
    );
}

#[test]
fn an_undecodable_byte_names_line_field_and_the_fix() {
    let ws = with_source("{ path: bad/latin1.csv }").with_fixture("bad/latin1.csv");
    fails_with(
        ws.run(&["slice"]),
        &[
            "bad/latin1.csv:2, field 2: byte 0xE9 is not valid UTF-8",
            "encoding: windows-1252",
        ],
    );
}

#[test]
fn a_ragged_row_names_its_line() {
    let ws = with_source("{ path: bad/ragged.csv }").with_fixture("bad/ragged.csv");
    fails_with(
        ws.run(&["slice"]),
        &[
            "bad/ragged.csv:3: this row has 4 fields, the header on line 1 has 3",
            "check the delimiter",
        ],
    );
}

#[test]
fn an_empty_file_is_refused() {
    let ws = with_source("{ path: bad/empty.csv }").with_fixture("bad/empty.csv");
    fails_with(ws.run(&["slice"]), &["bad/empty.csv is empty"]);
}

#[test]
fn a_workbook_that_is_not_a_workbook_is_refused() {
    let ws =
        with_source("{ path: bad/not-a-workbook.xlsx }").with_fixture("bad/not-a-workbook.xlsx");
    fails_with(
        ws.run(&["slice"]),
        &[
            "bad/not-a-workbook.xlsx is not a workbook thinslice can read",
            "format: csv",
        ],
    );
}

#[test]
fn a_truncated_parquet_file_is_refused() {
    let ws = with_source("{ path: bad/truncated.parquet }").with_fixture("bad/truncated.parquet");
    fails_with(
        ws.run(&["profile", "src"]),
        &["bad/truncated.parquet is not a Parquet file thinslice can read"],
    );
}

#[test]
fn an_unknown_key_in_thinslice_yaml_is_located() {
    let ws = TestWorkspace::new("sources:\n  src: { path: a.csv, delimeter: \";\" }\n");
    fails_with(ws.run(&["slice"]), &["delimeter", "thinslice.yaml:2:"]);
}

#[test]
fn options_for_another_format_are_refused() {
    let ws = TestWorkspace::new("sources:\n  src: { path: a.csv, sheet: Assets }\n");
    fails_with(
        ws.run(&["slice"]),
        &["`sheet` applies to workbooks, but source `src` is a CSV file"],
    );
}

#[test]
fn no_workspace_says_how_to_get_one() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = std::process::Command::new(crate::support::binary())
        .args(["run", "--color=never"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no thinslice.yaml in ."), "{stderr}");
    // The whole help, so it can name nothing that does not exist.
    let help: String = stderr
        .split_once("help:")
        .map(|(_, help)| help.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    assert_eq!(
        help,
        "run thinslice in a workspace folder (one holding thinslice.yaml), or name one with --workspace DIR",
        "{stderr}"
    );
}

#[test]
fn an_unknown_slice_name_suggests_the_closest() {
    let ws = TestWorkspace::example();
    fails_with(
        ws.run(&["slice", "--slice", "water-pump"]),
        &["no slice named `water-pump`", "did you mean `water-pumps`?"],
    );
}

/// Several broken slices produce one report with every problem, each drawn at its line.
#[test]
fn every_static_problem_of_a_workspace_is_reported_together() {
    let ws = TestWorkspace::example()
        .with_file(
            "slices/broken-columns.yaml",
            "source: water\nwhere: \"\\\"Asset Typ\\\" = 'PMP'\"\ncolumns: [\"Asset ID\", \"Powr (kW)\"]\nkey: Asset Id\n",
        )
        .with_file("slices/broken-source.yaml", "source: waters\n")
        .with_file(
            "slices/broken-where.yaml",
            "source: power\nwhere: \"Status = 'Planned' AND\"\n",
        );
    let run = ws.run(&["slice"]).expect(2);
    assert_snapshot(&run.stderr, snapbox::file!["snapshots/static-problems.txt"]);
    // Nothing was read, so nothing was written.
    assert!(!ws.path().join("out").exists());
}

#[test]
fn a_file_of_blank_lines_or_spaces_is_empty_too() {
    for (name, text) in [("blank.csv", "\n\r\n\n"), ("spaces.csv", "   \n \t \n")] {
        let ws = with_source(&format!("{{ path: {name} }}")).with_file(name, text);
        fails_with(ws.run(&["slice"]), &[&format!("{name} is empty")]);
    }
}

/// `thinslice lint 2>&1 | head` closes the pipe before the report is written: the report is
/// lost, never the exit code (a panic writing it exited 101).
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let ws = with_source("{ path: data/missing.csv }");
    for _ in 0..5 {
        let mut child = ws
            .command(&["lint"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn thinslice");
        drop(child.stderr.take());
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(2), "{status:?}");
    }
}

/// `--format json`: errors are JSON on stdout, with the place in fields, so a tool never
/// parses the text meant for people.
#[test]
fn errors_are_json_on_stdout_when_json_is_asked_for() {
    let json = |run: Run| -> serde_json::Value {
        let run = run.expect(2);
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        serde_json::from_str::<serde_json::Value>(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", run.stdout))["error"]
            .clone()
    };
    let ws = with_source("{ path: data.csv }")
        .with_file("data.csv", "id,name\n1,a\n2,b,c\n")
        .with_file(
            "rdl.yaml",
            "namespace: https://rdl.example.org/\nclasses:\n  Pump: {}\n",
        )
        .with_file(
            "mappings/all.yaml",
            "slice: all\nclass: Pumpp\nid: \"https://x.org/{id}\"\n",
        );
    std::fs::write(
        ws.path().join("thinslice.yaml"),
        "rdl: rdl.yaml\nsources:\n  src: { path: data.csv }\n",
    )
    .expect("write");
    let lint = json(ws.run(&["--format", "json", "lint"]));
    assert_eq!(lint["code"], "thinslice::mapping::unknown", "{lint:#}");
    assert_eq!(lint["file"], "mappings/all.yaml", "{lint:#}");
    assert_eq!(
        (lint["line"].as_u64(), lint["column"].as_u64()),
        (Some(2), Some(8)),
        "{lint:#}"
    );
    assert_eq!(lint["help"], "did you mean `Pump`?", "{lint:#}");

    std::fs::remove_file(ws.path().join("mappings/all.yaml")).expect("remove");
    let ragged = json(ws.run(&["--format=json", "slice"]));
    assert_eq!(ragged["code"], "thinslice::source::ragged", "{ragged:#}");
    assert_eq!(ragged["file"], "data.csv", "{ragged:#}");
    assert_eq!(ragged["line"], 3, "{ragged:#}");
    assert!(
        ragged["help"]
            .as_str()
            .is_some_and(|h| h.contains("delimiter")),
        "{ragged:#}"
    );

    let usage = json(ws.run(&["--format", "json", "frobnicate"]));
    assert_eq!(usage["code"], "thinslice::usage", "{usage:#}");
    assert!(
        usage["message"]
            .as_str()
            .is_some_and(|m| m.contains("frobnicate")),
        "{usage:#}"
    );
}
