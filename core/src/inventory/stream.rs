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
    /// at most a batch of its text (~50 MB) in memory; any other input is read whole and read
    /// as [`ResourceSet::add_text`] reads it.
    ///
    /// # Errors
    /// As [`ResourceSet::add_text`]; also when the reader fails.
    pub fn add_reader(&mut self, reader: &mut dyn Read, file: &str, options: &ParseOptions) -> Result<(), Error> {
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
                        Err(e) => self.errors.push(e),
                    }
                }
            }
            Err(e) => self.errors.push(e),
        };
        match stream_json(reader, file, options, &prune::keep, &each, &mut sink)? {
            Ok(_) => failed.map_or(Ok(()), Err),
            Err(bytes) => {
                let text = text_from_vec(bytes, file)?;
                self.add_text(&text, file, options)
            }
        }
    }
}
