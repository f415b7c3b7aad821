//! Sharing safely: canary values planted in every column that feeds a sensitive property
//! must not be found, in clear, in any byte under the output folder nor on the terminal,
//! whatever the policy; pseudonymised keys still join.

use crate::support::{Run, TestWorkspace};

/// The example's sites, as CSV, with canaries in the sensitive columns: a site manager's
/// name and phone (personal), the coordinates (security). One row has no code (quarantined
/// with its canaries), one an easting that is no number (a failure on a sensitive value).
const SITES: &str = "\
Site Code,Site Name,Site Type,Easting,Northing,Asset Count,Site Manager,Manager Phone
S001,Riverside Pumping Station,PS,487654.321,198765.432,7,Zebedee Quuxcanary,07700 900123
S002,Millbrook Pumping Station,PS,401000,201000,5,Zebedee Quuxcanary,07700 900124
S003,Hollowell Reservoir,RES,487654.999,198765.111,4,Yolanda Canaryvox,07700 900125
,Nameless Borehole,BH,487654.777,198765.777,1,Yolanda Canaryvox,07700 900126
S005,Fenwick Borehole,BH,canary-487654,198765.5,2,Xavier Canarywick,07700 900127
";

/// Texts that must not appear in clear.
pub const CANARIES: &[&str] = &[
    "Quuxcanary",
    "Canaryvox",
    "Canarywick",
    "07700 900",
    "07700%20900",
    "487654",
    "198765",
];

const KEY: &str = "a-test-key-that-is-long-enough-0123456789";

pub fn with_sites(policy: &str) -> TestWorkspace {
    let ws = TestWorkspace::example().with_file("examples/water/sites.csv", SITES);
    let config = ws.text("thinslice.yaml").replace(
        "sites:   { path: examples/water/asset-register.xlsx, sheet: Sites, header_row: 3,",
        "sites:   { path: examples/water/sites.csv,",
    );
    let start = config.find("share:").expect("share block");
    let end = config[start..]
        .find("\n\n")
        .map_or(config.len(), |e| start + e);
    let config = format!("{}{policy}{}", &config[..start], &config[end..]);
    // Another slice of the same sheet reads the site manager's name as a site's `name`,
    // which the RDL does not call sensitive: the column is withheld there too.
    ws.with_file("thinslice.yaml", &config)
        .with_file("slices/site-contacts.yaml", "source: sites\nkey: Site Code\n")
        .with_file(
            "mappings/site-contacts.yaml",
            "slice: site-contacts\nclass: Site\nid: \"https://data.example.org/water/contact/{Site Code}\"\nproperties:\n  name: { from: Site Manager }\n",
        )
}

/// Every canary found in clear: in files under `out/` (by path) or in the run's output.
fn leaks(ws: &TestWorkspace, runs: &[&Run]) -> Vec<String> {
    let mut found = Vec::new();
    for path in crate::support::files_under(&ws.path().join("out")) {
        let bytes = std::fs::read(&path).expect("read output");
        for canary in CANARIES {
            if bytes.windows(canary.len()).any(|w| w == canary.as_bytes()) {
                found.push(format!("{canary} in {}", path.display()));
            }
        }
    }
    for run in runs {
        for canary in CANARIES {
            if run.stdout.contains(canary) || run.stderr.contains(canary) {
                found.push(format!("{canary} on the terminal"));
            }
        }
    }
    found
}

