//! `thinslice test`: regression against the committed expectations in `expected/`.

use crate::support::TestWorkspace;

#[test]
fn the_example_matches_its_committed_expectations() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["test"]).expect(0);
    assert!(
        run.stdout
            .contains("ok: 5 slice(s) match their expectations"),
        "{}",
        run.stdout
    );
    assert!(ws.path().join("out/test-junit.xml").is_file());
}

#[test]
fn a_changed_value_map_names_the_things_and_values_until_blessed() {
    let ws = TestWorkspace::example();
    let mapping =
        std::fs::read_to_string(ws.path().join("mappings/water-pumps.yaml")).expect("mapping");
    let changed = mapping.replace("oos: OutOfService", "oos: Decommissioned");
    assert_ne!(mapping, changed);
    let ws = ws.with_file("mappings/water-pumps.yaml", &changed);

    let run = ws.run(&["test"]).expect(1);
    // Every out-of-service pump now says decommissioned, by identifier, old -> new.
    assert!(
        run.stdout.contains(
            "water-pumps: changed https://data.example.org/water/asset/WA-00265: operationalState \"OutOfService\" -> \"Decommissioned\""
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("FAIL: 1 of 5 slice(s) differ"),
        "{}",
        run.stdout
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("water-pumps "))
        .expect("a summary row");
    let counts: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&counts[1..4], ["0", "0", "8"], "{row}");
    assert_eq!(
        counts[4], counts[5],
        "as many triples added as removed: {row}"
    );
    // 8 changed things and 16 changed triples: the first 10 lines, then a pointer to --all.
    assert!(
        run.stdout
            .contains("... and 14 more; `thinslice test --all` prints every one"),
        "{}",
        run.stdout
    );
    let all = ws.run(&["test", "--all"]).expect(1);
    assert_eq!(
        all.stdout
            .lines()
            .filter(|l| l.starts_with("water-pumps: "))
            .count(),
        24
    );

    let json = ws.run(&["test", "--format", "json"]).expect(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["passed"], false);
    let junit = std::fs::read_to_string(ws.path().join("out/test-junit.xml")).expect("junit");
    assert!(junit.contains("failures=\"1\""), "{junit}");

    ws.run(&["test", "--bless"]).expect(0);
    ws.run(&["test"]).expect(0);
}

#[test]
fn a_lower_score_fails_naming_the_dimension_unless_tolerated() {
    let ws = TestWorkspace::example();
    // Pumps must now have a rated power of at least 100 kW: the small ones fail validity.
    let rdl = std::fs::read_to_string(ws.path().join("rdl/region.yaml")).expect("rdl");
    let stricter = rdl.replace(
        "ratedPower:         { label: rated power, datatype: decimal, unit: W, min: 0 }",
        "ratedPower:         { label: rated power, datatype: decimal, unit: W, min: 100000 }",
    );
    assert_ne!(rdl, stricter);
    let ws = ws.with_file("rdl/region.yaml", &stricter);
    let run = ws.run(&["test"]).expect(1);
    let pumps = run
        .stdout
        .lines()
        .find(|l| l.starts_with("water-pumps "))
        .expect("a summary row");
    assert!(pumps.contains("validity 99.5% -> "), "{pumps}");
    assert!(pumps.contains("(below baseline)"), "{pumps}");
    // Tolerating the dip in validity excuses validity only: completeness fell too (the small
    // pumps lost the rated power the RDL requires), and 33 things changed.
    let tolerated = ws.run(&["test", "--tolerance", "validity=1"]).expect(1);
    let pumps = tolerated
        .stdout
        .lines()
        .find(|l| l.starts_with("water-pumps "))
        .expect("a summary row");
    assert!(
        pumps.ends_with("completeness 99.3% -> 76.1% (below baseline); validity 99.5% -> 83.8%"),
        "{pumps}"
    );
    let bad = ws.run(&["test", "--tolerance", "validty=0.1"]).expect(2);
    assert!(
        bad.stderr.contains("unknown dimension `validty`"),
        "{}",
        bad.stderr
    );
}
