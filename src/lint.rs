//! Static validation of a whole workspace, without reading data beyond headers: slices against
//! their sources, the RDL, and every mapping against the RDL and its slice. Every problem is
//! reported together.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag;
use crate::error::{Error, Result};
use crate::mapping::{self, Mapping, MappingError};
use crate::pipeline::Plan;
use crate::progress::Silent;
use crate::rdl::Rdl;
use crate::source::Table;
use crate::workspace::{Workspace, WorkspaceError};

/// A workspace that passed every static check.
#[derive(Debug)]
pub struct Linted<'w> {
    pub plan: Plan<'w>,
    pub rdl: Option<Rdl>,
    /// By slice name.
    pub mappings: BTreeMap<String, Mapping>,
    /// How many export mappings were checked.
    pub exports: usize,
    /// What each mapped slice's shared outputs withhold, by slice name.
    pub withheld: BTreeMap<String, crate::share::Withheld>,
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

    problems.extend(marking_problems(workspace, &plan));
    // The slices `publish:` names are the workspace's.
    if let Err(err) = crate::pipeline::check_names(&plan.slices, &workspace.publish.slices) {
        problems.push(err);
    }
    // Export mappings are checked as mappings are.
    let mut exports = Vec::new();
    if let Some(rdl) = &rdl {
        problems.extend(state_starts(workspace, rdl));
        for name in crate::export::names(workspace) {
            match crate::export::load(workspace, rdl, &name) {
                Ok(spec) => exports.push(spec),
                Err(err) => problems.push(err.into()),
            }
        }
        problems.extend(
            crate::export::same_files(&exports)
                .into_iter()
                .map(Error::from),
        );
    }
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
    // A mapping that did not load would be told again as a lookup target without one.
    if problems.is_empty() {
        problems.extend(lookup_targets(&plan, &mappings));
    }
    let withheld = match &rdl {
        Some(rdl) if problems.is_empty() => {
            withheld(workspace, &plan, rdl, &mappings, &mut problems)
        }
        _ => BTreeMap::new(),
    };
    if !problems.is_empty() {
        return Err(Error::from_problems(problems));
    }
    Ok(Linted {
        plan,
        rdl,
        mappings,
        exports: exports.len(),
        withheld,
    })
}

/// What each mapping's shared outputs withhold under the share policy. A source column that
/// feeds a sensitive property is withheld in every slice of its source.
fn withheld(
    workspace: &Workspace,
    plan: &Plan,
    rdl: &Rdl,
    mappings: &BTreeMap<String, Mapping>,
    problems: &mut Vec<Error>,
) -> BTreeMap<String, crate::share::Withheld> {
    use crate::share::Withheld;
    let policy = &workspace.share;
    let pseudonymised: std::collections::BTreeSet<String> = (mappings.iter())
        .filter(|(_, m)| Withheld::pseudonymises_ids(m, policy))
        .map(|(slice, _)| slice.clone())
        .collect();
    // A source is its file and sheet: two source ids may read the same columns.
    let source_of = |slice: &str| {
        let id = (plan.slices.iter())
            .find(|s| s.name == slice)
            .map(|s| s.source.as_str());
        let source = id.and_then(|id| workspace.sources.get(id));
        source.map_or_else(String::new, |s| {
            let sheet = s
                .options
                .sheet
                .as_ref()
                .map_or("", |(name, _)| name.as_str());
            let real = s.path.canonicalize().unwrap_or_else(|_| s.path.clone());
            format!("{}#{sheet}", real.display())
        })
    };
    // First the columns each source's mappings make sensitive, then every mapping again
    // with them: a column is withheld wherever it appears.
    let none = BTreeMap::new();
    let mut by_source: BTreeMap<String, BTreeMap<String, crate::share::Action>> = BTreeMap::new();
    for (slice, mapping) in mappings {
        if let Ok(withheld) = Withheld::plan(mapping, rdl, policy, (&pseudonymised, &none)) {
            let columns = by_source.entry(source_of(slice)).or_default();
            for (column, action) in withheld.columns {
                let strongest = columns.entry(column).or_insert(action);
                *strongest = (*strongest).max(action);
            }
        }
    }
    // Each property `generalise:` names must be one of the RDL's.
    for name in policy.generalise.keys() {
        if rdl.resolve(crate::diag::Term::Property, name).is_err() {
            let known = rdl.properties.keys().map(String::as_str);
            problems.push(Error::from(crate::share::ShareError::Generalise {
                property: name.clone(),
                why: "no property of the RDL has this name".into(),
                help: diag::suggest(name, known, "properties"),
            }));
        }
    }
    let mut out = BTreeMap::new();
    for (slice, mapping) in mappings {
        let columns = by_source.get(&source_of(slice)).unwrap_or(&none);
        match Withheld::plan(mapping, rdl, policy, (&pseudonymised, columns)) {
            Ok(mut withheld) => {
                withheld.columns.clone_from(columns);
                out.insert(slice.clone(), withheld);
            }
            Err(found) => problems.extend(found.into_iter().map(Error::from)),
        }
    }
    out
}

