//! RDF out: each thing as triples in the RDL's IRIs, written as N-Triples and Turtle in one
//! pass. Values are turned into their lexical forms column by column (by polars), so the
//! per-triple loop only borrows text: no allocation per triple.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use oxrdf::vocab::{rdf, rdfs, xsd};
use oxrdf::{LiteralRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use oxttl::TurtleSerializer;
use oxttl::turtle::WriterTurtleSerializer;
use polars::prelude::*;
use rayon::prelude::*;

use super::{
    AtomicFile, Cause, FileFormat, Folder, Formats, OutputError, TripleFormat, data_path,
    write_error,
};
use crate::columns::{CLASS, ID, LABEL};
use crate::mapping::Mapping;
use crate::rdl::{Datatype, Rdl};

/// How many triples were written, and how many were left out because an identifier was not
/// a valid IRI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RdfStats {
    pub triples: u64,
    pub invalid_iris: u64,
}

/// What one entities column becomes.
enum Object {
    /// A typed literal; `None` is a plain string.
    Literal(Option<NamedNodeRef<'static>>),
    /// An RDL term, through the code → IRI table.
    Code(HashMap<String, String>),
    /// An IRI written in the cell.
    Iri,
}

/// A column's values as text: one per thing, or several (a `split` cell).
enum Values {
    Single(StringChunked),
    Multi(ListChunked),
}

struct Predicate {
    iri: String,
    values: Values,
    object: Object,
}

/// Things written as RDF batch by batch: N-Triples and Turtle, each when asked for, each
/// atomically. The statistics are counted either way.
pub struct RdfSink<'a> {
    mapping: &'a Mapping,
    rdl: &'a Rdl,
    class_iris: HashMap<String, String>,
    nt: Option<(AtomicFile, Background)>,
    ttl: Option<(AtomicFile, WriterTurtleSerializer<BufWriter<File>>)>,
    stats: RdfStats,
    /// The file named in an error that is not one file's.
    shown: PathBuf,
}

impl<'a> RdfSink<'a> {
    /// Opens `slice`'s RDF files, one per triple format of `formats`, for the things
    /// `mapping` makes. With none, the triples are still counted.
    pub fn create(
        mapping: &'a Mapping,
        rdl: &'a Rdl,
        output_dir: &Path,
        slice: &str,
        formats: Formats,
    ) -> Result<Self, OutputError> {
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
                        .map_err(|e| atomic.error(std::io::Error::other(e)))?
                        .for_writer(BufWriter::new(file));
                    ttl = Some((atomic, serializer));
                }
            }
        }
        let class_iris = rdl
            .classes
            .keys()
            .map(|c| (c.clone(), rdl.iri(c)))
            .collect();
        Ok(Self {
            mapping,
            rdl,
            class_iris,
            nt,
            ttl,
            stats: RdfStats::default(),
            shown,
        })
    }

    /// Writes the triples of a batch of things (as the mapping produced them).
    pub fn write(&mut self, entities: &DataFrame) -> Result<(), OutputError> {
        let triples = Triples::new(entities, self.mapping, self.rdl, &self.class_iris)
            .map_err(|e| write_error(&self.shown, e))?;
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

const RDFS_NAMESPACE: &str = "http://www.w3.org/2000/01/rdf-schema#";
const XSD_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema#";

/// Things per chunk of N-Triples serialised by one core (a few megabytes of text).
const NT_CHUNK: usize = 4_096;

/// Serialised chunks waiting to be written: the serialisers stay this far ahead of the
/// disk at most.
const NT_QUEUE: usize = 8;

/// A file written by its own thread: chunks of bytes are handed over in order, and their
/// buffers come back to be filled again. Copying into the page cache is a large part of
/// writing N-Triples; on its own thread it overlaps with the rest of the job.
struct Background {
    send: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    recycled: std::sync::mpsc::Receiver<Vec<u8>>,
    writer: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Background {
    fn start(mut file: File) -> Self {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(NT_QUEUE);
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        let writer = std::thread::spawn(move || {
            for mut bytes in receive {
                file.write_all(&bytes)?;
                bytes.clear();
                // The sink may be gone: then the buffer is just freed.
                let _ = recycle.send(bytes);
            }
            Ok(())
        });
        Self {
            send: Some(send),
            recycled,
            writer: Some(writer),
        }
    }

    /// An empty buffer, recycled when one is back.
    fn buffer(&self) -> Vec<u8> {
        self.recycled.try_recv().unwrap_or_default()
    }

    /// Queues `bytes` to be written after what was queued before.
    fn write(&mut self, bytes: Vec<u8>) -> Result<(), Cause> {
        let sent = self.send.as_ref().map(|send| send.send(bytes));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped on an error: that error is the one to report.
            _ => self.wait().and(Err(Cause::Stopped("N-Triples"))),
        }
    }

    /// Closes the queue and waits for the writer to write what is in it.
    fn wait(&mut self) -> Result<(), Cause> {
        self.send = None;
        match self.writer.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err(Cause::Stopped("N-Triples")),
            None => Ok(()),
        }
    }

    /// Waits until everything queued is written.
    fn finish(mut self) -> Result<(), Cause> {
        self.wait()
    }
}

