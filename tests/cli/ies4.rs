//! The IES4 pattern: the example written with `rdf: { pattern: ies4 }`, read back by an
//! independent parser (rio) into a graph, and its shapes checked by graph patterns, the way
//! a SPARQL `ASK` would: every identifier in a scheme with an owner, every measure with a
//! value in a unit, every state of a thing typed by its code.

use std::collections::BTreeSet;
use std::io::BufReader;

use rio_api::parser::TriplesParser;
use rio_turtle::{NTriplesParser, TurtleError, TurtleParser};

use crate::support::{EXAMPLE_SLICES, TestWorkspace, strings};

const IES: &str = "http://ies.data.gov.uk/ontology/ies4#";
const RDL: &str = "https://rdl.example.org/region#";
const RDF_TYPE: &str = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
const SUBCLASS: &str = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>";

/// Triples as their terms in N-Triples form.
struct Graph(BTreeSet<(String, String, String)>);

fn ies(local: &str) -> String {
    format!("<{IES}{local}>")
}

fn rdl(local: &str) -> String {
    format!("<{RDL}{local}>")
}

impl Graph {
    fn read(ws: &TestWorkspace, name: &str) -> Self {
        let file = BufReader::new(std::fs::File::open(ws.path().join(name)).expect("open RDF"));
        let mut out = BTreeSet::new();
        let mut collect = |t: rio_api::model::Triple<'_>| -> Result<(), TurtleError> {
            let triple = (
                t.subject.to_string(),
                t.predicate.to_string(),
                t.object.to_string(),
            );
            assert!(out.insert(triple), "triple written twice: {t}");
            Ok(())
        };
        if name.ends_with(".nt") {
            (NTriplesParser::new(file).parse_all(&mut collect)).expect("valid N-Triples");
        } else {
            (TurtleParser::new(file, None).parse_all(&mut collect)).expect("valid Turtle");
        }
        Graph(out)
    }

    fn objects(&self, subject: &str, predicate: &str) -> Vec<&str> {
        (self.0.iter())
            .filter(|(s, p, _)| s == subject && p == predicate)
            .map(|(_, _, o)| o.as_str())
            .collect()
    }

    fn subjects(&self, predicate: &str, object: &str) -> Vec<&str> {
        (self.0.iter())
            .filter(|(_, p, o)| p == predicate && o == object)
            .map(|(s, _, _)| s.as_str())
            .collect()
    }

    /// The one object of `subject`'s `predicate`, failing when there is none or several.
    fn one(&self, subject: &str, predicate: &str) -> &str {
        match self.objects(subject, predicate).as_slice() {
            [one] => one,
            other => panic!("{subject} {predicate}: {other:?}, one expected"),
        }
    }

    fn is_a(&self, node: &str, class: &str) -> bool {
        self.objects(node, RDF_TYPE).contains(&class)
    }
}

/// The example workspace, written in the IES4 pattern; power's states start on the
/// substation's commissioning date.
fn ies4_example() -> TestWorkspace {
    let ws = TestWorkspace::example();
    let config = ws.text("thinslice.yaml").replace(
        "rdf: { pattern: flat }",
        "rdf:\n  pattern: ies4\n  starts: { operationalState: commissioningDate }",
    );
    ws.with_file("thinslice.yaml", &config)
}

