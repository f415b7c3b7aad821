//! Layered RDLs read from the published shapes of ontologies, code lists, units and shapes
//! (tests/fixtures/rdl), with the organisation's own YAML terms on top.

use std::path::Path;

use super::*;
use crate::diag::Problems;

fn layer(name: &str) -> LayerFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rdl")
        .join(name);
    LayerFile {
        format: RdlFormat::from_path(&path).expect("a known extension"),
        path,
        display: name.to_string(),
        foundation: name == "upper.ttl",
        table: None,
    }
}

/// A layer of the given text, written in `dir` under `name`.
fn written_layer(dir: &tempfile::TempDir, name: &str, text: &str) -> LayerFile {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    LayerFile {
        format: RdlFormat::from_path(&path).expect("a known extension"),
        path,
        display: name.to_string(),
        foundation: false,
        table: None,
    }
}

fn layered() -> Rdl {
    let layers = [
        "upper.ttl",
        "telecom.rdf",
        "states.ttl",
        "units.ttl",
        "water.yaml",
        "shapes.ttl",
    ]
    .map(layer);
    Rdl::load_layers(&layers, Prefixes::default()).expect("the layers load")
}

fn messages(err: RdlError) -> Vec<String> {
    match err {
        RdlError::Problems(Problems { problems, .. }) => {
            problems.iter().map(|p| p.to_string()).collect()
        }
        other => vec![other.to_string()],
    }
}

#[test]
fn terms_keep_their_own_iris_and_hierarchies_cross_layers() {
    let rdl = layered();
    assert_eq!(rdl.iri("Pump"), "https://rdl.example.org/water#Pump");
    assert_eq!(
        rdl.iri("Asset"),
        "http://ies.data.gov.uk/ontology/ies4#Asset"
    );
    assert_eq!(rdl.classes["Pump"].parents, ["Device"]);
    assert_eq!(
        rdl.ancestors("Pump"),
        ["Device", "Asset", "Entity", "Element"]
    );
    assert_eq!(rdl.classes["Facility"].parents, ["Asset", "Location"]);
    // RDF/XML, with IRIs relative to its base.
    assert_eq!(rdl.classes["CoreExchange"].parents, ["Exchange"]);
    assert_eq!(rdl.classes["Exchange"].parents, ["Facility"]);
    assert_eq!(rdl.roots(), ["Element"]);
    assert_eq!(
        rdl.resolve(Term::Class, "ies:Asset"),
        Ok("Asset"),
        "a CURIE of the file's prefix"
    );
}

#[test]
fn labels_prefer_english_and_accept_typed_strings() {
    let rdl = layered();
    let label = |c: &str| rdl.classes[c].label.clone();
    assert_eq!(label("Element").as_deref(), Some("Element"));
    assert_eq!(label("Entity").as_deref(), Some("Entity"));
    assert_eq!(label("Asset").as_deref(), Some("asset"));
    assert_eq!(label("Facility").as_deref(), Some("facility"));
    assert_eq!(label("Device").as_deref(), Some("device"));
    assert_eq!(rdl.units["M"].label.as_deref(), Some("metre"));
}

#[test]
fn ranges_make_datatypes_and_links() {
    let rdl = layered();
    let datatype = |p: &str| rdl.properties[p].datatype;
    assert_eq!(datatype("hasName"), Datatype::String);
    assert_eq!(datatype("commissioned"), Datatype::Date);
    assert_eq!(datatype("weight"), Datatype::Decimal);
    assert_eq!(datatype("lineCount"), Datatype::Integer);
    assert_eq!(
        datatype("serialNumber"),
        Datatype::String,
        "its super-property's"
    );
    assert_eq!(datatype("inLocation"), Datatype::Link);
    assert_eq!(
        rdl.properties["inLocation"].range.as_deref(),
        Some("Location")
    );
    assert_eq!(
        rdl.properties["housedIn"].range.as_deref(),
        Some("Location")
    );
}

