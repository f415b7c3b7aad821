//! Whether an xlsx sheet has merged cells, told fast: calamine finds them by reading the
//! sheet's whole XML a second time (a third of the time a large sheet takes to read), so the
//! sheet's part is inflated on another thread while calamine reads its cells, and searched
//! for a `mergeCell` element; calamine is asked only when there is one.

use std::io::Read;
use std::path::Path;

/// Whether the sheet named `sheet` holds merged cells; None when it cannot be told (the
/// workbook's parts are not where they should be), and calamine is to be asked.
pub(super) fn has_merged_cells(path: &Path, sheet: &str) -> Option<bool> {
    let file = std::fs::File::open(path).ok()?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let part = sheet_part(&mut archive, sheet)?;
    let mut xml = archive.by_name(&part).ok()?;
    // Read in pieces, keeping the tail of the last one, so a tag split between two pieces
    // is found; a sheet is never held whole. The name without `<`, so a prefixed element
    // (`<x:mergeCell`) is found too; a false find costs only calamine's look.
    let needle = b"mergeCell";
    let finder = memchr::memmem::Finder::new(needle);
    let mut buffer = vec![0u8; 1 << 20];
    let mut kept = 0;
    loop {
        let read = xml.read(&mut buffer[kept..]).ok()?;
        if read == 0 {
            return Some(false);
        }
        let filled = kept + read;
        if finder.find(&buffer[..filled]).is_some() {
            return Some(true);
        }
        kept = (needle.len() - 1).min(filled);
        buffer.copy_within(filled - kept..filled, 0);
    }
}

/// The zip path of a sheet's part: `xl/workbook.xml` gives the sheet's relationship id, and
/// `xl/_rels/workbook.xml.rels` the part it points to.
fn sheet_part<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    sheet: &str,
) -> Option<String> {
    let text = |archive: &mut zip::ZipArchive<R>, name: &str| -> Option<String> {
        let mut text = String::new();
        archive.by_name(name).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let workbook = text(archive, "xl/workbook.xml")?;
    let relationships = text(archive, "xl/_rels/workbook.xml.rels")?;
    let id = elements(&workbook, "sheet")
        .into_iter()
        .find(|e| attribute(e, "name").as_deref() == Some(sheet))
        .and_then(|e| attribute(e, "r:id"))?;
    let target = elements(&relationships, "Relationship")
        .into_iter()
        .find(|e| attribute(e, "Id").as_deref() == Some(id.as_str()))
        .and_then(|e| attribute(e, "Target"))?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// The start tags of the elements named `name` (without a namespace prefix).
fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    xml.match_indices(open.as_str())
        .map(|(at, _)| &xml[at..])
        .filter(|rest| {
            rest[open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '/' || c == '>')
        })
        .map(|rest| rest.find('>').map_or(rest, |end| &rest[..end]))
        .collect()
}

/// An attribute's value in a start tag, its entities unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(dir: &Path, merged: bool) -> std::path::PathBuf {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().set_name("Other").expect("sheet");
        let sheet = book.add_worksheet();
        sheet.set_name("Pumps & valves").expect("sheet");
        sheet.write(0, 0, "ID").expect("cell");
        if merged {
            let format = rust_xlsxwriter::Format::new();
            sheet
                .merge_range(1, 0, 2, 0, "P-1", &format)
                .expect("merge");
        }
        let path = dir.join(if merged { "merged.xlsx" } else { "plain.xlsx" });
        book.save(&path).expect("save");
        path
    }

    #[test]
    fn merged_cells_are_told_from_the_sheets_own_part() {
        let dir = tempfile::tempdir().expect("tempdir");
        let merged = workbook(dir.path(), true);
        let plain = workbook(dir.path(), false);
        assert_eq!(has_merged_cells(&merged, "Pumps & valves"), Some(true));
        assert_eq!(has_merged_cells(&merged, "Other"), Some(false));
        assert_eq!(has_merged_cells(&plain, "Pumps & valves"), Some(false));
        assert_eq!(has_merged_cells(&plain, "Nowhere"), None);
    }
}
