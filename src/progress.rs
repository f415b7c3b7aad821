//! How library code reports progress without printing: it asks a [`Progress`] for a task and
//! advances it. The command layer decides what that looks like (its indicatif bars on a
//! terminal, nothing otherwise); [`Timed`] adds the time each task took, for `--timings`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Something that shows long work. Implementations must be cheap when hidden.
pub trait Progress: Send + Sync {
    /// Starts a task; `total` is in the task's own unit (bytes, rows), if known.
    fn task(&self, label: &str, total: Option<u64>) -> Box<dyn Task>;

    /// Work done by a thread of its own under `label` (a slice's writer), told when it
    /// ends: shown nowhere, added up by `--timings`.
    fn spent(&self, _label: &str, _took: Duration) {}
}

/// One piece of long work under way.
pub trait Task: Send {
    /// The position reached, in the unit of the task's total.
    fn set_position(&self, position: u64);
    /// The work is done; the task disappears.
    fn finish(&self);
}

/// Shows nothing: for tests, `--no-progress`, and output that is not a terminal.
pub struct Silent;

impl Progress for Silent {
    fn task(&self, _label: &str, _total: Option<u64>) -> Box<dyn Task> {
        Box::new(Silent)
    }
}

impl Task for Silent {
    fn set_position(&self, _position: u64) {}
    fn finish(&self) {}
}

/// How long each kind of task took, in the order each first finished: what `--timings`
/// prints. Tasks with one label (`mapping pumps`, once per batch) add up.
#[derive(Debug, Clone, Default)]
pub struct Timings(Arc<Mutex<Vec<(String, Duration)>>>);

impl Timings {
    /// Each label and the time its tasks took.
    pub fn phases(&self) -> Vec<(String, Duration)> {
        self.0.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn record(&self, label: &str, took: Duration) {
        if let Ok(mut phases) = self.0.lock() {
            match phases.iter_mut().find(|(known, _)| known == label) {
                Some((_, total)) => *total += took,
                None => phases.push((label.to_string(), took)),
            }
        }
    }
}

/// Shows tasks through another [`Progress`] and times each into [`Timings`].
pub struct Timed {
    pub inner: Box<dyn Progress>,
    pub timings: Timings,
}

impl Progress for Timed {
    fn spent(&self, label: &str, took: Duration) {
        self.timings.record(label, took);
    }

    fn task(&self, label: &str, total: Option<u64>) -> Box<dyn Task> {
        Box::new(TimedTask {
            inner: self.inner.task(label, total),
            label: label.to_string(),
            started: Instant::now(),
            timings: self.timings.clone(),
            finished: AtomicBool::new(false),
        })
    }
}

struct TimedTask {
    inner: Box<dyn Task>,
    label: String,
    started: Instant,
    timings: Timings,
    finished: AtomicBool,
}

impl Task for TimedTask {
    fn set_position(&self, position: u64) {
        self.inner.set_position(position);
    }
    fn finish(&self) {
        if !self.finished.swap(true, Ordering::Relaxed) {
            self.timings.record(&self.label, self.started.elapsed());
        }
        self.inner.finish();
    }
}

impl Drop for TimedTask {
    /// A task abandoned by an error still took its time.
    fn drop(&mut self) {
        if !self.finished.swap(true, Ordering::Relaxed) {
            self.timings.record(&self.label, self.started.elapsed());
        }
    }
}
