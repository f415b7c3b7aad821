//! `run --shard K/N`: every source read in parts (CSV byte ranges cut at record boundaries,
//! Parquet row ranges, a workbook whole in part 1), each shard's outputs under
//! `out/shards/K/`. The union of the shards' data is a single run's: the same things,
//! triples and quarantined rows, with the same origins and row numbers.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::support::TestWorkspace;

/// The example workspace plus 20,000 pumps in a CSV with quoted line breaks, CRLF and a
/// literal quote, numbered by `{_row}`, so the parts must cut records and count them right.
fn workspace() -> TestWorkspace {
    let mut csv = String::from("ID,Name\r\n");
    for i in 0..20_000 {
        match i % 7 {
            0 => csv.push_str(&format!("P{i:05},\"Pump {i}\nsecond line\"\r\n")),
            3 => csv.push_str(&format!("P{i:05},Pump {i} 5\" pipe\n")),
            5 => csv.push_str(&format!("P{i:05},\"Pump, \"\"{i}\"\"\"\n\n")),
            _ => csv.push_str(&format!("P{i:05},Pump {i}\r\n")),
        }
    }
    let mapping = "slice: extra-pumps\nclass: Pump\nid: \"https://data.example.org/test/pump/{ID}\"\nlabel: \"{Name} (row {_row}, line {_line})\"\n";
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

#[test]
fn one_three_and_four_shards_hold_a_single_runs_data() {
    let single = workspace();
    let run = single.run(&["--no-progress", "run"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let expected = union(&[data(&single.path().join("out"))]);
    assert_eq!(expected["rdf/extra-pumps.nt"].len(), 40_000);
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
