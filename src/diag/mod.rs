//! Diagnostics plumbing: YAML files with their text (so errors can point into them),
//! the one `load()` that parses YAML with spans, several problems reported as one, and
//! "did you mean". A leaf: every layer reports through it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use serde::de::DeserializeOwned;
use serde_saphyr::Location;
use serde_saphyr::budget::{Budget, BudgetBreach};
use thiserror::Error;

mod json;
mod names;

pub use json::to_json;
pub use names::Names;

/// A YAML file a user wrote, kept in memory so diagnostics can quote it.
#[derive(Debug, Clone)]
pub struct YamlFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// How it is named in messages: relative to the workspace where possible.
    pub name: String,
    pub text: Arc<str>,
}

impl YamlFile {
    pub fn read(path: &Path, name: String) -> Result<Self, YamlError> {
        let bytes = std::fs::read(path).map_err(|source| YamlError::Read {
            name: name.clone(),
            source,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[offset];
                // Quoted with the bad bytes replaced: the same text up to the first of them.
                let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let file = Self::from_text(path.to_path_buf(), name, shown);
                return Err(YamlError::NotUtf8 {
                    message: format!(
                        "{} is not UTF-8: byte 0x{byte:02X} at byte offset {offset}",
                        file.name
                    ),
                    src: file.source(),
                    span: (offset, '\u{FFFD}'.len_utf8()).into(),
                });
            }
        };
        Ok(Self::from_text(path.to_path_buf(), name, text))
    }

    pub fn from_text(path: PathBuf, name: String, text: impl Into<Arc<str>>) -> Self {
        Self {
            path,
            name,
            text: text.into(),
        }
    }

    /// The file as diagnostics quote it.
    pub fn source(&self) -> SourceText {
        // miette breaks lines at LF only; a file whose lines end with a lone CR (as old Mac
        // editors save) is quoted with LF in their place: the same bytes, so spans hold.
        let lone_cr = self
            .text
            .match_indices('\r')
            .any(|(at, _)| !self.text[at + 1..].starts_with('\n'));
        let text = match lone_cr {
            true => Arc::from(lone_cr_as_lf(&self.text)),
            false => Arc::clone(&self.text),
        };
        SourceText {
            name: self.name.clone(),
            text,
        }
    }

