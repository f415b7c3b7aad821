//! `run --shard K/N`: every source read in parts (CSV byte ranges cut at record boundaries,
//! Parquet row ranges, a workbook whole in part 1), each shard's outputs under
//! `out/shards/K/`. The union of the shards' data is a single run's: the same things,
//! triples and quarantined rows, with the same origins and row numbers.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::support::TestWorkspace;

/// The example workspace plus 20,000 pumps in a CSV with quoted line breaks, CRLF and a
/// literal quote, numbered by `{_row}`, so the parts must cut records and count them right.
/// Some identifiers repeat far apart (in different shards), and the pumps link to the
/// substations of another source (read whole by shard 1), some to none that exists.
fn workspace() -> TestWorkspace {
    let mut csv = String::from("ID,Name,Feeder\r\n");
    for i in 0..20_000 {
        // Every 2,500th pump repeats the identifier of one 10,000 rows earlier.
        let id = if i >= 10_000 && i % 2_500 == 0 {
            i - 10_000
        } else {
            i
        };
        let feeder = match i % 400 {
            0 => "SS-NOPE".to_string(),
            n => format!("SS-{:04}", 1 + n % 9),
        };
        match i % 7 {
            0 => csv.push_str(&format!("P{id:05},\"Pump {i}\nsecond line\",{feeder}\r\n")),
            3 => csv.push_str(&format!("P{id:05},Pump {i} 5\" pipe,{feeder}\n")),
            5 => csv.push_str(&format!("P{id:05},\"Pump, \"\"{i}\"\"\",{feeder}\n\n")),
            _ => csv.push_str(&format!("P{id:05},Pump {i},{feeder}\r\n")),
        }
    }
    let mapping = "slice: extra-pumps\nclass: Pump\nid: \"https://data.example.org/test/pump/{ID}\"\nlabel: \"{Name} (row {_row}, line {_line})\"\nlinks:\n  fedBy: { slice: power-substations, id: \"https://data.example.org/power/substation/{Feeder}\" }\n";
    TestWorkspace::example_with_extra_pumps(&csv, mapping)
}

/// Every data file under `folder` (outputs of one run or one shard), by its path in the
/// output folder: a Parquet file's rows as sorted text lines, an N-Triples file's sorted lines.
fn data(folder: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    for sub in ["entities", "rdf", "quarantine", "slices"] {
        let Ok(entries) = std::fs::read_dir(folder.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = format!("{sub}/{}", entry.file_name().to_string_lossy());
            let lines: Vec<String> = if name.ends_with(".parquet") {
                let file = std::fs::File::open(&path).expect("open");
                let frame = ParquetReader::new(file).finish().expect("parquet");
                (0..frame.height())
                    .map(|i| {
                        let row = frame.get(i).expect("row");
                        row.iter()
                            .map(|v| format!("{v}"))
                            .collect::<Vec<_>>()
                            .join("\t")
                    })
                    .collect()
            } else if name.ends_with(".nt") {
                (std::fs::read_to_string(&path).expect("nt").lines())
                    .map(str::to_string)
                    .collect()
            } else {
                continue;
            };
            found.insert(name, lines);
        }
    }
    found
}

/// The union of several runs' data, file by file, each file's lines sorted.
fn union(parts: &[BTreeMap<String, Vec<String>>]) -> BTreeMap<String, Vec<String>> {
    let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in parts {
        for (name, lines) in part {
            all.entry(name.clone())
                .or_default()
                .extend(lines.iter().cloned());
        }
    }
    for lines in all.values_mut() {
        lines.sort();
    }
    all
}

/// The reports a run or a merge wrote: every file but the data, the shards, the manifest and
/// the provenance (which name the files of one machine).
fn reports(out: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for name in ["report.json", "report.html", "junit.xml"] {
        found.insert(name.to_string(), std::fs::read(out.join(name)).expect(name));
    }
    for entry in std::fs::read_dir(out.join("failures"))
        .expect("failures")
        .flatten()
    {
        let name = format!("failures/{}", entry.file_name().to_string_lossy());
        found.insert(name, std::fs::read(entry.path()).expect("failures"));
    }
    found
}

