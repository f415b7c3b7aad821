//! The job as the library runs it: check the workspace, read each source once in waves
//! (a source after the sources its links point into), stream every batch through its
//! slices (cut, map, check, write), score each slice once every link can be resolved, put
//! the data files in place once all of that succeeded, then report. Each command has its
//! entry point here (`run`, `map`, `cut`, `test`, `profile`); commands choose what to run
//! and how to print it.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::checks::digitalisation::ColumnLevel;
use crate::checks::{Conformance, Identities};
use crate::diag;
use crate::error::{Error, Result};
use crate::lint::{Linted, lint};
use crate::mapping::{Kept, Mapping};
use crate::output::{self, AtomicFile, FileFormat, Formats};
use crate::pipeline::{Plan, check_names};
use crate::profile::SourceProfile;
use crate::progress::Progress;
use crate::regression::{self, Canonical, EXPECTED_DIR, SliceDiff, Tolerances};
use crate::report::conformance::{self, Report};
use crate::report::{self, ReportFiles, SliceAccount, SliceRun};
use crate::slice::Slice;
use crate::stream::{
    Files, Shared, SliceMapping, SliceStream, Streamed, side_by_side, stream_source,
};
use crate::workspace::Workspace;

mod finish;
mod shards;

use finish::{Finished, finish};

pub use shards::merge;

/// Which data files a job writes (the reports are [`run`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// `check`: the quarantine only.
    Quarantine,
    /// `run` and `map`: the slices, things, triples and quarantine, in the formats the
    /// workspace's `outputs` lists.
    Data,
    /// `test`: the data, always including the entity CSV and N-Triples it compares.
    Regression,
}

impl Writes {
    fn formats(self, workspace: &Workspace) -> Formats {
        match self {
            Self::Quarantine | Self::Data => workspace.outputs,
            Self::Regression => workspace
                .outputs
                .with(FileFormat::Csv)
                .with(FileFormat::Ntriples),
        }
    }
}

/// What a job produced: per slice its run and (when mapped) its conformance, and per source
/// the level each of its columns reached in its best slice.
pub struct Execution {
    pub runs: Vec<SliceRun>,
    /// Each slice's handling marking (the workspace's, overridden by the slice's own).
    pub markings: BTreeMap<String, crate::marking::Marking>,
    pub conformances: Vec<Conformance>,
    pub source_levels: BTreeMap<String, Vec<ColumnLevel>>,
    /// A shard's share of each mapped slice's checks, for `merge` (empty unless sharded).
    pub shard: Vec<shards::ShardSlice>,
    /// The inputs' digests, when the job took them already (a shard for its state, a merge
    /// to compare with the shards'): the manifest does not read every input twice.
    pub inputs: Option<Vec<crate::manifest::FileDigest>>,
}

/// A run and its reports.
pub struct Reported {
    pub execution: Execution,
    pub report: Report,
    pub files: ReportFiles,
}

/// The main job (`run`, and `check` without its data files): slices, maps, checks and
/// writes, then builds the conformance report and writes it with the failure lists.
pub fn run(
    workspace: &Workspace,
    slices: &[String],
    writes: Writes,
    progress: &dyn Progress,
) -> Result<Reported> {
    let started = std::time::SystemTime::now();
    let (mut execution, inputs) =
        crate::manifest::inputs_beside(workspace, || execute(workspace, slices, writes, progress))?;
    execution.inputs = inputs;
    if workspace.shard.is_some() {
        execution.inputs = Some(shards::write_state(workspace, &execution)?);
    }
    reported(workspace, execution, started)
}

