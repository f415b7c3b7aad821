//! RDF out: each thing as triples in the RDL's IRIs, written as N-Triples and Turtle in one
//! pass. Values are turned into their lexical forms column by column (by polars), so the
//! per-triple loop only borrows text: no allocation per triple.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use oxttl::TurtleSerializer;
use oxttl::turtle::WriterTurtleSerializer;
use polars::prelude::*;
use serde::Deserialize;

mod ies4;
mod iri;
mod ntriples;
mod triples;

pub use ies4::{IES4, ISO8601, class_of};

use super::{
    AtomicFile, Cause, FileFormat, Folder, Formats, OutputError, OutputFile, TripleFormat,
    data_path, write_error,
};
use crate::mapping::Mapping;
use crate::rdl::Rdl;
use ntriples::{Background, write_ntriple, write_ntriples};
use triples::{Predicates, Triples};

/// How things are written as triples: the grammar of the foundation model they are shared in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pattern {
    /// The thing, its class and its property values: `<pump> rdl:ratedPower "212000.0"`.
    #[default]
    Flat,
    /// IES4's own patterns: identifiers in naming schemes, names, measures with units,
    /// states with their starts.
    Ies4,
}

/// `rdf:` in `thinslice.yaml`, with each source's owner.
#[derive(Debug, Clone, Default)]
pub struct RdfSettings {
    pub pattern: Pattern,
    /// A code property whose values are states → the date property they start on, as
    /// written (checked against the RDL by lint).
    pub starts: BTreeMap<String, String>,
    /// The organisation (an IRI) whose identifiers a source holds, by source id.
    pub owners: BTreeMap<String, String>,
}

/// The triples that carry a slice's handling marking on its dataset: `dcterms:license`,
/// `dcterms:accessRights` (the classification), `dcterms:rights` (the restrictions).
fn marking_triples(slice: &str, marking: &crate::marking::Marking) -> Vec<oxrdf::Triple> {
    use oxrdf::{Literal, NamedNode, Triple};
    const DCTERMS: &str = "http://purl.org/dc/terms/";
    let dataset = NamedNode::new(format!(
        "urn:thinslice:dataset:{}",
        slice.replace(' ', "%20")
    ));
    let Ok(dataset) = dataset else {
        return Vec::new();
    };
    let term = |local: &str| NamedNode::new_unchecked(format!("{DCTERMS}{local}"));
    let mut out = vec![Triple::new(
        dataset.clone(),
        oxrdf::vocab::rdf::TYPE,
        NamedNode::new_unchecked("http://www.w3.org/ns/dcat#Dataset"),
    )];
    if let Some(licence) = marking
        .licence
        .as_ref()
        .and_then(|l| NamedNode::new(l).ok())
    {
        out.push(Triple::new(dataset.clone(), term("license"), licence));
    }
    if let Some(classification) = &marking.classification {
        let text = Literal::new_simple_literal(classification);
        out.push(Triple::new(dataset.clone(), term("accessRights"), text));
    }
    if let Some(restrictions) = &marking.restrictions {
        let text = Literal::new_simple_literal(restrictions);
        out.push(Triple::new(dataset, term("rights"), text));
    }
    out
}

/// The triples a slice's RDF holds once, before its things: the marking on its dataset, and
/// the pattern's declarations.
fn header_triples(
    predicates: &Predicates,
    rdl: &Rdl,
    marked: Vec<oxrdf::Triple>,
) -> Vec<oxrdf::Triple> {
    let codes = |iri: &str| -> Vec<String> {
        (rdl.properties.values())
            .find(|p| p.iri == iri)
            .map(|p| p.values.iter().map(|c| c.iri.clone()).collect())
            .unwrap_or_default()
    };
    let mut header = marked;
    if let Some(ies4) = &predicates.ies4 {
        header.extend(ies4.header(&predicates.all, &codes));
    }
    header
}

/// A thing's row in its batch, its IRI, and its N-Triples.
pub type ThingText = (usize, String, Vec<u8>);

/// A slice's RDF cut at its things, for sending a message per thing: the same triples as
/// its RDF file, each thing's N-Triples apart.
pub struct ThingTriples {
    predicates: Predicates,
    /// The slice's header (see [`header_triples`]) as N-Triples: empty when there is none.
    pub header: Vec<u8>,
}

impl ThingTriples {
    pub fn new(mapping: &Mapping, rdl: &Rdl, slice: SliceRdf<'_>) -> Self {
        let predicates = Predicates::new(
            mapping,
            rdl,
            slice.settings,
            (slice.key, slice.source),
            slice.withheld,
        );
        let marked = (slice.marking)
            .map(|m| marking_triples(slice.slice, m))
            .unwrap_or_default();
        let mut header = Vec::new();
        for triple in header_triples(&predicates, rdl, marked) {
            write_ntriple(&mut header, triple.as_ref());
        }
        Self { predicates, header }
    }