/// Markings as they travel: a licence is named by its IRI (it is written as one), a label
/// is one line of text (it is a message header).
fn marking_problems(workspace: &Workspace, plan: &Plan<'_>) -> Vec<Error> {
    let mut problems = Vec::new();
    let markings = std::iter::once((
        crate::workspace::WORKSPACE_FILE.to_string(),
        workspace.marking.as_ref(),
    ))
    .chain(
        plan.slices
            .iter()
            .map(|s| (s.file.name.clone(), s.marking.as_ref())),
    );
    for (place, marking) in markings {
        if let Some(label) = marking.and_then(|m| m.label.as_ref())
            && (label.is_empty() || label.chars().any(char::is_control))
        {
            let value = label.clone();
            problems.push(
                crate::share::ShareError::BadLabel {
                    place: place.clone(),
                    value,
                }
                .into(),
            );
        }
        if let Some(licence) = marking.and_then(|m| m.licence.as_ref())
            && oxrdf::NamedNode::new(licence).is_err()
        {
            let value = licence.clone();
            problems.push(crate::share::ShareError::BadLicence { place, value }.into());
        }
    }
    problems
}

/// `rdf: { starts }` pairs a code property (whose values are states) with a date property.
fn state_starts(workspace: &Workspace, rdl: &Rdl) -> Vec<Error> {
    use crate::rdl::Datatype;
    let mut problems = Vec::new();
    let mut problem = |what: String, help: String, span| {
        problems.push(Error::from(WorkspaceError::BadSetting {
            setting: "rdf: starts",
            what: format!("names {what}"),
            help,
            src: workspace.file.source(),
            span,
        }))
    };
    for (state, date, span) in &workspace.rdf_starts {
        let datatype = |name: &str| {
            let key = rdl.resolve(crate::diag::Term::Property, name).ok()?;
            rdl.properties.get(key).map(|p| p.datatype)
        };
        match datatype(state) {
            Some(Datatype::Code) => {}
            Some(other) => problem(
                format!("`{state}`, a {other} property"),
                "states are the values of a code property, such as `operationalState`".into(),
                *span,
            ),
            None => problem(
                format!("`{state}`, which is no property of the RDL"),
                diag::suggest(
                    state,
                    rdl.properties.keys().map(String::as_str),
                    "properties",
                ),
                *span,
            ),
        }
        match datatype(date) {
            Some(Datatype::Date | Datatype::Datetime) => {}
            Some(other) => problem(
                format!("`{date}` as a start, a {other} property"),
                "a state starts on the value of a date or datetime property".into(),
                *span,
            ),
            None => problem(
                format!("`{date}` as a start, which is no property of the RDL"),
                diag::suggest(
                    date,
                    rdl.properties.keys().map(String::as_str),
                    "properties",
                ),
                *span,
            ),
        }
    }
    problems
}

/// A slice a mapping reads rows of (through a link, or as attributes) must be read in full
/// before the mapping's slice: from another source, in an earlier wave. A link's target
/// must be mapped, for its things' identifiers. Told at the link or `from_attributes`.
fn lookup_targets(plan: &Plan, mappings: &BTreeMap<String, Mapping>) -> Vec<Error> {
    let needs = |slice: &str| mappings.get(slice).map_or_else(Vec::new, Mapping::needs);
    let waves = plan.waves(&needs);
    let source_of = |slice: &str| {
        plan.slices
            .iter()
            .find(|s| s.name == slice)
            .map(|s| s.source.as_str())
    };
    let wave_of = |slice: &str| {
        let source = source_of(slice)?;
        waves.iter().position(|w| w.contains(&source))
    };
    let mut problems = Vec::new();
    for mapping in mappings.values() {
        // (target slice, how it is read, where that is written)
        let mut reads: Vec<(&str, String, miette::SourceSpan)> = Vec::new();
        for link in &mapping.links {
            if let Some(lookup) = mapping.lookups.iter().find(|l| l.link == link.name) {
                let how = format!("through link `{}`", link.name);
                reads.push((lookup.slice.as_str(), how, link.span));
            }
        }
        if let Some(attributes) = &mapping.attributes {
            reads.push((
                attributes.slice.as_str(),
                "as attributes".into(),
                attributes.span,
            ));
        }
        for (target, how, span) in reads {
            let problem = |why: String, help: String| {
                Error::from(MappingError::Lookup {
                    reason: format!("this mapping reads slice `{target}` {how}, but {why}"),
                    help,
                    src: mapping.file.source(),
                    span,
                })
            };
            if how != "as attributes" && !mappings.contains_key(target) {
                problems.push(problem(
                    format!("`{target}` has no mapping, so no things to find"),
                    format!("write a mapping for `{target}`"),
                ));
            } else if source_of(target) == source_of(&mapping.slice) {
                problems.push(problem(
                    format!(
                        "both slices are cut from source `{}`, which is read once",
                        source_of(target).unwrap_or_default()
                    ),
                    "declare the file or sheet a second time in thinslice.yaml, under another source name, and cut the slice read from it there: a source is read after the sources it reads from".into(),
                ));
            } else if wave_of(target) >= wave_of(&mapping.slice) {
                problems.push(problem(
                    "the two slices' sources read from each other, so neither can be read first"
                        .into(),
                    "read in one direction only: drop the lookup or the link going the other way"
                        .into(),
                ));
            }
        }
    }
    problems
}

