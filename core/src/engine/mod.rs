//! The connectivity engine.
