//! The query compiler.
