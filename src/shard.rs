//! A run spread over machines by the scheduler an organisation already runs: `run --shard
//! K/N` reads the K-th of N parts of every source (see [`Part`]) and writes its outputs
//! under `out/shards/K/`. `--shard auto` takes K and N from the environment of a Kubernetes
//! Indexed Job, a Slurm job array or an AWS Batch array job.

use crate::source::Part;
use crate::workspace::Workspace;

/// Where a shard's outputs go, under the output folder.
pub const SHARDS_DIR: &str = "shards";

/// The count, for schedulers that give each task its index only.
const COUNT: &str = "THINSLICE_SHARD_COUNT";

/// A `--shard` that names no shard this run can be.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ShardError {
    #[error("--shard {given}: {reason}")]
    #[diagnostic(
        code(thinslice::shard::bad),
        help("write it as K/N, the K-th of N shards counting from 1 (`--shard 2/8`), or `auto`")
    )]
    Bad { given: String, reason: String },

    #[error("--shard auto: {reason}")]
    #[diagnostic(
        code(thinslice::shard::auto),
        help(
            "`auto` reads JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (Slurm array), or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array); Kubernetes and AWS Batch do not say how many shards there are: set THINSLICE_SHARD_COUNT"
        )
    )]
    Auto { reason: String },

    #[error(
        "slice `{slice}` reads the rows of slice `{other}` ({how}), and a run in shards splits the source of `{split}`"
    )]
    #[diagnostic(
        code(thinslice::shard::joined),
        help(
            "each shard would see only part of the rows that go together: run this workspace whole, or in one shard (--shard 1/1); slices read through lookups or as attributes can be sharded when both come from workbooks (read whole by shard 1)"
        )
    )]
    Joined {
        slice: String,
        other: String,
        how: &'static str,
        split: String,
    },
}

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MergeError {
    #[error("{dir}: no shard's state is there")]
    #[diagnostic(
        code(thinslice::merge::none),
        help("run the shards first (`thinslice run --shard K/N`), with the same output folder")
    )]
    NoShards { dir: String },

    #[error("shard {index} of {count} is missing from {dir}")]
    #[diagnostic(
        code(thinslice::merge::missing),
        help(
            "run it (`thinslice run --shard {index}/{count}`), or copy its out/shards/{index}/ here"
        )
    )]
    Missing { index: u32, count: u32, dir: String },

    #[error("shard {index} was one of {theirs}, another one of {ours}")]
    #[diagnostic(
        code(thinslice::merge::mixed),
        help("the shards of one run share N: remove the other run's shards from out/shards/")
    )]
    Mixed { index: u32, theirs: u32, ours: u32 },

    #[error("shard {index} read a different {input} from shard 1")]
    #[diagnostic(
        code(thinslice::merge::inputs),
        help("every shard must run on the same workspace and data: run them again")
    )]
    Inputs { index: u32, input: String },

    #[error("shard {index} ran the slices {theirs}; shard 1 ran {first}")]
    #[diagnostic(
        code(thinslice::merge::slices),
        help(
            "the shards of one run run the same slices: run them again with the same --slice options (or none)"
        )
    )]
    Slices {
        index: u32,
        theirs: String,
        first: String,
    },

    #[error("{input} changed since the shards ran")]
    #[diagnostic(
        code(thinslice::merge::changed),
        help(
            "merge applies the workspace's mappings and thresholds to what the shards made: run the shards again on the workspace as it is now, or put {input} back"
        )
    )]
    Changed { input: String },

    #[error("{path}: unreadable shard state: {reason}")]
    #[diagnostic(code(thinslice::merge::state), help("run that shard again"))]
    Unreadable { path: String, reason: String },
}