/// Builds the conformance report of an execution and writes it with the failure lists and
/// the manifest.
fn reported(
    workspace: &Workspace,
    execution: Execution,
    started: std::time::SystemTime,
) -> Result<Reported> {
    let report = conformance::build(
        &execution.runs,
        &execution.conformances,
        &workspace.thresholds,
        &execution.source_levels,
    )
    .map_err(|source| Error::Report { source })?;
    let mut report = report;
    report.marking = workspace.marking.clone().filter(|m| !m.is_empty());
    for slice in &mut report.slices {
        slice.marking = (execution.markings.get(&slice.slice))
            .filter(|m| Some(*m) != report.marking.as_ref())
            .cloned();
    }
    let files = report::write(&workspace.output_dir, &report, &execution.conformances)?;
    // What was written, and from what: for a recipient to verify.
    let (runs, markings) = (&execution.runs, &execution.markings);
    crate::manifest::record_job(workspace, started, runs, markings, execution.inputs.clone())?;
    Ok(Reported {
        execution,
        report,
        files,
    })
}

/// Cuts the slices (all, or those named) out of their sources and writes each as Parquet,
/// accounting for every row read. Nothing is mapped.
pub fn cut(
    workspace: &Workspace,
    slices: &[String],
    progress: &dyn Progress,
) -> Result<Vec<SliceAccount>> {
    let plan = Plan::prepare(workspace, slices)?;
    // Rows as read hold what the share policy withholds elsewhere: internal, so not written
    // into the (shared) output folder unless the policy says so.
    if workspace.share.slices != Some(true)
        && let Ok(checked) = lint(workspace)
    {
        let withheld: Vec<String> = (checked.withheld.iter())
            .filter(|(_, w)| !w.columns.is_empty())
            .flat_map(|(_, w)| w.columns.keys().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|c| format!("`{c}`"))
            .collect();
        if !withheld.is_empty() {
            let what = withheld.join(", ");
            return Err(crate::share::ShareError::InternalRows { what }.into());
        }
    }
    output::recover(&workspace.output_dir)?;
    let files = Files {
        output_dir: &workspace.output_dir,
        formats: Formats::NONE.with(FileFormat::Parquet),
        slices: true,
        quarantine: false,
        things: false,
        rdf: &workspace.rdf,
        marking: workspace.marking.as_ref(),
    };
    let shared = Shared::default();
    // Sources are independent: each is read on its own thread.
    let streamed: Vec<Result<Vec<Streamed>>> =
        side_by_side(plan.by_source(), |(source, slices)| {
            let streams = slices
                .into_iter()
                .map(|slice| SliceStream::new(slice, None, files, progress))
                .collect();
            stream_source(&plan, source, streams, &shared, progress)
        });
    let mut accounts = Vec::with_capacity(plan.slices.len());
    let mut written = Vec::new();
    for source in streamed {
        for mut slice in source? {
            written.append(&mut slice.written);
            accounts.push(SliceAccount::new(
                &slice.slice.name,
                &slice.slice.source,
                slice.account,
                slice.rows_path.map(|p| workspace.display_path(&p)),
            ));
        }
    }
    output::commit_all(&workspace.output_dir, written)?;
    accounts.sort_by(|a, b| a.slice.cmp(&b.slice));
    Ok(accounts)
}

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
    let started = std::time::SystemTime::now();
    let execution = execute(workspace, slices, Writes::Regression, progress)?;
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
        diffs.push(regression::compare(
            slice,
            expected.as_ref(),
            &actual,
            tolerances,
        ));
    }
    if bless {
        return Ok(Verdict::Blessed(blessed));
    }
    let junit = regression::render::junit(&diffs);
    output::write_text(&workspace.output_dir.join("test-junit.xml"), &junit)?;
    // A test rewrites a run's data, not its reports: the run's manifest gains what the test
    // wrote; without one, the test's is made.
    match crate::manifest::read(&workspace.output_dir) {
        Ok(_) => crate::manifest::refresh(&workspace.output_dir, started)?,
        Err(_) => {
            let (runs, markings) = (&execution.runs, &execution.markings);
            crate::manifest::record_job(workspace, started, runs, markings, None)?
        }
    }
    Ok(Verdict::Compared(diffs))
}

