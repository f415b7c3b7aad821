//! The integration tests: one binary, one module per area. Each test builds a workspace in
//! a temporary folder, runs the real `thinslice` binary on it, and checks exit codes,
//! output, written files and diagnostics.

mod architecture;
mod bad_input;
mod batches;
mod cobie;
mod errors;
mod example;
mod export;
mod identity;
mod ies4;
mod init;
mod interruption;
mod kafka;
mod layers;
mod mappings;
mod object_storage;
mod rdf;
mod registers;
mod regression;
mod report_page;
mod shards;
mod sharing;
mod slices;
mod sources;
mod support;
mod trust;
