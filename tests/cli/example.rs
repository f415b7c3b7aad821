//! The example workspace at the repository root, run as a newcomer runs it.

use crate::support::{EXAMPLE_SLICES, TestWorkspace, assert_snapshot, strings};

#[test]
fn run_slices_every_slice_and_accounts_for_every_row() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["run"]).expect(0);
    // The accounts, the conformance table and the first located failures; every number is
    // explained in examples/README.md.
    assert_snapshot(&run.stdout, snapbox::file!["snapshots/example-run.txt"]);
    // The rows as read are internal, and the example's share policy withholds site
    // managers' names and numbers: `run` does not write them (`thinslice slice` does).
    for slice in EXAMPLE_SLICES {
        let path = ws.path().join(format!("out/slices/{slice}.parquet"));
        assert!(!path.exists(), "{slice}");
    }
}

#[test]
fn slice_rows_keep_their_cells_and_lines() {
    let ws = TestWorkspace::example_with_internal_rows()
        .with_file("slices/water-all.yaml", "source: water\n");
    ws.run(&[
        "slice",
        "--slice",
        "water-all",
        "--slice",
        "power-substations",
    ])
    .expect(0);
    let pumps = ws.parquet("out/slices/water-all.parquet");
    let origins = strings(&pumps, "_origin");
    let ids = strings(&pumps, "Asset ID");
    let power = strings(&pumps, "Power (kW)");
    // The pump with a negative power sits on row 34, the one with a unit in its value on 56,
    // the asset without an identifier on 22.
    let at = |row: u32| {
        origins
            .iter()
            .position(|o| {
                o.as_deref()
                    == Some(&format!(
                        "examples/water/asset-register.xlsx:Assets!A{row}:I{row}"
                    ))
            })
            .unwrap_or_else(|| panic!("row {row} not in the slice"))
    };
    assert_eq!(power[at(34)].as_deref(), Some("-15"));
    assert_eq!(power[at(56)].as_deref(), Some("207 kW"));
    assert_eq!(ids[at(34)].as_deref(), Some("WA-00097"));
    assert_eq!(ids[at(22)], None);
    assert_eq!(origins.len(), 240);

    let substations = ws.parquet("out/slices/power-substations.parquet");
    assert_eq!(
        strings(&substations, "_origin")[0].as_deref(),
        Some("examples/power/substations.csv:4")
    );
    // Windows-1252 decoded, a quoted delimiter kept inside its value.
    let names = strings(&substations, "Name");
    assert_eq!(names[0].as_deref(), Some("Sainte-Hélène 1"));
    assert_eq!(names[12].as_deref(), Some("Åsgard Lane 2; North"));
    assert!(!ws.path().join("out/slices/water-sites.parquet").exists());
}

#[test]
fn outputs_are_byte_identical_on_rerun() {
    let ws = TestWorkspace::example();
    let outputs = [
        "out/entities/water-pumps.parquet",
        "out/entities/water-pumps.csv",
        "out/entities/power-substations.csv",
        "out/rdf/water-pumps.nt",
        "out/rdf/water-pumps.ttl",
        "out/report.json",
        "out/junit.xml",
        "out/failures/water-pumps.csv",
        "out/quarantine/power-substations.csv",
    ];
    ws.run(&["run"]).expect(0);
    let first: Vec<Vec<u8>> = outputs
        .iter()
        .map(|o| std::fs::read(ws.path().join(o)).expect("read"))
        .collect();
    ws.run(&["run"]).expect(0);
    let second: Vec<Vec<u8>> = outputs
        .iter()
        .map(|o| std::fs::read(ws.path().join(o)).expect("read"))
        .collect();
    assert_eq!(first, second);
    // No temporary files are left beside the outputs.
    let names: Vec<String> = std::fs::read_dir(ws.path().join("out/entities"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| (n.ends_with(".parquet") || n.ends_with(".csv")) && !n.starts_with('.')),
        "{names:?}"
    );
}

