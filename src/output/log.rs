//! An append-only log synced to disk at each append: what `publish` and `receive` write
//! before they tell the broker anything, so a process killed at any point leaves a log that
//! says what was done. A record is a line of words (the last ones the lengths of its fields,
//! `-` for a field that is absent) and then the fields as bytes: lengths, not escapes, so
//! triples and message bodies go to disk as they are. A record cut short by a kill reads as
//! the log's end.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::{OutputError, write_error};

/// A log file, opened (and its folder made) at the first append.
pub struct SyncedLog {
    path: PathBuf,
    file: Option<File>,
}

impl SyncedLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path, file: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `bytes` and syncs them to disk; nothing to append is no write.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let fail = |e: std::io::Error| write_error(&self.path, e);
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
                }
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(fail)?;
                self.file.insert(file)
            }
        };
        (file.write_all(bytes))
            .and_then(|()| file.sync_data())
            .map_err(fail)
    }

    /// Lets go of the file (a log about to be removed or replaced).
    pub fn close(&mut self) {
        self.file = None;
    }
}

/// Appends a record: `words`, then its `fields` (absent: none).
pub fn record(out: &mut Vec<u8>, words: &[&str], fields: &[Option<&[u8]>]) {
    let lengths = fields
        .iter()
        .map(|f| f.map_or_else(|| "-".to_string(), |f| f.len().to_string()));
    let head: Vec<String> = (words.iter().map(|w| w.to_string()))
        .chain(lengths)
        .collect();
    out.extend_from_slice(head.join(" ").as_bytes());
    out.push(b'\n');
    for field in fields.iter().flatten() {
        out.extend_from_slice(field);
    }
}

/// A log read record by record.
pub struct Records<R> {
    reader: R,
}

impl<R: BufRead> Records<R> {
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The words of the next record's line; none at the end or where the log was cut.
    pub fn head(&mut self) -> Option<Vec<String>> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 || !line.ends_with('\n') {
            return None;
        }
        Some(line.split_whitespace().map(str::to_string).collect())
    }

    /// The record's fields, of the `lengths` its line gave (`-`: absent); none where the
    /// log was cut.
    pub fn fields(&mut self, lengths: &[String]) -> Option<Vec<Option<Vec<u8>>>> {
        let mut fields = Vec::with_capacity(lengths.len());
        for length in lengths {
            if length == "-" {
                fields.push(None);
                continue;
            }
            // Read, not allocated ahead: a damaged length asks for no memory it cannot find.
            let length: u64 = length.parse().ok()?;
            let mut bytes = Vec::new();
            (&mut self.reader)
                .take(length)
                .read_to_end(&mut bytes)
                .ok()?;
            if bytes.len() as u64 != length {
                return None;
            }
            fields.push(Some(bytes));
        }
        Some(fields)
    }

    /// The record's fields as text (UTF-8).
    pub fn texts(&mut self, lengths: &[String]) -> Option<Vec<Option<String>>> {
        (self.fields(lengths)?.into_iter())
            .map(|f| f.map(String::from_utf8).transpose().ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_a_cut_record_is_the_end() {
        let mut bytes = Vec::new();
        record(
            &mut bytes,
            &["I", "7"],
            &[Some(b"slice"), None, Some(b"a\nb c")],
        );
        record(&mut bytes, &["K", "7"], &[]);
        let whole = bytes.len();
        record(&mut bytes, &["I", "8"], &[Some(b"cut short")]);
        bytes.truncate(whole + 8);
        let mut records = Records::new(std::io::Cursor::new(bytes));
        let head = records.head().expect("a record");
        assert_eq!(head, ["I", "7", "5", "-", "5"]);
        let fields = records.fields(&head[2..]).expect("its fields");
        assert_eq!(
            fields,
            [Some(b"slice".to_vec()), None, Some(b"a\nb c".to_vec())]
        );
        assert_eq!(records.head().expect("the ack"), ["K", "7"]);
        let head = records.head().expect("the cut record's line");
        assert_eq!(records.fields(&head[2..]), None);
        // A damaged length is the end too, whatever it asks for.
        let mut damaged = Records::new(std::io::Cursor::new(b"M 99999999999999\nab".to_vec()));
        let head = damaged.head().expect("its line");
        assert_eq!(damaged.fields(&head[1..]), None);
    }
}
