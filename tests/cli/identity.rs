//! One identifier names one thing across the whole run, not only within a slice: a thing
//! whose IRI another slice gives to a thing of its own fails uniqueness in both slices,
//! unless a mapping says the two slices describe the same things (issue 11, item 9).

use crate::support::TestWorkspace;

const RDL: &str = "namespace: https://rdl.test/r#
classes:
  Pump: {}
  Valve: {}
properties:
  name: { datatype: string }
";

/// Pumps and other assets cut from one file, valves from another, and the pumps' names as
/// a slice of their own that describes the same pumps.
fn workspace() -> TestWorkspace {
    let mapping = |slice: &str, class: &str, extra: &str| {
        format!(
            "slice: {slice}\nclass: {class}\nid: \"https://data.test/asset/{{ID}}\"\nproperties:\n  name: {{ from: Name }}\n{extra}"
        )
    };
    TestWorkspace::new(
        "rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\n  valves: { path: valves.csv }\noutput: out\n",
    )
    .with_file("rdl.yaml", RDL)
    .with_file("assets.csv", "ID,Kind,Name\n1,P,one\n2,P,two\n1,X,other one\n6,X,six\n")
    .with_file("valves.csv", "ID,Name\n2,valve two\n5,valve five\n")
    .with_file("slices/pumps.yaml", "source: assets\nwhere: \"Kind = 'P'\"\n")
    .with_file("slices/pump-names.yaml", "source: assets\nwhere: \"Kind = 'P'\"\n")
    .with_file("slices/misc.yaml", "source: assets\nwhere: \"Kind = 'X'\"\n")
    .with_file("slices/valves.yaml", "source: valves\n")
    .with_file("mappings/pumps.yaml", &mapping("pumps", "Pump", ""))
    .with_file(
        "mappings/pump-names.yaml",
        &mapping("pump-names", "Pump", "same_things_as: [pumps]\n"),
    )
    .with_file("mappings/misc.yaml", &mapping("misc", "Pump", ""))
    .with_file("mappings/valves.yaml", &mapping("valves", "Valve", ""))
}

fn uniqueness_failures(ws: &TestWorkspace, slice: &str) -> Vec<String> {
    let path = ws.path().join(format!("out/failures/{slice}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("uniqueness,"))
        .map(|l| l.replace("https://data.test/asset/", ""))
        .collect()
}

#[test]
fn an_identifier_given_by_two_slices_fails_in_both_unless_they_describe_the_same_things() {
    let mut failures_by_batch = Vec::new();
    for batch_rows in ["1", "1000"] {
        let ws = workspace();
        let run = ws
            .run(&["--no-progress", "--batch-rows", batch_rows, "run"])
            .expect(0);
        let failures: Vec<Vec<String>> = ["misc", "pump-names", "pumps", "valves"]
            .iter()
            .map(|slice| uniqueness_failures(&ws, slice))
            .collect();
        assert_eq!(
            failures,
            [
                vec![
                    "uniqueness,1,id,1,\"identifier used by 3 things, also in slices `pump-names`, `pumps`\",assets.csv:4"
                ],
                vec![
                    "uniqueness,1,id,1,\"identifier used by 2 things, also in slice `misc`\",assets.csv:2",
                    "uniqueness,2,id,2,\"identifier used by 2 things, also in slice `valves`\",assets.csv:3",
                ],
                vec![
                    "uniqueness,1,id,1,\"identifier used by 2 things, also in slice `misc`\",assets.csv:2",
                    "uniqueness,2,id,2,\"identifier used by 2 things, also in slice `valves`\",assets.csv:3",
                ],
                vec![
                    "uniqueness,2,id,2,\"identifier used by 3 things, also in slices `pump-names`, `pumps`\",valves.csv:2"
                ],
            ],
            "--batch-rows {batch_rows}\n{}",
            run.stdout
        );
        let report = std::fs::read_to_string(ws.path().join("out/report.json")).expect("report");
        failures_by_batch.push((failures, report));
    }
    assert!(failures_by_batch[0] == failures_by_batch[1]);
}

#[test]
fn slices_said_to_describe_the_same_things_must_exist() {
    let ws = workspace().with_file(
        "mappings/pump-names.yaml",
        "slice: pump-names\nclass: Pump\nid: \"https://data.test/asset/{ID}\"\nsame_things_as: [pumsp]\n",
    );
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    assert!(run.stderr.contains("pumsp"), "{}", run.stderr);
    assert!(run.stderr.contains("pump-names.yaml:4"), "{}", run.stderr);
    assert!(run.stderr.contains("pumps"), "a suggestion: {}", run.stderr);
}