#[test]
fn a_skos_scheme_gives_a_code_property_its_values() {
    let rdl = layered();
    let state = &rdl.properties["operationalState"];
    assert_eq!(state.datatype, Datatype::Code);
    let names: Vec<&str> = state.values.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["IS", "OOS", "SB", "decommissioned"]);
    assert_eq!(
        state.values[0].iri,
        "https://codes.example.org/state/in-service"
    );
    assert_eq!(state.values[0].label.as_deref(), Some("in service"));
}

#[test]
fn qudt_units_convert_by_their_published_factors() {
    let rdl = layered();
    assert_eq!(rdl.resolve(Term::Unit, "kW"), Ok("KiloW"));
    assert_eq!(rdl.resolve(Term::Unit, "unit:KiloW"), Ok("KiloW"));
    assert_eq!(rdl.resolve(Term::Unit, "Cel"), Ok("DEG_C"), "a UCUM code");
    assert_eq!(rdl.properties["ratedPower"].unit.as_deref(), Some("KiloW"));
    assert_eq!(rdl.conversion("KiloW", "W"), Some((1000.0, 0.0)));
    assert_eq!(rdl.conversion("MilliM", "M"), Some((0.001, 0.0)));
    let (scale, shift) = rdl.conversion("DEG_C", "K").expect("same dimension");
    assert!((20.0 * scale + shift - 293.15).abs() < 1e-9);
    assert_eq!(rdl.conversion("KiloW", "M"), None);
}

#[test]
fn shacl_shapes_add_requirements_and_bounds() {
    let rdl = layered();
    assert_eq!(
        rdl.required("Pump"),
        ["commissioned", "operationalState", "ratedPower"]
    );
    let power = &rdl.properties["ratedPower"];
    assert_eq!(
        (power.min, power.max),
        (Some(Bound::Number(0.0)), Some(Bound::Number(5_000_000.0)))
    );
    assert_eq!(
        rdl.properties["assetTag"].pattern.as_deref(),
        Some("^[A-Z]{2}-[0-9]+$")
    );
    let material = &rdl.properties["material"];
    assert_eq!(material.datatype, Datatype::Code);
    let codes: Vec<&str> = material.values.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(codes, ["Steel", "CastIron"]);
    assert_eq!(rdl.properties["feeds"].datatype, Datatype::Link);
    assert_eq!(rdl.properties["feeds"].range.as_deref(), Some("Asset"));
    assert_eq!(rdl.properties["stages"].datatype, Datatype::Integer);
}

#[test]
fn names_found_in_no_layer_or_in_several_are_reported_with_candidates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let own = written_layer(
        &dir,
        "own.yaml",
        "namespace: https://rdl.example.org/own#\nclasses:\n  Asset: { parents: [Entity] }\n  Pipe: { parents: [Asset] }\n  Cable: { parents: [ies:Devise] }\n  Duct: { parents: [nope:Thing] }\n",
    );
    let layers = vec![layer("upper.ttl"), own];
    let err = Rdl::load_layers(&layers, Prefixes::default()).unwrap_err();
    assert_eq!(
        messages(err),
        [
            "unknown class `ies:Devise`",
            "unknown prefix `nope`",
            "`Asset` is more than one class",
        ]
    );
}

#[test]
fn an_rdf_syntax_error_is_located_in_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layers = [written_layer(
        &dir,
        "broken.ttl",
        "@prefix ex: <https://x.test/> .\n\nex:A a ex:Class ;\n    ex:label \"unclosed .\n",
    )];
    let err = Rdl::load_layers(&layers, Prefixes::default()).unwrap_err();
    let RdlError::Syntax { span, message, .. } = &err else {
        panic!("expected a syntax error, got {err:?}")
    };
    assert!(
        err.to_string()
            .starts_with("broken.ttl is not valid Turtle"),
        "{err}"
    );
    assert!(
        span.offset() >= 40,
        "at the string, not the file's start: {span:?} {message}"
    );
}

#[test]
fn a_property_without_a_range_is_text_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layers = [written_layer(
        &dir,
        "notes.nt",
        "<https://x.test/note> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> .\n",
    )];
    let rdl = Rdl::load_layers(&layers, Prefixes::default()).expect("loads");
    assert_eq!(rdl.properties["note"].datatype, Datatype::String);
    assert_eq!(
        rdl.warnings,
        ["property `note` (https://x.test/note) has no range: its values are read as text"]
    );
    // One whose super-property has a range takes it, without a warning.
    assert!(layered().warnings.is_empty(), "{:?}", layered().warnings);
}

