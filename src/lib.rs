//! thinslice: cut asset datasets into thin slices, refactor each against a Reference Data
//! Library, write the result, and report its quality conformance.
//!
//! Data flows one way, a batch at a time, and the modules are layered the same way: each
//! imports only the ones before it.
//!
//! - Leaves: [`columns`] (reserved column names), [`quality`] (dimensions, thresholds,
//!   statuses, levels), [`diag`] (YAML with spans, problems reported together),
//!   [`progress`].
//! - The data's path: [`source`] (readers; every row keeps its origin) → [`slice`](mod@slice)
//!   (which rows and columns) → [`rdl`] and [`mapping`] (rows become things in the RDL's
//!   terms) → [`checks`] (conformance, by dimension) → [`output`] (atomic sinks, one per
//!   file format) → [`report`].
//! - Configuration and orchestration: [`workspace`] (`thinslice.yaml`), [`pipeline`] (slices
//!   checked against their sources, sources in waves), [`lint`] (every static check),
//!   [`stream`] (one slice's batches through mapping, checks and writers), [`job`] (the job
//!   itself), [`regression`] (`thinslice test`), [`profile`].
//! - The command layer, [`cli`] and [`cmd`], parses arguments, calls the library and is the
//!   only code that prints.

// Diagnostics carry their source text and spans so they can draw the offending line; they
// are built once, on the way out of a failed run, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod cmd;

pub(crate) mod checks;
pub(crate) mod columns;
pub(crate) mod diag;
pub(crate) mod error;
pub(crate) mod job;
pub(crate) mod lint;
pub(crate) mod mapping;
pub(crate) mod output;
pub(crate) mod pipeline;
pub(crate) mod profile;
pub(crate) mod progress;
pub(crate) mod quality;
pub(crate) mod rdl;
pub(crate) mod regression;
pub(crate) mod report;
pub(crate) mod slice;
pub(crate) mod source;
pub(crate) mod stream;
pub(crate) mod workspace;

pub use error::{Error, Result};
