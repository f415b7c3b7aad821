//! Regression against committed expectations (`expected/SLICE/`): a run's things, triples
//! and scores compared with what was accepted before. `thinslice test` fails on any
//! difference; `--bless` writes the expectations from the run.

mod canonical;
mod diff;
pub mod render;

use std::path::Path;

pub use canonical::RegressionError;
pub use diff::{SliceDiff, Tolerances};

use crate::error::Result;
use crate::job::{self, Writes};
use crate::output;
use crate::progress::Progress;
use crate::workspace::Workspace;
use canonical::Canonical;

/// The expectations folder of a workspace.
pub const EXPECTED_DIR: &str = "expected";

/// What a regression test did.
pub enum Verdict {
    /// Expectations written for this many slices.
    Blessed(usize),
    /// Each mapped slice compared with its expectations.
    Compared(Vec<SliceDiff>),
}

impl Verdict {
    /// Whether every slice matched (a bless always passes).
    pub fn passed(&self) -> bool {
        match self {
            Self::Blessed(_) => true,
            Self::Compared(diffs) => diffs.iter().all(|d| !d.failed()),
        }
    }
}

/// Reruns the job on the slices asked for (none: all) and compares each mapped slice with
/// its expectations, writing `test-junit.xml`; or, with `bless`, writes the expectations
/// from the run.
pub fn test(
    workspace: &Workspace,
    slices: &[String],
    bless: bool,
    tolerances: &Tolerances,
    progress: &dyn Progress,
) -> Result<Verdict> {
    let execution = job::execute(workspace, slices, Writes::Regression, progress)?;
    let expected_root = workspace.root.join(EXPECTED_DIR);
    let mut diffs = Vec::new();
    let mut blessed = 0;
    for run in &execution.runs {
        let Some(scores) = &run.conformance else {
            continue;
        };
        let slice = &run.account.slice;
        let actual = Canonical::from_outputs(&workspace.output_dir, slice, scores)?;
        let dir = expected_root.join(slice);
        if bless {
            actual.write_expected(&dir)?;
            blessed += 1;
            continue;
        }
        let expected = Canonical::read_expected(&dir)?;
        diffs.push(diff::compare(slice, expected.as_ref(), &actual, tolerances));
    }
    if bless {
        return Ok(Verdict::Blessed(blessed));
    }
    let junit = render::junit(&diffs);
    output::write_text(&workspace.output_dir.join("test-junit.xml"), &junit)?;
    Ok(Verdict::Compared(diffs))
}

/// Where the expectations of a workspace live, as messages show it.
pub fn expected_dir(workspace: &Workspace) -> String {
    workspace.display_path(&Path::new(&workspace.root).join(EXPECTED_DIR))
}