#[test]
fn identifiers_names_measures_and_states_are_in_the_ies4_pattern() {
    let ws = ies4_example();
    ws.run(&["run"]).expect(0);
    let pumps = Graph::read(&ws, "out/rdf/water-pumps.nt");
    assert_eq!(
        pumps.0,
        Graph::read(&ws, "out/rdf/water-pumps.ttl").0,
        "N-Triples and Turtle differ"
    );

    // Every identifier is in a naming scheme owned by an organisation.
    let identifiers = pumps.subjects(RDF_TYPE, &ies("Identifier"));
    let entities = ws.parquet("out/entities/water-pumps.parquet");
    let with_identifier = strings(&entities, "assetIdentifier")
        .iter()
        .flatten()
        .count();
    assert_eq!(
        identifiers.len(),
        with_identifier,
        "one per pump with an identifier"
    );
    assert!(with_identifier > 50);
    for id in &identifiers {
        assert!(pumps.one(id, &ies("representationValue")).starts_with('"'));
        let scheme = pumps.one(id, &ies("inScheme"));
        assert!(pumps.is_a(scheme, &ies("NamingScheme")), "{scheme}");
        let owner = pumps.one(scheme, &ies("schemeOwner"));
        assert_eq!(owner, "<https://data.example.org/org/riverbend-water>");
        assert!(pumps.is_a(owner, &ies("Organisation")));
        assert_eq!(pumps.subjects(&ies("isIdentifiedBy"), id).len(), 1);
        assert!(pumps.is_a(id, &rdl("AssetIdentifier")));
    }
    // Every measure has one value, a decimal in a unit of measure.
    let measures = pumps.subjects(RDF_TYPE, &ies("Measure"));
    assert!(!measures.is_empty());
    for measure in &measures {
        assert!(pumps.is_a(measure, &rdl("RatedPower")));
        let value = pumps.one(measure, &ies("hasValue"));
        assert!(pumps.is_a(value, &ies("MeasureValue")));
        let number = pumps.one(value, &ies("representationValue"));
        assert!(number.ends_with("^^<http://www.w3.org/2001/XMLSchema#decimal>"));
        let unit = pumps.one(value, &ies("measureUnit"));
        assert!(pumps.is_a(unit, &ies("UnitOfMeasure")), "{unit}");
    }
    assert_eq!(
        pumps.objects(&rdl("RatedPower"), SUBCLASS),
        [ies("Measure").as_str()]
    );
    // Every state is of a thing, and typed by a code that is a class of that state.
    for state in pumps.subjects(RDF_TYPE, &ies("State")) {
        let thing = pumps.one(state, &ies("isStateOf"));
        assert!(pumps.is_a(thing, &rdl("Pump")), "{thing}");
        let codes: Vec<&str> = (pumps.objects(state, RDF_TYPE).into_iter())
            .filter(|class| pumps.objects(class, SUBCLASS) == [rdl("OperationalState")])
            .collect();
        assert_eq!(codes.len(), 1, "{state}: {codes:?}");
    }

    // One pump, whole: the values the flat pattern writes, in IES4's shapes.
    let pump = "<https://data.example.org/water/asset/WA-00163>";
    assert!(pumps.is_a(pump, &rdl("Pump")));
    let name = pumps.one(pump, &ies("hasName"));
    assert!(pumps.is_a(name, &ies("Name")));
    assert_eq!(
        pumps.one(name, &ies("representationValue")),
        "\"Pump 3 at Kingsmead\""
    );
    let id = pumps.one(pump, &ies("isIdentifiedBy"));
    assert_eq!(pumps.one(id, &ies("representationValue")), "\"WA-00163\"");
    assert_eq!(
        pumps.one(id, &ies("inScheme")),
        "<https://data.example.org/water/asset/>"
    );
    let power = pumps.one(pump, &ies("hasCharacteristic"));
    let value = pumps.one(power, &ies("hasValue"));
    assert_eq!(
        pumps.one(value, &ies("representationValue")),
        "\"207000.0\"^^<http://www.w3.org/2001/XMLSchema#decimal>"
    );
    assert_eq!(pumps.one(value, &ies("measureUnit")), rdl("W"));
    let state = pumps.subjects(&ies("isStateOf"), pump);
    assert_eq!(state.len(), 1);
    assert!(pumps.is_a(state[0], &rdl("InService")));
    // Links as the relationships the RDL declares, plain dates as they are.
    assert_eq!(
        pumps.one(pump, &rdl("fedBy")),
        "<https://data.example.org/power/substation/SS-0005>"
    );
    assert_eq!(
        pumps.objects(
            &rdl("fedBy"),
            "<http://www.w3.org/2000/01/rdf-schema#subPropertyOf>"
        ),
        [ies("relationship").as_str()]
    );
    assert_eq!(
        pumps.one(pump, &rdl("installationDate")),
        "\"2012-12-15\"^^<http://www.w3.org/2001/XMLSchema#date>"
    );
    assert!(pumps.objects(pump, &rdl("ratedPower")).is_empty());
    assert!(pumps.objects(pump, &rdl("assetIdentifier")).is_empty());
}

