//! Paths and bytes given as inputs, read as the CLI reads them (`cli/src/input.rs`): a file is
//! one source named by its path; a directory is every file under it with a known extension,
//! recursively, hidden entries skipped, in path order; the text must be UTF-8 without NUL bytes.

use std::path::{Path, PathBuf};

use netfence::{Error, ErrorCode};

/// What a path holds, which decides the extensions read from a directory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Manifests: `.yaml`, `.yml`, `.json` (as the CLI).
    Manifests,
    /// Flow logs: `.json`, `.jsonl`, `.csv`.
    Flows,
}

impl Kind {
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Manifests => &["yaml", "yml", "json"],
            Self::Flows => &["json", "jsonl", "csv"],
        }
    }
}

/// An error reading an input; `missing` when the path does not exist.
pub struct ReadError {
    pub error: Error,
    pub missing: bool,
}

impl From<Error> for ReadError {
    fn from(error: Error) -> Self {
        Self { error, missing: false }
    }
}

/// Reads every path into `(name, text)` sources.
pub fn read_paths(paths: &[PathBuf], kind: Kind) -> Result<Vec<(String, String)>, ReadError> {
    let mut sources = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            collect(path, kind, &mut files)?;
            if files.is_empty() {
                let wanted: Vec<String> = kind.extensions().iter().map(|e| format!(".{e}")).collect();
                return Err(Error::new(
                    ErrorCode::Io,
                    format!("`{}` holds no {} file", path.display(), wanted.join(", ")),
                )
                .with_help("pass files, or a directory that contains some")
                .into());
            }
            for file in files {
                sources.push(read_file(&file)?);
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    Ok(sources)
}

/// Decodes the bytes of an input named `name`.
pub fn decode(name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    Ok(netfence::source::text_from_bytes(bytes, name)?.to_owned())
}

fn read_file(path: &Path) -> Result<(String, String), ReadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ReadError {
        missing: e.kind() == std::io::ErrorKind::NotFound,
        error: Error::new(ErrorCode::Io, format!("cannot read `{name}`: {e}"))
            .with_help("check the path and its permissions"),
    })?;
    let text = decode(&name, &bytes)?;
    Ok((name, text))
}

fn collect(dir: &Path, kind: Kind, out: &mut Vec<PathBuf>) -> Result<(), Error> {
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
            collect(&path, kind, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| kind.extensions().contains(&e)) {
            out.push(path);
        }
    }
    Ok(())
}
