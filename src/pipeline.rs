//! Slices checked against their sources' headers (static errors before data), the order
//! sources are read in, and a source read once, a batch at a time, cut into its slices.

use std::collections::BTreeMap;

use crate::diag;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::slice::{Slice, SlicedRows};
use crate::source::{Origin, Table};
use crate::workspace::Workspace;

/// Slices checked against their sources, ready to run.
#[derive(Debug)]
pub struct Plan<'w> {
    pub workspace: &'w Workspace,
    pub slices: Vec<Slice>,
    /// Each used source's column names, read before any data.
    pub headers: BTreeMap<String, Vec<String>>,
}

impl<'w> Plan<'w> {
    /// Loads the slices (all, or those named in `only`) and checks each against its source,
    /// reading headers only. Every problem found is reported together.
    pub fn prepare(workspace: &'w Workspace, only: &[String]) -> Result<Self> {
        let (plan, problems) = Self::survey(workspace, only)?;
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(Error::from_problems(problems))
        }
    }

    /// Like [`Plan::prepare`], but hands back the problems with the plan so a caller can add
    /// its own before reporting them all. Fails outright only when the slices cannot be
    /// listed or parsed.
    pub fn survey(workspace: &'w Workspace, only: &[String]) -> Result<(Self, Vec<Error>)> {
        let all = Slice::load_dir(&workspace.slices_dir, &workspace.root).map_err(|problems| {
            Error::from_problems(problems.into_iter().map(Error::from).collect())
        })?;
        if all.is_empty() {
            return Err(Error::NoSlices {
                dir: workspace.display_path(&workspace.slices_dir),
            });
        }
        let slices = select(all, only)?;

        let mut problems: Vec<Error> = Vec::new();
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut unreadable: Vec<String> = Vec::new();
        for slice in &slices {
            let Some(source) = workspace.sources.get(&slice.source) else {
                problems.extend(
                    slice
                        .check(&workspace.sources, &[])
                        .into_iter()
                        .map(Error::from),
                );
                continue;
            };
            if unreadable.contains(&source.id) {
                continue;
            }
            if !headers.contains_key(&source.id) {
                match source.headers() {
                    Ok(names) => {
                        headers.insert(source.id.clone(), names);
                    }
                    Err(err) => {
                        unreadable.push(source.id.clone());
                        problems.push(err.into());
                        continue;
                    }
                }
            }
            let names = &headers[&source.id];
            problems.extend(
                slice
                    .check(&workspace.sources, names)
                    .into_iter()
                    .map(Error::from),
            );
        }
        let plan = Self {
            workspace,
            slices,
            headers,
        };
        Ok((plan, problems))
    }

    /// Each slice's columns as named in the slice, for the slices whose source's header
    /// could be read.
    pub fn slice_columns(&self) -> BTreeMap<String, Vec<String>> {
        self.slices
            .iter()
            .filter_map(|slice| {
                let headers = self.headers.get(&slice.source)?;
                Some((slice.name.clone(), slice.output_columns(headers)))
            })
            .collect()
    }

    /// The slices of each source, sources by name.
    pub fn by_source(&self) -> BTreeMap<&str, Vec<&Slice>> {
        let mut by_source: BTreeMap<&str, Vec<&Slice>> = BTreeMap::new();
        for slice in &self.slices {
            by_source
                .entry(slice.source.as_str())
                .or_default()
                .push(slice);
        }
        by_source
    }

    /// The sources in waves: a source comes after the sources its slices link to
    /// (`links_of(slice)` names the slices a slice links to), so those links are checked as
    /// its batches stream by. The sources of one wave are independent. Sources that link to
    /// each other share the last wave, and their links are checked once all are read.
    pub fn waves<'a>(&'a self, links_of: &dyn Fn(&str) -> Vec<&'a str>) -> Vec<Vec<&'a str>> {
        let source_of: BTreeMap<&str, &str> = self
            .slices
            .iter()
            .map(|s| (s.name.as_str(), s.source.as_str()))
            .collect();
        let mut needs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for slice in &self.slices {
            let entry = needs.entry(slice.source.as_str()).or_default();
            for target in links_of(&slice.name) {
                if let Some(source) = source_of.get(target)
                    && *source != slice.source
                {
                    entry.push(source);
                }
            }
        }
        let mut waves: Vec<Vec<&str>> = Vec::new();
        let mut done: Vec<&str> = Vec::new();
        while !needs.is_empty() {
            let mut ready: Vec<&str> = needs
                .iter()
                .filter(|(_, needed)| needed.iter().all(|n| done.contains(n)))
                .map(|(source, _)| *source)
                .collect();
            if ready.is_empty() {
                ready = needs.keys().copied().collect();
            }
            for source in &ready {
                needs.remove(source);
            }
            done.extend(&ready);
            waves.push(ready);
        }
        waves
    }

    /// Reads one source batch by batch and cuts `slices` out of each batch, handing each
    /// slice's rows to `each` (with the slice's index in `slices`) as they come: only a
    /// batch is in memory, never the source. The next batch is read while this one is
    /// handled.
    pub fn cut_source(
        &self,
        source_id: &str,
        slices: &[&Slice],
        progress: &dyn Progress,
        each: &mut dyn FnMut(usize, SlicedRows, &Origin) -> Result<()>,
    ) -> Result<()> {
        let source = &self.workspace.sources[source_id];
        // Only the columns some slice reads are kept in memory.
        let wanted: Option<Vec<String>> =
            slices
                .iter()
                .map(|s| s.input_columns())
                .try_fold(Vec::new(), |mut all, columns| {
                    all.extend(columns?);
                    Some(all)
                });
        std::thread::scope(|scope| {
            // One batch waits while the next is read: memory holds at most three.
            let (send, receive) = std::sync::mpsc::sync_channel::<Table>(1);
            let reader = scope.spawn(move || {
                let rows = self.workspace.batch_rows;
                source.read_batches(wanted.as_deref(), rows, progress, &mut |batch: Table| {
                    // A closed channel means the batches' handler failed; it reports why.
                    send.send(batch).map_err(|_| Error::Stopped)
                })
            });
            let handled = (|| {
                let mut next_row = 1;
                for mut batch in receive {
                    batch
                        .number_rows(&mut next_row)
                        .map_err(|e| source.frame_error(e))?;
                    for (index, slice) in slices.iter().enumerate() {
                        each(index, slice.evaluate(&batch)?, &batch.origin)?;
                    }
                }
                Ok(())
            })();
            let read = reader.join().unwrap_or(Err(Error::Stopped));
            match (handled, read) {
                (Err(e), _) | (Ok(()), Err(e)) => Err(e),
                (Ok(()), Ok(())) => Ok(()),
            }
        })
    }
}

