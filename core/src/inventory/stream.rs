//! A large JSON input read from a reader (standard input, a file) without holding it: the
//! items of a `kubectl get -o json` list are read batch by batch, and each batch's text is
//! freed once its items are read. Memory grows with what is kept, not with the input.

use std::io::Read;
use std::sync::Arc;

use super::{Item, ResourceSet, list_header, prune, read_document};
use crate::error::Error;
use crate::source::{Node, ParseOptions, SourceDoc, stream_json, text_from_vec};

impl ResourceSet {
    /// Reads one input from `reader`: a JSON list document item by item, as it arrives, with
    /// at most two batches of its text (~16 MB each) in memory; any other input is read whole and read
    /// as [`ResourceSet::add_text`] reads it.
    ///
    /// # Errors
    /// As [`ResourceSet::add_text`]; also when the reader fails.
    pub fn add_reader(&mut self, reader: &mut dyn Read, file: &str, options: &ParseOptions) -> Result<(), Error> {
        self.add_reader_of_size(reader, 0, file, options)
    }

    /// [`ResourceSet::add_reader`] for an input whose size is known (a file's length; 0 when
    /// not known): an input read whole (anything but a JSON list) is read into one buffer of
    /// that size instead of one doubled as it grows — a third less memory for a large
    /// `kubectl get -o yaml` dump. The size only sizes the buffer: a wrong one costs memory or
    /// copies, never the answer.
    ///
    /// # Errors
    /// As [`ResourceSet::add_reader`].
    pub fn add_reader_of_size(
        &mut self,
        reader: &mut dyn Read,
        size: u64,
        file: &str,
        options: &ParseOptions,
    ) -> Result<(), Error> {
        let shared: Arc<str> = Arc::from(file);
        let strict = options.strict;
        let each = |head: &Node, _: usize, item: Node| -> Vec<Result<Item, Error>> {
            let header = list_header(head);
            let inherited = header.as_ref().and_then(|(a, k)| k.as_deref().map(|k| (a.as_str(), k)));
            let source = SourceDoc { file: shared.clone(), root: Arc::new(item), base: String::new(), document: 0 };
            read_document(source, inherited, strict)
        };
        let mut failed = None;
        let mut sink = |result: Result<Vec<Result<Item, Error>>, Error>| match result {
            Ok(items) => {
                for item in items {
                    match item {
                        Ok(item) => self.push(item),
                        Err(e) if strict => {
                            if failed.is_none() {
                                failed = Some(e);
                            }
                        }
                        Err(e) => self.record_error(e),
                    }
                }
            }
            Err(e) => self.record_error(e),
        };
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        match stream_json(reader, size, file, options, &prune::keep, &each, &mut sink)? {
            Ok(_) => failed.map_or(Ok(()), Err),
            Err(bytes) => {
                let text = text_from_vec(bytes, file)?;
                self.add_text(&text, file, options)
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl ResourceSet {
    /// Reads a file, or every manifest file under a directory
    /// ([`crate::source::files::files_under`]), each named by its path and streamed as
    /// [`ResourceSet::add_reader`] streams it.
    ///
    /// # Errors
    /// `NF-E020` when a file or directory cannot be read, or a directory holds no manifest
    /// file; otherwise as [`ResourceSet::add_reader`].
    pub fn add_path(&mut self, path: &std::path::Path, options: &ParseOptions) -> Result<(), Error> {
        use crate::error::ErrorCode;
        use crate::source::files::{MANIFEST_EXTENSIONS, files_under};
        let files = if path.is_dir() {
            let files = files_under(path, MANIFEST_EXTENSIONS)?;
            if files.is_empty() {
                return Err(Error::new(
                    ErrorCode::Io,
                    format!("`{}` holds no .yaml, .yml or .json file", path.display()),
                )
                .with_help("pass manifest files, or a directory that contains some"));
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let name = file.display().to_string();
            let mut reader = std::fs::File::open(&file).map_err(|e| {
                Error::new(ErrorCode::Io, format!("cannot read `{name}`: {e}"))
                    .with_help("check the path and its permissions")
            })?;
            let size = reader.metadata().map_or(0, |m| m.len());
            self.add_reader_of_size(&mut reader, size, &name, options)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::synth::SynthConfig;
    use crate::synth::kubectl::{DumpFormat, kubectl_dump};

    /// What a resource set read: every resource with its location, and the errors.
    fn summary(set: &ResourceSet) -> Vec<String> {
        let mut out: Vec<String> = set.summaries().iter().map(|r| format!("{r:?}")).collect();
        out.extend(set.pods.iter().map(|p| format!("{:?} {:?} {:?} {:?}", p.labels, p.owners, p.ips, p.spec)));
        out.extend(set.policies.iter().map(|p| format!("{:?}", p.object)));
        out.extend(set.errors.iter().map(|e| format!("{e:?}")));
        out.push(format!("{:?} {}", set.skipped, set.errors_omitted));
        out
    }

    #[test]
    fn a_streamed_dump_reads_as_the_whole_text() {
        let config = SynthConfig { pods: 300, policies: 40, namespaces: 6, ..SynthConfig::default() };
        for format in [DumpFormat::Json, DumpFormat::JsonCompact, DumpFormat::Yaml] {
            let mut dump = Vec::new();
            kubectl_dump(&config, format, &mut dump).unwrap();
            let text = String::from_utf8(dump).unwrap();
            let options = ParseOptions::default();
            let mut whole = ResourceSet::default();
            whole.add_text(&text, "dump", &options).unwrap();
            let mut streamed = ResourceSet::default();
            streamed.add_reader(&mut text.as_bytes(), "dump", &options).unwrap();
            assert!(whole.pods.len() >= 300 && whole.errors.is_empty(), "{format:?}");
            assert_eq!(summary(&streamed), summary(&whole), "{format:?}");
            // a size, right or wrong, only sizes the buffer
            for size in [text.len() as u64, 10, text.len() as u64 * 3, u64::MAX] {
                let mut sized = ResourceSet::default();
                sized.add_reader_of_size(&mut text.as_bytes(), size, "dump", &options).unwrap();
                assert_eq!(summary(&sized), summary(&whole), "{format:?} {size}");
            }
        }
    }

    /// A `kubectl get -o yaml` list (large enough to be read item by item) has its items'
    /// skipped values blanked before they are parsed (`source::yaml_prune`): it reads as the
    /// same cluster as the JSON dump, each resource located at its item's first line.
    #[test]
    fn a_pruned_yaml_dump_reads_as_the_json_dump() {
        let config = SynthConfig { pods: 1000, policies: 40, namespaces: 6, ..SynthConfig::default() };
        let read = |format| {
            let mut dump = Vec::new();
            kubectl_dump(&config, format, &mut dump).unwrap();
            let text = String::from_utf8(dump).unwrap();
            let mut set = ResourceSet::default();
            set.add_text(&text, "dump", &ParseOptions::default()).unwrap();
            (set, text)
        };
        let content = |set: &ResourceSet| {
            let mut out: Vec<String> =
                set.summaries().iter().map(|r| format!("{} {}/{}", r.kind, r.namespace, r.name)).collect();
            out.extend(set.pods.iter().map(|p| format!("{:?} {:?} {:?} {:?}", p.labels, p.owners, p.ips, p.spec)));
            out.extend(set.workloads.iter().map(|w| format!("{:?} {:?} {:?}", w.template_labels, w.owners, w.spec)));
            out.extend(set.policies.iter().map(|p| format!("{:?}", p.object.spec)));
            out.extend(set.errors.iter().map(|e| format!("{e:?}")));
            out
        };
        let (yaml, yaml_text) = read(DumpFormat::Yaml);
        let (json, _) = read(DumpFormat::Json);
        assert!(yaml_text.len() >= 4 << 20, "{} bytes: under the size read item by item", yaml_text.len());
        assert!(yaml.pods.len() >= 1000 && yaml.errors.is_empty());
        assert_eq!(content(&yaml), content(&json));
        let lines: Vec<&str> = yaml_text.lines().collect();
        for r in yaml.summaries() {
            let line = lines[usize::try_from(r.location.line).unwrap() - 1];
            assert!(line.starts_with("- apiVersion: "), "{r:?}: {line}");
        }
    }

    fn pod(i: usize, labels: &str) -> String {
        format!(r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "labels": {labels}}}}}"#)
    }

    fn list(items: &[String]) -> String {
        format!("{{\"apiVersion\": \"v1\", \"items\": [\n{}\n], \"kind\": \"List\"}}", items.join(",\n"))
    }

    #[test]
    fn identical_errors_are_listed_ten_times_and_counted() {
        let mut items: Vec<String> = (0..25).map(|i| pod(i, "\"not a map\"")).collect();
        items.push(pod(25, "[1]"));
        items.push(pod(26, "{\"app\": \"ok\"}"));
        let text = list(&items);
        for streamed in [false, true] {
            let mut set = ResourceSet::default();
            if streamed {
                set.add_reader(&mut text.as_bytes(), "l.json", &ParseOptions::default()).unwrap();
            } else {
                set.add_text(&text, "l.json", &ParseOptions::default()).unwrap();
            }
            assert_eq!(set.pods.len(), 1);
            // ten of the 25 identical errors, and the different one
            assert_eq!((set.errors.len(), set.errors_omitted), (11, 15));
            assert_eq!(set.errors[0].location.as_ref().unwrap().line, 2);
            let completeness = set.completeness();
            assert!(completeness.partial);
            let warning = &completeness.warnings[0];
            assert!(warning.message.starts_with("26 documents could not be read"), "{}", warning.message);
            assert!(warning.help.as_deref().unwrap().contains("15 more are counted"));
        }
    }

    /// The budgets are per object: each item of a list just under and just over them.
    #[test]
    fn list_items_have_their_own_budgets() {
        let long = |n: usize| pod(0, &format!("{{\"a\": \"{}\"}}", "x".repeat(n)));
        let text = list(&[long(100), long(101), pod(1, "{}")]);
        let options = ParseOptions { max_string_bytes: 100, ..ParseOptions::default() };
        for streamed in [false, true] {
            let mut set = ResourceSet::default();
            if streamed {
                set.add_reader(&mut text.as_bytes(), "l.json", &options).unwrap();
            } else {
                set.add_text(&text, "l.json", &options).unwrap();
            }
            assert_eq!(set.pods.len(), 2);
            assert_eq!(set.errors.len(), 1);
            assert_eq!(set.errors[0].code, ErrorCode::BudgetExceeded);
            assert!(set.errors[0].message.contains("item 2 of `items`"), "{}", set.errors[0].message);
            assert!(set.errors[0].help.as_deref().unwrap().contains("maxStringBytes"));
        }
        // nodes: a pod with apiVersion, kind and metadata {name, labels {}} is 11 nodes (keys
        // counted); the list as a whole has many more
        let items: Vec<String> = (0..50).map(|i| pod(i, "{}")).collect();
        let text = list(&items);
        for (max_nodes, pods) in [(11, 50), (10, 0)] {
            let options = ParseOptions { max_nodes, ..ParseOptions::default() };
            let mut set = ResourceSet::default();
            set.add_reader(&mut text.as_bytes(), "l.json", &options).unwrap();
            assert_eq!(set.pods.len(), pods, "max_nodes {max_nodes}");
            let mut whole = ResourceSet::default();
            whole.add_text(&text, "l.json", &options).unwrap();
            assert_eq!(whole.pods.len(), pods, "max_nodes {max_nodes}");
        }
    }
}
