//! One API surface, one file per operation; what the CLI and every binding call.