#[test]
fn a_fail_threshold_not_met_exits_1_and_names_the_dimension() {
    let ws = TestWorkspace::example();
    let config = std::fs::read_to_string(ws.path().join("thinslice.yaml")).expect("config");
    let tightened = config.replace(
        "integrity:    { min: 0.95, severity: warn }",
        "integrity:    { min: 0.99, severity: fail }",
    );
    assert_ne!(config, tightened, "the example sets an integrity threshold");
    std::fs::write(ws.path().join("thinslice.yaml"), tightened).expect("write");
    let run = ws.run(&["run"]).expect(1);
    assert!(
        run.stdout
            .contains("FAIL: water-pumps integrity is 96.5%, below the minimum 99.0%"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("FAIL: telecom-exchanges integrity is 95.5%"),
        "{}",
        run.stdout
    );
    // A warn threshold reports without failing the run.
    let warned = std::fs::read_to_string(ws.path().join("thinslice.yaml"))
        .expect("config")
        .replace("severity: fail }\n", "severity: warn }\n");
    std::fs::write(ws.path().join("thinslice.yaml"), warned).expect("write");
    let run = ws.run(&["run"]).expect(0);
    assert!(
        run.stdout.contains("warn: water-pumps integrity is 96.5%"),
        "{}",
        run.stdout
    );
}

#[test]
fn quarantined_rows_are_written_with_their_reason_and_origin() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let quarantine = ws.parquet("out/quarantine/power-substations.parquet");
    assert_eq!(
        strings(&quarantine, "_origin"),
        [Some("examples/power/substations.csv:37".to_string())]
    );
    assert_eq!(
        strings(&quarantine, "reason"),
        [Some(
            "no class: `Type` code `XFMR` is not mapped".to_string()
        )]
    );
    assert_eq!(
        strings(&quarantine, "Substation ID"),
        [Some("SS-0034".to_string())]
    );
}

#[test]
fn report_json_and_junit_carry_the_scores_and_located_failures() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    assert_eq!(report["schema"], 1);
    assert_eq!(report["passed"], true);
    let pumps = report["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "water-pumps")
        .expect("water-pumps");
    // fedBy and locatedAt for 71 pumps (72 in the slice, PMPX quarantined); 5 feeders dangle.
    assert_eq!(pumps["dimensions"]["integrity"]["checked"], 142);
    assert_eq!(pumps["dimensions"]["integrity"]["passed"], 137);
    assert_eq!(pumps["dimensions"]["integrity"]["status"], "pass");
    assert_eq!(pumps["properties"]["fedBy"]["integrity"]["passed"], 66);
    // -15 kW at Assets!D34 breaks ratedPower's minimum (validity), so the pump lacks the
    // power the RDL requires (completeness); PMPX at B68 has no class (conformity).
    assert_eq!(pumps["failures_total"], 8);
    assert_eq!(
        pumps["failures"][1],
        serde_json::json!({
            "dimension": "validity",
            "id": "https://data.example.org/water/asset/WA-00097",
            "property": "ratedPower",
            "value": "-15000.0",
            "rule": "below the minimum 0 W",
            "origin": "examples/water/asset-register.xlsx:Assets!D34"
        })
    );
    assert_eq!(
        pumps["failures"][3]["origin"],
        "examples/water/asset-register.xlsx:Assets!B68"
    );
    assert_eq!(pumps["dimensions"]["validity"]["status"], "pass");
    let substations = report["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "power-substations")
        .expect("power-substations");
    assert_eq!(
        substations["unmapped_codes"],
        serde_json::json!([
            { "property": "class", "column": "Type", "code": "XFMR", "count": 1, "first": "examples/power/substations.csv:37" }
        ])
    );

    let junit = std::fs::read_to_string(ws.path().join("out/junit.xml")).expect("junit");
    assert_eq!(
        junit.matches("<testcase ").count(),
        25,
        "5 slices x 5 dimensions"
    );
    assert!(junit.contains("failures=\"0\""));
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/telecom-exchanges.csv")).expect("csv");
    assert!(
        failures.contains("completeness,https://data.example.org/telecom/exchange/NL-EX-008,poweredBy,,required for LocalExchange,examples/telecom/exchanges.parquet:8"),
        "{failures}"
    );
}

#[test]
fn check_writes_reports_but_no_data() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["check"]).expect(0);
    assert!(
        run.stdout
            .contains("reports: out/report.html, out/report.json, out/junit.xml"),
        "{}",
        run.stdout
    );
    assert!(ws.path().join("out/report.json").is_file());
    assert!(
        ws.path()
            .join("out/quarantine/power-substations.csv")
            .is_file()
    );
    for data in ["out/slices", "out/entities", "out/rdf"] {
        assert!(!ws.path().join(data).exists(), "{data} written by check");
    }
}