    /// The byte span of a location reported by the YAML parser: its byte offset, or (for a
    /// syntax error, which has none) its line and column.
    pub fn span(&self, at: &Location) -> SourceSpan {
        let span = at.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(offset), Some(len)) => {
                let offset = usize::try_from(offset).unwrap_or(0).min(self.text.len());
                let len = usize::try_from(len).unwrap_or(0);
                (offset, len.min(self.text.len() - offset)).into()
            }
            _ => match self.offset_of(at.line(), at.column()) {
                Some(offset) => {
                    let len = self.text[offset..].chars().next().map_or(0, char::len_utf8);
                    (offset, len).into()
                }
                None => (0, 0).into(),
            },
        }
    }

    /// The byte offset of a 1-based line and character column; line breaks are LF, CRLF or
    /// CR, as YAML reads them.
    fn offset_of(&self, line: u64, column: u64) -> Option<usize> {
        let text = &*self.text;
        let mut line_start = 0;
        let mut chars = text.char_indices().peekable();
        for _ in 1..line {
            loop {
                match chars.next()? {
                    (at, '\r') if chars.peek().is_some_and(|(_, c)| *c == '\n') => {
                        chars.next();
                        line_start = at + 2;
                        break;
                    }
                    (at, '\n' | '\r') => {
                        line_start = at + 1;
                        break;
                    }
                    _ => {}
                }
            }
        }
        let skip = usize::try_from(column.saturating_sub(1)).ok()?;
        let line_text = &text[line_start..];
        let within = line_text
            .char_indices()
            .take_while(|(_, c)| *c != '\n' && *c != '\r')
            .nth(skip)
            .map_or_else(
                || line_text.find(['\n', '\r']).unwrap_or(line_text.len()),
                |(i, _)| i,
            );
        Some(line_start + within)
    }

    /// The span of `needle` inside the span `within`, or `within` itself when the needle is
    /// not written there literally (escapes in a quoted scalar, say). Lets a diagnostic point
    /// at one column name inside a SQL condition rather than at the whole condition.
    pub fn sub_span(&self, within: SourceSpan, needle: &str) -> SourceSpan {
        let text = &*self.text;
        let start = within.offset().min(text.len());
        let find = |from: usize, to: usize| {
            text.get(from..to.min(text.len()))
                .and_then(|raw| raw.find(needle))
                .map(|at| SourceSpan::from((from + at, needle.len())))
        };
        if within.len() > 1 {
            return find(start, start + within.len()).unwrap_or(within);
        }
        // The parser gives a mapping's position (its first character) without its length. Look on its line and
        // the lines of its block (flow style `{ a: b }` sits on one line), then on the line
        // before (a block mapping's key stands above its first entry).
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let block_end = text[start..]
            .match_indices('\n')
            .nth(30)
            .map_or(text.len(), |(i, _)| start + i);
        let previous_start = text[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        find(line_start, block_end)
            .or_else(|| find(previous_start, line_start))
            .unwrap_or(within)
    }

    /// Parses the file. The only place YAML is parsed, so the parser can be swapped.
    pub fn load<T: DeserializeOwned>(&self) -> Result<T, YamlError> {
        let options =
            serde_saphyr::options! { with_snippet: false, budget: Some(budget(&self.text)) };
        serde_saphyr::from_str_with_options(&self.text, options).map_err(|err| {
            let mut message = describe(&err);
            let mut span = err
                .location()
                .map_or_else(|| (0, 0).into(), |at| self.span(&at));
            // The parser places a tab error at the value it was reading, on the tab's line
            // or before it; point at the tab itself.
            if message.contains("tab") {
                let line_start = self.text[..span.offset()].rfind('\n').map_or(0, |i| i + 1);
                if let Some(tab) = self.text[line_start..].find('\t') {
                    span = (line_start + tab, 1).into();
                    message = "a tab where YAML expects spaces: indent with spaces only".into();
                }
            }
            YamlError::Syntax {
                message,
                src: self.source(),
                span,
            }
        })
    }
}

/// `text` with each CR that no LF follows replaced by an LF.
fn lone_cr_as_lf(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            c => out.push(c),
        }
    }
    out
}

/// How deep a file may nest: none of thinslice's comes near it, and the limit keeps a
/// hostile file from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// The parser's limits, sized by the file: a file of n bytes holds fewer than n values
/// (nodes) unless aliases (`*name`) repeat them, so an RDL of any size passes (the parser's
/// default, 250,000 values, refused one of 40,000 classes) while a file whose aliases expand
/// far past its size is still refused.
fn budget(text: &str) -> Budget {
    let mut budget = Budget::default();
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_events = budget.max_events.max(text.len().saturating_mul(4));
    budget.max_depth = MAX_DEPTH;
    budget
}

/// The parser's message in the user's terms, without its own "at line X column Y" suffix:
/// miette draws the place.
fn describe(err: &serde_saphyr::Error) -> String {
    if let serde_saphyr::Error::Budget { breach, .. } = err {
        return match breach {
            BudgetBreach::Depth { .. } => {
                format!("nested more than {MAX_DEPTH} levels deep: check the indentation")
            }
            BudgetBreach::Documents { documents } => {
                format!("more than {documents} YAML documents (`---`): one is expected")
            }
            other => format!(
                "the file grows far past its size once its aliases (`*name`) are expanded ({other:?})"
            ),
        };
    }
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    let first = match first.rfind(" at line ") {
        Some(at) => &first[..at],
        None => first,
    };
    // The parser's advice to Rust programmers, said in the user's terms.
    if first.starts_with("multiple YAML documents") {
        "a second YAML document (after `---`): a file holds one".into()
    } else if first.starts_with("cannot deserialize null into string") {
        "an empty value (`~`, `null` or nothing) where a text is expected: write the text, quoted if it is `~` or `null`".into()
    } else if let Some(rest) = first.strip_prefix("cannot deserialize null into ") {
        let what = rest.split(';').next().unwrap_or(rest);
        format!("an empty value (`~`, `null` or nothing) where a {what} is expected")
    } else if let Some(rest) = first.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        format!("`{key}` is written twice in one mapping: keep one")
    } else if first == "unexpected end of input" {
        "the file is empty, or ends before what it starts is complete".into()
    } else {
        first.to_string()
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum YamlError {
    #[error("cannot read {name}")]
    #[diagnostic(code(thinslice::yaml::read))]
    Read {
        name: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{message}")]
    #[diagnostic(
        code(thinslice::yaml::invalid),
        help("see the README for the keys this file accepts")
    )]
    Syntax {
        message: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(
        code(thinslice::yaml::not_utf8),
        help("save the file as UTF-8 (the byte marked here is the first that is not)")
    )]
    NotUtf8 {
        message: String,
        #[source_code]
        src: SourceText,
        #[label("not UTF-8")]
        span: SourceSpan,
    },
}

