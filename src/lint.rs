//! Static validation of a whole workspace, without reading data beyond headers: slices against
//! their sources, the RDL, and every mapping against the RDL and its slice. Every problem is
//! reported together.

use std::collections::BTreeMap;

use crate::diag;
use crate::error::{Error, Result};
use crate::mapping::{self, Mapping};
use crate::pipeline::Plan;
use crate::rdl::Rdl;
use crate::workspace::Workspace;

/// A workspace that passed every static check.
#[derive(Debug)]
pub struct Checked<'w> {
    pub plan: Plan<'w>,
    pub rdl: Option<Rdl>,
    /// By slice name.
    pub mappings: BTreeMap<String, Mapping>,
}

/// Checks everything that can be checked before reading data.
pub fn lint(workspace: &Workspace) -> Result<Checked<'_>> {
    let (plan, mut problems) = Plan::survey(workspace, &[])?;

    let rdl = match &workspace.rdl {
        Some(path) => match Rdl::load(path, workspace.display_path(path)) {
            Ok(rdl) => Some(rdl),
            Err(err) => {
                problems.push(err.into());
                None
            }
        },
        None => None,
    };

    let mut mappings = BTreeMap::new();
    let files = mapping_files(workspace);
    if !files.is_empty() && workspace.rdl.is_none() {
        problems.push(Error::NoRdl);
    }
    if let Some(rdl) = &rdl {
        let slices = plan.slice_columns();
        let known: Vec<&str> = plan.slices.iter().map(|s| s.name.as_str()).collect();
        let ctx = mapping::Context {
            rdl,
            slices: &slices,
            known_slices: &known,
        };
        let mut by_slice: BTreeMap<String, String> = BTreeMap::new();
        for path in files {
            let display = workspace.display_path(&path);
            match Mapping::load(&path, display.clone(), &ctx) {
                Ok(m) => {
                    if let Some(other) = by_slice.insert(m.slice.clone(), display.clone()) {
                        problems.push(Error::MappedTwice {
                            slice: m.slice.clone(),
                            mapping: display,
                            other,
                        });
                    }
                    mappings.insert(m.slice.clone(), m);
                }
                Err(errors) => problems.extend(errors.into_iter().map(Error::from)),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::from_problems(problems));
    }
    Ok(Checked {
        plan,
        rdl,
        mappings,
    })
}

/// The mapping files, sorted by name; a missing folder has none.
fn mapping_files(workspace: &Workspace) -> Vec<std::path::PathBuf> {
    diag::yaml_files(&workspace.mappings_dir).unwrap_or_default()
}
