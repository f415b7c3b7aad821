//! A CSV source with `infer_types: false` is read, cut, mapped, checked and written batch by
//! batch. The batch size changes how much memory a run holds, never what it writes: these
//! runs use batches of two rows, so duplicates, links and failures cross batch boundaries.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{TestWorkspace, dump, dump_parquet, repo};

/// Pumps and sites share a source (so pump → site links wait for the whole source); the
/// substations they are fed by come from another (read first). Pump P1 appears twice, in
/// different batches; P2 has a negative power and dangling links; P3's type is unknown; P4
/// has no power.
fn workspace() -> TestWorkspace {
    let rdl = std::fs::read_to_string(repo().join("rdl/region.yaml")).expect("the example RDL");
    let foundation =
        std::fs::read_to_string(repo().join("rdl/foundation.ttl")).expect("the foundation");
    TestWorkspace::new(
        "rdl: [rdl/foundation.ttl, rdl/region.yaml]\nsources:\n  assets: { path: assets.csv, infer_types: false }\n  subs: { path: substations.csv, infer_types: false }\noutput: out\n",
    )
    .with_file("rdl/region.yaml", &rdl)
    .with_file("rdl/foundation.ttl", &foundation)
    .with_file(
        "assets.csv",
        "Asset ID,Type,Power,Site,Feeder\n\
         P1,PUMP,5 kW,W1,S1\n\
         W1,SITE,,,\n\
         P2,PUMP,-3 kW,W9,S9\n\
         P1,PUMP,7 kW,W2,S2\n\
         W2,SITE,,,\n\
         P3,XXX,1 kW,W2,S1\n\
         P4,PUMP,,W2,S2\n",
    )
    .with_file(
        "substations.csv",
        "Substation ID,Voltage\nS1,11 kV\nS2,33 kV\n",
    )
    .with_file(
        "slices/pumps.yaml",
        "source: assets\nwhere: \"Type IN ('PUMP', 'XXX')\"\ncolumns: [Asset ID, Type, Power, Site, Feeder]\n",
    )
    .with_file(
        "slices/sites.yaml",
        "source: assets\nwhere: \"Type = 'SITE'\"\ncolumns: [Asset ID]\n",
    )
    .with_file("slices/substations.yaml", "source: subs\n")
    .with_file(
        "mappings/pumps.yaml",
        r#"slice: pumps
class: { from: Type, values: { PUMP: Pump } }
id: "https://data.example.org/asset/{Asset ID}"
properties:
  ratedPower: { from: Power, unit: kW, unit_in_value: true }
links:
  locatedAt: { slice: sites, id: "https://data.example.org/site/{Site}" }
  fedBy: { slice: substations, id: "https://data.example.org/substation/{Feeder}" }
"#,
    )
    .with_file(
        "mappings/sites.yaml",
        "slice: sites\nclass: Site\nid: \"https://data.example.org/site/{Asset ID}\"\n",
    )
    .with_file(
        "mappings/substations.yaml",
        r#"slice: substations
class: Substation
id: "https://data.example.org/substation/{Substation ID}"
properties:
  nominalVoltage: { from: Voltage, unit: kV, unit_in_value: true }
"#,
    )
}

/// Every file under `dir`, by relative path: Parquet as its schema and every row (its row
/// groups follow the batches), everything else as its bytes.
fn outputs(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("list outputs") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dir)
                .expect("under the output folder")
                .display()
                .to_string();
            let content = if name.ends_with(".parquet") {
                dump_parquet(&path)
            } else {
                std::fs::read_to_string(&path).expect("read output")
            };
            files.insert(name, content);
        }
    }
    files
}

#[test]
fn batches_of_two_rows_write_what_one_batch_writes() {
    let whole = workspace();
    let whole_run = whole.run(&["--no-progress", "run"]).expect(0);
    let batched = workspace();
    let batched_run = batched
        .run(&["--no-progress", "--batch-rows", "2", "run"])
        .expect(0);
    assert_eq!(whole_run.stdout, batched_run.stdout);
    let (one, many) = (
        outputs(&whole.path().join("out")),
        outputs(&batched.path().join("out")),
    );
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        many.keys().collect::<Vec<_>>()
    );
    for (name, content) in &one {
        // The manifest and the provenance carry the run's times and the Parquet files'
        // digests (their row groups follow the batches): the rows are compared above.
        if ["manifest.json", "provenance.ttl"].contains(&name.as_str()) {
            continue;
        }
        assert_eq!(content, &many[name], "{name} depends on the batch size");
    }
    assert!(one.contains_key("rdf/pumps.nt") && one.contains_key("slices/pumps.parquet"));
}

