//! The shape of the code, read from `src/`: the library's modules are layered (each imports
//! only the ones below it, so the import graph has no cycle), the command layer is never
//! imported by the library, and no file or function grows past what a reader takes in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo;

/// The library's modules, lowest first, as `src/lib.rs` describes them: a module may import
/// only the modules before it.
const LAYERS: &[&str] = &[
    "columns",
    "diag",
    "progress",
    "quality",
    "marking",
    "source",
    "slice",
    "rdl",
    "mapping",
    "checks",
    "share",
    "output",
    "remote",
    "broker",
    "workspace",
    "shard",
    "report",
    "manifest",
    "regression",
    "profile",
    "publish",
    "receive",
    "export",
    "error",
    "pipeline",
    "lint",
    "terms",
    "stream",
    "job",
    "draft",
    "fuzz",
];

/// The command layer: it imports the library, never the other way.
const COMMANDS: &[&str] = &["cli", "cmd"];

/// A library file longer than this is split along its seams.
const MAX_FILE_LINES: usize = 600;
/// A function longer than this is split, unless it is listed in [`LONG_FUNCTIONS`].
const MAX_FUNCTION_LINES: usize = 100;
/// Functions allowed to be longer, and why.
const LONG_FUNCTIONS: &[(&str, &str)] = &[];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("list src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A file's module path (`src/checks/values.rs` → `[checks, values]`, `src/checks/mod.rs` →
/// `[checks]`); None for the crate roots.
fn module_path(src: &Path, file: &Path) -> Option<Vec<String>> {
    let relative = file.strip_prefix(src).ok()?;
    let mut path: Vec<String> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .map(|c| c.trim_end_matches(".rs").to_string())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    match path.first().map(String::as_str) {
        None | Some("lib" | "main") => None,
        Some(_) => Some(path),
    }
}

/// The code of a file without its comments and string literals: doc links and messages name
/// modules too.
fn code(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], at(i + 1));
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == '"' || next == '#') && !after_word {
            // A raw string: r"…", r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            i += 1 + hashes;
            if at(i) == '"' {
                let closing: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                i += 1;
                while i < chars.len() && chars[i..].iter().take(closing.len()).ne(closing.iter()) {
                    i += 1;
                }
                i += closing.len();
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && (next == '\\' || at(i + 2) == '\'') {
            // A character literal, '"' among them; a lifetime has no closing quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The identifier at the start of `text`.
fn word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first segment of each item of a `{…}` group at the start of `text`.
fn group_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 1;
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                let item = text[start..at].trim();
                if !item.is_empty() {
                    items.push(word(item).to_string());
                }
                start = at + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    items
}

/// The top-level modules the code of the file at `path` names through `crate::`, or through
/// as many `super::` as lead back to the crate's root.
fn imports(text: &str, path: &[String]) -> BTreeSet<String> {
    let code = code(text);
    let mut found = BTreeSet::new();
    for (at, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut rest = &code[at..];
        let depth = if let Some(after) = rest.strip_prefix("crate::") {
            rest = after;
            0
        } else {
            let mut ups = 0;
            while let Some(after) = rest.strip_prefix("super::") {
                rest = after;
                ups += 1;
            }
            match path.len().checked_sub(ups) {
                Some(depth) => depth,
                None => continue,
            }
        };
        // Below the root, a path stays within the file's own top-level module.
        if depth > 0 {
            continue;
        }
        let names = if rest.starts_with('{') {
            group_items(rest)
        } else {
            vec![word(rest).to_string()]
        };
        found.extend(names.into_iter().filter(|n| !n.is_empty() && n != "self"));
    }
    found
}

/// A file's library code: without its unit tests, which may build their inputs with any
/// module.
fn library_code(text: &str) -> &str {
    text.split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text)
}

/// Each module's imports of other modules, with the file that makes each.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = repo().join("src");
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let Some(path) = module_path(&src, &file) else {
            continue;
        };
        let module = path[0].clone();
        let text = std::fs::read_to_string(&file).expect("read source");
        let shown = file
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string();
        let edges = graph.entry(module.clone()).or_default();
        for imported in imports(library_code(&text), &path) {
            if imported != module {
                edges.entry(imported).or_insert_with(|| shown.clone());
            }
        }
    }
    graph
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let graph = graph();
    let known: BTreeSet<&str> = LAYERS.iter().chain(COMMANDS).copied().collect();
    let modules: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    assert_eq!(
        modules, known,
        "every module of src/ has its place in LAYERS or COMMANDS"
    );
    let mut upward = Vec::new();
    for (position, module) in LAYERS.iter().enumerate() {
        for (imported, file) in &graph[*module] {
            let allowed = LAYERS[..position].contains(&imported.as_str());
            if !allowed {
                upward.push(format!("{file} ({module}) imports {imported}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the flow:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_layer_check_sees_imports_in_every_form() {
    let text = r##"use crate::quality::Dimension;
use crate::{columns::{ID, ROW_COLUMN}, diag, self};
use super::stream::Files;
// crate::job in a comment, /* crate::cmd */ in another
let x = crate::slice::compile_condition(y);
let quote = '"'; let text = "crate::report"; let raw = r#"crate::output"#;
fn f<'a>(v: &'a str) -> super::super::rdl::Rdl { todo!() }
"##;
    let top: Vec<String> = imports(text, &["job".to_string()]).into_iter().collect();
    assert_eq!(top, ["columns", "diag", "quality", "slice", "stream"]);
    // From src/checks/values.rs, `super::` is checks itself, `super::super::` the root.
    let nested = ["checks".to_string(), "values".to_string()];
    let deep: Vec<String> = imports(text, &nested).into_iter().collect();
    assert_eq!(deep, ["columns", "diag", "quality", "rdl", "slice"]);
    assert_eq!(
        library_code("a\n#[cfg(test)]\npub(crate) mod fixtures;\nb\n#[cfg(test)]\nmod tests {}"),
        "a\n#[cfg(test)]\npub(crate) mod fixtures;\nb"
    );
}

/// What follows `fn ` on a line declaring a function, whatever its visibility and
/// qualifiers (`pub(in …)`, `const`, `async`, `unsafe`, `extern "C"`).
fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line;
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(inner) => &inner[inner.find(')')? + 1..],
            None => after,
        };
        rest = rest.trim_start();
    }
    loop {
        let before = rest;
        for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
            if let Some(after) = rest.strip_prefix(qualifier) {
                rest = after;
            }
        }
        if rest == before {
            break;
        }
    }
    rest.strip_prefix("fn ")
}

