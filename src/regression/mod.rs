//! Regression against committed expectations (`expected/SLICE/`): a run's things, triples
//! and scores in canonical form, compared with what was accepted before. `thinslice test`
//! (run by [`crate::job::test`]) fails on any difference; `--bless` writes the expectations
//! from the run.

mod canonical;
mod diff;
pub mod render;

use std::path::Path;

pub use canonical::{Canonical, RegressionError};
pub use diff::{SliceDiff, Tolerances, compare};

use crate::workspace::Workspace;

/// The expectations folder of a workspace.
pub const EXPECTED_DIR: &str = "expected";

/// Where the expectations of a workspace live, as messages show it.
pub fn expected_dir(workspace: &Workspace) -> String {
    workspace.display_path(&Path::new(&workspace.root).join(EXPECTED_DIR))
}