    /// Each thing of `entities` (a run's entities table) with its row and N-Triples, in
    /// order, serialised by all cores. A thing whose identifier is not an IRI has no triples
    /// and is left out, as it is from the RDF file.
    pub fn things(&self, entities: &DataFrame) -> PolarsResult<Vec<ThingText>> {
        use rayon::prelude::*;
        let triples = Triples::new(entities, &self.predicates)?;
        let chunks: Vec<std::ops::Range<usize>> = (0..triples.len())
            .step_by(1024)
            .map(|start| start..(start + 1024).min(triples.len()))
            .collect();
        let done: Vec<Result<Vec<ThingText>, Cause>> = chunks
            .into_par_iter()
            .map(|rows| {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut bytes = Vec::new();
                    triples.each(row..row + 1, |triple| {
                        write_ntriple(&mut bytes, triple);
                        Ok(())
                    })?;
                    if let (false, Some(id)) = (bytes.is_empty(), triples.id(row)) {
                        out.push((row, id.to_string(), bytes));
                    }
                }
                Ok(out)
            })
            .collect();
        let mut all = Vec::with_capacity(triples.len());
        for chunk in done {
            all.extend(chunk.map_err(|cause| PolarsError::ComputeError(cause.to_string().into()))?);
        }
        Ok(all)
    }
}

/// How many triples were written, and how many were left out because an identifier was not
/// a valid IRI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RdfStats {
    pub triples: u64,
    pub invalid_iris: u64,
}

/// Things written as RDF batch by batch: N-Triples and Turtle, each when asked for, each
/// atomically. The statistics are counted either way.
pub struct RdfSink {
    predicates: Predicates,
    nt: Option<(AtomicFile, Background)>,
    ttl: Option<(AtomicFile, WriterTurtleSerializer<BufWriter<OutputFile>>)>,
    stats: RdfStats,
    /// The file named in an error that is not one file's.
    shown: PathBuf,
}

impl RdfSink {
    /// Opens `slice`'s RDF files, one per triple format of `formats`, for the things
    /// `mapping` makes. With none, the triples are still counted.
    pub fn create(mapping: &Mapping, rdl: &Rdl, out: RdfFiles<'_>) -> Result<Self, OutputError> {
        let RdfFiles {
            output_dir,
            formats,
            rdf:
                SliceRdf {
                    slice,
                    settings,
                    key,
                    source,
                    withheld,
                    marking,
                },
        } = out;
        let path = |format| data_path(output_dir, Folder::Rdf, slice, format);
        let shown = path(FileFormat::Ntriples);
        let (mut nt, mut ttl) = (None, None);
        // The one place a triple format meets its writer.
        for format in formats.triples() {
            let (atomic, file) = AtomicFile::create(&path(format.into()))?;
            match format {
                TripleFormat::Ntriples => nt = Some((atomic, Background::start(file))),
                TripleFormat::Turtle => {
                    // The RDL's prefixes, one per namespace (the first by name; an invalid
                    // one is left out, its IRIs written whole), then those of the
                    // vocabularies the data uses.
                    let mut bound = std::collections::BTreeSet::new();
                    let serializer = rdl
                        .prefixes
                        .0
                        .iter()
                        .filter(|(prefix, _)| !["rdfs", "xsd"].contains(&prefix.as_str()))
                        .filter(|(_, namespace)| bound.insert(namespace.as_str()))
                        .fold(TurtleSerializer::new(), |s, (prefix, namespace)| {
                            s.clone().with_prefix(prefix, namespace).unwrap_or(s)
                        })
                        .with_prefix("rdfs", RDFS_NAMESPACE)
                        .and_then(|s| s.with_prefix("xsd", XSD_NAMESPACE))
                        .and_then(|s| match settings.pattern {
                            Pattern::Flat => Ok(s),
                            Pattern::Ies4 => s
                                .with_prefix("ies", IES4)
                                .and_then(|s| s.with_prefix("iso8601", ISO8601)),
                        })
                        .map_err(|e| atomic.error(std::io::Error::other(e)))?
                        .for_writer(BufWriter::new(file));
                    ttl = Some((atomic, serializer));
                }
            }
        }
        let predicates = Predicates::new(mapping, rdl, settings, (key, source), withheld);
        let mut sink = Self {
            predicates,
            nt,
            ttl,
            stats: RdfStats::default(),
            shown,
        };
        let marked = marking
            .map(|m| marking_triples(slice, m))
            .unwrap_or_default();
        sink.write_header(rdl, marked)?;
        Ok(sink)
    }

