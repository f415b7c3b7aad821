//! Progress bars on stderr, through indicatif: how the command layer shows the library's
//! tasks on a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::{Progress, Task};

/// Progress bars on stderr, through indicatif.
pub struct Bars;

impl Progress for Bars {
    fn task(&self, label: &str, total: Option<u64>) -> Box<dyn Task> {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{msg:24} [{bar:30}] {bytes}/{total_bytes} ({eta})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Box::new(BarTask(bar))
    }
}

struct BarTask(ProgressBar);

impl Task for BarTask {
    fn set_position(&self, position: u64) {
        self.0.set_position(position);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