#[test]
fn grounded_means_reaching_the_foundations_top() {
    let rdl = layered();
    assert_eq!(rdl.foundation, ["Element"]);
    assert!(rdl.grounded("Pump"), "Pump reaches ies:Element");
    assert!(rdl.grounded("CoreExchange"));
    // Without a layer marked as the foundation, nothing is grounded, not even a top class.
    let unmarked: Vec<LayerFile> = ["upper.ttl", "water.yaml", "units.ttl", "states.ttl"]
        .map(|name| LayerFile {
            foundation: false,
            table: None,
            ..layer(name)
        })
        .to_vec();
    let rdl = Rdl::load_layers(&unmarked, Prefixes::default()).expect("loads");
    assert!(rdl.foundation.is_empty());
    assert!(!rdl.grounded("Pump") && !rdl.grounded("Element"));
}

#[test]
fn every_layer_exports_to_turtle_and_shacl_that_load_back_the_same() {
    use super::export::{Part, triples, turtle};
    let dir = tempfile::tempdir().expect("tempdir");
    let original = layered();
    let written = |rdl: &Rdl, part| turtle(rdl, &triples(rdl, part, None)).expect("turtle");
    let vocabulary = written(&original, Part::Vocabulary);
    let shapes = written(&original, Part::Shapes);
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("UTF-8");
    let layers = [
        written_layer(&dir, "exported.ttl", &text(&vocabulary)),
        written_layer(&dir, "shapes.ttl", &text(&shapes)),
    ];
    let again = Rdl::load_layers(&layers, Prefixes::default()).expect("loads back");
    assert_eq!(text(&written(&again, Part::Vocabulary)), text(&vocabulary));
    assert_eq!(text(&written(&again, Part::Shapes)), text(&shapes));
    assert_eq!(again.required("Pump"), original.required("Pump"));
    assert_eq!(
        again.conversion("DEG_C", "K"),
        original.conversion("DEG_C", "K")
    );
}

#[test]
fn a_layer_that_changes_a_terms_datatype_is_a_conflict_in_one_report_with_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let own = written_layer(
        &dir,
        "own.yaml",
        "namespace: https://rdl.example.org/own#\nproperties:\n  ies:weight: { datatype: string }\n  size: { datatype: decimal, unit: furlong }\n",
    );
    let err = Rdl::load_layers(&[layer("upper.ttl"), own], Prefixes::default()).unwrap_err();
    assert_eq!(
        messages(err),
        [
            "unknown unit `furlong`",
            "property `weight` is a string here but a decimal in an earlier layer",
        ]
    );
}

#[test]
fn a_quantity_named_by_no_iri_exports_to_one_that_loads_back() {
    // Found by the rdl_rdf fuzz target: a unit without a dimension vector whose quantity
    // kinds' IRIs hold a second `#` exported an IRI no parser reads.
    use super::export::{Part, triples, turtle};
    let dir = tempfile::tempdir().expect("tempdir");
    let units = written_layer(
        &dir,
        "units.ttl",
        "@prefix qudt: <http://qudt.org/schema/qudt/> .\n@prefix qk: <http://x.test/a#http://b.test/qk/> .\n<http://u.test/W> a qudt:Unit ; qudt:conversionMultiplier 1.0 ; qudt:hasQuantityKind qk:Power , qk:ActivePower .\n",
    );
    let rdl = Rdl::load_layers(&[units], Prefixes::default()).expect("loads");
    let exported = turtle(&rdl, &triples(&rdl, Part::Vocabulary, None)).expect("turtle");
    let text = String::from_utf8(exported).expect("UTF-8");
    let again = written_layer(&dir, "again.ttl", &text);
    let again = Rdl::load_layers(&[again], Prefixes::default()).expect("loads back");
    assert_eq!(again.units["W"].factor, 1.0, "{text}");
}