#[test]
fn a_state_starts_on_the_date_the_workspace_names_in_an_iso8601_period() {
    let ws = ies4_example();
    ws.run(&["run"]).expect(0);
    let substations = Graph::read(&ws, "out/rdf/power-substations.nt");
    let substation = "<https://data.example.org/power/substation/SS-0002>";
    let commissioned = substations.one(substation, &rdl("commissioningDate"));
    assert_eq!(
        commissioned,
        "\"1966-05-12\"^^<http://www.w3.org/2001/XMLSchema#date>"
    );
    let state = substations.subjects(&ies("isStateOf"), substation);
    let bound = substations.subjects(&ies("isStartOf"), state[0]);
    assert_eq!(bound.len(), 1);
    assert!(substations.is_a(bound[0], &ies("BoundingState")));
    let period = substations.one(bound[0], &ies("inPeriod"));
    assert_eq!(period, "<http://iso.org/iso8601#1966-05-12>");
    assert!(substations.is_a(period, &ies("ParticularPeriod")));
    assert_eq!(
        substations.one(period, &ies("iso8601PeriodRepresentation")),
        "\"1966-05-12\""
    );
    // Every state with a start has exactly one; every start is of a state.
    for bound in substations.subjects(RDF_TYPE, &ies("BoundingState")) {
        let state = substations.one(bound, &ies("isStartOf"));
        assert!(substations.is_a(state, &ies("State")));
    }
}

#[test]
fn the_pattern_changes_the_shape_not_the_things_and_reruns_are_byte_identical() {
    let flat = TestWorkspace::example();
    flat.run(&["run"]).expect(0);
    let ws = ies4_example();
    ws.run(&["run"]).expect(0);
    let first: Vec<Vec<u8>> = (EXAMPLE_SLICES.iter())
        .map(|s| std::fs::read(ws.path().join(format!("out/rdf/{s}.nt"))).expect("read"))
        .collect();
    ws.run(&["run"]).expect(0);
    for (slice, bytes) in EXAMPLE_SLICES.iter().zip(&first) {
        let again = std::fs::read(ws.path().join(format!("out/rdf/{slice}.nt"))).expect("read");
        assert!(&again == bytes, "{slice}: a rerun wrote other bytes");

        // The same things of the same classes, with the same links.
        let ies4 = Graph::read(&ws, &format!("out/rdf/{slice}.nt"));
        let flat = Graph::read(&flat, &format!("out/rdf/{slice}.nt"));
        let things = |g: &Graph| -> BTreeSet<(String, String)> {
            (g.0.iter())
                .filter(|(_, p, o)| p == RDF_TYPE && o.starts_with(&format!("<{RDL}")))
                .filter(|(s, _, _)| !s.contains('#'))
                .map(|(s, _, o)| (s.clone(), o.clone()))
                .collect()
        };
        assert_eq!(things(&ies4), things(&flat), "{slice}");
        let links = |g: &Graph| -> BTreeSet<(String, String, String)> {
            (g.0.iter())
                .filter(|(_, p, _)| [rdl("fedBy"), rdl("locatedAt"), rdl("poweredBy")].contains(p))
                .cloned()
                .collect()
        };
        assert_eq!(links(&ies4), links(&flat), "{slice}");
    }
}

#[test]
fn a_start_that_is_no_date_property_is_refused_where_it_is_written() {
    let ws = TestWorkspace::example();
    let config = ws.text("thinslice.yaml").replace(
        "rdf: { pattern: flat }",
        "rdf: { pattern: ies4, starts: { operationalState: ratedPower, ratedPower: installationDate } }",
    );
    let ws = ws.with_file("thinslice.yaml", &config);
    let run = ws.run(&["lint"]).expect(2);
    let line = config
        .lines()
        .position(|l| l.starts_with("rdf:"))
        .expect("rdf line")
        + 1;
    assert!(
        run.stderr
            .contains("`rdf: starts` names `ratedPower` as a start, a decimal property"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`rdf: starts` names `ratedPower`, a decimal property"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("thinslice.yaml:{line}:")),
        "{}",
        run.stderr
    );
    let config = config.replace("pattern: ies4", "pattern: owl");
    let run = ws
        .with_file("thinslice.yaml", &config)
        .run(&["lint"])
        .expect(2);
    assert!(run.stderr.contains("owl"), "{}", run.stderr);
}
