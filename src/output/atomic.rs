//! Files put in place all together or not at all. Each file is written under a temporary
//! name beside its final path; a run's files are renamed into place by [`commit_all`], which
//! first writes a journal of the renames, so a run stopped halfway through them is completed
//! by the next ([`recover`]) instead of leaving a mix of new and old outputs. Temporaries of
//! an interrupted run are removed on the signal ([`remove_partials`]), and those a killed run
//! left behind by the next run.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::written::{OutputFile, Seal, record};
use super::{OutputError, write_error};

/// The temporaries being written, so an interrupted run can remove them.
static PARTIALS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// The journal of a commit under way, in the output folder.
const JOURNAL: &str = ".thinslice-commit";

/// The end of a temporary's name: `.NAME.PID.partial`.
const PARTIAL: &str = ".partial";

/// Whether this run has put its files in place.
static COMMITTED: AtomicBool = AtomicBool::new(false);

/// The registry of temporaries. A thread that panicked holding it left it whole: each
/// change is one insert or remove.
fn registry() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    PARTIALS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn registered(temporary: &Path, present: bool) {
    let mut partials = registry();
    if present {
        partials.insert(temporary.to_path_buf());
    } else {
        partials.remove(temporary);
    }
}

/// Removes every temporary this process is writing: what an interrupted run does before it
/// exits, so it leaves no half-written file behind. Returns whether the run had put its
/// files in place already. The registry stays locked afterwards, so no thread starts a new
/// file between this and the exit; call it only on the way out.
pub fn remove_partials() -> bool {
    let partials = registry();
    remove_all(&partials);
    std::mem::forget(partials);
    COMMITTED.load(Ordering::SeqCst)
}

fn remove_all(temporaries: &BTreeSet<PathBuf>) {
    for temporary in temporaries {
        let _ = fs::remove_file(temporary);
    }
}

/// A file written under a temporary name beside its final path, renamed into place only by
/// [`commit_all`] or [`AtomicFile::commit`]; dropped before that, the temporary is removed.
/// Writers that stream batch by batch keep one open for the whole run.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    /// A second handle on the temporary, to sync it once the writer that owns the first is
    /// done; None once synced.
    handle: Option<File>,
    committed: bool,
    /// The digest its writer leaves when done, recorded when the file is put in place.
    seal: Seal,
    /// The folders made for this file, deepest first: removed again, if left empty, when
    /// the file is dropped before its commit, so a failed run leaves no empty folders.
    made: Vec<PathBuf>,
}

impl AtomicFile {
    /// Creates the temporary (and the folder), returning it and the handle to write through,
    /// which hashes what it writes (dropped, it leaves the digest for the manifest).
    pub fn create(path: &Path) -> Result<(Self, OutputFile), OutputError> {
        let parent = path.parent().unwrap_or(Path::new("."));
        let fail = |e: std::io::Error| write_error(path, e);
        let made: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|folder| !folder.as_os_str().is_empty() && !folder.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(parent).map_err(fail)?;
        let temporary = temporary_name(path);
        registered(&temporary, true);
        let file = File::create(&temporary).map_err(fail)?;
        let handle = Some(file.try_clone().map_err(fail)?);
        let (file, seal) = OutputFile::new(file);
        let atomic = Self {
            path: path.to_path_buf(),
            temporary,
            handle,
            committed: false,
            seal,
            made,
        };
        Ok((atomic, file))
    }

    /// The error of a failed write to this file.
    pub fn error(&self, cause: impl Into<super::Cause>) -> OutputError {
        write_error(&self.path, cause)
    }

    /// Syncs the temporary to disk and lets go of it, so a file waiting to be committed
    /// holds no file handle. Every writer of the file must have flushed first.
    pub fn close(mut self) -> Result<Self, OutputError> {
        if let Some(handle) = self.handle.take() {
            handle.sync_all().map_err(|e| self.error(e))?;
        }
        Ok(self)
    }

