//! The workbook reader (calamine) panics on some damaged files (a truncated `.xls` stream,
//! found by the fuzz targets) instead of returning an error. Its work runs inside
//! [`guarded`], which turns such a panic into the reason the file cannot be read; the panic
//! is not printed, since the user gets that reason as a located error instead.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread runs a guarded reader: its panics are caught, not printed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Makes the panic hook quiet on guarded threads; other panics print as they always do.
fn quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `work`, returning what a panic in it said instead of unwinding. Threads `work`
/// starts must call [`guard_thread`] to be quiet too.
pub(super) fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    quiet_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    GUARDED.with(|g| g.set(was));
    result.map_err(|payload| message(payload.as_ref()))
}

/// Marks the current thread as running a guarded reader, for its whole life.
pub(super) fn guard_thread() {
    quiet_hook();
    GUARDED.with(|g| g.set(true));
}

fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the reader stopped".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_reason() {
        assert_eq!(guarded(|| 7), Ok(7));
        let reason = guarded(|| -> u8 { panic!("index 9 past the end") });
        assert_eq!(reason, Err("index 9 past the end".to_string()));
        assert!(!GUARDED.with(Cell::get), "the thread is no longer guarded");
    }
}
