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
            Self::Manifests => netfence::source::files::MANIFEST_EXTENSIONS,
            Self::Flows => netfence::source::files::FLOW_EXTENSIONS,
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
                return Err(no_files(path, kind).into());
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

/// The error for a directory with no file of the kind's extensions.
fn no_files(dir: &Path, kind: Kind) -> Error {
    // `.yaml, .yml or .json`, as the command line and `ResourceSet::add_path` word it
    let wanted: Vec<String> = kind.extensions().iter().map(|e| format!(".{e}")).collect();
    let wanted = match wanted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => wanted.join(""),
    };
    Error::new(ErrorCode::Io, format!("`{}` holds no {wanted} file", dir.display()))
        .with_help("pass files, or a directory that contains some")
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
    out.extend(netfence::source::files::files_under(dir, kind.extensions())?);
    Ok(())
}