impl Drop for Background {
    /// An abandoned file's writer is stopped and waited for, so no thread outlives the run.
    fn drop(&mut self) {
        let _ = self.wait();
    }
}

/// Serialises the N-Triples of a batch: chunks of things in parallel, a wave at a time so
/// memory stays bounded, handed to the file's writer in order, so the file is the same
/// whatever the cores.
fn write_ntriples(triples: &Triples, out: &mut Background) -> Result<RdfStats, Cause> {
    let chunks: Vec<std::ops::Range<usize>> = (0..triples.len())
        .step_by(NT_CHUNK)
        .map(|start| start..(start + NT_CHUNK).min(triples.len()))
        .collect();
    let wave = rayon::current_num_threads().max(1) * 2;
    let mut stats = RdfStats::default();
    for group in chunks.chunks(wave) {
        let buffers: Vec<Vec<u8>> = group.iter().map(|_| out.buffer()).collect();
        let serialised: Vec<Result<(Vec<u8>, RdfStats), Cause>> = group
            .par_iter()
            .zip(buffers)
            .map(|(rows, mut buffer)| {
                let stats = triples.each(rows.clone(), |triple| {
                    write_ntriple(&mut buffer, triple);
                    Ok(())
                })?;
                Ok((buffer, stats))
            })
            .collect();
        for chunk in serialised {
            let (bytes, chunk_stats) = chunk?;
            out.write(bytes)?;
            stats.triples += chunk_stats.triples;
            stats.invalid_iris += chunk_stats.invalid_iris;
        }
    }
    Ok(stats)
}

/// Appends one triple as an N-Triples line, exactly as oxttl's serialiser writes it (the
/// tests compare the two). Written byte by byte rather than through `fmt`: on millions of
/// triples, oxrdf's `Display` (a `write_char` per character) was the writer's main cost.
/// The terms are oxrdf's, so IRIs were validated when they were made.
fn write_ntriple(out: &mut Vec<u8>, triple: TripleRef<'_>) {
    match triple.subject {
        NamedOrBlankNodeRef::NamedNode(node) => write_iri(out, node.as_str()),
        other => {
            let _ = write!(out, "{other}");
        }
    }
    out.push(b' ');
    write_iri(out, triple.predicate.as_str());
    out.push(b' ');
    match triple.object {
        TermRef::NamedNode(node) => write_iri(out, node.as_str()),
        TermRef::Literal(literal) => {
            write_quoted(out, literal.value());
            if let Some(language) = literal.language() {
                out.push(b'@');
                out.extend_from_slice(language.as_bytes());
            } else if literal.datatype() != xsd::STRING {
                out.extend_from_slice(b"^^");
                write_iri(out, literal.datatype().as_str());
            }
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = write!(out, "{other}");
        }
    }
    out.extend_from_slice(b" .\n");
}

fn write_iri(out: &mut Vec<u8>, iri: &str) {
    out.push(b'<');
    out.extend_from_slice(iri.as_bytes());
    out.push(b'>');
}

