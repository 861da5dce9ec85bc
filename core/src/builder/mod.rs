//! The typed builder DSL and the declarative intent format.
