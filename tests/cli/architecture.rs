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
    "source",
    "slice",
    "rdl",
    "mapping",
    "checks",
    "output",
    "workspace",
    "report",
    "regression",
    "profile",
    "error",
    "pipeline",
    "lint",
    "stream",
    "job",
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

/// The top-level module a file belongs to (`src/checks/values.rs` → `checks`); None for
/// the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        name => Some(name.trim_end_matches(".rs").to_string()),
    }
}

/// The code of a file without its comments (doc links name modules too).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's code names through `crate::`.
fn imports(text: &str) -> BTreeSet<String> {
    let code = code(text);
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
        // `use crate::{a, b}` names several.
        if rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for item in group.split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    found.insert(name.to_string());
                }
            }
        }
    }
    found
}

/// Each module's imports of other modules, with the file that makes each.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = repo().join("src");
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read source");
        let shown = file
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string();
        let edges = graph.entry(module.clone()).or_default();
        // Unit tests may build their inputs with any module; the library may not.
        let library = text.split("\n#[cfg(test)]").next().unwrap_or(&text);
        for imported in imports(library) {
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
    let text = "use crate::quality::Dimension;\nuse crate::{columns::ID, diag};\n// crate::job in a comment\nlet x = crate::slice::compile_condition(y);\n";
    let found: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(found, ["columns", "diag", "quality", "slice"]);
}

/// Each function in `text`: its name, its first line and its length in lines, from its
/// `fn` line to the closing brace at the same indentation, as rustfmt writes them.
/// Declarations without a body (in traits) are skipped.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let signature = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
            .iter()
            .find_map(|prefix| trimmed.strip_prefix(prefix));
        let Some(rest) = signature else { continue };
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
    let text = "trait T {\n    fn declared(&self);\n}\n\nfn short() {}\n\npub fn long(\n    a: u8,\n) -> u8 {\n    let b = a;\n    b\n}\n";
    assert_eq!(function_lengths(text), [("long".to_string(), 7, 6)]);
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
        let body = text.split("\n#[cfg(test)]").next().unwrap_or(&text);
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
