//! Quarry macros.