#[test]
fn duplicates_and_links_across_batches_are_found() {
    let ws = workspace();
    ws.run(&["--no-progress", "--batch-rows", "2", "run"])
        .expect(0);
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/pumps.csv")).expect("failures");
    let p1 = "https://data.example.org/asset/P1";
    let p2 = "https://data.example.org/asset/P2";
    let p4 = "https://data.example.org/asset/P4";
    let unmapped = "\"required for Pump, and the mapping does not map it\"";
    assert_eq!(
        failures.lines().collect::<Vec<_>>(),
        [
            "dimension,id,property,value,rule,origin",
            &format!("completeness,{p1},operationalState,,{unmapped},assets.csv:2"),
            &format!("uniqueness,{p1},id,{p1},identifier used by 2 things,assets.csv:2"),
            &format!("completeness,{p2},operationalState,,{unmapped},assets.csv:4"),
            // A value below the minimum is taken out of its thing, which then misses it.
            &format!("completeness,{p2},ratedPower,,required for Pump,assets.csv:4"),
            &format!(
                "integrity,{p2},fedBy,https://data.example.org/substation/S9,no thing with this id in slice `substations`,assets.csv:4"
            ),
            &format!(
                "integrity,{p2},locatedAt,https://data.example.org/site/W9,no thing with this id in slice `sites`,assets.csv:4"
            ),
            &format!("validity,{p2},ratedPower,'-3000.0,below the minimum 0 W,assets.csv:4"),
            &format!("completeness,{p1},operationalState,,{unmapped},assets.csv:5"),
            &format!("uniqueness,{p1},id,{p1},identifier used by 2 things,assets.csv:5"),
            "conformity,,class,XXX,no RDL class for this `Type` code,assets.csv:7",
            &format!("completeness,{p4},operationalState,,{unmapped},assets.csv:8"),
            &format!("completeness,{p4},ratedPower,,required for Pump,assets.csv:8"),
        ]
    );
    let quarantine =
        std::fs::read_to_string(ws.path().join("out/quarantine/pumps.csv")).expect("quarantine");
    assert_eq!(quarantine.lines().count(), 2, "{quarantine}");
    assert!(quarantine.contains("assets.csv:7,no class: `Type` code `XXX` is not mapped"));
}

#[test]
fn slicing_in_batches_accounts_for_every_row() {
    let ws = workspace();
    let run = ws
        .run(&[
            "--no-progress",
            "--format",
            "json",
            "--batch-rows",
            "3",
            "slice",
        ])
        .expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let pumps = &report["slices"][0];
    assert_eq!(pumps["slice"], "pumps");
    assert_eq!(
        (pumps["rows_read"].as_u64(), pumps["rows_in_slice"].as_u64()),
        (Some(7), Some(5))
    );
    let rows = ws.parquet("out/slices/pumps.parquet");
    let origins = crate::support::strings(&rows, "_origin");
    let lines = ["2", "4", "5", "7", "8"].map(|l| Some(format!("assets.csv:{l}")));
    assert_eq!(origins, lines);
}

/// With type inference (the default), a column's type depends on every row: `Count` is whole
/// numbers in the first batch and text in the last, so it is text in every batch.
#[test]
fn inferred_types_do_not_depend_on_the_batch_size() {
    let ws = TestWorkspace::new("sources:\n  things: { path: things.csv }\noutput: out\n")
        .with_file(
            "things.csv",
            "Name,Count,Weight\nA,1,2\nB,2,2.5\nC,3,3\nD,many,4\nE,5,5\n",
        )
        .with_file("slices/all.yaml", "source: things\n");
    ws.run(&["--no-progress", "slice"]).expect(0);
    let whole = ws.parquet("out/slices/all.parquet");
    ws.run(&["--no-progress", "--batch-rows", "2", "slice"])
        .expect(0);
    let batched = ws.parquet("out/slices/all.parquet");
    assert_eq!(dump(&whole), dump(&batched));
    assert_eq!(
        crate::support::dtype(&batched, "Count"),
        polars::prelude::DataType::String
    );
    assert_eq!(
        crate::support::dtype(&batched, "Weight"),
        polars::prelude::DataType::Float64
    );
}

/// The example's sources in batches of two rows: the CSV (with type inference) and the Parquet
/// file are read in batches, the workbook whole; every slice comes out the same.
#[test]
fn the_example_sliced_in_batches_is_the_example() {
    let ws = TestWorkspace::example_with_internal_rows();
    ws.run(&["--no-progress", "slice"]).expect(0);
    let whole = outputs(&ws.path().join("out"));
    ws.run(&["--no-progress", "--batch-rows", "2", "slice"])
        .expect(0);
    let batched = outputs(&ws.path().join("out"));
    assert_eq!(whole, batched);
    let exchanges = ws.parquet("out/slices/telecom-exchanges.parquet");
    let origins = crate::support::strings(&exchanges, "_origin");
    assert!(origins.len() > 2, "more than one batch: {origins:?}");
    assert!(
        origins
            .iter()
            .flatten()
            .all(|o| o.starts_with("examples/telecom/exchanges.parquet:")),
        "{origins:?}"
    );
}

/// Streaming writes as it reads, but puts nothing in place until every source is read: a run
/// that fails on the last line of one source leaves the previous run's outputs as they were.
#[test]
fn a_run_that_fails_midway_changes_no_output() {
    let ws = workspace();
    ws.run(&["--no-progress", "--batch-rows", "2", "run"])
        .expect(0);
    let before = outputs(&ws.path().join("out"));
    // New values for the substations (read first: the pumps link to them), and a broken
    // last line in the pumps' source, read after.
    std::fs::write(
        ws.path().join("substations.csv"),
        "Substation ID,Voltage\nS1,12 kV\nS2,33 kV\n",
    )
    .expect("edit");
    let assets = std::fs::read_to_string(ws.path().join("assets.csv")).expect("assets");
    std::fs::write(
        ws.path().join("assets.csv"),
        format!("{assets}P5,PUMP,1 kW,W1,S1,extra\n"),
    )
    .expect("break");
    let run = ws
        .run(&["--no-progress", "--batch-rows", "2", "run"])
        .expect(2);
    assert!(run.stderr.contains("assets.csv"), "{}", run.stderr);
    assert_eq!(before, outputs(&ws.path().join("out")));
}
