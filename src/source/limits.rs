//! How large a workbook may be before it is refused with a message instead of taking all
//! the memory (see [`super::SheetLimits`]).

use super::{Source, SourceError};

/// Refuses a workbook one of whose parts inflates past the source's limit, before calamine
/// inflates it. Only a zip's table of contents is read; a workbook that is no zip (`.xls`)
/// is left to calamine.
pub(super) fn check_inflated(source: &Source) -> Result<(), SourceError> {
    let limit = source.options.limits.inflated_bytes;
    let Ok(file) = std::fs::File::open(&source.path) else {
        return Ok(());
    };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(part) = archive.by_index_raw(index) else {
            continue;
        };
        if part.size() > limit {
            return Err(SourceError::Inflates {
                id: source.id.clone(),
                path: source.display.clone(),
                part: part.name().map(|n| n.into_owned()).unwrap_or_default(),
                size_mb: part.size() >> 20,
                limit_mb: limit >> 20,
                src: source.config.src.clone(),
                span: source.config.span,
            });
        }
    }
    Ok(())
}

/// Refuses a legacy `.xls` whose compound-file structure is damaged (a sector chain that
/// loops, a stream longer than the file), which calamine would follow until memory runs out,
/// and one a sheet of which spans more cells than the source's limit (see [`super::xls`]).
/// A file that is no compound file is left to calamine, which says what it is not.
pub(super) fn check_compound_file(source: &Source) -> Result<(), SourceError> {
    let Ok(mut file) = std::fs::File::open(&source.path) else {
        return Ok(());
    };
    let mut signature = [0u8; 8];
    if std::io::Read::read_exact(&mut file, &mut signature).is_err()
        || signature != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    {
        return Ok(());
    }
    match cfb::CompoundFile::open(std::io::BufReader::new(file)) {
        Ok(mut file) => {
            let limit = source.options.limits.cells;
            let areas = super::xls::sheet_areas(&mut file).unwrap_or_default();
            match areas.into_iter().find(|(_, area)| *area > limit) {
                Some((sheet, _)) => Err(too_many_cells(
                    source,
                    &sheet,
                    "cells in the area its cells span or its dimensions record claims",
                )),
                None => Ok(()),
            }
        }
        Err(e) => Err(SourceError::NotWorkbook {
            path: source.display.clone(),
            source: format!(
                "the file is damaged: {e}; open it in a spreadsheet program and save it again"
            )
            .into(),
            src: source.config.src.clone(),
            span: source.config.span,
        }),
    }
}

/// The error of a sheet past the source's cell limit; `what` says which count.
pub(super) fn too_many_cells(source: &Source, sheet: &str, what: &'static str) -> SourceError {
    SourceError::TooManyCells {
        id: source.id.clone(),
        path: source.display.clone(),
        sheet: sheet.to_string(),
        limit: source.options.limits.cells,
        what,
        src: source.config.src.clone(),
        span: source.config.span,
    }
}
