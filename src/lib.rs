//! thinslice: cut asset datasets into thin slices, refactor each against a Reference Data
//! Library, write the result, and report its quality conformance.
//!
//! Data flows one way, a batch at a time, and the modules are layered the same way: each
//! imports only the ones listed before it (`tests/cli/architecture.rs` holds them to it).
//!
//! 1. Leaves: `columns` (the column names thinslice gives), `diag` (YAML with spans,
//!    problems reported together, "did you mean"), `progress` (how the library shows long
//!    work), `quality` (dimensions, thresholds, statuses, levels).
//! 2. The data's path: `source` (readers; every row keeps its origin) →
//!    `slice` (which rows and columns) → `rdl` → `mapping` (rows become
//!    things in the RDL's terms) → `checks` (conformance, by dimension) → `output`
//!    (atomic files, one writer per format).
//! 3. What names and reads all of that: `broker` (messages to and from Kafka, behind two
//!    traits), `workspace` (`thinslice.yaml`), `report` (the reports of a run), `manifest`
//!    (what a run wrote, and its provenance), `regression` (outputs in canonical form, and
//!    their differences from the expectations), `profile` (what a source holds), `publish`
//!    (a run's things as RDF Patch messages, changes only) and `receive` (a topic into a
//!    local copy), `export` (things back into an organisation's own table).
//! 4. `error`: every module's error as one.
//! 5. Orchestration: `pipeline` (slices checked against their sources, sources in waves,
//!    a source cut batch by batch), `lint` (every static check), `terms` (the RDL's own jobs:
//!    browse, export, diff), `stream` (one slice's batches through mapping, checks and
//!    writers), `job` (each command's job).
//!
//! The command layer, [`cli`] and [`cmd`], parses arguments, calls `job`, and is the only
//! code that prints.

// Diagnostics carry their source text and spans so they can draw the offending line; they
// are built once, on the way out of a failed run, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod cmd;

pub(crate) mod broker;
pub(crate) mod checks;
pub(crate) mod columns;
pub(crate) mod diag;
pub(crate) mod draft;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod job;
pub(crate) mod lint;
pub(crate) mod manifest;
pub(crate) mod mapping;
pub(crate) mod marking;
pub(crate) mod output;
pub(crate) mod pipeline;
pub(crate) mod profile;
pub(crate) mod progress;
pub(crate) mod publish;
pub(crate) mod quality;
pub(crate) mod rdl;
pub(crate) mod receive;
pub(crate) mod regression;
pub(crate) mod remote;
pub(crate) mod report;
pub(crate) mod shard;
pub(crate) mod share;
pub(crate) mod slice;
pub(crate) mod source;
pub(crate) mod stream;
pub(crate) mod terms;
pub(crate) mod workspace;

/// Entry points for the fuzz targets in `fuzz/`.
#[cfg(feature = "fuzz")]
pub mod fuzz;

pub use error::{Error, Result};