/// A string literal's quoted form, with oxrdf's escapes.
fn write_quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    // U+FFFE and U+FFFF are escaped too; in UTF-8 they start with 0xEF.
    let plain = !value
        .bytes()
        .any(|b| b < 0x20 || matches!(b, b'"' | b'\\' | 0x7F | 0xEF));
    if plain {
        out.extend_from_slice(value.as_bytes());
    } else {
        for c in value.chars() {
            match c {
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\u{C}' => out.extend_from_slice(b"\\f"),
                '\r' => out.extend_from_slice(b"\\r"),
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\0'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}' => {
                    let _ = write!(out, "\\u{:04X}", u32::from(c));
                }
                _ => {
                    let mut utf8 = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
    }
    out.push(b'"');
}

/// Every thing's triples, in row order, from columns already turned into text.
struct Triples<'a> {
    ids: StringChunked,
    classes: StringChunked,
    labels: Option<StringChunked>,
    class_iris: &'a HashMap<String, String>,
    predicates: Vec<Predicate>,
}

/// A number as `xsd:decimal` writes it: digits and a point, never an exponent (`1e-8` is
/// `0.00000001`), which RDF parsers that check datatypes would reject; an integral value
/// keeps `.0`, as the other outputs write it. Not a number and the infinities are no
/// decimal at all.
fn plain_decimal(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    // Rust writes a double's shortest exact digits, and never an exponent.
    let text = format!("{value}");
    Some(if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    })
}

