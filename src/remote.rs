//! Sources and outputs on object storage (`s3://`, `gs://`, `az://`), through the
//! `object_store` crate that polars itself uses. Credentials and endpoints come from the
//! standard environment of each store (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT_URL`,
//! `GOOGLE_APPLICATION_CREDENTIALS`, `AZURE_STORAGE_ACCOUNT_NAME`...).
//!
//! A remote source is fetched once into the workspace's `.thinslice/fetched/` and read there,
//! so every reader keeps its exact locations (line, sheet and cell) and its streaming; it is
//! fetched again only when the object's entity tag changes. A remote output folder is
//! written locally under `.thinslice/staged/` as any output folder is, then each file that
//! changed since the last upload is uploaded, `manifest.json` last: a reader that trusts
//! the manifest never sees a mix of two runs.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};

use crate::output::{AtomicFile, OutputError};

/// The URL schemes read as object storage.
const SCHEMES: &[&str] = &["s3://", "gs://", "az://", "abfs://", "abfss://"];

/// Where fetched sources and staged outputs are kept, under the workspace.
pub const FETCHED_DIR: &str = ".thinslice/fetched";
pub const STAGED_DIR: &str = ".thinslice/staged";

/// Whether `path` names an object in a store rather than a local file.
pub fn is_remote(path: &str) -> bool {
    SCHEMES.iter().any(|scheme| path.starts_with(scheme))
}

/// A stable local folder name for a URL: the same URL, the same folder.
pub fn folder_for(url: &str) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(url.as_bytes()))
}

/// A failure to reach or use object storage.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RemoteError {
    #[error("{url}: not a URL thinslice can read: {reason}")]
    #[diagnostic(
        code(thinslice::remote::url),
        help("write it as s3://BUCKET/KEY, gs://BUCKET/KEY or az://CONTAINER/KEY")
    )]
    BadUrl { url: String, reason: String },

    #[error("{url}: there is no such object")]
    #[diagnostic(
        code(thinslice::remote::not_found),
        help(
            "check the bucket (it must exist: thinslice does not create buckets) and the key; list them with your store's own tool"
        )
    )]
    NotFound { url: String },

    #[error("{url}: the outputs cannot go there: {reason}")]
    #[diagnostic(
        code(thinslice::remote::output),
        help(
            "the bucket must exist (thinslice does not create buckets) and the credentials must allow listing and writing it: checked before the job runs, so a long run does not end in a failed upload"
        )
    )]
    Unwritable { url: String, reason: String },

    #[error("{url}: the object store failed: {reason}")]
    #[diagnostic(
        code(thinslice::remote::store),
        help(
            "credentials and endpoints come from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL (and AWS_ALLOW_HTTP=true for http://) for s3://; GOOGLE_APPLICATION_CREDENTIALS for gs://; AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY for az://"
        )
    )]
    Store { url: String, reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] OutputError),
}

/// An object, or a folder of objects, in a store.
pub struct Location {
    url: String,
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
}

impl Location {
    /// The store and path `url` names, configured from the environment.
    pub fn parse(url: &str) -> Result<Self, RemoteError> {
        let bad = |reason: String| RemoteError::BadUrl {
            url: url.to_string(),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        // Keys the store does not know are ignored: the whole environment can be offered.
        let options = std::env::vars().map(|(k, v)| (k.to_ascii_lowercase(), v));
        // A URL of a known scheme that the store cannot be built for is a matter of the
        // environment (credentials, endpoint), not of how the URL is written.
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no bucket".into()));
        }
        let (store, path) =
            object_store::parse_url_opts(&parsed, options).map_err(|e| RemoteError::Store {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            url: url.to_string(),
            store: Arc::from(store),
            path,
        })
    }

    fn failure(&self, err: object_store::Error) -> RemoteError {
        match err {
            object_store::Error::NotFound { .. } => RemoteError::NotFound {
                url: self.url.clone(),
            },
            other => RemoteError::Store {
                url: self.url.clone(),
                reason: other.to_string(),
            },
        }
    }

