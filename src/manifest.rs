//! `out/manifest.json`: what a run wrote and from what, so a recipient can check what it
//! received (`thinslice verify`): every output file with its SHA-256 and size, the inputs
//! (sources, `thinslice.yaml`, slices, mappings, the RDL's files) with theirs, the
//! thinslice version, when the run started and ended, the row accounts and the markings.
//! The same facts go beside the RDF as PROV-O (`provenance.ttl`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::marking::Marking;
use crate::output::{OutputError, write_text};

/// The manifest's own file name, in the output folder.
pub const MANIFEST: &str = "manifest.json";

/// One file and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Relative to the output folder (outputs) or the workspace (inputs), with `/`.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// A slice's account, as the manifest carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceFacts {
    pub slice: String,
    pub source: String,
    pub read: u64,
    pub in_slice: u64,
    pub outside: u64,
    pub things: Option<u64>,
    pub quarantined: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<Marking>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The run's id: a digest of what it wrote and when it started.
    pub id: String,
    pub thinslice: String,
    pub started: String,
    pub finished: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<Marking>,
    pub inputs: Vec<FileDigest>,
    pub outputs: Vec<FileDigest>,
    pub slices: Vec<SliceFacts>,
}

/// A moment as ISO 8601 in UTC, to the second.
pub fn timestamp(at: std::time::SystemTime) -> String {
    let seconds = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A file's SHA-256 and size, read in blocks.
pub fn digest(path: &Path, shown: String) -> std::io::Result<FileDigest> {
    digest_unless(path, shown, &AtomicBool::new(false))?
        .ok_or_else(|| std::io::Error::other("stopped"))
}

/// A file's SHA-256 and size, or None once `stop` is set.
fn digest_unless(
    path: &Path,
    shown: String,
    stop: &AtomicBool,
) -> std::io::Result<Option<FileDigest>> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        bytes += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok(Some(FileDigest {
        path: shown,
        sha256: hex::encode(hasher.finalize()),
        bytes,
    }))
}

/// An output's SHA-256 and size: as its writer took them, when this process wrote it and it
/// has not changed since; else read.
fn output_digest(path: &Path, shown: String) -> std::io::Result<FileDigest> {
    match crate::output::written(path) {
        Some(written) => Ok(FileDigest {
            path: shown,
            sha256: hex::encode(written.sha256),
            bytes: written.bytes,
        }),
        None => digest(path, shown),
    }
}

