//! N-Triples written by all cores, in order, through a writer on its own thread.

use std::io::Write;

use oxrdf::vocab::xsd;
use oxrdf::{NamedOrBlankNodeRef, TermRef, TripleRef};
use rayon::prelude::*;

use super::RdfStats;
use super::triples::Triples;
use crate::output::{Cause, OutputFile};

/// Things per chunk of N-Triples serialised by one core (a few megabytes of text).
const NT_CHUNK: usize = 4_096;

/// Serialised chunks waiting to be written: the serialisers stay this far ahead of the
/// disk at most.
const NT_QUEUE: usize = 8;

/// A file written by its own thread: chunks of bytes are handed over in order, and their
/// buffers come back to be filled again. Copying into the page cache is a large part of
/// writing N-Triples; on its own thread it overlaps with the rest of the job.
pub(super) struct Background {
    send: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    recycled: std::sync::mpsc::Receiver<Vec<u8>>,
    writer: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Background {
    pub(super) fn start(mut file: OutputFile) -> Self {
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
    pub(super) fn buffer(&self) -> Vec<u8> {
        self.recycled.try_recv().unwrap_or_default()
    }

    /// Queues `bytes` to be written after what was queued before.
    pub(super) fn write(&mut self, bytes: Vec<u8>) -> Result<(), Cause> {
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
    pub(super) fn finish(mut self) -> Result<(), Cause> {
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
pub(super) fn write_ntriples(triples: &Triples, out: &mut Background) -> Result<RdfStats, Cause> {
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
pub(super) fn write_ntriple(out: &mut Vec<u8>, triple: TripleRef<'_>) {
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

#[cfg(test)]
mod tests {
    use oxrdf::vocab::xsd;
    use oxrdf::{BlankNodeRef, LiteralRef, NamedNodeRef, TripleRef};
    use oxttl::NTriplesSerializer;

    use super::write_ntriple;

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
