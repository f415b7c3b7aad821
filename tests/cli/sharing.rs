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
const CANARIES: &[&str] = &[
    "Quuxcanary",
    "Canaryvox",
    "Canarywick",
    "07700 900",
    "07700%20900",
    "487654",
    "198765",
];

const KEY: &str = "a-test-key-that-is-long-enough-0123456789";

fn with_sites(policy: &str) -> TestWorkspace {
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
    ws.with_file("thinslice.yaml", &config)
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
        let leaked = leaks(&ws, &[&run, &check]);
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
    assert_eq!(managers[0].as_deref().map(str::len), Some(32));
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
