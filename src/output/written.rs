//! Every output file hashed as it is written. The manifest lists each output's SHA-256;
//! reading back what was just written to hash it was the tail of every run (the largest
//! file, often an N-Triples file of hundreds of megabytes, on one core after everything
//! else had finished). The writer's own thread hashes the bytes on their way to the file
//! instead, and the digest is kept with the committed file's identity (size, modification
//! time, inode), so a file changed since is read again.

use std::collections::BTreeMap;
use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

/// A file's content digest, as its writer saw the bytes go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub sha256: [u8; 32],
    pub bytes: u64,
}

/// The digest a writer leaves behind when it is done with its file.
pub(super) type Seal = Arc<Mutex<Option<Written>>>;

/// An output file being written: every byte that reaches the file is hashed on the way.
/// It cannot seek, so the bytes hashed are the file's, in order.
pub struct OutputFile {
    file: File,
    hasher: Sha256,
    bytes: u64,
    seal: Seal,
}

impl OutputFile {
    pub(super) fn new(file: File) -> (Self, Seal) {
        let seal = Seal::default();
        let writer = Self {
            file,
            hasher: Sha256::new(),
            bytes: 0,
            seal: seal.clone(),
        };
        (writer, seal)
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        let bytes = buf.get(..written).unwrap_or(buf);
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for OutputFile {
    /// The writer is done: what it wrote is sealed for the file's commit to take.
    fn drop(&mut self) {
        let digest = std::mem::take(&mut self.hasher).finalize();
        let written = Written {
            sha256: digest.into(),
            bytes: self.bytes,
        };
        *self.seal.lock().unwrap_or_else(PoisonError::into_inner) = Some(written);
    }
}

/// A committed file's digest and what the file was like when it was committed.
#[derive(Debug, Clone, Copy)]
struct Committed {
    written: Written,
    modified: Option<SystemTime>,
    inode: u64,
}

/// The files this process committed, by canonical path.
static LEDGER: Mutex<BTreeMap<PathBuf, Committed>> = Mutex::new(BTreeMap::new());

#[cfg(unix)]
fn inode(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_: &Metadata) -> u64 {
    0
}

/// Keeps the digest of a file just put in place at `path`, when its writer sealed one for
/// every byte the file holds (a writer still open, or a file of another length, gives
/// none: the manifest then reads the file).
pub(super) fn record(path: &Path, seal: &Seal) {
    let sealed = *seal.lock().unwrap_or_else(PoisonError::into_inner);
    let (Some(written), Ok(metadata), Ok(canonical)) =
        (sealed, std::fs::metadata(path), std::fs::canonicalize(path))
    else {
        return;
    };
    if metadata.len() != written.bytes {
        return;
    }
    let committed = Committed {
        written,
        modified: metadata.modified().ok(),
        inode: inode(&metadata),
    };
    let mut ledger = LEDGER.lock().unwrap_or_else(PoisonError::into_inner);
    ledger.insert(canonical, committed);
}

/// The digest of the file at `path` as this process wrote it, if it did and the file has
/// not changed since (same size, modification time and inode).
pub fn written(path: &Path) -> Option<Written> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let metadata = std::fs::metadata(&canonical).ok()?;
    let ledger = LEDGER.lock().unwrap_or_else(PoisonError::into_inner);
    let committed = *ledger.get(&canonical)?;
    let same = committed.written.bytes == metadata.len()
        && committed.modified == metadata.modified().ok()
        && committed.inode == inode(&metadata);
    same.then_some(committed.written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::AtomicFile;

    fn sha256(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }

    #[test]
    fn a_committed_file_is_known_by_its_bytes_until_it_changes() {
        let dir = tempfile::tempdir().expect("folder");
        let path = dir.path().join("out/a.nt");
        let (atomic, mut file) = AtomicFile::create(&path).expect("file");
        file.write_all(b"<a> <b> <c> .\n").expect("write");
        file.write_all(b"<d> <e> <f> .\n").expect("write");
        drop(file);
        atomic.commit().expect("commit");
        let expected = b"<a> <b> <c> .\n<d> <e> <f> .\n";
        let known = written(&path).expect("recorded");
        assert_eq!(known.sha256, sha256(expected));
        assert_eq!(known.bytes, expected.len() as u64);
        // The same file by another spelling of its path.
        let other = dir.path().join("out/../out/a.nt");
        assert_eq!(written(&other), Some(known));

        std::fs::write(&path, b"changed by someone else\n").expect("overwrite");
        assert_eq!(written(&path), None);
    }

    #[test]
    fn a_file_whose_writer_is_still_open_is_not_recorded() {
        let dir = tempfile::tempdir().expect("folder");
        let path = dir.path().join("b.csv");
        let (atomic, mut file) = AtomicFile::create(&path).expect("file");
        file.write_all(b"a,b\n").expect("write");
        atomic.commit().expect("commit");
        assert_eq!(written(&path), None);
        drop(file);
    }
}
