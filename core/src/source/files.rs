//! Files of a directory as every reader of paths takes them (the command line, the Python and
//! Node bindings): recursively, hidden entries skipped, in path order, by extension.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorCode};

/// The extensions of manifest files.
pub const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// The extensions of flow-log files.
pub const FLOW_EXTENSIONS: &[&str] = &["json", "jsonl", "csv"];

/// Every file under `dir` whose extension is one of `extensions`: recursively, entries whose
/// name starts with `.` skipped (`.git`, editor files), sorted by path at each level.
///
/// # Errors
/// `NF-E020` when a directory cannot be listed.
pub fn files_under(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    collect(dir, extensions, &mut out)?;
    Ok(out)
}

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read directory `{}`: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, extensions, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
            out.push(path);
        }
    }
    Ok(())
}
