//! The example workspace at the repository root, run as a newcomer runs it.

use crate::support::{EXAMPLE_SLICES, TestWorkspace, strings};

#[test]
fn run_slices_every_slice_and_accounts_for_every_row() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["run"]).expect(0);
    let expected = "\
slice              read  in slice  outside  things  quarantined  failed values  triples  entities
power-substations    60        58        2      57            1              0      454  out/entities/power-substations.parquet
telecom-exchanges   120        89       31      89            0              0      710  out/entities/telecom-exchanges.parquet
water-pumps         240        70      170      70            0              0      557  out/entities/water-pumps.parquet
water-sites          30        30        0      30            0              0      150  out/entities/water-sites.parquet
water-valves        240        76      164      76            0              0      526  out/entities/water-valves.parquet

read = in slice + outside; in slice = things + quarantined. A failed value is left out of its thing.
";
    assert_eq!(run.stdout, expected);
    for slice in EXAMPLE_SLICES {
        assert!(
            ws.path()
                .join(format!("out/slices/{slice}.parquet"))
                .is_file(),
            "{slice}"
        );
    }
}

#[test]
fn slice_rows_keep_their_cells_and_lines() {
    let ws = TestWorkspace::example().with_file("slices/water-all.yaml", "source: water\n");
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
        "out/slices/water-pumps.parquet",
        "out/entities/water-pumps.parquet",
        "out/entities/water-pumps.csv",
        "out/entities/power-substations.csv",
        "out/rdf/water-pumps.nt",
        "out/rdf/water-pumps.ttl",
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
    let names: Vec<String> = std::fs::read_dir(ws.path().join("out/slices"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".parquet") && !n.starts_with('.')),
        "{names:?}"
    );
}