/// Each function in `text`: its name, its first line and its length in lines, from its
/// `fn` line to the closing brace at the same indentation, as rustfmt writes them.
/// Declarations without a body (in traits) are skipped.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(rest) = fn_name(trimmed) else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if line.trim_end().ends_with('}') {
            continue;
        }
        let opened = lines[start..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'));
        let Some(opened) = opened else { continue };
        if lines[start + opened].trim_end().ends_with(';') {
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        let closing = format!("{indent}}}");
        if let Some(end) = lines[start..].iter().position(|l| l.trim_end() == closing) {
            found.push((name, start + 1, end + 1));
        }
    }
    found
}

#[test]
fn function_lengths_run_from_the_signature_to_the_closing_brace() {
    let text = "trait T {\n    fn declared(&self);\n}\n\nfn short() {}\n\npub fn long(\n    a: u8,\n) -> u8 {\n    let b = a;\n    b\n}\n\npub(in crate::x) const unsafe fn hidden() {\n    x\n}\n";
    assert_eq!(
        function_lengths(text),
        [("long".to_string(), 7, 6), ("hidden".to_string(), 14, 3)]
    );
}

#[test]
fn no_library_file_or_function_is_too_long_to_read() {
    let src = repo().join("src");
    let mut problems = Vec::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).expect("read source");
        let shown = file
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string();
        // Unit tests are not part of what a reader of the module takes in.
        let body = library_code(&text);
        let lines = body.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!("{shown}: {lines} lines"));
        }
        for (name, start, length) in function_lengths(body) {
            let allowed = LONG_FUNCTIONS.iter().any(|(f, _)| *f == name);
            if length > MAX_FUNCTION_LINES && !allowed {
                problems.push(format!("{shown}:{start}: fn {name} has {length} lines"));
            }
        }
    }
    assert!(problems.is_empty(), "too long:\n{}", problems.join("\n"));
}