/// The shard `given` names (`K/N` or `auto`), with `env` as the environment.
pub fn parse(given: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Part, ShardError> {
    if given == "auto" {
        return from_env(env);
    }
    let bad = |reason: &str| ShardError::Bad {
        given: given.to_string(),
        reason: reason.to_string(),
    };
    let (index, count) = given
        .split_once('/')
        .ok_or_else(|| bad("not of the form K/N"))?;
    let number = |text: &str| text.trim().parse::<u32>().ok();
    let (Some(index), Some(count)) = (number(index), number(count)) else {
        return Err(bad("K and N are whole numbers"));
    };
    checked(index, count).map_err(|reason| bad(&reason))
}

fn checked(index: u32, count: u32) -> Result<Part, String> {
    if count == 0 {
        return Err("there is no shard of 0".into());
    }
    if index == 0 || index > count {
        return Err(format!("shards are counted from 1 to {count}"));
    }
    Ok(Part { index, count })
}

/// K and N from a scheduler's environment; its indices count from 0 (Slurm's from the
/// array's first task), shards from 1.
fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Part, ShardError> {
    let auto = |reason: String| ShardError::Auto { reason };
    let number = |name: &str| -> Result<Option<u32>, ShardError> {
        match env(name) {
            None => Ok(None),
            Some(text) => (text.trim().parse::<u32>().map(Some))
                .map_err(|_| auto(format!("{name}={text} is not a whole number"))),
        }
    };
    let count = number(COUNT)?;
    // (index from 0, count, the variables they came from)
    let (index, count, from) = if let Some(task) = number("SLURM_ARRAY_TASK_ID")? {
        let first = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        // `--array=1-7:2` numbers its tasks 1, 3, 5, 7.
        let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let count = count.or(number("SLURM_ARRAY_TASK_COUNT")?);
        let offset = task.checked_sub(first).filter(|o| o % step == 0);
        let names = (
            "SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, over SLURM_ARRAY_TASK_STEP)",
            "SLURM_ARRAY_TASK_COUNT",
        );
        (offset.map(|o| o / step), count, names)
    } else if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        (Some(index), count, ("JOB_COMPLETION_INDEX", COUNT))
    } else if let Some(index) = number("AWS_BATCH_JOB_ARRAY_INDEX")? {
        (Some(index), count, ("AWS_BATCH_JOB_ARRAY_INDEX", COUNT))
    } else {
        return Err(auto("no scheduler's task index is set".into()));
    };
    let index = index.ok_or_else(|| auto(format!("{} is not a task of the array", from.0)))?;
    let count = count.ok_or_else(|| auto(format!("{} is not set", from.1)))?;
    checked(index + 1, count)
        .map_err(|reason| auto(format!("{reason}; {} gives shard {}", from.0, index + 1)))
}

/// Makes `workspace` a run of shard `part`: every source read in part, the outputs under
/// `out/shards/K/`.
pub fn apply(workspace: &mut Workspace, part: Part) {
    for source in workspace.sources.values_mut() {
        source.part = Some(part);
    }
    workspace.output_dir = workspace
        .output_dir
        .join(SHARDS_DIR)
        .join(part.index.to_string());
    workspace.shard = Some(part);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn k_of_n_counts_from_one() {
        let none = with(&[]);
        assert_eq!(parse("2/8", &none).ok(), Some(Part { index: 2, count: 8 }));
        assert_eq!(parse("1/1", &none).ok(), Some(Part { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "-1/3", ""] {
            assert!(parse(bad, &none).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_reads_each_scheduler_and_counts_from_one() {
        let k8s = with(&[("JOB_COMPLETION_INDEX", "0"), (COUNT, "4")]);
        assert_eq!(parse("auto", &k8s).ok(), Some(Part { index: 1, count: 4 }));
        let slurm = with(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert_eq!(
            parse("auto", &slurm).ok(),
            Some(Part { index: 3, count: 3 })
        );
        let stepped = with(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            parse("auto", &stepped).ok(),
            Some(Part { index: 3, count: 4 })
        );
        let batch = with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "9"), (COUNT, "10")]);
        assert_eq!(
            parse("auto", &batch).ok(),
            Some(Part {
                index: 10,
                count: 10
            })
        );
    }

    #[test]
    fn auto_without_what_it_needs_says_which() {
        let no_count = with(&[("JOB_COMPLETION_INDEX", "0")]);
        let err = parse("auto", &no_count).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--shard auto: THINSLICE_SHARD_COUNT is not set")
        );
        let nothing = with(&[]);
        assert!(parse("auto", &nothing).is_err());
        let beyond = with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "4"), (COUNT, "4")]);
        let err = parse("auto", &beyond).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "--shard auto: shards are counted from 1 to 4; AWS_BATCH_JOB_ARRAY_INDEX gives shard 5"
            )
        );
        let slurm = with(&[("SLURM_ARRAY_TASK_ID", "2")]);
        let err = parse("auto", &slurm).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--shard auto: SLURM_ARRAY_TASK_COUNT is not set")
        );
    }
}
