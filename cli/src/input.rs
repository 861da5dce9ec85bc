//! Inputs: files, directories (recursive, `.yaml`/`.yml`/`.json`, sorted) and `-` for stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use netfence::api::Source;
use netfence::{Error, ErrorCode};

use crate::live::ClusterArgs;

/// Which manifests a command reads, for the error when none are given.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// The positional paths (or a cluster).
    Manifests,
    /// `--base` (or a cluster).
    Base,
    /// Nothing is required (`flows map`).
    Optional,
}

/// The manifests of a command: the cluster's objects first when `--cluster`/`--context` asks
/// for them, then every input path.
///
/// # Errors
/// `NF-E011` when there are neither paths nor a cluster (unless [`Needed::Optional`]); as
/// [`read_sources`] and [`crate::live::read_sources`].
pub fn manifests(paths: &[PathBuf], cluster: &ClusterArgs, needed: Needed) -> Result<Vec<Source>, Error> {
    if paths.is_empty() && !cluster.wanted() {
        let what = match needed {
            Needed::Optional => return Ok(Vec::new()),
            Needed::Manifests => "no manifests given: pass files, directories or `-` for standard input",
            Needed::Base => "no base given: pass `--base PATH...`",
        };
        return Err(Error::new(ErrorCode::InvalidRequest, what).with_help(
            "or read a live cluster with `--cluster` (the kubeconfig's current context) or `--context NAME`",
        ));
    }
    let mut sources = if cluster.wanted() { crate::live::read_sources(cluster)? } else { Vec::new() };
    sources.extend(read_sources(paths)?);
    Ok(sources)
}

/// The manifests of a command read into resources, as [`manifests`] finds them: standard input
/// and files are streamed (`ResourceSet::add_reader`: a `kubectl get -o json` dump of any size is
/// read item by item, its text never held whole), a cluster's objects read as sources.
///
/// # Errors
/// As [`manifests`], and the input-level errors of reading them.
pub fn resources(
    paths: &[PathBuf],
    cluster: &ClusterArgs,
    needed: Needed,
    options: &netfence::source::ParseOptions,
) -> Result<netfence::inventory::ResourceSet, Error> {
    let mut set = netfence::inventory::ResourceSet::default();
    if cluster.wanted() {
        for source in manifests(&[], cluster, Needed::Optional)? {
            set.add_text(&source.text, &source.name, options)?;
        }
    } else if paths.is_empty() {
        manifests(paths, cluster, needed)?;
    }
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            // standard input redirected from a file (`< dump.yaml`) has the file's size
            let size = std::fs::metadata("/dev/stdin").ok().filter(std::fs::Metadata::is_file).map_or(0, |m| m.len());
            set.add_reader_of_size(&mut std::io::stdin().lock(), size, "<stdin>", options)?;
        } else if path.is_dir() {
            let before = files.len();
            collect(path, &mut files)?;
            if files.len() == before {
                return Err(Error::new(
                    ErrorCode::Io,
                    format!("`{}` holds no .yaml, .yml or .json file", path.display()),
                )
                .with_help("pass manifest files, or a directory that contains some"));
            }
            for file in files.drain(..) {
                add_file(&mut set, &file, options)?;
            }
        } else {
            add_file(&mut set, path, options)?;
        }
    }
    Ok(set)
}

fn add_file(
    set: &mut netfence::inventory::ResourceSet,
    path: &Path,
    options: &netfence::source::ParseOptions,
) -> Result<(), Error> {
    let name = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| {
        Error::new(ErrorCode::Io, format!("cannot read `{name}`: {e}")).with_help("check the path and its permissions")
    })?;
    let size = file.metadata().map_or(0, |m| m.len());
    set.add_reader_of_size(&mut file, size, &name, options)
}

/// Reads every input path into sources.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, Error> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read standard input: {e}")))?;
            sources.push(to_source("<stdin>", bytes)?);
        } else if path.is_dir() {
            let mut files = Vec::new();
            collect(path, &mut files)?;
            if files.is_empty() {
                return Err(Error::new(
                    ErrorCode::Io,
                    format!("`{}` holds no .yaml, .yml or .json file", path.display()),
                )
                .with_help("pass manifest files, or a directory that contains some"));
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

/// The bytes as a source, without copying them (a cluster dump can be gigabytes).
fn to_source(name: &str, bytes: Vec<u8>) -> Result<Source, Error> {
    let text = netfence::source::text_from_vec(bytes, name)?;
    Ok(Source::named(name, text))
}

/// Reads one file.
pub fn read_file(path: &Path) -> Result<Source, Error> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(ErrorCode::Io, format!("cannot read `{name}`: {e}")).with_help("check the path and its permissions")
    })?;
    to_source(&name, bytes)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    out.extend(netfence::source::files::files_under(dir, netfence::source::files::MANIFEST_EXTENSIONS)?);
    Ok(())
}