/// What a workspace that passed every static check holds.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub slices: usize,
    pub mappings: usize,
    pub exports: usize,
    pub classes: usize,
    pub properties: usize,
    pub units: usize,
    /// What is odd in the RDL but usable (a property without a range, read as text).
    pub warnings: Vec<String>,
    /// Slices without a mapping: they are cut but not yet refactored. A slice a mapping
    /// reads as attributes needs none, and is not one.
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
            exports: self.exports,
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
                .filter(|s| {
                    !(self.mappings.values())
                        .any(|m| m.attributes.as_ref().is_some_and(|a| a.slice == s.name))
                })
                .map(|s| s.name.clone())
                .collect(),
        }
    }
}

impl Summary {
    /// The summary for people.
    pub fn text(&self) -> String {
        let exports = match self.exports {
            0 => String::new(),
            1 => "1 export mapping, ".to_string(),
            n => format!("{n} export mappings, "),
        };
        let mut text = format!(
            "ok: {} slices, {} mappings, {exports}checked against an RDL of {} classes and {} properties\n",
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
    let tables = WorkspaceTables { workspace, plan };
    let scope = mapping::Scope {
        rdl,
        slices: &slices,
        known_slices: &known,
        tables: Some(&tables),
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

/// The workspace's sources and slices, read for the mappings' code lists.
struct WorkspaceTables<'a> {
    workspace: &'a Workspace,
    plan: &'a Plan<'a>,
}

impl mapping::Tables for WorkspaceTables<'_> {
    fn names(&self, slices: bool) -> Vec<String> {
        match slices {
            true => self.plan.slices.iter().map(|s| s.name.clone()).collect(),
            false => self.workspace.sources.keys().cloned().collect(),
        }
    }

    fn cell(&self, slice: &str, reference: &str) -> std::result::Result<Option<String>, String> {
        let source = (self.plan.slices.iter())
            .find(|s| s.name == slice)
            .and_then(|s| self.workspace.sources.get(&s.source))
            .ok_or_else(|| format!("slice `{slice}` has no source to read `{reference}` from"))?;
        source.cell_text(reference)
    }

    fn read(&self, slices: bool, name: &str) -> std::result::Result<Table, String> {
        let slice = slices
            .then(|| self.plan.slices.iter().find(|s| s.name == name))
            .flatten();
        let id = slice.map_or(name, |s| s.source.as_str());
        let Some(source) = self.workspace.sources.get(id) else {
            return Err(format!("no source `{id}`"));
        };
        // Codes as written: `007` stays `007`.
        let mut source = source.clone();
        source.options.infer_types = false;
        let table = source
            .read(None, &Silent)
            .map_err(|e| crate::diag::with_causes(&e))?;
        match slice {
            None => Ok(table),
            Some(slice) => {
                let rows = slice
                    .evaluate(&table)
                    .map_err(|e| crate::diag::with_causes(&e))?;
                Ok(Table {
                    frame: rows.frame,
                    origin: table.origin,
                })
            }
        }
    }
}

/// The mapping files, sorted by name; a missing folder has none.
fn mapping_files(workspace: &Workspace) -> Vec<std::path::PathBuf> {
    diag::yaml_files(&workspace.mappings_dir).unwrap_or_default()
}

/// The pseudonymisation key (none found: exit 2, nothing read).
fn share_key(workspace: &Workspace) -> Result<crate::share::Key> {
    let Some(source) = &workspace.share.key else {
        let from = "`share: key:`, which is not set".to_string();
        return Err(crate::share::ShareError::NoKey { from }.into());
    };
    Ok(crate::share::Key::load(source, &workspace.root)?)
}

/// The key of a policy that pseudonymises, read before anything else is (lint reads sources'
/// headers): none found is exit 2, nothing read.
pub fn early_key(workspace: &Workspace) -> Result<Option<crate::share::Key>> {
    let policy = &workspace.share;
    let pseudonymises = [policy.personal, policy.commercial, policy.security]
        .contains(&crate::share::Action::Pseudonymise);
    match pseudonymises {
        true => Ok(Some(share_key(workspace)?)),
        false => Ok(None),
    }
}

/// Hands the key to every slice that pseudonymises.
pub fn hand_key(
    workspace: &Workspace,
    checked: &mut Linted,
    key: Option<crate::share::Key>,
) -> Result<()> {
    if !checked
        .withheld
        .values()
        .any(crate::share::Withheld::needs_key)
    {
        return Ok(());
    }
    let key = match key {
        Some(key) => key,
        None => share_key(workspace)?,
    };
    for withheld in checked.withheld.values_mut() {
        withheld.key = Some(key.clone());
    }
    Ok(())
}