impl<'a> Triples<'a> {
    /// The triples of `entities` (as the mapping produced them), in the RDL's IRIs.
    fn new(
        entities: &DataFrame,
        mapping: &Mapping,
        rdl: &Rdl,
        class_iris: &'a HashMap<String, String>,
    ) -> PolarsResult<Self> {
        let text = |name: &str| -> PolarsResult<StringChunked> {
            let column = entities.column(name)?;
            let column = match column.dtype() {
                DataType::Datetime(_, _) => entities
                    .clone()
                    .lazy()
                    .select([col(name).dt().strftime("%Y-%m-%dT%H:%M:%S")])
                    .collect()?
                    .column(name)?
                    .clone(),
                DataType::Float64 => {
                    let plain: StringChunked = column
                        .f64()?
                        .iter()
                        .map(|v| v.and_then(plain_decimal))
                        .collect();
                    plain.into_column()
                }
                _ => column.cast(&DataType::String)?,
            };
            Ok(column.str()?.clone())
        };
        let values = |name: &str| -> PolarsResult<Values> {
            let column = entities.column(name)?;
            if !matches!(column.dtype(), DataType::List(_)) {
                return text(name).map(Values::Single);
            }
            let lists = entities
                .clone()
                .lazy()
                .select([col(name).list().eval(element().cast(DataType::String))])
                .collect()?;
            Ok(Values::Multi(lists.column(name)?.list()?.clone()))
        };
        let mut predicates = Vec::new();
        for rule in &mapping.properties {
            let Some(property) = rdl.properties.get(&rule.property) else {
                continue;
            };
            let object = match property.datatype {
                Datatype::String => Object::Literal(None),
                Datatype::Integer => Object::Literal(Some(xsd::INTEGER)),
                Datatype::Decimal => Object::Literal(Some(xsd::DECIMAL)),
                Datatype::Boolean => Object::Literal(Some(xsd::BOOLEAN)),
                Datatype::Date => Object::Literal(Some(xsd::DATE)),
                Datatype::Year => Object::Literal(Some(xsd::G_YEAR)),
                Datatype::Datetime => Object::Literal(Some(xsd::DATE_TIME)),
                Datatype::Code => Object::Code(
                    property
                        .values
                        .iter()
                        .map(|c| (c.name.clone(), c.iri.clone()))
                        .collect(),
                ),
                Datatype::Link => Object::Iri,
            };
            predicates.push(Predicate {
                iri: rdl.iri(&rule.property),
                values: values(&rule.property)?,
                object,
            });
        }
        for link in &mapping.links {
            predicates.push(Predicate {
                iri: rdl.iri(&link.property),
                values: values(&link.property)?,
                object: Object::Iri,
            });
        }
        Ok(Self {
            ids: text(ID)?,
            classes: text(CLASS)?,
            labels: match mapping.label {
                Some(_) => Some(text(LABEL)?),
                None => None,
            },
            class_iris,
            predicates,
        })
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Hands each triple of the things in `rows` to `emit`; counts them and the identifiers
    /// that are not IRIs.
    fn each<F>(&self, rows: std::ops::Range<usize>, mut emit: F) -> Result<RdfStats, Cause>
    where
        F: FnMut(TripleRef<'_>) -> Result<(), Cause>,
    {
        let mut stats = RdfStats::default();
        let mut emit = |triple: TripleRef<'_>| -> Result<(), Cause> {
            emit(triple)?;
            stats.triples += 1;
            Ok(())
        };
        let mut invalid = 0;
        for row in rows {
            let Some(subject) = self.ids.get(row).and_then(|id| NamedNodeRef::new(id).ok()) else {
                invalid += 1;
                continue;
            };
            if let Some(class) = self.classes.get(row).and_then(|c| self.class_iris.get(c)) {
                let class = NamedNodeRef::new_unchecked(class);
                emit(TripleRef::new(subject, rdf::TYPE, class))?;
            }
            if let Some(label) = self.labels.as_ref().and_then(|l| l.get(row)) {
                emit(TripleRef::new(
                    subject,
                    rdfs::LABEL,
                    LiteralRef::new_simple_literal(label),
                ))?;
            }
            for predicate in &self.predicates {
                let p = NamedNodeRef::new_unchecked(&predicate.iri);
                let mut object_of = |value: &str| -> Result<(), Cause> {
                    let object: TermRef<'_> = match &predicate.object {
                        Object::Literal(None) => LiteralRef::new_simple_literal(value).into(),
                        Object::Literal(Some(datatype)) => {
                            LiteralRef::new_typed_literal(value, *datatype).into()
                        }
                        Object::Code(iris) => match iris.get(value) {
                            Some(iri) => NamedNodeRef::new_unchecked(iri).into(),
                            None => return Ok(()),
                        },
                        Object::Iri => match NamedNodeRef::new(value) {
                            Ok(iri) => iri.into(),
                            Err(_) => {
                                invalid += 1;
                                return Ok(());
                            }
                        },
                    };
                    emit(TripleRef::new(subject, p, object))
                };
                match &predicate.values {
                    Values::Single(column) => {
                        if let Some(value) = column.get(row) {
                            object_of(value)?;
                        }
                    }
                    Values::Multi(lists) => {
                        if let Some(list) = lists.get_as_series(row) {
                            let texts = list.str()?;
                            for value in texts.iter().flatten() {
                                object_of(value)?;
                            }
                        }
                    }
                }
            }
        }
        stats.invalid_iris = invalid;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use oxrdf::vocab::xsd;
    use oxrdf::{BlankNodeRef, LiteralRef, NamedNodeRef, TripleRef};
    use oxttl::NTriplesSerializer;

    use super::{plain_decimal, write_ntriple};

    #[test]
    fn decimals_are_written_without_an_exponent() {
        assert_eq!(plain_decimal(1e-8).as_deref(), Some("0.00000001"));
        assert_eq!(
            plain_decimal(1.23456789012346e19).as_deref(),
            Some("12345678901234600000.0")
        );
        assert_eq!(plain_decimal(5000.0).as_deref(), Some("5000.0"));
        assert_eq!(plain_decimal(-0.35).as_deref(), Some("-0.35"));
        assert_eq!(plain_decimal(f64::NAN), None);
        assert_eq!(plain_decimal(f64::INFINITY), None);
    }

    #[test]
    fn lines_are_those_oxttl_writes() {
        let s = NamedNodeRef::new_unchecked("https://data.example.org/asset/P%201");
        let p = NamedNodeRef::new_unchecked("https://rdl.example.org/region#name");
        let texts = [
            "plain",
            "Sainte-Hélène 1",
            "say \"hi\"\\ back",
            "two\nlines\r\tand\u{8}\u{C}",
            "nul\0 bell\u{7} del\u{7F} \u{FFFE}\u{FFFF} \u{FFFD}",
            "",
        ];
        let mut objects: Vec<LiteralRef<'_>> = Vec::new();
        for text in texts {
            objects.push(LiteralRef::new_simple_literal(text));
            objects.push(LiteralRef::new_typed_literal(text, xsd::DECIMAL));
            objects.push(LiteralRef::new_typed_literal(text, xsd::STRING));
            objects.push(LiteralRef::new_language_tagged_literal_unchecked(
                text, "fr",
            ));
        }
        let mut triples: Vec<TripleRef<'_>> =
            objects.iter().map(|o| TripleRef::new(s, p, *o)).collect();
        triples.push(TripleRef::new(s, p, s));
        triples.push(TripleRef::new(BlankNodeRef::new_unchecked("b0"), p, s));

        let mut ours = Vec::new();
        let mut theirs = NTriplesSerializer::new().for_writer(Vec::new());
        for triple in triples {
            write_ntriple(&mut ours, triple);
            theirs.serialize_triple(triple).expect("serialise");
        }
        assert_eq!(
            String::from_utf8(ours).expect("UTF-8"),
            String::from_utf8(theirs.finish()).expect("UTF-8")
        );
    }
}