fn select(all: Vec<Slice>, only: &[String]) -> Result<Vec<Slice>> {
    check_names(&all, only)?;
    if only.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|s| only.contains(&s.name)).collect())
}

/// Every name in `only` must be a slice of the workspace.
pub fn check_names(all: &[Slice], only: &[String]) -> Result<()> {
    let problems: Vec<Error> = only
        .iter()
        .filter(|name| !all.iter().any(|s| &s.name == *name))
        .map(|name| Error::UnknownSlice {
            name: name.clone(),
            help: diag::suggest(name, all.iter().map(|s| s.name.as_str()), "slices"),
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::from_problems(problems))
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::diag::YamlFile;

    fn workspace() -> Workspace {
        let text = "sources:\n  a: { path: a.csv }\n  b: { path: b.csv }\n  c: { path: c.csv }\n  d: { path: d.csv }\n";
        let file = YamlFile::from_text(
            PathBuf::from("thinslice.yaml"),
            "thinslice.yaml".into(),
            text,
        );
        Workspace::from_file(Path::new("/ws"), file).expect("workspace")
    }

    /// A plan of slices `NAME` on sources `SOURCE`, without reading anything.
    fn plan<'w>(workspace: &'w Workspace, slices: &[(&str, &str)]) -> Plan<'w> {
        let slices = slices
            .iter()
            .map(|(name, source)| {
                let text = format!("source: {source}\n");
                let file = YamlFile::from_text(
                    PathBuf::from("s.yaml"),
                    format!("slices/{name}.yaml"),
                    text,
                );
                Slice::from_file(name.to_string(), file).expect("slice")
            })
            .collect();
        Plan {
            workspace,
            slices,
            headers: BTreeMap::new(),
        }
    }

    fn waves(plan: &Plan, links: &[(&str, &str)]) -> Vec<Vec<String>> {
        let links_of = |slice: &str| -> Vec<&str> {
            links
                .iter()
                .filter(|(from, _)| *from == slice)
                .map(|(_, to)| *to)
                .collect()
        };
        plan.waves(&links_of)
            .into_iter()
            .map(|wave| wave.into_iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn a_source_is_read_after_the_sources_its_links_point_into() {
        let ws = workspace();
        // pumps (a) link to sites (b) and substations (c); sites link to substations; d is
        // on its own.
        let plan = plan(
            &ws,
            &[
                ("pumps", "a"),
                ("sites", "b"),
                ("subs", "c"),
                ("other", "d"),
            ],
        );
        let links = [("pumps", "sites"), ("pumps", "subs"), ("sites", "subs")];
        assert_eq!(waves(&plan, &links), [vec!["c", "d"], vec!["b"], vec!["a"]]);
        // Without links every source is independent: one wave.
        assert_eq!(waves(&plan, &[]), [vec!["a", "b", "c", "d"]]);
    }

    #[test]
    fn sources_that_link_to_each_other_share_the_last_wave() {
        let ws = workspace();
        let plan = plan(&ws, &[("pumps", "a"), ("sites", "b"), ("subs", "c")]);
        // a and b need each other; both need c.
        let links = [("pumps", "sites"), ("sites", "pumps"), ("sites", "subs")];
        assert_eq!(waves(&plan, &links), [vec!["c"], vec!["a", "b"]]);
        // A link within one source needs no other wave.
        let plan = super::tests::plan(&ws, &[("pumps", "a"), ("sites", "a")]);
        assert_eq!(waves(&plan, &[("pumps", "sites")]), [vec!["a"]]);
    }
}
