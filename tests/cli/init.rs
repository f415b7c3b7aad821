//! `thinslice init`: a workspace drafted from files, that lints and runs as drafted, and maps
//! the columns a person mapped by hand to the same RDL properties.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::{Run, TestWorkspace, assert_snapshot, copy_tree, repo};

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The columns a mapping reads through a template: `{Site}` in `…/site/{Site}`.
fn template_column(template: &str) -> Option<String> {
    let start = template.rfind('{')?;
    let end = template[start..].find('}')? + start;
    Some(template[start + 1..end].to_string())
}

/// Every (file, sheet, source column, property or link) a workspace's mappings map.
fn mapped_columns(root: &Path) -> BTreeSet<(String, String, String, String)> {
    let config = yaml(&root.join("thinslice.yaml"));
    let mut mapped = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("mappings")).expect("mappings") {
        let mapping = yaml(&entry.expect("entry").path());
        let slice_name = mapping["slice"].as_str().expect("slice").to_string();
        let slice = yaml(&root.join("slices").join(format!("{slice_name}.yaml")));
        let source = &config["sources"][slice["source"].as_str().expect("source")];
        let file = Path::new(source["path"].as_str().expect("path"))
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let sheet = source["sheet"].as_str().unwrap_or("").to_string();
        // A slice may rename its source's columns: `- exchange_id: Exchange ID`.
        let mut renamed = BTreeMap::new();
        for column in slice["columns"].as_array().into_iter().flatten() {
            if let Some(pairs) = column.as_object() {
                for (from, to) in pairs {
                    renamed.insert(to.as_str().unwrap_or("").to_string(), from.clone());
                }
            }
        }
        let source_column = |name: String| renamed.get(&name).cloned().unwrap_or(name);
        let mut add = |column: String, term: &str| {
            mapped.insert((
                file.clone(),
                sheet.clone(),
                source_column(column),
                term.to_string(),
            ));
        };
        for (property, rule) in mapping["properties"].as_object().into_iter().flatten() {
            if let Some(from) = rule["from"].as_str() {
                add(from.to_string(), property);
            }
        }
        for (link, rule) in mapping["links"].as_object().into_iter().flatten() {
            if let Some(column) = rule["id"].as_str().and_then(template_column) {
                add(column, link);
            }
        }
    }
    mapped
}

/// The first slice's row account as `run` prints it: slice, read, in slice, outside, things.
fn first_account(run: &Run) -> Vec<&str> {
    let row = run.stdout.lines().nth(1).unwrap_or_default();
    row.split_whitespace().take(5).collect()
}

/// An empty folder holding a copy of the example's data files.
fn example_files() -> TestWorkspace {
    let ws = TestWorkspace::empty();
    copy_tree(&repo().join("examples"), &ws.path().join("examples"));
    ws
}

const EXAMPLE_FILES: [&str; 3] = [
    "examples/water/asset-register.xlsx",
    "examples/power/substations.csv",
    "examples/telecom/exchanges.parquet",
];