    /// Syncs the temporary (unless closed already) and renames it over the final path: for
    /// a file that stands alone (a report); a run's data files go together by
    /// [`commit_all`].
    pub fn commit(self) -> Result<(), OutputError> {
        let mut closed = self.close()?;
        fs::rename(&closed.temporary, &closed.path).map_err(|e| closed.error(e))?;
        closed.committed = true;
        record(&closed.path, &closed.seal);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the temporary file is useless now, and its name says so.
            let _ = fs::remove_file(&self.temporary);
            // Only an empty folder is removed: another file may have been put in it.
            for folder in &self.made {
                let _ = fs::remove_dir(folder);
            }
        }
        registered(&self.temporary, false);
    }
}

fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}{PARTIAL}", std::process::id()))
}

/// Puts a run's finished files in place, all of them or, should the run be stopped
/// halfway, the next run puts the rest: the renames are written to a journal in
/// `output_dir` first, and the journal is removed once they are done. A run commits its
/// data files only once every source was read and every slice checked.
pub fn commit_all(output_dir: &Path, files: Vec<AtomicFile>) -> Result<(), OutputError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut closed = files
        .into_iter()
        .map(AtomicFile::close)
        .collect::<Result<Vec<_>, _>>()?;
    let journal = output_dir.join(JOURNAL);
    // The registry stays locked through the renames, so an interruption waits for them
    // (a few renames) rather than leaving the outputs half old, half new. Declared after
    // `closed`, the lock is let go before the files are dropped on an early return.
    let mut partials = registry();
    // From here the temporaries are the run's result, not to be removed on an interruption.
    for file in &closed {
        partials.remove(&file.temporary);
    }
    let renames: Vec<(&Path, &Path)> = closed
        .iter()
        .map(|f| (f.temporary.as_path(), f.path.as_path()))
        .collect();
    write_journal(&journal, &renames).map_err(|e| write_error(&journal, e))?;
    for file in &mut closed {
        fs::rename(&file.temporary, &file.path).map_err(|e| file.error(e))?;
        file.committed = true;
        record(&file.path, &file.seal);
    }
    // The renames reach the disk before the journal that would redo them is removed.
    let folders: BTreeSet<&Path> = closed.iter().filter_map(|f| f.path.parent()).collect();
    folders.into_iter().for_each(sync_folder);
    fs::remove_file(&journal).map_err(|e| write_error(&journal, e))?;
    COMMITTED.store(true, Ordering::SeqCst);
    Ok(())
}

/// Syncs a folder's entries (renames in it) to disk, where the system allows it.
fn sync_folder(folder: &Path) {
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
}

/// Writes the journal (the renames, as JSON: a path may hold any character): under a
/// temporary name, synced, then renamed, so a journal that exists is whole.
fn write_journal(journal: &Path, renames: &[(&Path, &Path)]) -> std::io::Result<()> {
    if let Some(folder) = journal.parent() {
        fs::create_dir_all(folder)?;
    }
    let temporary = temporary_name(journal);
    let mut file = File::create(&temporary)?;
    serde_json::to_writer(&mut file, renames)?;
    file.sync_all()?;
    fs::rename(&temporary, journal)?;
    journal.parent().into_iter().for_each(sync_folder);
    Ok(())
}

/// Makes an output folder whole before a run writes to it: a commit a stopped run left
/// halfway is completed from its journal, and the temporaries of runs no longer running are
/// removed.
pub fn recover(output_dir: &Path) -> Result<(), OutputError> {
    let journal = output_dir.join(JOURNAL);
    if let Ok(text) = fs::read(&journal) {
        // A journal is written whole or not at all; one that cannot be read is not ours.
        let renames: Vec<(PathBuf, PathBuf)> = serde_json::from_slice(&text).unwrap_or_default();
        for (temporary, path) in renames {
            // The journal only lists finished files. One renamed already (by the stopped
            // run, or by a run beside this one) is gone from its temporary name.
            match fs::rename(&temporary, &path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(write_error(&path, e));
                }
                _ => {}
            }
        }
        match fs::remove_file(&journal) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(write_error(&journal, e));
            }
            _ => {}
        }
    }
    for stale in stale_partials(output_dir) {
        let _ = fs::remove_file(stale);
    }
    Ok(())
}