#[test]
fn a_slice_can_override_a_workspace_threshold() {
    // The workspace warns below 95% integrity; water-pumps (96.5%) asks for 99% and fails.
    let pumps = std::fs::read_to_string(crate::support::repo().join("slices/water-pumps.yaml"))
        .expect("slice");
    let ws = TestWorkspace::example().with_file(
        "slices/water-pumps.yaml",
        &format!("{pumps}quality:\n  integrity: {{ min: 0.99, severity: fail }}\n"),
    );
    let run = ws.run(&["run"]).expect(1);
    assert!(
        run.stdout
            .contains("FAIL: water-pumps integrity is 96.5%, below the minimum 99.0%"),
        "{}",
        run.stdout
    );
    // telecom-exchanges (95.5%) keeps the workspace's warn threshold, which it meets.
    assert!(
        !run.stdout.contains("telecom-exchanges integrity is"),
        "{}",
        run.stdout
    );
    let broken = ws.with_file(
        "slices/water-valves.yaml",
        "source: water\nquality:\n  integrty: { min: 0.9 }\n",
    );
    let run = broken.run(&["lint"]).expect(2);
    assert!(
        run.stderr.contains("unknown quality dimension `integrty`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `integrity`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn each_source_column_gets_the_digitalisation_level_its_slices_reached() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    let level = |source: &str, column: &str| {
        report["sources"][source]
            .as_array()
            .expect("columns")
            .iter()
            .find(|c| c["column"] == column)
            .map(|c| c["level"].as_str().unwrap_or_default().to_string())
    };
    // Mapped, conformant, and every class reaches Thing: grounded.
    assert_eq!(level("water", "Installed").as_deref(), Some("grounded"));
    assert_eq!(level("power", "Voltage (kV)").as_deref(), Some("grounded"));
    // Mapped with failures: the -15 kW pump, the XFMR type code.
    assert_eq!(level("water", "Power (kW)").as_deref(), Some("implicit"));
    assert_eq!(level("power", "Type").as_deref(), Some("implicit"));
    // Kept as free text.
    assert_eq!(level("power", "Name").as_deref(), Some("implicit"));
    // Read, sliced, but mapped to nothing; or not even sliced.
    assert_eq!(level("water", "Description").as_deref(), Some("syntactic"));
    assert_eq!(level("power", "Operator").as_deref(), Some("syntactic"));
    // Identifiers that are unique are grounded, in whichever slice is best: Asset ID is
    // unique among pumps and among valves.
    assert_eq!(level("water", "Asset ID").as_deref(), Some("grounded"));
}

#[test]
fn report_html_is_one_self_contained_page_with_scores_levels_and_failures() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let page = std::fs::read_to_string(ws.path().join("out/report.html")).expect("report.html");
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Nothing is loaded from elsewhere: no external scripts, styles or images.
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "{external} in report.html");
    }
    for slice in EXAMPLE_SLICES {
        assert!(page.contains(&format!("<tr><td>{slice}</td>")), "{slice}");
    }
    assert!(page.contains("<td><code>examples/water/asset-register.xlsx:Assets!D34</code></td>"));
    assert!(
        page.contains("title=\"grounded: 5\""),
        "the digitalisation chart"
    );
    assert!(
        page.contains("id=\"search\""),
        "the failures are searchable"
    );
}

