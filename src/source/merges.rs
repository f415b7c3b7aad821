//! Whether an xlsx sheet has merged cells, told fast: calamine finds them by reading the
//! sheet's whole XML a second time (a third of the time a large sheet takes to read), so the
//! sheet's part is inflated on another thread, from the moment the file is opened (while
//! calamine reads the shared strings, then the sheet's cells), and searched for a
//! `mergeCell` element; calamine is asked only when there is one.

use std::io::Read;
use std::path::Path;
use std::thread::JoinHandle;

/// A look for merged cells under way.
pub(super) struct Look(JoinHandle<Option<(String, bool)>>);

impl Look {
    /// Starts looking at the sheet named `sheet` (the first when None) of the workbook at
    /// `path`; None when no thread could be started (calamine is asked then).
    pub(super) fn start(path: &Path, sheet: Option<&str>) -> Option<Self> {
        let (path, sheet) = (path.to_path_buf(), sheet.map(str::to_string));
        std::thread::Builder::new()
            .name("merged cells".into())
            .spawn(move || has_merged_cells(&path, sheet.as_deref()))
            .ok()
            .map(Self)
    }

    /// Whether the sheet `name` has merged cells; None when the look could not tell, or
    /// looked at another sheet.
    pub(super) fn told(self, name: &str) -> Option<bool> {
        let (looked_at, merged) = self.0.join().ok()??;
        (looked_at == name).then_some(merged)
    }
}

/// The sheet looked at (the one named `sheet`, else the first) and whether it holds merged
/// cells; None when it cannot be told (the workbook's parts are not where they should be).
fn has_merged_cells(path: &Path, sheet: Option<&str>) -> Option<(String, bool)> {
    let file = std::fs::File::open(path).ok()?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let (name, part) = sheet_part(&mut archive, sheet)?;
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
            return Some((name, false));
        }
        let filled = kept + read;
        if finder.find(&buffer[..filled]).is_some() {
            return Some((name, true));
        }
        kept = (needle.len() - 1).min(filled);
        buffer.copy_within(filled - kept..filled, 0);
    }
}

/// The name and zip path of a sheet's part (the sheet named `sheet`, else the first):
/// `xl/workbook.xml` gives the sheet's relationship id, and `xl/_rels/workbook.xml.rels` the
/// part it points to.
fn sheet_part<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    sheet: Option<&str>,
) -> Option<(String, String)> {
    let text = |archive: &mut zip::ZipArchive<R>, name: &str| -> Option<String> {
        let mut text = String::new();
        archive.by_name(name).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let workbook = text(archive, "xl/workbook.xml")?;
    let relationships = text(archive, "xl/_rels/workbook.xml.rels")?;
    let element = elements(&workbook, "sheet")
        .into_iter()
        .find(|e| sheet.is_none() || attribute(e, "name").as_deref() == sheet)?;
    let (name, id) = (attribute(element, "name")?, attribute(element, "r:id")?);
    let target = elements(&relationships, "Relationship")
        .into_iter()
        .find(|e| attribute(e, "Id").as_deref() == Some(id.as_str()))
        .and_then(|e| attribute(e, "Target"))?;
    let part = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    Some((name, part))
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
        let told = |path: &Path, sheet: Option<&str>, name: &str| {
            Look::start(path, sheet).and_then(|look| look.told(name))
        };
        assert_eq!(
            told(&merged, Some("Pumps & valves"), "Pumps & valves"),
            Some(true)
        );
        assert_eq!(told(&merged, Some("Other"), "Other"), Some(false));
        assert_eq!(
            told(&plain, Some("Pumps & valves"), "Pumps & valves"),
            Some(false)
        );
        assert_eq!(told(&plain, Some("Nowhere"), "Nowhere"), None);
        // The first sheet, when none is named; a look at another sheet tells nothing.
        assert_eq!(told(&merged, None, "Other"), Some(false));
        assert_eq!(told(&merged, None, "Pumps & valves"), None);
    }
}
