//! The formats data files are written in, and the set of them a run writes.

use std::fmt;

use serde::Deserialize;

/// A format a run can write its data in (`outputs:` in `thinslice.yaml`). Reports and
/// failure lists are always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Slices, things and quarantined rows as Parquet.
    Parquet,
    /// Things and quarantined rows as CSV, safe to open in a spreadsheet.
    Csv,
    /// Triples as N-Triples.
    Ntriples,
    /// Triples as Turtle.
    Turtle,
}

/// A format that holds rows of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Csv,
}

/// A format that holds triples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripleFormat {
    Ntriples,
    Turtle,
}

impl From<TableFormat> for FileFormat {
    fn from(format: TableFormat) -> Self {
        match format {
            TableFormat::Parquet => Self::Parquet,
            TableFormat::Csv => Self::Csv,
        }
    }
}

impl From<TripleFormat> for FileFormat {
    fn from(format: TripleFormat) -> Self {
        match format {
            TripleFormat::Ntriples => Self::Ntriples,
            TripleFormat::Turtle => Self::Turtle,
        }
    }
}

impl FileFormat {
    /// Every format, in the order files are opened and listed.
    pub const ALL: [FileFormat; 4] = [
        FileFormat::Parquet,
        FileFormat::Csv,
        FileFormat::Ntriples,
        FileFormat::Turtle,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Ntriples => "nt",
            Self::Turtle => "ttl",
        }
    }

    /// The format as a table format, when it holds rows.
    pub fn table(self) -> Option<TableFormat> {
        match self {
            Self::Parquet => Some(TableFormat::Parquet),
            Self::Csv => Some(TableFormat::Csv),
            Self::Ntriples | Self::Turtle => None,
        }
    }

    /// The format as a triple format, when it holds triples.
    pub fn triples(self) -> Option<TripleFormat> {
        match self {
            Self::Ntriples => Some(TripleFormat::Ntriples),
            Self::Turtle => Some(TripleFormat::Turtle),
            Self::Parquet | Self::Csv => None,
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Ntriples => "ntriples",
            Self::Turtle => "turtle",
        })
    }
}

/// A set of formats: the data files a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Formats(u8);

impl Formats {
    pub const ALL: Formats = Formats(0b1111);
    pub const NONE: Formats = Formats(0);

    pub fn of(formats: &[FileFormat]) -> Self {
        formats.iter().fold(Self::NONE, |set, f| set.with(*f))
    }

    pub fn contains(self, format: FileFormat) -> bool {
        self.0 & format.bit() != 0
    }

    /// This set and `format`.
    #[must_use]
    pub fn with(self, format: FileFormat) -> Self {
        Self(self.0 | format.bit())
    }

    fn iter(self) -> impl Iterator<Item = FileFormat> {
        FileFormat::ALL
            .into_iter()
            .filter(move |f| self.contains(*f))
    }

    /// The table formats of this set, in [`FileFormat::ALL`] order.
    pub fn tables(self) -> impl Iterator<Item = TableFormat> {
        self.iter().filter_map(FileFormat::table)
    }

    /// The triple formats of this set, in [`FileFormat::ALL`] order.
    pub fn triples(self) -> impl Iterator<Item = TripleFormat> {
        self.iter().filter_map(FileFormat::triples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_keeps_what_it_was_given_and_splits_tables_from_triples() {
        let set = Formats::of(&[FileFormat::Turtle, FileFormat::Parquet]);
        assert!(set.contains(FileFormat::Parquet) && set.contains(FileFormat::Turtle));
        assert!(!set.contains(FileFormat::Csv) && !set.contains(FileFormat::Ntriples));
        assert_eq!(set.tables().collect::<Vec<_>>(), [TableFormat::Parquet]);
        assert_eq!(
            set.with(FileFormat::Ntriples).triples().collect::<Vec<_>>(),
            [TripleFormat::Ntriples, TripleFormat::Turtle]
        );
        assert_eq!(
            Formats::of(&FileFormat::ALL),
            Formats::ALL,
            "ALL names every format"
        );
        assert_eq!(Formats::NONE.tables().count(), 0);
        for format in FileFormat::ALL {
            let back = format
                .table()
                .map(FileFormat::from)
                .or(format.triples().map(FileFormat::from));
            assert_eq!(back, Some(format), "every format holds a table or triples");
        }
    }
}