/// What a name written in a YAML file was meant to name: "unknown class `Pmp`", and the
/// known classes in the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Class,
    Property,
    Unit,
    /// A column of the slice a mapping maps.
    SliceColumn,
    Slice,
    Dimension,
    /// A SKOS concept scheme whose concepts are a code property's values.
    CodeList,
    /// One of a mapping's links, by the name the mapping gives it.
    Link,
    /// A source of `thinslice.yaml`.
    Source,
}

impl Term {
    /// How a list of such names is called.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Class => "classes",
            Self::Property => "properties",
            Self::Unit => "units",
            Self::SliceColumn => "slice columns",
            Self::Slice => "slices",
            Self::Dimension => "dimensions",
            Self::CodeList => "code lists",
            Self::Link => "links of this mapping",
            Self::Source => "sources",
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Class => "class",
            Self::Property => "property",
            Self::Unit => "unit",
            Self::SliceColumn => "column",
            Self::Slice => "slice",
            Self::Dimension => "dimension",
            Self::CodeList => "code list",
            Self::Link => "link",
            Self::Source => "source",
        })
    }
}

/// A YAML file's text as diagnostics quote it. A line too long to show whole (a `where:` of
/// thousands of values) is quoted as an excerpt around the place: the message stays
/// readable, and miette never draws past the column it can (it panics past 65,535).
#[derive(Debug, Clone)]
pub struct SourceText {
    name: String,
    text: Arc<str>,
}

/// A line longer than this, in bytes, is quoted as an excerpt.
const LONG_LINE: usize = 240;
/// How much of a long line an excerpt shows before and after the place.
const EXCERPT_BEFORE: usize = 60;
const EXCERPT_AFTER: usize = 120;

impl SourceText {
    /// `file:line` of a byte offset, as messages and `thinslice rdl show` give places.
    pub fn place(&self, offset: usize) -> String {
        let before = self
            .text
            .get(..offset.min(self.text.len()))
            .unwrap_or_default();
        format!("{}:{}", self.name, before.matches('\n').count() + 1)
    }
}

impl SourceCode for SourceText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let contents = text.read_span(span, before, after)?;
        let long = contents
            .data()
            .split(|b| *b == b'\n')
            .any(|line| line.len() > LONG_LINE);
        if !long {
            let quoted = MietteSpanContents::new_named(
                self.name.clone(),
                contents.data(),
                *contents.span(),
                contents.line(),
                contents.column(),
                contents.line_count(),
            );
            return Ok(Box::new(quoted.with_language("yaml")));
        }
        // The line the place is on, cut down to an excerpt around it.
        let at = span.offset().min(text.len());
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let from = boundary(text, at.saturating_sub(EXCERPT_BEFORE).max(line_start));
        let to = boundary(text, (at + EXCERPT_AFTER).min(line_end));
        let place = text.read_span(&SourceSpan::from((at, 0)), 0, 0)?;
        let excerpt = MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[from..to],
            SourceSpan::from((from, to - from)),
            place.line(),
            place.column(),
            1,
        );
        Ok(Box::new(excerpt.with_language("yaml")))
    }
}

/// The char boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Where a declaration sits in a YAML file (a source's path in `thinslice.yaml`, say), so
/// errors found later, while reading data, can point back at it.
#[derive(Debug, Clone)]
pub struct ConfigSpan {
    pub src: SourceText,
    pub span: SourceSpan,
}

