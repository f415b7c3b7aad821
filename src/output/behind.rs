//! A slice's files written on threads of their own, behind the thread that maps and checks
//! it. A slice's work on a batch used to be one chain on one thread (write the rows as cut,
//! map, check, write the things, write their triples), so a run used about one core and a
//! half of any number; now the thread that maps hands each finished table to its writers'
//! queues and goes on with the next batch while they encode, compress and write. Each
//! writer takes its batches in order, so the files have the same bytes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use polars::prelude::DataFrame;

use super::{AtomicFile, Cause, OutputError, RdfSink, RdfStats, TableSink, write_error};
use crate::progress::Progress;

/// Tables queued for a writer: enough to keep it busy while the next is mapped, few enough
/// that memory holds a handful of batches whatever the size of the slice.
const QUEUE: usize = 2;

/// Something written a table at a time, then ended.
pub trait Sink: Send + 'static {
    /// What the ended sink hands back (its files, to be put in place).
    type Ended: Send + 'static;
    /// What it writes, for the error of a writer that stopped without saying why.
    const WRITES: &'static str;
    fn write(&mut self, table: &DataFrame) -> Result<(), OutputError>;
    fn end(self) -> Result<Self::Ended, OutputError>;
}

impl Sink for TableSink {
    type Ended = Vec<AtomicFile>;
    const WRITES: &'static str = "table";
    fn write(&mut self, table: &DataFrame) -> Result<(), OutputError> {
        TableSink::write(self, table)
    }
    fn end(self) -> Result<Self::Ended, OutputError> {
        self.finish()
    }
}

impl Sink for RdfSink {
    type Ended = (RdfStats, Vec<AtomicFile>);
    const WRITES: &'static str = "RDF";
    fn write(&mut self, things: &DataFrame) -> Result<(), OutputError> {
        RdfSink::write(self, things)
    }
    fn end(self) -> Result<Self::Ended, OutputError> {
        self.finish()
    }
}

enum Message {
    Table(DataFrame),
    /// Every table was sent: end the files. A writer whose queue is dropped without this
    /// drops its sink instead, and the temporaries go with it.
    End,
}

/// What the writer's thread returns: the ended sink, or the error it stopped on; and the
/// time it spent writing.
type Outcome<E> = (Option<Result<E, OutputError>>, Duration);

/// A sink written by a thread of its own.
pub struct Behind<S: Sink> {
    /// What `--timings` calls its work: `writing RDF pumps`.
    label: String,
    /// The file named should the thread stop without saying why.
    shown: PathBuf,
    send: Option<SyncSender<Message>>,
    thread: Option<JoinHandle<Outcome<S::Ended>>>,
}

impl<S: Sink> Behind<S> {
    /// Starts the writer of `sink`, whose first file is `shown`.
    pub fn start(sink: S, label: String, shown: &Path) -> Result<Self, OutputError> {
        let (send, receive) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name(label.chars().take(15).collect())
            .spawn(move || drain(sink, receive))
            .map_err(|e| write_error(shown, e))?;
        Ok(Self {
            label,
            shown: shown.to_path_buf(),
            send: Some(send),
            thread: Some(thread),
        })
    }

    /// Queues `table` after those queued before; waits while the queue is full. The error
    /// of an earlier table, if the writer stopped on one.
    pub fn write(&mut self, table: DataFrame) -> Result<(), OutputError> {
        let sent = (self.send.as_ref()).map(|send| send.send(Message::Table(table)));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.stopped(None)),
        }
    }

    /// Waits for every queued table to be written and ends the files; the writer's time is
    /// added to `progress`'s.
    pub fn end(mut self, progress: &dyn Progress) -> Result<S::Ended, OutputError> {
        let sent = (self.send.take()).map(|send| send.send(Message::End));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.stopped(Some(progress)));
        }
        match self.join(Some(progress)) {
            Some(Ok(ended)) => Ok(ended),
            Some(Err(e)) => Err(e),
            None => Err(self.unexplained()),
        }
    }

    /// The error the writer stopped on.
    fn stopped(&mut self, progress: Option<&dyn Progress>) -> OutputError {
        self.send = None;
        match self.join(progress) {
            Some(Err(e)) => e,
            _ => self.unexplained(),
        }
    }

    fn unexplained(&self) -> OutputError {
        write_error(&self.shown, Cause::Stopped(S::WRITES))
    }

    /// Waits for the thread; what it returned (None when it panicked or was joined).
    fn join(&mut self, progress: Option<&dyn Progress>) -> Option<Result<S::Ended, OutputError>> {
        let (outcome, took) = self.thread.take()?.join().ok()?;
        if let Some(progress) = progress {
            progress.spent(&self.label, took);
        }
        outcome
    }
}