/// The temporaries under `dir` whose writer is not running any more.
fn stale_partials(dir: &Path) -> Vec<PathBuf> {
    let mut stale = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if writer_of(&path).is_some_and(|pid| !is_running(pid)) {
                stale.push(path);
            }
        }
    }
    stale
}

/// The process that writes a temporary, from its name.
fn writer_of(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix('.')?.strip_suffix(PARTIAL)?;
    rest.rsplit('.').next()?.parse().ok()
}

/// Whether a process is running. Where that cannot be told, it is taken to be, and its
/// temporaries are left alone.
fn is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_commit_stopped_halfway_is_completed_by_the_next_run() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path();
        let old = |name: &str| fs::write(out.join(name), "old").expect("old");
        old("a.csv");
        old("b.csv");
        let (a, mut file_a) = AtomicFile::create(&out.join("a.csv")).expect("a");
        let (b, mut file_b) = AtomicFile::create(&out.join("b.csv")).expect("b");
        file_a.write_all(b"new").expect("write");
        file_b.write_all(b"new").expect("write");
        // The run is stopped after its journal and the first rename.
        let (a, b) = (a.close().expect("a"), b.close().expect("b"));
        let renames = [
            (a.temporary.as_path(), a.path.as_path()),
            (b.temporary.as_path(), b.path.as_path()),
        ];
        write_journal(&out.join(JOURNAL), &renames).expect("journal");
        fs::rename(&a.temporary, &a.path).expect("first rename");
        std::mem::forget((a, b));
        let read = |name: &str| fs::read_to_string(out.join(name)).expect("read");
        assert_eq!((read("a.csv"), read("b.csv")), ("new".into(), "old".into()));
        recover(out).expect("recovered");
        assert_eq!((read("a.csv"), read("b.csv")), ("new".into(), "new".into()));
        assert!(!out.join(JOURNAL).exists());
    }

    #[test]
    fn temporaries_of_runs_that_are_gone_are_removed() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let sub = dir.path().join("entities");
        fs::create_dir_all(&sub).expect("folder");
        // No process has this number (above the kernel's limit).
        let gone = sub.join(".pumps.parquet.4294967295.partial");
        let mine = sub.join(format!(".pumps.csv.{}.partial", std::process::id()));
        let other = sub.join("pumps.parquet");
        for file in [&gone, &mine, &other] {
            fs::write(file, "x").expect("file");
        }
        assert_eq!(writer_of(&gone), Some(4_294_967_295));
        recover(dir.path()).expect("recovered");
        assert!(!gone.exists() && mine.exists() && other.exists());
    }

    #[test]
    fn a_file_dropped_before_its_commit_leaves_no_folder_it_made() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let kept = dir.path().join("out/entities/kept.csv");
        let (file, _) = AtomicFile::create(&kept).expect("file");
        let (other, _) = AtomicFile::create(&dir.path().join("out/rdf/x.nt")).expect("file");
        drop(other);
        assert!(
            !dir.path().join("out/rdf").exists(),
            "its folder went with it"
        );
        file.commit().expect("committed");
        let (failed, _) = AtomicFile::create(&dir.path().join("out/entities/y.csv")).expect("file");
        drop(failed);
        assert!(kept.exists(), "a folder holding another file stays");
    }

    #[test]
    fn an_interrupted_run_knows_its_temporaries() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (file, _) = AtomicFile::create(&dir.path().join("x.nt")).expect("file");
        let temporary = file.temporary.clone();
        let registered = |path: &Path| registry().contains(path);
        assert!(temporary.exists() && registered(&temporary));
        // What the signal handler does, on this file alone (other tests write beside it).
        remove_all(&BTreeSet::from([temporary.clone()]));
        assert!(!temporary.exists());
        drop(file);
        assert!(!registered(&temporary), "a dropped file is forgotten");
    }
}
