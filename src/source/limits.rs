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
