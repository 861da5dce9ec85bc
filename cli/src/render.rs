//! Errors for the terminal (every other text comes from the API's `format`).

use netfence::Error;

/// An error as `error[NF-E002]: message` with location and help (the help names the command
/// line's flag where the API would name an option), as netfence prints every error.
pub fn error_text(e: &Error) -> String {
    let mut payload = e.payload();
    payload.help = payload.help.map(|help| cli_help(&help));
    netfence::report::findings::error_text(&payload).trim_end().to_owned()
}

/// The parse options that the command line sets with a flag.
const LIMIT_FLAGS: &[(&str, &str)] = &[
    ("maxInputBytes", "--max-input-bytes"),
    ("maxDocuments", "--max-documents"),
    ("maxNodes", "--max-nodes"),
    ("maxStringBytes", "--max-string-bytes"),
];

/// A help text as it applies on the command line: "raise `maxNodes` in the parse options"
/// names the flag instead, and a limit without a flag says so.
fn cli_help(help: &str) -> String {
    const OPTIONS: &str = " in the parse options";
    let Some(end) = help.find(OPTIONS) else { return help.to_owned() };
    let before = help.get(..end).unwrap_or(help);
    let after = help.get(end + OPTIONS.len()..).unwrap_or_default();
    let option = before.rsplit('`').nth(1).unwrap_or_default();
    match LIMIT_FLAGS.iter().find(|(name, _)| *name == option) {
        Some((_, flag)) => {
            let before = before.strip_suffix(&format!("`{option}`")).unwrap_or(before);
            format!("{before}the limit with `{flag}`{after}")
        }
        None => format!("{before} (an API option; the command line keeps the default){after}"),
    }
}

#[cfg(test)]
mod tests {
    use super::cli_help;

    #[test]
    fn help_names_the_flag_that_raises_a_limit() {
        assert_eq!(
            cli_help("split the input, or raise `maxInputBytes` in the parse options"),
            "split the input, or raise the limit with `--max-input-bytes`"
        );
        assert_eq!(
            cli_help("simplify the document, or raise `maxNodes` in the parse options"),
            "simplify the document, or raise the limit with `--max-nodes`"
        );
        assert_eq!(
            cli_help("simplify the document, or raise `maxDepth` in the parse options"),
            "simplify the document, or raise `maxDepth` (an API option; the command line keeps the default)"
        );
        assert_eq!(cli_help("fix the YAML/JSON syntax"), "fix the YAML/JSON syntax");
    }
}
