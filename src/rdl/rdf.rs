//! RDL layers published in RDF (Turtle, N-Triples, RDF/XML), parsed by oxigraph's parsers
//! and indexed by subject; [`super::vocabulary`] reads the terms out of them.

use std::collections::HashMap;

use miette::SourceSpan;
use oxrdf::{NamedNode, NamedOrBlankNode, Term, Triple};

use super::layer::{At, Draft};
use super::{RdlError, RdlFormat, vocabulary};
use crate::diag::YamlFile;

/// Reads one RDF layer into its draft.
pub(super) fn draft(file: &YamlFile, format: RdlFormat) -> Result<Draft, RdlError> {
    let (triples, prefixes) = parse(file, format)?;
    let graph = Graph::new(triples, file);
    let mut draft = vocabulary::read(&graph);
    draft.prefixes = prefixes;
    Ok(draft)
}

/// (prefix, namespace) pairs, in the order of the file.
type PrefixList = Vec<(String, String)>;

/// The triples of the file and the prefixes it declares, or its first syntax error.
fn parse(file: &YamlFile, format: RdlFormat) -> Result<(Vec<Triple>, PrefixList), RdlError> {
    let text = file.text.as_bytes();
    let syntax = |message: String, offset: u64, name: &'static str| RdlError::Syntax {
        path: file.name.clone(),
        format: name,
        message,
        src: file.source(),
        span: (usize::try_from(offset).unwrap_or(0).min(text.len()), 0).into(),
    };
    let mut triples = Vec::new();
    let prefixes = match format {
        RdlFormat::Turtle => {
            let mut parser = oxttl::TurtleParser::new().for_slice(text);
            for triple in parser.by_ref() {
                triples.push(triple.map_err(|e| {
                    syntax(e.message().to_string(), e.location().start.offset, "Turtle")
                })?);
            }
            parser
                .prefixes()
                .map(|(p, ns)| (p.to_string(), ns.to_string()))
                .collect()
        }
        RdlFormat::NTriples => {
            for triple in oxttl::NTriplesParser::new().for_slice(text) {
                triples.push(triple.map_err(|e| {
                    syntax(
                        e.message().to_string(),
                        e.location().start.offset,
                        "N-Triples",
                    )
                })?);
            }
            Vec::new()
        }
        _ => {
            let mut parser = oxrdfxml::RdfXmlParser::new().for_slice(text);
            loop {
                let position = parser.buffer_position();
                let Some(triple) = parser.next() else { break };
                triples.push(triple.map_err(|e| syntax(e.to_string(), position, "RDF/XML"))?);
            }
            parser
                .prefixes()
                .map(|(p, ns)| (p.to_string(), ns.to_string()))
                .collect()
        }
    };
    Ok((triples, prefixes))
}

/// A file's triples by subject, with where each named subject is first written.
pub(super) struct Graph<'a> {
    by_subject: HashMap<NamedOrBlankNode, Vec<(NamedNode, Term)>>,
    /// Subjects in the order of the file, each once.
    subjects: Vec<NamedOrBlankNode>,
    file: &'a YamlFile,
    /// The first place each token that begins a line (or an `rdf:about`) is written.
    places: HashMap<&'a str, usize>,
    /// (prefix, namespace) pairs for finding CURIEs in the text.
    prefixes: Vec<(String, String)>,
}

impl<'a> Graph<'a> {
    fn new(triples: Vec<Triple>, file: &'a YamlFile) -> Self {
        let mut by_subject: HashMap<NamedOrBlankNode, Vec<(NamedNode, Term)>> = HashMap::new();
        let mut subjects = Vec::new();
        for t in triples {
            let entry = by_subject.entry(t.subject.clone()).or_default();
            if entry.is_empty() {
                subjects.push(t.subject);
            }
            entry.push((t.predicate, t.object));
        }
        Self {
            by_subject,
            subjects,
            file,
            places: places(&file.text),
            prefixes: declared_prefixes(&file.text),
        }
    }

