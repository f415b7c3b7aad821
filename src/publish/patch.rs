//! RDF Patch (<https://afs.github.io/rdf-patch/>, media type `application/rdf-patch`), the
//! change format of Apache Jena and of the Fuseki Kafka connector: a transaction `TX .` …
//! `TC .` of rows `A S P O .` (add) and `D S P O .` (delete), each term as in N-Triples.
//! Written for a thing's change; read by `receive` (and N-Triples, a message of adds).

use oxttl::NTriplesParser;

/// The media type of an RDF Patch body.
pub const RDF_PATCH: &str = "application/rdf-patch";
/// The media type of an N-Triples body: every triple added.
pub const N_TRIPLES: &str = "application/n-triples";

/// A patch that deletes the triples `old` and then adds `new` (both N-Triples, a triple
/// per line, as thinslice writes them), in one transaction. Triples in both survive: a
/// transaction deletes first.
pub fn patch(old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(old.len() + new.len() + 16);
    out.extend_from_slice(b"TX .\n");
    for (op, lines) in [(b'D', old), (b'A', new)] {
        for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            out.push(op);
            out.push(b' ');
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out.extend_from_slice(b"TC .\n");
    out
}

/// One change to a graph: a triple (an N-Triples line, canonical) added or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add(String),
    Delete(String),
}

/// The changes a message's body makes, in order, by its media type (RDF Patch or
/// N-Triples; none given is read as RDF Patch when it starts like one). A transaction
/// aborted (`TA`) makes none of its changes. An error says which line is wrong.
pub fn read(body: &[u8], media_type: Option<&str>) -> Result<Vec<Change>, String> {
    let media = media_type.map(|m| m.split(';').next().unwrap_or(m).trim().to_lowercase());
    match media.as_deref() {
        Some(N_TRIPLES) => triples(body, 1).map(|t| t.into_iter().map(Change::Add).collect()),
        Some(RDF_PATCH) | None => read_patch(body),
        Some(other) => Err(format!(
            "content type `{other}` is not read: send {RDF_PATCH} or {N_TRIPLES}"
        )),
    }
}

fn read_patch(body: &[u8]) -> Result<Vec<Change>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    let mut done: Vec<Change> = Vec::new();
    // Changes of the open transaction; they count once it commits.
    let mut open: Option<Vec<Change>> = None;
    // A run of rows of one kind, parsed together.
    let mut run: (Option<bool>, String, usize) = (None, String::new(), 0);
    let flush =
        |run: &mut (Option<bool>, String, usize), into: &mut Vec<Change>| -> Result<(), String> {
            if let Some(add) = run.0.take() {
                for line in triples(run.1.as_bytes(), run.2)? {
                    into.push(if add {
                        Change::Add(line)
                    } else {
                        Change::Delete(line)
                    });
                }
                run.1.clear();
            }
            Ok(())
        };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
        let target = open.as_mut().unwrap_or(&mut done);
        match word {
            "A" | "D" => {
                let add = word == "A";
                if run.0 != Some(add) {
                    flush(&mut run, target)?;
                    run = (Some(add), String::new(), number);
                }
                run.1.push_str(rest);
                run.1.push('\n');
            }
            "H" | "PA" | "PD" => flush(&mut run, target)?,
            "TX" => {
                flush(&mut run, target)?;
                open = Some(Vec::new());
            }
            "TC" | "TA" => {
                flush(&mut run, target)?;
                let changes = open.take().unwrap_or_default();
                if word == "TC" {
                    done.extend(changes);
                }
            }
            other => return Err(format!("line {number}: `{other}` is not an RDF Patch row")),
        }
    }
    let target = open.as_mut().unwrap_or(&mut done);
    flush(&mut run, target)?;
    if open.is_some() {
        return Err("the transaction is not committed (no `TC .`)".into());
    }
    Ok(done)
}

/// N-Triples text as canonical lines (so that one triple is one line whoever wrote it).
/// `first` is the number of the text's first line, for the error.
fn triples(text: &[u8], first: usize) -> Result<Vec<String>, String> {
    NTriplesParser::new()
        .for_slice(text)
        .map(|triple| {
            triple.map(|t| format!("{t} .")).map_err(|e| {
                let line = usize::try_from(e.location().start.line).unwrap_or(0);
                format!("line {}: {e}", first + line)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "<https://d.example/p1> <https://r.example/name> \"P 1\" .";
    const T: &str = "<https://d.example/p1> <https://r.example/size> \"2\"^^<http://www.w3.org/2001/XMLSchema#decimal> .";

    #[test]
    fn a_patch_reads_back_as_its_changes() {
        let old = format!("{S}\n");
        let new = format!("{S}\n{T}\n");
        let body = patch(old.as_bytes(), new.as_bytes());
        let text = String::from_utf8(body.clone()).expect("UTF-8");
        assert!(text.starts_with("TX .\nD <https://d.example/p1>"), "{text}");
        assert!(text.ends_with("TC .\n"), "{text}");
        let changes = read(&body, Some(RDF_PATCH)).expect("reads");
        assert_eq!(
            changes,
            vec![
                Change::Delete(S.into()),
                Change::Add(S.into()),
                Change::Add(T.into())
            ]
        );
    }

    #[test]
    fn aborted_transactions_change_nothing_and_errors_name_the_line() {
        let body = format!("TX .\nA {S}\nTA .\nTX .\nD {T}\nTC .\n");
        let changes = read(body.as_bytes(), None).expect("reads");
        assert_eq!(changes, vec![Change::Delete(T.into())]);
        let bad = "TX .\nA <s> <p> .\nTC .\n";
        let err = read(bad.as_bytes(), Some(RDF_PATCH)).expect_err("bad row");
        assert!(err.starts_with("line 2:"), "{err}");
        let unknown = read(b"X y .\n", Some(RDF_PATCH)).expect_err("unknown row");
        assert!(unknown.contains("`X`"), "{unknown}");
        assert!(read(format!("TX .\nA {S}\n").as_bytes(), None).is_err());
        assert!(read(b"", Some("text/turtle")).is_err());
    }

    #[test]
    fn n_triples_bodies_are_adds() {
        let body = format!("{S}\n{T}\n");
        let changes = read(
            body.as_bytes(),
            Some("application/n-triples; charset=utf-8"),
        )
        .expect("reads");
        assert_eq!(changes, vec![Change::Add(S.into()), Change::Add(T.into())]);
    }
}