/// Every file under the output folder but the manifest itself, by path; hidden ones (names
/// starting with `.`: a run's temporaries) only when asked for.
pub fn files(output_dir: &Path, hidden: bool) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut folders = vec![output_dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            if !hidden && entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.file_type()?.is_dir() {
                // The shards of a run in shards each have their own manifest (`verify
                // out/shards/K`); the run's reports in out/ are merge's.
                let shards = folder == output_dir && entry.file_name() == crate::shard::SHARDS_DIR;
                if !shards {
                    folders.push(path);
                }
                continue;
            }
            let relative = path.strip_prefix(output_dir).unwrap_or(&path);
            let shown: Vec<String> = (relative.components())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let shown = shown.join("/");
            if shown != MANIFEST {
                found.push((shown, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The digests of the output files written since `since`: a file left from an earlier run,
/// or put there by someone else, is not this run's and is not listed (`verify` names it).
pub fn outputs(
    output_dir: &Path,
    since: std::time::SystemTime,
) -> std::io::Result<Vec<FileDigest>> {
    let mut written = Vec::new();
    for (shown, path) in files(output_dir, false)? {
        if std::fs::metadata(&path)?.modified()? >= since {
            written.push((shown, path));
        }
    }
    // Those another process wrote (or this one only read) are read whole to be hashed:
    // one file per core.
    written
        .into_par_iter()
        .map(|(shown, path)| output_digest(&path, shown))
        .collect()
}

/// The run's id: the digest of its outputs' digests and its start.
pub fn run_id(outputs: &[FileDigest], started: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(started.as_bytes());
    for file in outputs {
        hasher.update(file.path.as_bytes());
        hasher.update(file.sha256.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Writes the manifest, atomically.
pub fn write(output_dir: &Path, manifest: &Manifest) -> Result<(), OutputError> {
    let path = output_dir.join(MANIFEST);
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    text.push('\n');
    write_text(&path, &text)
}

/// What differs between a folder and its manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// Listed, not there.
    Missing,
    /// There, with other bytes than listed.
    Altered,
    /// There, not listed.
    Extra,
}

/// Every file of the folder that differs from its manifest, by path.
pub fn verify(
    output_dir: &Path,
    manifest: &Manifest,
) -> std::io::Result<Vec<(String, Difference)>> {
    let listed: BTreeMap<&str, &FileDigest> = manifest
        .outputs
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let present: BTreeMap<String, PathBuf> = files(output_dir, true)?.into_iter().collect();
    let mut differences = Vec::new();
    for (path, expected) in &listed {
        match present.get(*path) {
            None => differences.push((path.to_string(), Difference::Missing)),
            Some(file) => {
                let found = digest(file, path.to_string())?;
                if found.sha256 != expected.sha256 || found.bytes != expected.bytes {
                    differences.push((path.to_string(), Difference::Altered));
                }
            }
        }
    }
    for path in present.keys() {
        if !listed.contains_key(path.as_str()) {
            differences.push((path.clone(), Difference::Extra));
        }
    }
    differences.sort();
    Ok(differences)
}

/// What a run reads: its sources, `thinslice.yaml`, its slices, mappings and export
/// mappings, the RDL's files; each with its path as the manifest shows it.
fn input_files(workspace: &crate::workspace::Workspace) -> Vec<(String, PathBuf)> {
    let mut paths: Vec<(String, PathBuf)> = vec![(
        crate::workspace::WORKSPACE_FILE.to_string(),
        workspace.root.join(crate::workspace::WORKSPACE_FILE),
    )];
    for source in workspace.sources.values() {
        paths.push((source.display.clone(), source.path.clone()));
    }
    for layer in &workspace.rdl {
        if layer.path.is_file() {
            paths.push((layer.display.clone(), layer.path.clone()));
        }
    }
    let folders = [
        workspace.slices_dir.clone(),
        workspace.mappings_dir.clone(),
        workspace.root.join("exports"),
    ];
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut yaml: Vec<PathBuf> = (entries.flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        yaml.sort();
        for path in yaml {
            paths.push((workspace.display_path(&path), path));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    paths.retain(|(shown, _)| seen.insert(shown.clone()));
    paths
        .into_iter()
        .map(|(shown, path)| (shown.replace('\\', "/"), path))
        .collect()
}

/// What a run read (see [`input_files`]), hashed a file per core.
pub fn inputs(workspace: &crate::workspace::Workspace) -> std::io::Result<Vec<FileDigest>> {
    input_files(workspace)
        .into_par_iter()
        .map(|(shown, path)| digest(&path, shown))
        .collect()
}

/// What a run reads, hashed one file after another while `job` runs beside, on a thread of
/// its own: at the end of the job it was a tail of its own, and a file per core on the
/// job's threads would hold up the job's parallel parts. A job that fails stops the
/// hashing; digests that could not be taken are None (the manifest takes them again, and
/// says what failed).
pub fn inputs_beside<T, E>(
    workspace: &crate::workspace::Workspace,
    job: impl FnOnce() -> Result<T, E>,
) -> Result<(T, Option<Vec<FileDigest>>), E> {
    let stop = AtomicBool::new(false);
    let (done, inputs) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| {
            let mut digests = Vec::new();
            for (shown, path) in input_files(workspace) {
                match digest_unless(&path, shown, &stop) {
                    Ok(Some(digest)) => digests.push(digest),
                    Ok(None) | Err(_) => return None,
                }
            }
            Some(digests)
        });
        let done = job();
        if done.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        (done, hashing.join().ok().flatten())
    });
    Ok((done?, inputs))
}

/// The same facts as PROV-O, in Turtle: the run a `prov:Activity` that used the inputs,
/// each output a `prov:Entity` generated by it and derived from the sources; each file
/// named by its content (`urn:sha256:…`), with its path as `dcterms:identifier`. The
/// marking goes on the run's dataset as `dcterms:license` and `dcterms:accessRights`.
pub fn provenance(manifest: &Manifest, sources: &[&str]) -> String {
    let quote = |text: &str| {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        format!("\"{escaped}\"")
    };
    let run = format!("<urn:thinslice:run:{}>", manifest.id);
    let mut out = String::from(
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n@prefix dcterms: <http://purl.org/dc/terms/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n",
    );
    out.push_str(&format!(
        "{run} a prov:Activity ;\n    prov:startedAtTime {}^^xsd:dateTime ;\n    prov:endedAtTime {}^^xsd:dateTime ;\n    prov:wasAssociatedWith <urn:thinslice:software:{}> .\n",
        quote(&manifest.started),
        quote(&manifest.finished),
        manifest.thinslice
    ));
    out.push_str(&format!(
        "<urn:thinslice:software:{}> a prov:SoftwareAgent ;\n    dcterms:title \"thinslice {}\" .\n",
        manifest.thinslice, manifest.thinslice
    ));
    let source_nodes: Vec<String> = (manifest.inputs.iter())
        .filter(|f| sources.contains(&f.path.as_str()))
        .map(|f| format!("<urn:sha256:{}>", f.sha256))
        .collect();
    for input in &manifest.inputs {
        out.push_str(&format!(
            "<urn:sha256:{}> a prov:Entity ;\n    dcterms:identifier {} .\n{run} prov:used <urn:sha256:{}> .\n",
            input.sha256,
            quote(&input.path),
            input.sha256
        ));
    }
    for output in &manifest.outputs {
        out.push_str(&format!(
            "<urn:sha256:{}> a prov:Entity ;\n    dcterms:identifier {} ;\n    prov:wasGeneratedBy {run}",
            output.sha256,
            quote(&output.path)
        ));
        for source in &source_nodes {
            out.push_str(&format!(" ;\n    prov:wasDerivedFrom {source}"));
        }
        out.push_str(" .\n");
    }
    // The markings on the datasets: the run's, and each slice's (the node its RDF names).
    let mut marked: Vec<(String, &Marking)> = Vec::new();
    if let Some(marking) = &manifest.marking {
        marked.push((format!("<urn:thinslice:dataset:{}>", manifest.id), marking));
    }
    for slice in &manifest.slices {
        if let Some(marking) = &slice.marking {
            let name = slice.slice.replace(' ', "%20");
            marked.push((format!("<urn:thinslice:dataset:{name}>"), marking));
        }
    }
    for (node, marking) in marked {
        out.push_str(&format!(
            "{node} a prov:Entity ;\n    prov:wasGeneratedBy {run}"
        ));
        if let Some(licence) = &marking.licence {
            out.push_str(&format!(" ;\n    dcterms:license <{licence}>"));
        }
        if let Some(classification) = &marking.classification {
            out.push_str(&format!(
                " ;\n    dcterms:accessRights {}",
                quote(classification)
            ));
        }
        if let Some(restrictions) = &marking.restrictions {
            out.push_str(&format!(" ;\n    dcterms:rights {}", quote(restrictions)));
        }
        out.push_str(" .\n");
    }
    out
}

/// The provenance file's name, in the output folder.
pub const PROVENANCE: &str = "provenance.ttl";

/// Writes `provenance.ttl` and the manifest after a run: the outputs as they are now, the
/// provenance file among them.
/// `inputs`: the inputs' digests when the run took them already (a shard, a merge), else
/// they are taken here.
pub fn record(
    workspace: &crate::workspace::Workspace,
    started: std::time::SystemTime,
    slices: Vec<SliceFacts>,
    inputs: Option<Vec<FileDigest>>,
) -> Result<Manifest, OutputError> {
    let dir = &workspace.output_dir;
    let fail = |e: std::io::Error| OutputError::Write {
        path: workspace.display_path(&dir.join(MANIFEST)),
        source: e.into(),
    };
    let finished = timestamp(std::time::SystemTime::now());
    let provenance_path = dir.join(PROVENANCE);
    let _ = std::fs::remove_file(&provenance_path);
    // Inputs and outputs are read whole to be hashed, side by side.
    let taken = inputs;
    let (inputs, outputs) = rayon::join(
        || taken.map_or_else(|| self::inputs(workspace), Ok),
        || outputs(dir, started),
    );
    let mut manifest = Manifest {
        id: String::new(),
        thinslice: env!("CARGO_PKG_VERSION").to_string(),
        started: timestamp(started),
        finished,
        marking: workspace.marking.clone().filter(|m| !m.is_empty()),
        inputs: inputs.map_err(fail)?,
        outputs: outputs.map_err(fail)?,
        slices,
    };
    manifest.id = run_id(&manifest.outputs, &manifest.started);
    let sources: Vec<&str> = workspace
        .sources
        .values()
        .map(|s| s.display.as_str())
        .collect();
    write_text(&provenance_path, &provenance(&manifest, &sources))?;
    manifest
        .outputs
        .push(output_digest(&provenance_path, PROVENANCE.to_string()).map_err(fail)?);
    manifest.outputs.sort_by(|a, b| a.path.cmp(&b.path));
    write(dir, &manifest)?;
    Ok(manifest)
}

/// Reads a folder's manifest.
pub fn read(output_dir: &Path) -> Result<Manifest, String> {
    let path = output_dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Beside each CSV file of a marked slice (`entities/SLICE.csv`, `quarantine/SLICE.csv`,
/// `failures/SLICE.csv`), its marking as CSVW metadata: `SLICE.csv-metadata.json`, so the
/// marking travels with a CSV file opened on its own.
pub fn companions(
    output_dir: &Path,
    markings: &BTreeMap<String, Marking>,
) -> Result<(), OutputError> {
    for folder in ["entities", "quarantine", "failures"] {
        for (slice, marking) in markings {
            let csv = output_dir.join(folder).join(format!("{slice}.csv"));
            if !csv.is_file() {
                continue;
            }
            let mut metadata = serde_json::json!({
                "@context": "http://www.w3.org/ns/csvw",
                "url": format!("{slice}.csv"),
            });
            if let Some(licence) = &marking.licence {
                metadata["dc:license"] = serde_json::json!({ "@id": licence });
            }
            if let Some(classification) = &marking.classification {
                metadata["dc:accessRights"] = serde_json::json!(classification);
            }
            if let Some(restrictions) = &marking.restrictions {
                metadata["dc:rights"] = serde_json::json!(restrictions);
            }
            let mut text = serde_json::to_string_pretty(&metadata).unwrap_or_default();
            text.push('\n');
            write_text(
                &output_dir
                    .join(folder)
                    .join(format!("{slice}.csv-metadata.json")),
                &text,
            )?;
        }
    }
    Ok(())
}

/// After a command wrote more under the output folder (`export`'s tables, `test`'s
/// results): the files it wrote since `since` join the manifest; what was listed stays as
/// listed, so an alteration by anyone else is still found.
pub fn refresh(output_dir: &Path, since: std::time::SystemTime) -> Result<(), OutputError> {
    let Ok(mut manifest) = read(output_dir) else {
        return Ok(());
    };
    let fail = |e: std::io::Error| OutputError::Write {
        path: output_dir.join(MANIFEST).display().to_string(),
        source: e.into(),
    };
    for written in outputs(output_dir, since).map_err(fail)? {
        manifest
            .outputs
            .retain(|listed| listed.path != written.path);
        manifest.outputs.push(written);
    }
    manifest.outputs.sort_by(|a, b| a.path.cmp(&b.path));
    write(output_dir, &manifest)
}

/// After a job: the CSV files' markings, then the provenance and the manifest of what it
/// wrote.
pub fn record_job(
    workspace: &crate::workspace::Workspace,
    started: std::time::SystemTime,
    runs: &[crate::report::SliceRun],
    markings: &BTreeMap<String, Marking>,
    inputs: Option<Vec<FileDigest>>,
) -> Result<(), OutputError> {
    let facts = (runs.iter())
        .map(|run| SliceFacts {
            slice: run.account.slice.clone(),
            source: run.account.source.clone(),
            read: run.account.rows_read,
            in_slice: run.account.rows_in_slice,
            outside: run.account.rows_outside,
            things: run.things,
            quarantined: run.quarantined,
            marking: markings.get(&run.account.slice).cloned(),
        })
        .collect();
    companions(&workspace.output_dir, markings)?;
    record(workspace, started, facts, inputs)?;
    Ok(())
}