#[test]
fn init_drafts_the_example_files_into_a_workspace_that_lints_runs_and_maps_as_people_do() {
    let ws = example_files();
    let mut args = vec!["init"];
    args.extend(EXAMPLE_FILES);
    let init = ws.run(&args).expect(0);
    assert!(init.stdout.contains("drafted 4 slices"), "{}", init.stdout);
    assert!(
        init.stdout.contains("next: thinslice run"),
        "{}",
        init.stdout
    );
    ws.run(&["lint"]).expect(0);
    let run = ws.run(&["--no-progress", "run"]).expect(0);
    assert!(run.stdout.contains("assets"), "{}", run.stdout);

    let by_hand = mapped_columns(&repo());
    let drafted = mapped_columns(ws.path());
    let missed: Vec<_> = by_hand.difference(&drafted).collect();
    let share = 1.0 - missed.len() as f64 / by_hand.len() as f64;
    assert!(
        share >= 0.8,
        "the draft maps {:.0}% of the {} columns mapped by hand; missed: {missed:#?}",
        share * 100.0,
        by_hand.len()
    );
    // Units, date formats and decimal commas are read from the headers and the values.
    let substations = ws.text("mappings/substations.yaml");
    assert!(
        substations
            .contains(r#"nominalVoltage: { from: "Voltage (kV)", unit: "kV", decimal: "," }"#),
        "{substations}"
    );
    assert!(
        substations.contains(r#"formats: ["%d/%m/%Y"]"#),
        "{substations}"
    );
    let thinslice = ws.text("thinslice.yaml");
    assert!(
        thinslice.contains(r#"substations: { path: "examples/power/substations.csv", delimiter: ";", encoding: windows-1252, header_row: 3 }"#),
        "{thinslice}"
    );
    assert!(
        thinslice.contains(r#"assets: { path: "examples/water/asset-register.xlsx", sheet: "Assets", header_row: 4 }"#),
        "{thinslice}"
    );
}

/// A pump register as exported by hand: title lines above the header, units in the headers,
/// dates written two ways, type and status codes; a sites sheet the pumps point at, an
/// empty sheet and a sheet of headers only.
fn export_workbook(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let pumps = book.add_worksheet();
    pumps.set_name("Pumps").expect("name");
    pumps
        .write(0, 0, "Riverbend Water: pump register")
        .expect("cell");
    pumps
        .write(1, 0, "Exported 01/11/2026 by the asset team")
        .expect("cell");
    let header = [
        "Asset ID",
        "Type",
        "Duty (kW)",
        "Bore [mm]",
        "Installed",
        "Status",
        "Site",
    ];
    for (c, h) in header.iter().enumerate() {
        pumps.write(3, c as u16, *h).expect("cell");
    }
    let types = ["PMP", "PUMP", "VLV", "PMP", "BSTR"];
    let statuses = [
        "In Service",
        "OOS",
        "in service",
        "Decommissioned",
        "Scrapped",
    ];
    for i in 0..40u32 {
        let row = 4 + i;
        pumps
            .write(row, 0, format!("WA-{:04}", i + 1))
            .expect("cell");
        pumps.write(row, 1, types[i as usize % 5]).expect("cell");
        match i % 7 {
            3 => pumps.write(row, 2, format!("{} kW", 10 + i)).expect("cell"),
            _ => pumps.write(row, 2, 10.5 + f64::from(i)).expect("cell"),
        };
        pumps.write(row, 3, 100 + 50 * (i % 4)).expect("cell");
        let installed = match i % 3 {
            0 => format!("{:04}-{:02}-{:02}", 1990 + i, 1 + i % 12, 1 + i % 27),
            _ => format!("{:02}/{:02}/{:04}", 13 + i % 15, 1 + i % 12, 1980 + i),
        };
        pumps.write(row, 4, installed).expect("cell");
        pumps.write(row, 5, statuses[i as usize % 5]).expect("cell");
        pumps
            .write(row, 6, format!("S{:03}", 1 + i % 6))
            .expect("cell");
    }
    let sites = book.add_worksheet();
    sites.set_name("Sites").expect("name");
    for (c, h) in ["Site Code", "Site Name", "Site Type", "Easting", "Northing"]
        .iter()
        .enumerate()
    {
        sites.write(0, c as u16, *h).expect("cell");
    }
    let kinds = ["WTW", "PS", "RES"];
    for i in 0..6u32 {
        sites
            .write(1 + i, 0, format!("S{:03}", i + 1))
            .expect("cell");
        sites
            .write(1 + i, 1, format!("Site {}", i + 1))
            .expect("cell");
        sites.write(1 + i, 2, kinds[i as usize % 3]).expect("cell");
        sites.write(1 + i, 3, 400_000 + 1000 * i).expect("cell");
        sites.write(1 + i, 4, 200_000 + 500 * i).expect("cell");
    }
    book.add_worksheet().set_name("Notes").expect("name");
    let spare = book.add_worksheet();
    spare.set_name("Spare").expect("name");
    for (c, h) in ["Ref", "Comment"].iter().enumerate() {
        spare.write(0, c as u16, *h).expect("cell");
    }
    book.save(path).expect("save");
}

#[test]
fn init_drafts_a_real_looking_export_and_says_why_in_comments() {
    let ws = TestWorkspace::empty();
    export_workbook(&ws.path().join("register.xlsx"));
    let init = ws.run(&["init", "register.xlsx"]).expect(0);
    assert!(
        init.stdout
            .contains("skipped: register.xlsx: sheet Notes is empty"),
        "{}",
        init.stdout
    );
    for file in [
        "thinslice.yaml",
        "slices/pumps.yaml",
        "mappings/pumps.yaml",
        "mappings/sites.yaml",
        "mappings/spare.yaml",
    ] {
        let text = ws.text(file);
        let snapshot = format!("tests/cli/snapshots/init/{}", file.replace('/', "-"));
        assert_snapshot(
            &text,
            snapbox::Data::read_from(&repo().join(snapshot), None),
        );
    }
    // The README shows this draft as it is.
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let pumps =
        std::fs::read_to_string(repo().join("tests/cli/snapshots/init/mappings-pumps.yaml"))
            .expect("snapshot");
    assert!(
        readme.contains(&format!("```yaml\n{pumps}```")),
        "the README's init example differs from tests/cli/snapshots/init/mappings-pumps.yaml"
    );
    ws.run(&["lint"]).expect(0);
    ws.run(&["--no-progress", "run"]).expect(0);
    let json = ws
        .run(&["--format", "json", "init", "register.xlsx", "--force"])
        .expect(0);
    let drafted: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let pumps = &drafted["slices"][0];
    assert_eq!(pumps["slice"], "pumps");
    assert_eq!(pumps["rows_read"], 40);
}

#[test]
fn init_never_overwrites_without_force_and_refuses_what_it_cannot_read() {
    let ws = TestWorkspace::empty().with_file("one.csv", "Name\nAshford\nBrackenmoor\n");
    ws.run(&["init", "one.csv"]).expect(0);
    ws.run(&["lint"]).expect(0);
    ws.run(&["--no-progress", "run"]).expect(0);
    let again = ws.run(&["init", "one.csv"]).expect(2);
    assert!(
        again.stderr.contains("init would overwrite thinslice.yaml"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    ws.run(&["init", "one.csv", "--force"]).expect(0);

    let missing = ws.run(&["init", "nowhere.csv", "--force"]).expect(2);
    assert!(
        missing.stderr.contains("nowhere.csv does not exist"),
        "{}",
        missing.stderr
    );
    let odd = TestWorkspace::empty().with_file("notes.doc", "hello");
    let refused = odd.run(&["init", "notes.doc"]).expect(2);
    assert!(
        refused
            .stderr
            .contains("cannot tell what kind of file notes.doc is"),
        "{}",
        refused.stderr
    );

    let book = TestWorkspace::empty();
    export_workbook(&book.path().join("register.xlsx"));
    let no_sheet = book
        .run(&["init", "register.xlsx", "--sheet", "Pump"])
        .expect(2);
    assert!(
        no_sheet
            .stderr
            .contains("no workbook given has a sheet named `Pump`"),
        "{}",
        no_sheet.stderr
    );
    assert!(no_sheet.stderr.contains("Pumps"), "{}", no_sheet.stderr);
    let empty = book
        .run(&["init", "register.xlsx", "--sheet", "Notes"])
        .expect(2);
    assert!(
        empty.stderr.contains("nothing to draft"),
        "{}",
        empty.stderr
    );
    let one_sheet = book
        .run(&["init", "register.xlsx", "--sheet", "Sites"])
        .expect(0);
    assert!(
        one_sheet.stdout.contains("drafted 1 slices"),
        "{}",
        one_sheet.stdout
    );
}

#[test]
fn completions_and_the_manual_page_come_from_the_commands_themselves() {
    let ws = TestWorkspace::empty();
    let bash = ws.run(&["completions", "bash"]).expect(0);
    assert!(bash.stdout.contains("_thinslice()"), "{}", bash.stdout);
    assert!(bash.stdout.contains("init"), "{}", bash.stdout);
    for shell in ["zsh", "fish", "powershell"] {
        let script = ws.run(&["completions", shell]).expect(0);
        assert!(
            script.stdout.contains("thinslice"),
            "{shell}: {}",
            script.stdout
        );
    }
    let man = ws.run(&["man"]).expect(0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH thinslice"),
        "{}",
        man.stdout
    );
    assert!(man.stdout.contains("init"), "{}", man.stdout);
}

#[test]
fn control_characters_and_line_breaks_in_the_data_cannot_break_the_draft() {
    // A header with a control character over no rows, a header wrapped onto two lines in its
    // cell, a power that is not a number and holds a line break: each is written escaped into
    // the comments, never raw (a raw line break would end the comment and start YAML).
    let ws = TestWorkspace::empty()
        .with_file("tags.csv", "Tag\u{1a}\n")
        .with_file("names.csv", "Name {x},Ref\nAshford,1\nBrackenmoor,2\n")
        .with_file(
            "pumps.csv",
            "\"Rated power\n(kW)\",Tag\n12,P1\n13,P2\n14,P3\n15,P4\n16,P5\n\"n/k\nlater\",P6\n",
        );
    ws.run(&["init", "tags.csv", "pumps.csv", "names.csv"])
        .expect(0);
    ws.run(&["lint"]).expect(0);
    ws.run(&["--no-progress", "run"]).expect(0);
    let mapping = ws.text("mappings/pumps.yaml");
    assert!(
        mapping.contains(r"first `n/k\nlater` at line 8"),
        "{mapping}"
    );
    let tags = ws.text("slices/tags.yaml");
    assert!(!tags.contains('\u{1a}'), "{tags}");
}

/// Units named as written (`kV`, never `V`), units the RDL does not know left alone, a
/// header with repeated names still a header, day-or-month dates said to be in doubt.
#[test]
fn units_headers_and_dates_are_read_as_a_person_wrote_them() {
    let ws = TestWorkspace::empty().with_file(
        "units.csv",
        "Asset ID,Type,Voltage kV,Flow m3/h,Flow (l/s),Installed,Note,Note,Pressure bar\n\
         WA-0001,PMP,11,120.5,3.5,01/02/2003,a,b,4\n\
         WA-0002,PMP,33,80,2.5,03/04/2005,c,d,5\n",
    );
    ws.run(&["init", "units.csv"]).expect(0);
    ws.run(&["--no-progress", "run"]).expect(0);
    let mapping = ws.text("mappings/units.yaml");
    assert!(
        mapping.contains(r#"nominalVoltage: { from: "Voltage kV", unit: "kV" }"#),
        "{mapping}"
    );
    assert!(mapping.contains("#   \"Flow m3/h\": 2 distinct values; its header names `m3/h`, a unit the RDL does not know"), "{mapping}");
    assert!(
        mapping.contains("#   \"Flow (l/s)\": 2 distinct values; its header names `l/s`"),
        "{mapping}"
    );
    assert!(
        mapping.contains(
            "every value read as %d/%m/%Y also reads as %m/%d/%Y: check which the source means"
        ),
        "{mapping}"
    );
    assert!(
        mapping.contains("#   \"Pressure bar\": 2 distinct values; its unit bar measures pressure, which no RDL property measures"),
        "{mapping}"
    );
    let config = ws.text("thinslice.yaml");
    assert!(config.contains("header_row: 1 }"), "{config}");
}

/// A name with accents becomes a slice name lint takes; a Windows-1252 byte far down the
/// file still sets the encoding; codes on a sheet of sites are kinds of site; `--force`
/// never leaves an earlier draft's slices beside the new one; UTF-16 and a file that is no
/// workbook are refused with what to do.
#[test]
fn names_encodings_context_and_leftovers_are_handled() {
    let mut late = String::from("Site ID,Site Name,Type\n");
    for i in 0..4000 {
        late.push_str(&format!("S{i:04},Site number {i},WTW\n"));
    }
    let ws = TestWorkspace::empty()
        .with_file("Sites été.csv", &late)
        .with_file(
            "pumps.csv",
            "Asset ID,Type,Site\nWA-1,PMP,S0001\nWA-2,PMP,S0002\nWA-3,PMP,S0003\n",
        );
    let mut bytes = std::fs::read(ws.path().join("Sites été.csv")).expect("read");
    bytes.extend_from_slice(b"S9999,Caf\xe9 reservoir,SR\n");
    std::fs::write(ws.path().join("Sites été.csv"), bytes).expect("write");
    ws.run(&["init", "Sites été.csv", "pumps.csv"]).expect(0);
    ws.run(&["--no-progress", "run"]).expect(0);
    let config = ws.text("thinslice.yaml");
    assert!(
        config.contains(
            r#"sites-ete: { path: "Sites été.csv", encoding: windows-1252, header_row: 1 }"#
        ),
        "{config}"
    );
    assert!(
        config.contains("not UTF-8 (byte 0xE9 on line 4002)"),
        "{config}"
    );
    let sites = ws.text("mappings/sites-ete.yaml");
    assert!(
        sites.contains("unmapped: Site") && sites.contains(r#"codes left unmatched: "SR""#),
        "{sites}"
    );
    let pumps = ws.text("mappings/pumps.yaml");
    assert!(pumps.contains("locatedAt: { slice: sites-ete"), "{pumps}");

    let again = ws.run(&["init", "pumps.csv", "--force"]).expect(2);
    assert!(
        again.stderr.contains(
            "init would leave slices/sites-ete.yaml, mappings/sites-ete.yaml beside the draft"
        ) || again.stderr.contains("slices/sites-ete.yaml"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("it never deletes one"),
        "{}",
        again.stderr
    );

    let odd = TestWorkspace::empty()
        .with_file("fake.xlsx", "this is no workbook")
        .with_file("unicode.txt", "");
    std::fs::write(
        odd.path().join("unicode.txt"),
        b"\xff\xfeA\x00\t\x00B\x00\n\x00",
    )
    .expect("write");
    let utf16 = odd.run(&["init", "unicode.txt"]).expect(2);
    assert!(
        utf16.stderr.contains("unicode.txt is UTF-16 text") && utf16.stderr.contains("CSV UTF-8"),
        "{}",
        utf16.stderr
    );
    let fake = odd.run(&["init", "fake.xlsx"]).expect(2);
    assert!(
        fake.stderr.contains("cannot draft from fake.xlsx")
            && fake.stderr.contains("is not a workbook"),
        "{}",
        fake.stderr
    );
    let json = odd
        .run(&["--format", "json", "init", "nowhere.csv"])
        .expect(2);
    let error: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        error["error"]["message"], "nowhere.csv does not exist",
        "{}",
        json.stdout
    );
    assert_eq!(error["error"]["file"], "nowhere.csv", "{}", json.stdout);
    assert_eq!(
        error["error"]["code"], "thinslice::init::no_file",
        "{}",
        json.stdout
    );
}

/// What the `init_csv` fuzz target found, kept: each draft must pass lint and run.
#[test]
fn inputs_the_fuzzer_found_draft_workspaces_that_lint() {
    for name in ["long-code.csv", "control-header.csv"] {
        let ws = TestWorkspace::empty();
        std::fs::copy(
            crate::support::fixture(&format!("init-fuzz/{name}")),
            ws.path().join(name),
        )
        .expect("copy");
        let init = ws.run(&["init", name]);
        assert_eq!(init.code, 0, "{name}: {}", init.stderr);
        ws.run(&["lint"]).expect(0);
    }
}

/// A header of two rows, names then units: the units are read from the second, which is
/// left out of the slice (it is no thing), so 3.5 under `kW` is 3,500 W, never 3.5 W.
#[test]
fn a_row_of_units_under_the_header_gives_the_units_and_is_left_out() {
    let ws = TestWorkspace::empty().with_file(
        "pumps.csv",
        "Asset ID,Type,Power,Diameter\n,,kW,mm\nWA-1,PMP,3.5,100\nWA-2,PMP,4,150\n",
    );
    ws.run(&["init", "pumps.csv"]).expect(0);
    let run = ws.run(&["--no-progress", "run"]).expect(0);
    // read 3, in slice 2, outside 1 (the units), things 2.
    assert_eq!(
        first_account(&run),
        ["pumps", "3", "2", "1", "2"],
        "{}",
        run.stdout
    );
    let slice = ws.text("slices/pumps.yaml");
    assert!(
        slice.contains(r#"where: "\"Power\" IS NULL OR \"Power\" <> 'kW'""#),
        "{slice}"
    );
    assert!(slice.contains(r#"key: "Asset ID""#), "{slice}");
    let mapping = ws.text("mappings/pumps.yaml");
    assert!(
        mapping.contains(r#"ratedPower: { from: "Power", unit: "kW" }"#),
        "{mapping}"
    );
    assert!(
        mapping.contains("unit kW from `kW` in the row of units under the header (line 2)"),
        "{mapping}"
    );
    let entities = ws.text("out/entities/pumps.csv");
    assert!(
        entities.contains("3500.0") && entities.contains("4000.0"),
        "{entities}"
    );
}

/// A row of totals under the data is no asset: left out of the slice, said so.
#[test]
fn a_row_of_totals_is_left_out() {
    let ws = TestWorkspace::empty().with_file(
        "pumps.csv",
        "Asset ID,Type,Power (kW)\nWA-1,PMP,3.5\nWA-2,PMP,4\nTotal,,7.5\n",
    );
    ws.run(&["init", "pumps.csv"]).expect(0);
    let slice = ws.text("slices/pumps.yaml");
    assert!(
        slice.contains(r#"where: "\"Asset ID\" IS NULL OR \"Asset ID\" <> 'Total'"   # the row of totals at line 4 is no thing: left out"#),
        "{slice}"
    );
    let run = ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        first_account(&run),
        ["pumps", "3", "2", "1", "2"],
        "{}",
        run.stdout
    );
}

/// `--rdl FILE`: the draft is made against the organisation's own RDL, named in place, not
/// the example RDL copied in.
#[test]
fn init_drafts_against_the_rdl_given() {
    let ws = TestWorkspace::empty()
        .with_file(
            "terms.yaml",
            "namespace: https://rdl.example.org/fire#\n\
             units:\n  l/s: { label: litre per second, quantity: flow }\n  m3/h: { label: cubic metre per hour, quantity: flow, factor: 0.2777777777777778 }\n\
             classes:\n  Hydrant: { label: fire hydrant }\n  PillarHydrant: { label: pillar hydrant, parents: [Hydrant] }\n\
             properties:\n  flowRate: { label: flow rate, datatype: decimal, unit: l/s }\n",
        )
        .with_file(
            "hydrants.csv",
            "Hydrant No,Kind,Flow (m3/h)\nH1,PH,36\nH2,PH,72\n",
        );
    ws.run(&["init", "hydrants.csv", "--rdl", "terms.yaml"])
        .expect(0);
    assert!(
        !ws.path().join("rdl").exists(),
        "the example RDL is not copied in"
    );
    let config = ws.text("thinslice.yaml");
    assert!(config.contains("rdl: \"terms.yaml\""), "{config}");
    let mapping = ws.text("mappings/hydrants.yaml");
    assert!(
        mapping.contains(r#""PH": PillarHydrant   # the initials of `pillar hydrant`"#),
        "{mapping}"
    );
    assert!(
        mapping.contains(r#"flowRate: { from: "Flow (m3/h)", unit: "m3/h" }"#),
        "{mapping}"
    );
    ws.run(&["--no-progress", "run"]).expect(0);
    let entities = ws.text("out/entities/hydrants.csv");
    assert!(
        entities.contains(",10.0,") && entities.contains(",20.0,"),
        "{entities}"
    );
    let missing = ws
        .run(&["init", "hydrants.csv", "--rdl", "nope.ttl", "--force"])
        .expect(2);
    assert!(
        missing.stderr.contains("nope.ttl does not exist") && missing.stderr.contains("RDL file"),
        "{}",
        missing.stderr
    );
}