#[test]
fn no_canary_leaves_in_clear_whatever_the_policy() {
    let policies = [
        "share:\n  personal: drop\n  security: drop\n",
        "share:\n  personal: pseudonymise\n  security: pseudonymise\n  key: { env: THINSLICE_TEST_KEY }\n",
        "share:\n  personal: drop\n  security: generalise\n  generalise: { easting: { step: 1000 }, northing: { step: 1000 } }\n",
    ];
    for policy in policies {
        let ws = with_sites(policy);
        let run = ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
        assert!(run.code == 0 || run.code == 1, "{policy}: {}", run.stderr);
        let check = ws.run_with(&["check"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
        let test = ws.run_with(&["test", "--all"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
        let leaked = leaks(&ws, &[&run, &check, &test]);
        assert!(leaked.is_empty(), "{policy}\n{}", leaked.join("\n"));

        // The failure on a sensitive value is still located.
        let failures = ws.text("out/failures/water-sites.csv");
        assert!(failures.contains("easting"), "{failures}");
        assert!(
            failures.contains("(withheld)") || failures.contains("examples/water/sites.csv:6"),
            "{failures}"
        );
        assert!(
            failures.contains("examples/water/sites.csv:6"),
            "{failures}"
        );
        // The quarantined row is there, its sensitive cells withheld.
        let quarantine = ws.text("out/quarantine/water-sites.csv");
        assert!(quarantine.contains("Nameless Borehole"), "{quarantine}");
        // The other slice reading the manager's name ran, and withheld it.
        let contacts = ws.parquet("out/entities/site-contacts.parquet");
        assert_eq!(contacts.height(), 4, "{policy}");
        // Rows as read are internal: not written.
        assert!(!ws.path().join("out/slices/water-sites.parquet").exists());
    }
}

#[test]
fn the_canaries_are_found_when_nothing_is_marked_sensitive() {
    // The control: the same data with no `sensitive:` in the RDL leaks every canary, so the
    // search above can see them.
    let ws = with_sites("share:\n  personal: drop\n");
    let rdl = ws
        .text("rdl/region.yaml")
        .replace(", sensitive: security", "")
        .replace(", sensitive: personal", "");
    let ws = ws.with_file("rdl/region.yaml", &rdl);
    let run = ws.run(&["run"]);
    let leaked = leaks(&ws, &[&run]);
    for canary in ["Quuxcanary", "07700 900", "487654", "198765"] {
        assert!(
            leaked.iter().any(|l| l.starts_with(canary)),
            "{canary} not found: {leaked:?}"
        );
    }
}

#[test]
fn generalised_coordinates_keep_their_kilometre_and_pseudonyms_their_person() {
    let ws = with_sites(
        "share:\n  personal: pseudonymise\n  security: generalise\n  key: { env: THINSLICE_TEST_KEY }\n  generalise: { easting: { step: 1000 }, northing: { step: 1000 } }\n",
    );
    let run = ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
    assert!(run.code <= 1, "{}", run.stderr);
    let things = ws.parquet("out/entities/water-sites.parquet");
    let easting = things
        .column("easting")
        .expect("easting")
        .f64()
        .expect("f64")
        .get(0);
    assert_eq!(easting, Some(488000.0));
    let managers = crate::support::strings(&things, "siteManager");
    // The same person (S001 and S002) is the same token; another is another.
    assert_eq!(managers[0], managers[1]);
    assert_ne!(managers[0], managers[2]);
    assert_eq!(managers[0].as_deref().map(str::len), Some(16));
    // Another run, the same key: the same tokens.
    ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
    let again = ws.parquet("out/entities/water-sites.parquet");
    assert_eq!(crate::support::strings(&again, "siteManager"), managers);

    // Without the key, nothing is read: exit 2, said before the data.
    let run = ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", None)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no key in the environment variable"),
        "{}",
        run.stderr
    );
}

/// People keyed by their e-mail (personal), and visits that link to them by it.
const PEOPLE: &str = "Email,Name\nzebedee.quuxcanary@example.org,Zebedee Quuxcanary\nyolanda.canaryvox@example.org,Yolanda Canaryvox\n";
const VISITS: &str = "Visit,Person\nV1,zebedee.quuxcanary@example.org\nV2,yolanda.canaryvox@example.org\nV3,zebedee.quuxcanary@example.org\n";
const RDL: &str = "namespace: https://rdl.example.org/people#\nclasses:\n  Person: {}\n  Visit: {}\nproperties:\n  email: { datatype: string, sensitive: personal }\n  fullName: { datatype: string, sensitive: true }\n  visitor: { datatype: link, range: Person }\n";

#[test]
fn pseudonymised_keys_still_join_two_slices() {
    let config = "rdl: [rdl.yaml]\nsources:\n  people: { path: people.csv }\n  visits: { path: visits.csv }\nshare:\n  personal: pseudonymise\n  key: { env: THINSLICE_TEST_KEY }\n";
    let ws = TestWorkspace::new(config)
        .with_file("rdl.yaml", RDL)
        .with_file("people.csv", PEOPLE)
        .with_file("visits.csv", VISITS)
        .with_file("slices/people.yaml", "source: people\nkey: Email\n")
        .with_file("slices/visits.yaml", "source: visits\nkey: Visit\n")
        .with_file(
            "mappings/people.yaml",
            "slice: people\nclass: Person\nid: \"https://data.example.org/person/{Email}\"\nlabel: \"{Name}\"\nproperties:\n  email: { from: Email }\n  fullName: { from: Name }\n",
        )
        .with_file(
            "mappings/visits.yaml",
            "slice: visits\nclass: Visit\nid: \"https://data.example.org/visit/{Visit}\"\nlinks:\n  visitor: { slice: people, id: \"https://data.example.org/person/{Person}\" }\n",
        );
    let run = ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", Some(KEY))]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let leaked: Vec<String> = leaks(&ws, &[&run])
        .into_iter()
        .filter(|l| !l.contains("07700"))
        .collect();
    assert!(leaked.is_empty(), "{}", leaked.join("\n"));
    let people = ws.text("out/rdf/people.nt");
    let visits = ws.text("out/rdf/visits.nt");
    let subjects: std::collections::BTreeSet<&str> =
        people.lines().filter_map(|l| l.split(' ').next()).collect();
    let links: Vec<&str> = visits
        .lines()
        .filter(|l| l.contains("people#visitor"))
        .filter_map(|l| l.split(' ').nth(2))
        .collect();
    assert_eq!(links.len(), 3);
    for link in &links {
        assert!(
            subjects.contains(link),
            "{link} joins no person: {subjects:?}"
        );
        assert!(
            link.starts_with("<https://data.example.org/person/"),
            "{link}"
        );
    }
    assert_eq!(links[0], links[2], "one person, one token");
    // Integrity is scored on the things as read: every visit's link resolves.
    let report = ws.text("out/report.json");
    assert!(!report.contains("no thing with this id"), "{report}");
}

/// Changes one byte of a file.
fn alter(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn verify_names_an_altered_byte_a_missing_file_and_an_extra_one() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let run = ws.run(&["verify"]).expect(0);
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);
    // The exports join the folder, and it still verifies.
    ws.run(&["export"]).expect(0);
    ws.run(&["verify", "out"]).expect(0);

    alter(&ws.path().join("out/entities/water-pumps.parquet"));
    let run = ws.run(&["verify"]).expect(1);
    assert_eq!(
        run.stdout.lines().filter(|l| l.starts_with("  ")).count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("altered  entities/water-pumps.parquet"),
        "{}",
        run.stdout
    );
    alter(&ws.path().join("out/entities/water-pumps.parquet"));
    ws.run(&["verify"]).expect(0);

    std::fs::remove_file(ws.path().join("out/rdf/water-sites.nt")).expect("remove");
    let run = ws.run(&["--format", "json", "verify"]).expect(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["differences"][0]["path"], "rdf/water-sites.nt");
    assert_eq!(json["differences"][0]["difference"], "missing");

    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    std::fs::write(ws.path().join("out/rdf/extra.nt"), "").expect("write");
    let run = ws.run(&["verify"]).expect(1);
    assert!(
        run.stdout.contains("extra    rdf/extra.nt"),
        "{}",
        run.stdout
    );

    let empty = TestWorkspace::empty();
    let run = empty.run(&["verify", "."]).expect(2);
    assert!(
        run.stderr.contains("no manifest to verify"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_manifest_and_provenance_say_what_was_written_from_what() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let manifest: serde_json::Value =
        serde_json::from_str(&ws.text("out/manifest.json")).expect("manifest JSON");
    assert_eq!(manifest["thinslice"], env!("CARGO_PKG_VERSION"));
    assert!(
        manifest["started"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let outputs = manifest["outputs"].as_array().expect("outputs");
    let entry = |path: &str| outputs.iter().find(|o| o["path"] == path).cloned();
    let pumps = entry("entities/water-pumps.parquet").expect("listed");
    let bytes = std::fs::read(ws.path().join("out/entities/water-pumps.parquet")).expect("read");
    assert_eq!(pumps["bytes"], bytes.len());
    use sha2::Digest;
    assert_eq!(pumps["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    for listed in [
        "report.json",
        "report.html",
        "junit.xml",
        "provenance.ttl",
        "rdf/water-pumps.nt",
    ] {
        assert!(entry(listed).is_some(), "{listed}");
    }
    let inputs: Vec<&str> = (manifest["inputs"].as_array().expect("inputs").iter())
        .filter_map(|i| i["path"].as_str())
        .collect();
    for input in [
        "thinslice.yaml",
        "examples/power/substations.csv",
        "rdl/region.yaml",
        "mappings/water-pumps.yaml",
        "slices/water-pumps.yaml",
    ] {
        assert!(inputs.contains(&input), "{input}: {inputs:?}");
    }
    let pumps = (manifest["slices"].as_array().expect("slices").iter())
        .find(|s| s["slice"] == "water-pumps")
        .cloned()
        .expect("water-pumps");
    assert_eq!(
        (pumps["read"].as_u64(), pumps["things"].as_u64()),
        (Some(240), Some(71))
    );

    // PROV-O, read by an independent parser: the run used the inputs and generated each output.
    let mut triples = Vec::new();
    let file = std::io::BufReader::new(
        std::fs::File::open(ws.path().join("out/provenance.ttl")).expect("open"),
    );
    rio_api::parser::TriplesParser::parse_all(
        &mut rio_turtle::TurtleParser::new(file, None),
        &mut |t: rio_api::model::Triple<'_>| -> Result<(), rio_turtle::TurtleError> {
            triples.push(t.to_string());
            Ok(())
        },
    )
    .expect("valid Turtle");
    let run = format!(
        "<urn:thinslice:run:{}>",
        manifest["id"].as_str().expect("id")
    );
    assert!(triples.contains(&format!("{run} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Activity>")));
    let generated = triples
        .iter()
        .filter(|t| t.ends_with(&format!("<http://www.w3.org/ns/prov#wasGeneratedBy> {run}")))
        .count();
    assert_eq!(
        generated,
        outputs.len() - 1,
        "every output but the provenance file itself"
    );
    let used = triples
        .iter()
        .filter(|t| t.starts_with(&format!("{run} <http://www.w3.org/ns/prov#used>")))
        .count();
    assert_eq!(used, inputs.len());
}

#[test]
fn a_marking_travels_with_every_file() {
    let ws = TestWorkspace::example();
    let config = ws.text("thinslice.yaml").replace(
        "share:\n",
        "marking:\n  classification: OFFICIAL-SENSITIVE\n  licence: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/\n  restrictions: Shared with the region's utilities only\n\nshare:\n",
    );
    let ws = ws.with_file("thinslice.yaml", &config).with_file(
        "slices/water-sites.yaml",
        &format!(
            "{}marking: {{ classification: OFFICIAL-SENSITIVE-COMMERCIAL }}\n",
            TestWorkspace::example().text("slices/water-sites.yaml")
        ),
    );
    ws.run(&["run"]).expect(0);
    let manifest: serde_json::Value =
        serde_json::from_str(&ws.text("out/manifest.json")).expect("JSON");
    assert_eq!(manifest["marking"]["classification"], "OFFICIAL-SENSITIVE");
    let sites = (manifest["slices"].as_array().expect("slices").iter())
        .find(|s| s["slice"] == "water-sites")
        .cloned()
        .expect("sites");
    assert_eq!(
        sites["marking"]["classification"],
        "OFFICIAL-SENSITIVE-COMMERCIAL"
    );
    assert_eq!(
        sites["marking"]["restrictions"],
        "Shared with the region's utilities only"
    );
    // The RDF: on each slice's dataset.
    let nt = ws.text("out/rdf/water-pumps.nt");
    assert!(nt.contains("<urn:thinslice:dataset:water-pumps> <http://purl.org/dc/terms/license> <https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/> ."), "{nt}");
    assert!(nt.contains("<urn:thinslice:dataset:water-pumps> <http://purl.org/dc/terms/accessRights> \"OFFICIAL-SENSITIVE\" ."));
    assert!(
        ws.text("out/rdf/water-sites.nt")
            .contains("\"OFFICIAL-SENSITIVE-COMMERCIAL\"")
    );
    let provenance = ws.text("out/provenance.ttl");
    assert!(provenance.contains("dcterms:accessRights \"OFFICIAL-SENSITIVE\""));
    assert!(
        provenance.contains("<urn:thinslice:dataset:water-sites> a prov:Entity"),
        "{provenance}"
    );
    assert!(provenance.contains("\"OFFICIAL-SENSITIVE-COMMERCIAL\""));
    let report = ws.text("out/report.html");
    let own = "<p class=\"marking\">water-sites: <strong>OFFICIAL-SENSITIVE-COMMERCIAL</strong>";
    assert!(
        report.contains(own),
        "the slice's own marking in the report's header"
    );
    let json = ws.text("out/report.json");
    assert!(json.contains("\"classification\": \"OFFICIAL-SENSITIVE-COMMERCIAL\""));
    // The report's header, and each CSV's companion metadata.
    assert!(
        ws.text("out/report.html")
            .contains("<p id=\"marking\" class=\"marking\"><strong>OFFICIAL-SENSITIVE</strong>")
    );
    assert!(
        ws.text("out/report.json")
            .contains("\"classification\": \"OFFICIAL-SENSITIVE\"")
    );
    for csv in [
        "entities/water-pumps.csv",
        "failures/water-pumps.csv",
        "entities/water-sites.csv",
    ] {
        let metadata: serde_json::Value =
            serde_json::from_str(&ws.text(&format!("out/{csv}-metadata.json"))).expect("CSVW");
        assert_eq!(metadata["@context"], "http://www.w3.org/ns/csvw");
        assert!(
            metadata["dc:accessRights"]
                .as_str()
                .is_some_and(|c| c.starts_with("OFFICIAL-SENSITIVE")),
            "{csv}"
        );
    }
    ws.run(&["verify"]).expect(0);
}

#[test]
fn what_a_run_did_not_write_is_not_certified_and_rows_as_read_stay_internal() {
    let ws = TestWorkspace::example();
    // Left from elsewhere before the run: not this run's, so not in its manifest.
    std::fs::create_dir_all(ws.path().join("out/debug")).expect("folder");
    std::fs::write(
        ws.path().join("out/debug/sites.csv"),
        "Alex Morgan,01632 960100\n",
    )
    .expect("write");
    std::thread::sleep(std::time::Duration::from_millis(20));
    ws.run(&["run"]).expect(0);
    let manifest = ws.text("out/manifest.json");
    assert!(!manifest.contains("debug/sites.csv"), "{manifest}");
    let run = ws.run(&["verify"]).expect(1);
    assert!(
        run.stdout.contains("extra    debug/sites.csv"),
        "{}",
        run.stdout
    );
    std::fs::remove_file(ws.path().join("out/debug/sites.csv")).expect("remove");
    // A hidden file is named too; `test`'s own results are part of its folder.
    std::fs::write(ws.path().join("out/.leak"), "x").expect("write");
    let run = ws.run(&["verify"]).expect(1);
    assert!(run.stdout.contains("extra    .leak"), "{}", run.stdout);
    std::fs::remove_file(ws.path().join("out/.leak")).expect("remove");
    ws.run(&["test"]).expect(0);
    ws.run(&["verify"]).expect(0);

    // `slice` writes rows as read only when the policy says so.
    let run = ws.run(&["slice"]).expect(2);
    assert!(
        run.stderr
            .contains("the rows as read hold values the share policy withholds"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`Site Manager`"), "{}", run.stderr);
}

#[test]
fn a_second_source_on_the_same_sheet_and_a_mapping_cannot_unmark_sensitive_data() {
    let ws = with_sites("share:\n  personal: drop\n  security: drop\n");
    let config = ws.text("thinslice.yaml").replace(
        "sources:\n",
        "sources:\n  again: { path: examples/water/sites.csv }\n",
    );
    let ws = ws
        .with_file("thinslice.yaml", &config)
        .with_file("slices/again.yaml", "source: again\nkey: Site Code\n")
        .with_file(
            "mappings/again.yaml",
            "slice: again\nclass: Site\nid: \"https://data.example.org/water/again/{Site Code}\"\nproperties:\n  name: { from: Site Manager }\n",
        );
    let run = ws.run(&["run"]);
    let leaked = leaks(&ws, &[&run]);
    assert!(leaked.is_empty(), "{}", leaked.join("\n"));

    let mapping = ws.text("mappings/water-sites.yaml").replace(
        "siteManagerPhone: { from: Manager Phone }",
        "siteManagerPhone: { from: Manager Phone, sensitive: false }",
    );
    let ws = ws.with_file("mappings/water-sites.yaml", &mapping);
    let run = ws.run(&["lint"]).expect(2);
    assert!(
        run.stderr.contains("and the mapping says"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pseudonymising_policy_without_its_key_reads_nothing_and_bad_settings_are_named() {
    // The source is not there: the missing key is said first, before anything is read.
    let ws = with_sites("share:\n  personal: pseudonymise\n  key: { env: THINSLICE_TEST_KEY }\n");
    std::fs::remove_file(ws.path().join("examples/water/sites.csv")).expect("remove");
    let run = ws.run_with(&["run"], &[("THINSLICE_TEST_KEY", None)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no key in the environment variable"),
        "{}",
        run.stderr
    );

    let ws = with_sites(
        "share:\n  personal: drop\n  security: generalise\n  generalise: { eastng: { step: 1000 }, northing: { step: 1000 } }\n",
    );
    let run = ws.run(&["lint"]).expect(2);
    assert!(
        run.stderr.contains("did you mean `easting`?"),
        "{}",
        run.stderr
    );
    let ws = with_sites("marking: { licence: not a licence }\nshare:\n  personal: drop\n");
    let run = ws.run(&["lint"]).expect(2);
    assert!(
        run.stderr
            .contains("the marking's licence `not a licence` is not an IRI"),
        "{}",
        run.stderr
    );
}

#[test]
fn rdl_show_says_what_is_sensitive() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["rdl", "show", "siteManager"]).expect(0);
    assert!(
        run.stdout.contains("  sensitive: personal\n"),
        "{}",
        run.stdout
    );
    let run = ws.run(&["rdl", "show", "easting"]).expect(0);
    assert!(
        run.stdout.contains("  sensitive: security\n"),
        "{}",
        run.stdout
    );
    let run = ws.run(&["rdl", "show", "name"]).expect(0);
    assert!(!run.stdout.contains("sensitive"), "{}", run.stdout);
}