#[test]
fn one_three_and_four_shards_hold_a_single_runs_data() {
    let single = workspace();
    let run = single.run(&["--no-progress", "run"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let expected = union(&[data(&single.path().join("out"))]);
    let single_reports = reports(&single.path().join("out"));
    let report: serde_json::Value =
        serde_json::from_slice(&single_reports["report.json"]).expect("json");
    let pumps = (report["slices"].as_array().into_iter().flatten())
        .find(|s| s["slice"] == "extra-pumps")
        .expect("the pumps' report")
        .clone();
    // What the merge must find across shards: 4 identifiers used twice, 50 feeders missing.
    assert_eq!(
        pumps["dimensions"]["uniqueness"]["passed"],
        20_000 - 8,
        "{pumps}"
    );
    assert_eq!(
        pumps["dimensions"]["integrity"]["checked"], 20_000,
        "{pumps}"
    );
    assert_eq!(
        pumps["dimensions"]["integrity"]["passed"],
        20_000 - 50,
        "{pumps}"
    );
    assert_eq!(expected["rdf/extra-pumps.nt"].len(), 60_000);
    let labels = &expected["rdf/extra-pumps.nt"];
    assert!(
        labels.iter().any(|l| l.contains("(row 20000, line ")),
        "the last pump is row 20000"
    );

    for count in [1, 3, 4] {
        let ws = workspace();
        let mut parts = Vec::new();
        for index in 1..=count {
            let shard = format!("{index}/{count}");
            let run = ws.run(&["--no-progress", "run", "--shard", &shard]);
            assert!(run.code == 0 || run.code == 1, "{shard}: {}", run.stderr);
            let folder = ws.path().join("out/shards").join(index.to_string());
            assert!(
                folder.join("manifest.json").is_file(),
                "{shard} wrote its outputs"
            );
            parts.push(data(&folder));
        }
        if count > 1 {
            // Each shard holds some of the pumps, not all.
            let pumps = |p: &BTreeMap<String, Vec<String>>| {
                p.get("entities/extra-pumps.parquet").map_or(0, Vec::len)
            };
            assert!(parts.iter().all(|p| pumps(p) > 0 && pumps(p) < 20_000));
        }
        // The merge's reports are the single run's, byte for byte: uniqueness and links
        // checked over every shard, the same exit code.
        let merge = ws.run(&["--no-progress", "merge"]);
        assert_eq!(merge.code, run.code, "{count} shards: {}", merge.stderr);
        let merged = reports(&ws.path().join("out"));
        for (name, bytes) in &single_reports {
            let same = merged.get(name) == Some(bytes);
            assert!(same, "{count} shards: {name} differs from the single run's");
        }
        assert_eq!(merged.len(), single_reports.len());
        let got = union(&parts);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{count} shards"
        );
        for (name, lines) in &expected {
            assert!(
                &got[name] == lines,
                "{count} shards: {name} differs ({} lines against {})",
                got[name].len(),
                lines.len()
            );
        }
    }
}

#[test]
fn a_shard_from_the_schedulers_environment_and_a_bad_one() {
    let ws = workspace();
    let run = ws.run_with(
        &["--no-progress", "run", "--shard", "auto"],
        &[
            ("SLURM_ARRAY_TASK_ID", Some("2")),
            ("SLURM_ARRAY_TASK_MIN", Some("1")),
            ("SLURM_ARRAY_TASK_COUNT", Some("2")),
        ],
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(ws.path().join("out/shards/2/manifest.json").is_file());
    assert!(!ws.path().join("out/shards/1").exists());

    let run = ws.run_with(
        &["--no-progress", "run", "--shard", "auto"],
        &[
            ("JOB_COMPLETION_INDEX", Some("0")),
            ("SLURM_ARRAY_TASK_ID", None),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("THINSLICE_SHARD_COUNT is not set"),
        "{}",
        run.stderr
    );

    let run = ws.run(&["--no-progress", "run", "--shard", "5/4"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("shards are counted from 1 to 4"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_merge_without_every_shard_says_which_is_missing() {
    let ws = workspace();
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        merge.stderr.contains("no shard's state is there"),
        "{}",
        merge.stderr
    );
    for shard in ["1/3", "3/3"] {
        let run = ws.run(&["--no-progress", "run", "--shard", shard]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    }
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        merge.stderr.contains("shard 2 of 3 is missing"),
        "{}",
        merge.stderr
    );
    assert!(
        merge.stderr.contains("thinslice run --shard 2/3"),
        "{}",
        merge.stderr
    );
    // A shard of another split of the same run is not taken for one of these.
    let run = ws.run(&["--no-progress", "run", "--shard", "2/2"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        merge.stderr.contains("one of 2, another one of 3"),
        "{}",
        merge.stderr
    );
}

#[test]
fn a_lookup_into_a_split_source_is_refused_in_shards_and_run_whole_in_one() {
    let csv = "ID,Name,Feeder\nP1,Pump 1,SS-0001\nP2,Pump 2,SS-0002\n";
    let mapping = "slice: extra-pumps\nclass: Pump\nid: \"https://data.example.org/test/pump/{ID}\"\nlabel: \"{Name} (fed by {fedBy.Name})\"\nlinks:\n  fedBy: { slice: power-substations, id: \"https://data.example.org/power/substation/{Feeder}\" }\n";
    let ws = TestWorkspace::example_with_extra_pumps(csv, mapping);
    let run = ws.run(&["--no-progress", "run", "--shard", "1/2"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let words = run.stderr.split_whitespace().filter(|w| *w != "│");
    let said = words.collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(
            "slice `extra-pumps` reads the rows of slice `power-substations` (through a lookup), and a run in shards splits the source of `extra-pumps`"
        ),
        "{said}"
    );
    assert!(!ws.path().join("out/shards/1").exists(), "nothing written");
    let whole = ws.run(&["--no-progress", "run", "--shard", "1/1"]);
    assert!(whole.code == 0 || whole.code == 1, "{}", whole.stderr);
    let nt = ws.text("out/shards/1/rdf/extra-pumps.nt");
    assert!(nt.contains("Pump 1 (fed by "), "{nt}");
}

#[test]
fn a_merge_refuses_shards_of_other_slices_or_a_changed_workspace() {
    let ws = workspace();
    for shard in ["1/2", "2/2"] {
        let run = ws.run(&["--no-progress", "run", "--shard", shard]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    }
    let merge = ws.run(&["--no-progress", "merge"]);
    assert!(merge.code == 0 || merge.code == 1, "{}", merge.stderr);
    // The shards' files have their own manifests: the merged folder verifies.
    let verify = ws.run(&["--no-progress", "verify"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    let verify = ws.run(&["--no-progress", "verify", "out/shards/2"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);

    // A mapping changed after the shards ran.
    let mapping = ws.text("mappings/water-pumps.yaml");
    let ws = ws.with_file(
        "mappings/water-pumps.yaml",
        &format!("{mapping}\n# changed\n"),
    );
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        merge
            .stderr
            .contains("mappings/water-pumps.yaml changed since the shards ran"),
        "{}",
        merge.stderr
    );
    let ws = ws.with_file("mappings/water-pumps.yaml", &mapping);

    // A shard that ran other slices than the rest.
    let run = ws.run(&[
        "--no-progress",
        "run",
        "--shard",
        "1/2",
        "--slice",
        "telecom-exchanges",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        merge.stderr.contains("shard 2 ran the slices"),
        "{}",
        merge.stderr
    );
}

#[test]
fn out_holds_one_run_whole_or_in_shards() {
    let ws = TestWorkspace::example();
    let whole = ws.run(&["--no-progress", "run"]);
    assert!(whole.code == 0 || whole.code == 1, "{}", whole.stderr);
    assert!(ws.path().join("out/entities").is_dir());
    for shard in ["1/2", "2/2"] {
        let run = ws.run(&["--no-progress", "run", "--shard", shard]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    }
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, whole.code, "{}", merge.stderr);
    // The earlier whole run's data is gone from beside the merged reports.
    for folder in ["entities", "rdf", "quarantine", "slices"] {
        assert!(!ws.path().join("out").join(folder).exists(), "{folder}");
    }
    assert!(ws.path().join("out/shards/2/entities").is_dir());
    // A whole run again: the shards are an earlier run's, and go.
    let again = ws.run(&["--no-progress", "run"]);
    assert_eq!(again.code, whole.code, "{}", again.stderr);
    assert!(!ws.path().join("out/shards").exists());
    let merge = ws.run(&["--no-progress", "merge"]);
    assert_eq!(merge.code, 2, "{}", merge.stderr);
    assert!(
        ws.path().join("out/entities").is_dir(),
        "a refused merge removes nothing"
    );
}