impl<S: Sink> Drop for Behind<S> {
    /// A slice that failed drops its writers: each stops after the table it is on, and its
    /// temporaries are removed.
    fn drop(&mut self) {
        self.send = None;
        let _ = self.join(None);
    }
}

/// The writer's thread: writes each table as it comes, in order.
fn drain<S: Sink>(mut sink: S, receive: Receiver<Message>) -> Outcome<S::Ended> {
    let mut took = Duration::ZERO;
    for message in receive {
        let started = Instant::now();
        let done = match message {
            Message::Table(table) => sink.write(&table),
            Message::End => {
                let ended = sink.end();
                return (Some(ended), took + started.elapsed());
            }
        };
        took += started.elapsed();
        if let Err(e) = done {
            return (Some(Err(e)), took);
        }
    }
    (None, took)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use polars::prelude::*;

    use super::*;
    use crate::progress::{Silent, Timed, Timings};

    /// Heights of the tables written, in order; fails on a table of `fail_at` rows; notes
    /// whether it was ended or dropped.
    struct Heights {
        seen: Arc<Mutex<Vec<usize>>>,
        fail_at: Option<usize>,
        ended: Arc<AtomicBool>,
    }

    impl Sink for Heights {
        type Ended = usize;
        const WRITES: &'static str = "test";
        fn write(&mut self, table: &DataFrame) -> Result<(), OutputError> {
            if Some(table.height()) == self.fail_at {
                let refused = std::io::Error::other("refused");
                return Err(write_error(Path::new("out/x.parquet"), refused));
            }
            self.seen.lock().expect("seen").push(table.height());
            Ok(())
        }
        fn end(self) -> Result<usize, OutputError> {
            self.ended.store(true, Ordering::SeqCst);
            Ok(self.seen.lock().expect("seen").len())
        }
    }

    fn table(height: usize) -> DataFrame {
        df!("a" => vec![1i64; height]).expect("table")
    }

    fn heights(fail_at: Option<usize>) -> (Heights, Arc<Mutex<Vec<usize>>>, Arc<AtomicBool>) {
        let (seen, ended) = (Arc::default(), Arc::new(AtomicBool::new(false)));
        let sink = Heights {
            seen: Arc::clone(&seen),
            fail_at,
            ended: Arc::clone(&ended),
        };
        (sink, seen, ended)
    }

    #[test]
    fn tables_are_written_in_order_and_the_time_is_told() {
        let (sink, seen, ended) = heights(None);
        let label = "writing entities pumps".to_string();
        let mut behind = Behind::start(sink, label, Path::new("out/x.parquet")).expect("start");
        for height in 1..=50 {
            behind.write(table(height)).expect("queued");
        }
        let timings = Timings::default();
        let progress = Timed {
            inner: Box::new(Silent),
            timings: timings.clone(),
        };
        assert_eq!(behind.end(&progress).expect("ended"), 50);
        assert_eq!(*seen.lock().expect("seen"), (1..=50).collect::<Vec<_>>());
        assert!(ended.load(Ordering::SeqCst));
        let phases = timings.phases();
        assert_eq!(phases.len(), 1);
        assert_eq!(phases[0].0, "writing entities pumps");
    }

    #[test]
    fn a_writer_that_failed_says_why_at_the_next_write_or_the_end() {
        let (sink, seen, ended) = heights(Some(3));
        let mut behind = Behind::start(sink, "w".into(), Path::new("out/x.parquet")).expect("s");
        let mut failed = None;
        for height in 1..=20 {
            if let Err(e) = behind.write(table(height)) {
                failed = Some(e);
                break;
            }
        }
        let failed = match failed {
            Some(e) => e,
            None => behind.end(&Silent).expect_err("the third table failed"),
        };
        let text = format!("{failed}: {:?}", std::error::Error::source(&failed));
        assert!(
            text.contains("out/x.parquet") && text.contains("refused"),
            "{text}"
        );
        assert_eq!(*seen.lock().expect("seen"), [1, 2]);
        assert!(!ended.load(Ordering::SeqCst), "a failed sink is not ended");
    }

    #[test]
    fn a_writer_dropped_before_its_end_drops_its_sink_unended() {
        let (sink, seen, ended) = heights(None);
        let mut behind = Behind::start(sink, "w".into(), Path::new("out/x.parquet")).expect("s");
        behind.write(table(4)).expect("queued");
        drop(behind);
        assert_eq!(*seen.lock().expect("seen"), [4]);
        assert!(!ended.load(Ordering::SeqCst));
    }
}