    /// The subjects, in the order of the file.
    pub fn subjects(&self) -> impl Iterator<Item = &NamedOrBlankNode> {
        self.subjects.iter()
    }

    /// The objects of a subject's statements with a predicate.
    pub fn objects<'g>(
        &'g self,
        subject: &NamedOrBlankNode,
        predicate: &'g str,
    ) -> impl Iterator<Item = &'g Term> + 'g {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter(move |(p, _)| p.as_str() == predicate)
            .map(|(_, o)| o)
    }

    /// Whether the subject is typed with one of the classes.
    pub fn is_a(&self, subject: &NamedOrBlankNode, classes: &[&str]) -> bool {
        self.objects(subject, RDF_TYPE)
            .any(|o| matches!(o, Term::NamedNode(n) if classes.contains(&n.as_str())))
    }

    /// The items of an RDF list.
    pub fn list(&self, head: &Term) -> Vec<Term> {
        let mut items = Vec::new();
        let mut next = head.clone();
        while let Some(node) = as_subject(&next) {
            if items.len() > self.subjects.len() {
                break; // a list that loops
            }
            let Some(first) = self.objects(&node, RDF_FIRST).next() else {
                break;
            };
            items.push(first.clone());
            match self.objects(&node, RDF_REST).next() {
                Some(rest) => next = rest.clone(),
                None => break,
            }
        }
        items
    }

    /// Where a term is written in the file: where it begins a line (its description, in
    /// Turtle), its `rdf:about`, else the start of the file.
    pub fn at(&self, iri: &str) -> At {
        let local = super::names::local_name(iri);
        let mut forms = vec![format!("<{iri}>"), iri.to_string(), format!("#{local}")];
        for (prefix, namespace) in &self.prefixes {
            if let Some(rest) = iri.strip_prefix(namespace.as_str()) {
                forms.push(format!("{prefix}:{rest}"));
            }
        }
        let (offset, len) = forms
            .iter()
            .find_map(|form| self.places.get(form.as_str()).map(|at| (*at, form.len())))
            .unwrap_or((0, 0));
        At {
            src: self.file.source(),
            span: SourceSpan::from((offset, len)),
        }
    }
}

/// A term that can be a subject (a named or blank node).
pub(super) fn as_subject(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(NamedOrBlankNode::NamedNode(n.clone())),
        Term::BlankNode(b) => Some(NamedOrBlankNode::BlankNode(b.clone())),
        _ => None,
    }
}

/// The first offset of each token that begins a line, and of each `rdf:about` value.
fn places(text: &str) -> HashMap<&str, usize> {
    let mut places = HashMap::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let start = offset + (line.len() - trimmed.len());
        let token = trimmed
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
            .next()
            .unwrap_or_default();
        if !token.is_empty() {
            places.entry(token).or_insert(start);
        }
        offset += line.len();
    }
    for (at, _) in text.match_indices("rdf:about=\"") {
        let from = at + "rdf:about=\"".len();
        if let Some(len) = text[from..].find('"') {
            places.entry(&text[from..from + len]).or_insert(from);
        }
    }
    places
}

/// The prefixes a Turtle file or an RDF/XML file declares, read from its text (for finding
/// CURIEs; the parser's own list is the one terms are read with).
fn declared_prefixes(text: &str) -> Vec<(String, String)> {
    let mut prefixes = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let rest = line
            .strip_prefix("@prefix")
            .or_else(|| line.strip_prefix("PREFIX"))
            .or_else(|| line.strip_prefix("prefix"));
        if let Some(rest) = rest
            && let Some((prefix, namespace)) = rest.split_once(':')
            && let Some(namespace) = namespace.trim().strip_prefix('<')
            && let Some((namespace, _)) = namespace.split_once('>')
        {
            prefixes.push((prefix.trim().to_string(), namespace.to_string()));
        }
    }
    prefixes
}

pub(super) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