#[test]
fn timings_name_every_phase_on_stderr_and_leave_stdout_alone() {
    let ws = TestWorkspace::example();
    let plain = ws.run(&["run", "--format", "json"]).expect(0);
    // In batches of 10 rows a slice is mapped many times; its line adds them up.
    let timed = ws
        .run(&[
            "--timings",
            "--no-progress",
            "--batch-rows",
            "10",
            "run",
            "--format",
            "json",
        ])
        .expect(0);
    assert_eq!(plain.stdout, timed.stdout);
    let mut lines = timed.stderr.lines();
    assert_eq!(lines.next(), Some("timings"), "{}", timed.stderr);
    let phases: Vec<(String, f64)> = lines
        .map(|line| {
            let (label, seconds) = line.trim().rsplit_once("  ").expect("label and time");
            let seconds = seconds
                .trim()
                .trim_end_matches(" s")
                .parse()
                .expect("seconds");
            (label.trim().to_string(), seconds)
        })
        .collect();
    let labels: std::collections::BTreeSet<&str> =
        phases.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels.len(), phases.len(), "each phase once: {phases:?}");
    for phase in [
        "reading water",
        "reading power",
        "mapping water-pumps",
        "checking water-pumps",
        "writing entities water-pumps",
        "writing RDF telecom-exchanges",
    ] {
        assert!(labels.contains(phase), "no `{phase}` in {phases:?}");
    }
    // Sources are read (a CSV's types inferred first); every slice is mapped, checked and
    // written; nothing else is timed.
    let slices = crate::support::EXAMPLE_SLICES;
    for (label, _) in &phases {
        let known = label.starts_with("reading ")
            || label.starts_with("inferring types ")
            || slices.iter().any(|s| label.ends_with(&format!(" {s}")));
        assert!(known, "unexpected phase `{label}` in {phases:?}");
    }
    let total: f64 = phases.iter().map(|(_, s)| s).sum();
    assert!(total > 0.0, "a run takes time: {phases:?}");
}

#[test]
fn outputs_limit_the_data_files_but_not_what_they_hold() {
    let all = TestWorkspace::example();
    all.run(&["run"]).expect(0);
    let some = TestWorkspace::example();
    let config = std::fs::read_to_string(some.path().join("thinslice.yaml")).expect("config");
    std::fs::write(
        some.path().join("thinslice.yaml"),
        format!("{config}\noutputs: [parquet, ntriples]\n"),
    )
    .expect("write config");
    let run = some.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        report["slices"][2]["entities"], "out/entities/water-pumps.parquet",
        "{report}"
    );
    let out = some.path().join("out");
    assert!(out.join("rdf/water-pumps.nt").is_file());
    assert!(!out.join("rdf/water-pumps.ttl").exists());
    assert!(!out.join("entities/water-pumps.csv").exists());
    assert!(!out.join("quarantine/water-pumps.csv").exists());
    assert!(out.join("quarantine/water-pumps.parquet").is_file());
    assert!(out.join("report.json").is_file());
    for file in ["rdf/water-pumps.nt", "entities/water-pumps.parquet"] {
        assert_eq!(
            std::fs::read(out.join(file)).expect("read"),
            std::fs::read(all.path().join("out").join(file)).expect("read"),
            "{file}"
        );
    }
    // The regression test needs the CSV and N-Triples, and writes them whatever `outputs` says.
    some.run(&["test"]).expect(0);
    assert!(out.join("entities/water-pumps.csv").is_file());

    let bad = TestWorkspace::example();
    std::fs::write(
        bad.path().join("thinslice.yaml"),
        format!("{config}\noutputs: [parquet, rdfxml]\n"),
    )
    .expect("write config");
    let run = bad.run(&["run"]).expect(2);
    assert!(run.stderr.contains("rdfxml"), "{}", run.stderr);
    assert!(run.stderr.contains("thinslice.yaml"), "{}", run.stderr);
}
