//! Where a workspace may read and write: its sources inside its folder (or inside a folder
//! its `thinslice.yaml` allows), and an output folder that holds none of its inputs, so a
//! run can neither read what it was not given nor overwrite what it reads.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute, its `.` and `..` folded, and the symbolic links of the part that
/// exists resolved: the place a read or write would really reach.
pub(super) fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut folded = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                folded.pop();
            }
            Component::CurDir => {}
            other => folded.push(other),
        }
    }
    // The longest part that exists, with its links resolved, then the rest as written.
    let mut existing = folded.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => {
                rest.push(name.to_os_string());
                existing.pop();
            }
            None => break,
        }
    }
    let mut real = existing.canonicalize().unwrap_or(existing);
    real.extend(rest.iter().rev());
    real
}

/// Whether `path` is `folder` or lies inside it (both resolved).
pub(super) fn is_within(path: &Path, folder: &Path) -> bool {
    path.starts_with(folder)
}

/// Why `output` cannot be a workspace's output folder, if it cannot: it is the filesystem's
/// root, the workspace's folder or a folder above it, a folder holding one of `inputs` (each
/// named for messages), or a folder inside one of `input_folders`. All paths resolved.
pub(super) fn output_problem(
    root: &Path,
    output: &Path,
    inputs: &[(String, PathBuf)],
    input_folders: &[(String, PathBuf)],
) -> Option<String> {
    if output.parent().is_none() {
        return Some("it is the filesystem's root".into());
    }
    if output == root {
        return Some("it is the workspace folder itself".into());
    }
    if is_within(root, output) {
        return Some("it holds the workspace folder".into());
    }
    if let Some((name, _)) = inputs.iter().find(|(_, input)| is_within(input, output)) {
        return Some(format!("it holds {name}, which the run reads"));
    }
    input_folders
        .iter()
        .find(|(_, folder)| is_within(output, folder))
        .map(|(name, _)| format!("it lies inside {name}, which the run reads"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_folded_and_links_resolved() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().canonicalize().expect("root");
        std::fs::create_dir(root.join("data")).expect("data");
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", root.join("data/etc")).expect("link");
        assert_eq!(resolved(&root.join("data/../out/x")), root.join("out/x"));
        #[cfg(unix)]
        assert_eq!(
            resolved(&root.join("data/etc/passwd")),
            Path::new("/etc/passwd")
        );
        assert!(is_within(&root.join("out"), &root));
        assert!(!is_within(&root.join("outside"), &root.join("out")));
    }

    #[test]
    fn an_output_folder_may_hold_no_input() {
        let root = Path::new("/srv/ws");
        let inputs = [(
            "source `a` (a.csv)".to_string(),
            PathBuf::from("/srv/ws/data/a.csv"),
        )];
        let folders = [(
            "the slices folder".to_string(),
            PathBuf::from("/srv/ws/slices"),
        )];
        let problem = |output: &str| output_problem(root, Path::new(output), &inputs, &folders);
        assert_eq!(problem("/srv/ws/out"), None);
        assert_eq!(problem("/srv/elsewhere"), None);
        assert_eq!(problem("/").as_deref(), Some("it is the filesystem's root"));
        assert_eq!(
            problem("/srv/ws").as_deref(),
            Some("it is the workspace folder itself")
        );
        assert_eq!(
            problem("/srv").as_deref(),
            Some("it holds the workspace folder")
        );
        assert_eq!(
            problem("/srv/ws/data").as_deref(),
            Some("it holds source `a` (a.csv), which the run reads")
        );
        assert_eq!(
            problem("/srv/ws/slices/out").as_deref(),
            Some("it lies inside the slices folder, which the run reads")
        );
    }
}