    /// Checks that the folder can be listed (the bucket exists, the credentials and the
    /// endpoint answer): for an output folder, before the job runs.
    pub fn check_output(&self) -> Result<(), RemoteError> {
        let runtime = runtime(&self.url)?;
        let first = runtime.block_on(async { self.store.list(Some(&self.path)).next().await });
        match first {
            Some(Err(e)) => Err(RemoteError::Unwritable {
                url: self.url.clone(),
                reason: e.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Fetches the object to `to`, unless `to` holds it already (same entity tag and size,
    /// noted beside it); the copy is put in place whole.
    pub fn fetch(&self, to: &Path) -> Result<(), RemoteError> {
        let runtime = runtime(&self.url)?;
        let meta = runtime
            .block_on(self.store.head(&self.path))
            .map_err(|e| self.failure(e))?;
        let tag = format!("{} {}", meta.e_tag.unwrap_or_default(), meta.size);
        let tag_file = tag_file(to);
        if to.is_file() && std::fs::read_to_string(&tag_file).ok().as_deref() == Some(&tag) {
            return Ok(());
        }
        let (file, mut out) = AtomicFile::create(to)?;
        runtime.block_on(async {
            let mut stream = self
                .store
                .get(&self.path)
                .await
                .map_err(|e| self.failure(e))?
                .into_stream();
            while let Some(bytes) = stream.next().await {
                let bytes = bytes.map_err(|e| self.failure(e))?;
                out.write_all(&bytes).map_err(|e| file.error(e))?;
            }
            Ok::<(), RemoteError>(())
        })?;
        drop(out);
        file.close()?.commit()?;
        std::fs::write(&tag_file, tag).map_err(|e| OutputError::Write {
            path: tag_file.display().to_string(),
            source: e.into(),
        })?;
        Ok(())
    }

    /// Uploads the files of `folder` under this location, keeping their relative paths:
    /// those whose bytes changed since the last upload (noted in `record`), `manifest.json`
    /// last. Returns how many were uploaded.
    pub fn upload_folder(&self, folder: &Path, record: &Path) -> Result<usize, RemoteError> {
        let runtime = runtime(&self.url)?;
        let mut uploaded = read_record(record);
        let mut count = 0;
        for relative in upload_order(local_files(folder)) {
            let local = folder.join(&relative);
            let unreadable = |e: std::io::Error| OutputError::Write {
                path: local.display().to_string(),
                source: e.into(),
            };
            let hash = file_hash(&local).map_err(unreadable)?;
            if uploaded.get(&relative) == Some(&hash) {
                continue;
            }
            let key = ObjectPath::from(format!("{}/{relative}", self.path));
            let file = std::fs::File::open(&local).map_err(unreadable)?;
            runtime.block_on(self.upload(&key, file, &local))?;
            uploaded.insert(relative, hash);
            count += 1;
        }
        write_record(record, &uploaded)?;
        Ok(count)
    }

    /// Downloads the objects under `prefix` (relative to this location) whose relative path
    /// `wanted` accepts into `folder`, keeping their relative paths, and notes them in
    /// `record` as uploaded (they are the store's already). Returns how many.
    pub fn download_folder(
        &self,
        prefix: &str,
        folder: &Path,
        record: &Path,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<usize, RemoteError> {
        let runtime = runtime(&self.url)?;
        let base = format!("{}/", self.path);
        let under = ObjectPath::from(format!("{}/{prefix}", self.path));
        let listed: Vec<object_store::ObjectMeta> = runtime.block_on(async {
            let mut listing = self.store.list(Some(&under));
            let mut all = Vec::new();
            while let Some(meta) = listing.next().await {
                all.push(meta.map_err(|e| self.failure(e))?);
            }
            Ok::<_, RemoteError>(all)
        })?;
        let mut uploaded = read_record(record);
        let mut count = 0;
        for meta in listed {
            let key = meta.location.to_string();
            let Some(relative) = key.strip_prefix(&base).map(str::to_string) else {
                continue;
            };
            // A key is the store's: it must not lead out of the folder.
            let safe = !relative
                .split('/')
                .any(|part| part.is_empty() || part == "..");
            if !safe || !wanted(&relative) {
                continue;
            }
            let local = folder.join(&relative);
            let object = Location {
                url: format!("{}/{relative}", self.url.trim_end_matches('/')),
                store: self.store.clone(),
                path: meta.location.clone(),
            };
            if let Some(parent) = local.parent() {
                std::fs::create_dir_all(parent).map_err(|e| OutputError::Write {
                    path: parent.display().to_string(),
                    source: e.into(),
                })?;
            }
            object.fetch(&local)?;
            let hash = file_hash(&local).map_err(|e| OutputError::Write {
                path: local.display().to_string(),
                source: e.into(),
            })?;
            uploaded.insert(relative, hash);
            count += 1;
        }
        write_record(record, &uploaded)?;
        Ok(count)
    }

    /// One object from a file, read and sent in parts of 8 MiB when it is larger than one:
    /// memory holds a few parts, whatever the file's size.
    async fn upload(
        &self,
        key: &ObjectPath,
        mut file: std::fs::File,
        local: &Path,
    ) -> Result<(), RemoteError> {
        const PART: usize = 8 << 20;
        let unreadable = |e: std::io::Error| OutputError::Write {
            path: local.display().to_string(),
            source: e.into(),
        };
        let first = read_part(&mut file, PART).map_err(unreadable)?;
        if first.len() < PART {
            self.store
                .put(key, first.into())
                .await
                .map_err(|e| self.failure(e))?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(key)
            .await
            .map_err(|e| self.failure(e))?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut part = first;
        while !part.is_empty() {
            parts
                .wait_for_capacity(4)
                .await
                .map_err(|e| self.failure(e))?;
            parts.write(&part);
            part = read_part(&mut file, PART).map_err(unreadable)?;
        }
        parts.finish().await.map_err(|e| self.failure(e))?;
        Ok(())
    }
}

/// Up to `size` bytes of `file`; fewer only at its end.
fn read_part(file: &mut std::fs::File, size: usize) -> std::io::Result<Vec<u8>> {
    let mut part = Vec::with_capacity(size);
    file.take(size as u64).read_to_end(&mut part)?;
    Ok(part)
}

/// A file's content hash, read in pieces.
fn file_hash(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

/// What was uploaded from a folder: relative path → content hash.
fn read_record(record: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(record)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn write_record(record: &Path, uploaded: &BTreeMap<String, String>) -> Result<(), OutputError> {
    let text = serde_json::to_string_pretty(uploaded).unwrap_or_default();
    std::fs::write(record, text).map_err(|e| OutputError::Write {
        path: record.display().to_string(),
        source: e.into(),
    })
}

/// The files in the order they go up: the manifest says which files make the run, so it
/// goes up once they are all there.
fn upload_order(mut files: Vec<String>) -> Vec<String> {
    files.sort_by_key(|relative| relative == "manifest.json");
    files
}

/// The note of which version of an object a fetched copy holds.
fn tag_file(copy: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(copy.file_name().unwrap_or_default());
    name.push(".etag");
    copy.with_file_name(name)
}

/// Every file under `folder`, as `/`-separated paths relative to it, sorted; hidden ones
/// (a write's temporaries, the notes of fetched copies) left out.
fn local_files(folder: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(folder) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push(parts.join("/"));
            }
        }
    }
    files.sort();
    files
}

/// The runtime the store's calls run on: one thread, for the length of a call.
fn runtime(url: &str) -> Result<tokio::runtime::Runtime, RemoteError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| RemoteError::Store {
            url: url.to_string(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_stores_are_remote_and_paths_are_not() {
        assert!(is_remote("s3://bucket/assets.csv"));
        assert!(is_remote("gs://bucket/a/b.parquet"));
        assert!(is_remote("az://container/x.xlsx"));
        assert!(!is_remote("examples/assets.csv"));
        assert!(!is_remote("/data/s3://odd.csv"));
        assert_eq!(folder_for("s3://a/b"), folder_for("s3://a/b"));
        assert_ne!(folder_for("s3://a/b"), folder_for("s3://a/c"));
    }

    #[test]
    fn the_manifest_goes_up_last() {
        let files = ["a.nt", "manifest.json", "rdf/x.nt", "report.json"].map(String::from);
        assert_eq!(
            upload_order(files.to_vec()),
            ["a.nt", "rdf/x.nt", "report.json", "manifest.json"]
        );
    }

    #[test]
    fn a_url_without_a_bucket_is_refused_with_what_to_write() {
        let err = Location::parse("s3:/no-bucket").err().expect("refused");
        assert!(matches!(err, RemoteError::BadUrl { .. }), "{err:?}");
    }
}
