//! The floor for reading a workbook: calamine alone, reading every cell of one sheet into
//! memory and touching each, as fast as the crate thinslice reads workbooks with goes.
//! `bench/run` times it beside `thinslice profile` on the same sheet (issue 18: thinslice
//! should read a sheet at calamine's speed).
//!
//!     cargo run --release --example bench-calamine -- BOOK.xlsx [SHEET]

use calamine::{Data, Reader, open_workbook_auto};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bench-calamine BOOK.xlsx [SHEET]");
        return std::process::ExitCode::from(2);
    };
    let started = std::time::Instant::now();
    let mut book = match open_workbook_auto(path) {
        Ok(book) => book,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let sheet = match args.get(1) {
        Some(sheet) => sheet.clone(),
        None => book.sheet_names().first().cloned().unwrap_or_default(),
    };
    let range = match book.worksheet_range(&sheet) {
        Ok(range) => range,
        Err(e) => {
            eprintln!("{path}: {sheet}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // Touch every cell, so that nothing is skipped.
    let (mut cells, mut text) = (0_u64, 0_usize);
    for row in range.rows() {
        for cell in row {
            cells += 1;
            if let Data::String(s) = cell {
                text += s.len();
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {}, \"cells\": {cells}, \"text_bytes\": {text}, \"seconds\": {seconds:.3}}}",
        range.height()
    );
    std::process::ExitCode::SUCCESS
}