    /// What the pattern writes once, before the things.
    fn write_header(&mut self, rdl: &Rdl, marked: Vec<oxrdf::Triple>) -> Result<(), OutputError> {
        let header = header_triples(&self.predicates, rdl, marked);
        if header.is_empty() {
            return Ok(());
        }
        if let Some((atomic, writer)) = &mut self.nt {
            let mut bytes = writer.buffer();
            for triple in &header {
                write_ntriple(&mut bytes, triple.as_ref());
            }
            writer.write(bytes).map_err(|cause| atomic.error(cause))?;
        }
        if let Some((atomic, serializer)) = &mut self.ttl {
            for triple in &header {
                (serializer.serialize_triple(triple.as_ref()))
                    .map_err(|e| atomic.error(Cause::from(e)))?;
            }
        }
        self.stats.triples += header.len() as u64;
        Ok(())
    }

    /// Writes the triples of a batch of things (as the mapping produced them).
    pub fn write(&mut self, entities: &DataFrame) -> Result<(), OutputError> {
        let triples =
            Triples::new(entities, &self.predicates).map_err(|e| write_error(&self.shown, e))?;
        let Self { nt, ttl, .. } = self;
        // Turtle is written by its own thread while the N-Triples are serialised in chunks by
        // all cores: serialising is the slow part, and the triples are only read.
        let (nt_result, ttl_result) = std::thread::scope(|scope| {
            let turtle = ttl.as_mut().map(|(_, out)| {
                let triples = &triples;
                scope.spawn(move || {
                    triples.each(0..triples.len(), |triple| {
                        out.serialize_triple(triple).map_err(Cause::from)
                    })
                })
            });
            let nt_result = nt
                .as_mut()
                .map(|(_, writer)| write_ntriples(&triples, writer));
            let ttl_result =
                turtle.map(|handle| handle.join().unwrap_or(Err(Cause::Stopped("Turtle"))));
            (nt_result, ttl_result)
        });
        let nt_stats = match (nt_result, nt.as_ref()) {
            (Some(result), Some((atomic, _))) => Some(result.map_err(|r| atomic.error(r))?),
            _ => None,
        };
        let ttl_stats = match (ttl_result, ttl.as_ref()) {
            (Some(result), Some((atomic, _))) => Some(result.map_err(|r| atomic.error(r))?),
            _ => None,
        };
        let stats = match nt_stats.or(ttl_stats) {
            Some(stats) => stats,
            // Neither file: the triples are still counted, for the report.
            None => triples
                .each(0..triples.len(), |_| Ok(()))
                .map_err(|cause| write_error(&self.shown, cause))?,
        };
        self.stats.triples += stats.triples;
        self.stats.invalid_iris += stats.invalid_iris;
        Ok(())
    }

    /// Ends the files, returning them to be put in place (see [`super::commit_all`]).
    pub fn finish(self) -> Result<(RdfStats, Vec<AtomicFile>), OutputError> {
        let mut written = Vec::new();
        if let Some((atomic, writer)) = self.nt {
            writer.finish().map_err(|cause| atomic.error(cause))?;
            written.push(atomic.close()?);
        }
        if let Some((atomic, serializer)) = self.ttl {
            serializer
                .finish()
                .and_then(|writer| writer.into_inner().map_err(|e| e.into_error()))
                .map_err(|e| atomic.error(e))?;
            written.push(atomic.close()?);
        }
        Ok((self.stats, written))
    }
}

/// Where a slice's triples go, and how they are written.
#[derive(Debug, Clone, Copy)]
pub struct RdfFiles<'a> {
    pub output_dir: &'a Path,
    pub formats: Formats,
    pub rdf: SliceRdf<'a>,
}

/// How a slice's things are written as triples.
#[derive(Debug, Clone, Copy)]
pub struct SliceRdf<'a> {
    pub slice: &'a str,
    pub settings: &'a RdfSettings,
    /// The slice's key columns: the property fed by the only one is an identifier.
    pub key: &'a [String],
    /// The slice's source, whose owner owns its identifiers.
    pub source: &'a str,
    /// What the share policy withholds: a pseudonym is text, a generalised date a year.
    pub withheld: Option<&'a crate::share::Withheld>,
    /// The slice's handling marking, carried on its dataset.
    pub marking: Option<&'a crate::marking::Marking>,
}

const RDFS_NAMESPACE: &str = "http://www.w3.org/2000/01/rdf-schema#";
const XSD_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema#";
