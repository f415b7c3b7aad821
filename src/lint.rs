//! Static validation of a whole workspace, without reading data beyond headers: slices against
//! their sources, the RDL, and every mapping against the RDL and its slice. Every problem is
//! reported together.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag;
use crate::error::{Error, Result};
use crate::mapping::{self, Mapping};
use crate::pipeline::Plan;
use crate::rdl::Rdl;
use crate::workspace::Workspace;

/// A workspace that passed every static check.
#[derive(Debug)]
pub struct Linted<'w> {
    pub plan: Plan<'w>,
    pub rdl: Option<Rdl>,
    /// By slice name.
    pub mappings: BTreeMap<String, Mapping>,
}

/// Checks everything that can be checked before reading data.
pub fn lint(workspace: &Workspace) -> Result<Linted<'_>> {
    let (plan, mut problems) = Plan::survey(workspace, &[])?;

    let rdl = match workspace.rdl.as_slice() {
        [] => None,
        layers => match Rdl::load_layers(layers, workspace.prefixes.clone()) {
            Ok(rdl) => Some(rdl),
            Err(err) => {
                problems.push(err.into());
                None
            }
        },
    };

    let mut mappings = BTreeMap::new();
    let files = mapping_files(workspace);
    if !files.is_empty() && workspace.rdl.is_empty() {
        problems.push(Error::NoRdl);
    }
    if let Some(rdl) = &rdl {
        let mut by_slice: BTreeMap<String, String> = BTreeMap::new();
        for (display, loaded) in load_mappings(workspace, &plan, rdl) {
            match loaded {
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
    Ok(Linted {
        plan,
        rdl,
        mappings,
    })
}

/// What a workspace that passed every static check holds.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub slices: usize,
    pub mappings: usize,
    pub classes: usize,
    pub properties: usize,
    pub units: usize,
    /// What is odd in the RDL but usable (a property without a range, read as text).
    pub warnings: Vec<String>,
    /// Slices without a mapping: they are cut but not yet refactored.
    pub unmapped_slices: Vec<String>,
}

impl Linted<'_> {
    /// The mapping of `slice`, when there is one and an RDL to run it against.
    pub fn mapping_of(&self, slice: &str) -> Option<&Mapping> {
        self.rdl.as_ref()?;
        self.mappings.get(slice)
    }

    pub fn summary(&self) -> Summary {
        Summary {
            slices: self.plan.slices.len(),
            mappings: self.mappings.len(),
            classes: self.rdl.as_ref().map_or(0, |r| r.classes.len()),
            properties: self.rdl.as_ref().map_or(0, |r| r.properties.len()),
            units: self.rdl.as_ref().map_or(0, |r| r.units.len()),
            warnings: self
                .rdl
                .as_ref()
                .map(|r| r.warnings.clone())
                .unwrap_or_default(),
            unmapped_slices: self
                .plan
                .slices
                .iter()
                .filter(|s| !self.mappings.contains_key(&s.name))
                .map(|s| s.name.clone())
                .collect(),
        }
    }
}

impl Summary {
    /// The summary for people.
    pub fn text(&self) -> String {
        let mut text = format!(
            "ok: {} slices, {} mappings, checked against an RDL of {} classes and {} properties\n",
            self.slices, self.mappings, self.classes, self.properties
        );
        for warning in &self.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        if !self.unmapped_slices.is_empty() {
            text.push_str(&format!(
                "slices without a mapping: {}\n",
                self.unmapped_slices.join(", ")
            ));
        }
        text
    }
}

/// A mapping file's name, and the mapping or what is wrong with it.
pub type Checked = (String, std::result::Result<Mapping, Vec<String>>);

/// Each mapping file checked against `rdl` (another version of the RDL, say).
pub fn mappings_against(workspace: &Workspace, rdl: &Rdl) -> Result<Vec<Checked>> {
    let (plan, _) = Plan::survey(workspace, &[])?;
    Ok(load_mappings(workspace, &plan, rdl)
        .into_iter()
        .map(|(display, loaded)| {
            let loaded = loaded.map_err(|errors| errors.iter().map(|e| e.to_string()).collect());
            (display, loaded)
        })
        .collect())
}

/// Every mapping file, by its name, loaded against `rdl` and the plan's slices.
fn load_mappings(
    workspace: &Workspace,
    plan: &Plan,
    rdl: &Rdl,
) -> Vec<(
    String,
    std::result::Result<Mapping, Vec<mapping::MappingError>>,
)> {
    let slices = plan.slice_columns();
    let known: Vec<&str> = plan.slices.iter().map(|s| s.name.as_str()).collect();
    let scope = mapping::Scope {
        rdl,
        slices: &slices,
        known_slices: &known,
    };
    mapping_files(workspace)
        .into_iter()
        .map(|path| {
            let display = workspace.display_path(&path);
            let loaded = Mapping::load(&path, display.clone(), &scope);
            (display, loaded)
        })
        .collect()
}

/// The mapping files, sorted by name; a missing folder has none.
fn mapping_files(workspace: &Workspace) -> Vec<std::path::PathBuf> {
    diag::yaml_files(&workspace.mappings_dir).unwrap_or_default()
}