/// What source `id` holds, column by column, with the `top` most frequent values of each.
pub fn profile(
    workspace: &Workspace,
    id: &str,
    top: usize,
    progress: &dyn Progress,
) -> Result<SourceProfile> {
    let Some(source) = workspace.sources.get(id) else {
        return Err(Error::UnknownSource {
            name: id.to_string(),
            help: diag::suggest(id, workspace.sources.keys().map(String::as_str), "sources"),
        });
    };
    let table = source.read(None, progress)?;
    Ok(SourceProfile::of(source, &table, top)?)
}

/// `map`: slices, maps, checks and writes the data, without the reports; what became of
/// each slice.
pub fn map(
    workspace: &Workspace,
    slices: &[String],
    progress: &dyn Progress,
) -> Result<Vec<SliceRun>> {
    Ok(execute(workspace, slices, Writes::Data, progress)?.runs)
}

/// Slices, maps, checks and writes; shared by `map`, `run`, `check` and `test`. Each source
/// is read once, batch by batch, and each batch goes through all of its slices, so memory
/// holds a batch, not a source. Returns each slice's run and its conformance (with its
/// located failures).
fn execute(
    workspace: &Workspace,
    slices: &[String],
    writes: Writes,
    progress: &dyn Progress,
) -> Result<Execution> {
    // A policy that pseudonymises needs its key: looked for before anything is read.
    let key = crate::lint::early_key(workspace)?;
    let mut checked = lint(workspace)?;
    check_names(&checked.plan.slices, slices)?;
    shards::refuse_split_joins(&checked)?;
    crate::lint::hand_key(workspace, &mut checked, key)?;
    output::recover(&workspace.output_dir)?;
    // Slices hold source columns as read: internal, not written when anything is withheld
    // unless the policy asks for them.
    let withholding = checked.withheld.values().any(|w| !w.is_empty());
    let internal = !withholding || workspace.share.slices == Some(true);
    let has_mapping = |slice: &str| checked.mapping_of(slice).is_some();
    let job = Job {
        checked: &checked,
        asked: slices,
        has_mapping: &has_mapping,
    };
    let files = Files {
        output_dir: &workspace.output_dir,
        formats: writes.formats(workspace),
        slices: writes != Writes::Quarantine && internal,
        quarantine: true,
        things: writes != Writes::Quarantine,
        rdf: &workspace.rdf,
        marking: workspace.marking.as_ref(),
    };
    let (mut streamed, shared) = job.stream(files, progress)?;
    let identities = shared.identities;
    let written: Vec<AtomicFile> = streamed
        .iter_mut()
        .flat_map(|s| std::mem::take(&mut s.written))
        .collect();
    let finished: Vec<Result<Finished>> = streamed
        .into_par_iter()
        .map(|stream| {
            let withheld = checked.withheld.get(&stream.slice.name);
            finish(
                stream,
                workspace,
                (checked.rdl.as_ref(), withheld),
                &identities,
            )
        })
        .collect();
    let mut runs = Vec::new();
    let mut conformances = Vec::new();
    let mut shard = Vec::new();
    for result in finished {
        let (run, conformance, part) = result?;
        runs.push(run);
        conformances.extend(conformance);
        shard.extend(part);
    }
    let mut written = written;
    if files.things && files.formats.triples().next().is_some() {
        written.extend(crate::terms::used_rdl(workspace, &checked, &runs)?);
    }
    output::commit_all(&workspace.output_dir, written)?;
    if workspace.shard.is_none() && files.things {
        // An earlier run in shards is not this run's data: out/ holds one run.
        shards::remove_shards(&workspace.output_dir)?;
    }
    if !internal {
        // An earlier run's rows as read must not stay beside outputs that withhold them.
        for slice in &checked.plan.slices {
            let path = output::data_path(
                &workspace.output_dir,
                output::Folder::Slices,
                &slice.name,
                FileFormat::Parquet,
            );
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(finish::execution(&checked, runs, conformances, shard))
}

/// A checked workspace and the slices a job was asked for (none: all of them).
struct Job<'j> {
    checked: &'j Linted<'j>,
    asked: &'j [String],
    /// Whether a slice has a mapping (and an RDL to run it against).
    has_mapping: &'j (dyn Fn(&str) -> bool + Sync),
}

impl<'j> Job<'j> {
    fn mapping_of(&self, slice: &str) -> Option<&'j Mapping> {
        self.checked.mapping_of(slice)
    }

    /// The slices `slice` needs read first: those its links point into, its attributes.
    fn links_of(&self, slice: &str) -> Vec<&'j str> {
        self.mapping_of(slice).map_or_else(Vec::new, Mapping::needs)
    }

    fn is_asked(&self, slice: &str) -> bool {
        self.asked.is_empty() || self.asked.iter().any(|s| s == slice)
    }

    /// The slices asked for, and those their links point at: their things are needed.
    fn is_wanted(&self, slice: &Slice) -> bool {
        self.is_asked(&slice.name)
            || self
                .asked
                .iter()
                .any(|asked| self.links_of(asked).contains(&slice.name.as_str()))
    }

    /// Streams every source a wave at a time, so links are checked against slices already
    /// read; the sources of a wave are read side by side. Returns the slices asked for, by
    /// name, and what the slices shared (the identifiers of every mapped slice read).
    fn stream(
        &self,
        files: Files<'j>,
        progress: &'j dyn Progress,
    ) -> Result<(Vec<Streamed<'j>>, Shared)> {
        let plan = &self.checked.plan;
        let by_source = plan.by_source();
        let links_of = |slice: &str| self.links_of(slice);
        let shared = Shared {
            identities: self.identities(),
            kept: Kept::new(self.checked.mappings.values()),
        };
        let mut streamed: Vec<Streamed> = Vec::new();
        for wave in plan.waves(&links_of) {
            let results: Vec<Result<Vec<Streamed>>> = side_by_side(&wave, |source| {
                let streams: Vec<SliceStream> = by_source[source]
                    .iter()
                    .copied()
                    .filter(|s| self.is_wanted(s))
                    .map(|slice| self.slice_stream(slice, files, progress))
                    .collect();
                if streams.is_empty() {
                    return Ok(Vec::new());
                }
                stream_source(plan, source, streams, &shared, progress)
            });
            for result in results {
                for stream in result? {
                    shared.identities.complete(&stream.slice.name);
                    streamed.push(stream);
                }
            }
        }
        streamed.retain(|s| self.is_asked(&s.slice.name));
        streamed.sort_by(|a, b| a.slice.name.cmp(&b.slice.name));
        Ok((streamed, shared))
    }

    /// The identities of the mapped slices this job reads, and the pairs of them that
    /// describe the same things.
    fn identities(&self) -> Identities {
        let slices: Vec<&str> = self
            .checked
            .plan
            .slices
            .iter()
            .filter(|s| self.is_wanted(s) && self.mapping_of(&s.name).is_some())
            .map(|s| s.name.as_str())
            .collect();
        let same = slices.iter().flat_map(|&slice| {
            self.mapping_of(slice)
                .into_iter()
                .flat_map(move |m| m.same_things_as.iter().map(move |o| (slice, o.as_str())))
        });
        let identities = Identities::new(slices.iter().copied(), same);
        // A shard sees some of each slice's things: uniqueness and links wait for `merge`.
        match self.checked.plan.workspace.shard {
            Some(_) => identities.partial(),
            None => identities,
        }
    }

    /// The stream of one slice: a slice read only for its things writes nothing.
    fn slice_stream(
        &self,
        slice: &'j Slice,
        files: Files<'j>,
        progress: &'j dyn Progress,
    ) -> SliceStream<'j> {
        let asked = self.is_asked(&slice.name);
        let mapped = self
            .mapping_of(&slice.name)
            .zip(self.checked.rdl.as_ref())
            .map(|(mapping, rdl)| SliceMapping {
                mapping,
                rdl,
                has_mapping: self.has_mapping,
                withheld: self
                    .checked
                    .withheld
                    .get(&slice.name)
                    .filter(|w| !w.is_empty()),
            });
        let files = Files {
            slices: files.slices && asked,
            quarantine: files.quarantine && asked,
            things: files.things && asked,
            ..files
        };
        SliceStream::new(slice, mapped, files, progress)
    }
}
