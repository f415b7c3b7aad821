//! thinslice: cut asset datasets into thin slices, refactor each against a Reference Data
//! Library, write the result, and report its quality conformance.
//!
//! Data flows one way, a batch at a time: [`source`] → [`slice`](mod@slice) (cut by [`pipeline`]) →
//! [`stream`] (mapping → checks → [`output`]) → [`report`].
//! The command layer ([`cli`], [`cmd`]) is the only code that prints.

// Diagnostics carry their source text and spans so they can draw the offending line; they
// are built once, on the way out of a failed run, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod checks;
pub mod cli;
pub mod cmd;
pub mod diag;
pub mod error;
pub mod lint;
pub mod mapping;
pub mod output;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod rdl;
pub mod regression;
pub mod report;
pub mod slice;
pub mod source;
pub mod stream;
pub mod workspace;

pub use error::{Error, Result};