/// Where several problems were found: it names them in the headline and the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// In `thinslice.yaml`.
    Workspace,
    /// In the RDL.
    Rdl,
    /// Anywhere in the workspace, found before any data was read.
    BeforeData,
}

/// Several problems reported together, as one diagnostic whose related diagnostics each
/// point at their own place. Built by [`problems`], which lets a single problem stand alone.
#[derive(Debug)]
pub struct Problems<E> {
    pub found: Where,
    pub problems: Vec<E>,
}

impl<E> fmt::Display for Problems<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = match self.problems.len() {
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        };
        match self.found {
            Where::Workspace => write!(f, "{count} in thinslice.yaml"),
            Where::Rdl => write!(f, "{count} in the RDL"),
            Where::BeforeData => write!(f, "{count} found before reading any data"),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Problems<E> {}

impl<E: Diagnostic + 'static> Diagnostic for Problems<E> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self.found {
            Where::Workspace => "thinslice::workspace::problems",
            Where::Rdl => "thinslice::rdl::problems",
            Where::BeforeData => "thinslice::problems",
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self.found {
            Where::BeforeData => Some(Box::new(
                "fix them and run again; nothing was read or written",
            )),
            Where::Workspace | Where::Rdl => None,
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// Problems as one error: a single problem stands alone, several become one report (through
/// `many`, the error type's variant for [`Problems`]).
pub fn problems<E>(mut list: Vec<E>, found: Where, many: impl FnOnce(Problems<E>) -> E) -> E {
    if list.len() == 1
        && let Some(only) = list.pop()
    {
        return only;
    }
    many(Problems {
        found,
        problems: list,
    })
}

/// An error and the causes under it, one line: `cannot read source `codes` from codes.xlsx:
/// No such file or directory`, for a message that holds another's text.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let said = next.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = next.source();
    }
    text
}

/// The `*.yaml` and `*.yml` files of a folder, sorted by name.
pub fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// A path as messages show it: relative to the workspace root when it lies inside it.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The candidate closest to `name`, if one is close enough to be a plausible typo.
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lowered = name.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&lowered, &candidate.to_lowercase());
            (candidate, score)
        })
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(candidate, _)| candidate)
}

/// A help line: "did you mean `X`?" when a close name exists, else the list of known names.
pub fn suggest<'a, I>(name: &str, candidates: I, what: &str) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    match closest(name, candidates.clone()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => {
            let known: Vec<String> = candidates
                .into_iter()
                .take(12)
                .map(|c| format!("`{c}`"))
                .collect();
            if known.is_empty() {
                format!("there are no {what} to choose from")
            } else {
                format!("known {what}: {}", known.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let columns = ["Asset ID", "Asset Type", "Power (kW)"];
        assert_eq!(closest("Asset Typ", columns), Some("Asset Type"));
        assert_eq!(closest("asset id", columns), Some("Asset ID"));
        assert_eq!(closest("Feeder", columns), None);
    }

    #[test]
    fn suggest_lists_known_names_when_nothing_is_close() {
        let help = suggest("zzz", ["a", "b"], "sources");
        assert_eq!(help, "known sources: `a`, `b`");
    }

    #[test]
    fn lines_and_columns_become_offsets_whatever_the_line_breaks() {
        for text in ["ab\ncé: [\n", "ab\r\ncé: [\r\n", "ab\rcé: [\r"] {
            let file = YamlFile::from_text("f.yaml".into(), "f.yaml".into(), text);
            let offset = file.offset_of(2, 5).expect("inside");
            assert_eq!(&text[offset..offset + 1], "[", "{text:?}");
            // Past the end of its line: the line's end.
            let end = file.offset_of(2, 40).expect("inside");
            assert!(text[end..].starts_with(['\n', '\r']), "{text:?}");
            assert_eq!(file.offset_of(9, 1), None);
        }
    }

    #[test]
    fn the_parsers_words_are_said_in_the_users() {
        let message = |text: &str| {
            let file = YamlFile::from_text("f.yaml".into(), "f.yaml".into(), text);
            match file.load::<std::collections::BTreeMap<String, String>>() {
                Err(YamlError::Syntax { message, .. }) => message,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            message("a: x\na: y\n"),
            "`a` is written twice in one mapping: keep one"
        );
    }
}
