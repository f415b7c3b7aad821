//! A CSV file cut into chunks at record boundaries, so that chunks can be parsed on every
//! core and still give each row its exact line. The cut follows the csv crate's own reading
//! (csv-core's state machine): a line terminator ends a record unless it is inside a field
//! that opened with a quote; a quote opens a field only as the field's first byte (`5" pipe`
//! is a literal quote); a doubled quote inside a quoted field is one quote.

use std::io::Read;

/// Where the quote-aware scan is, between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside quotes; whether the next byte starts a field.
    Unquoted { field_start: bool },
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the next byte says whether it closed the
    /// field or was the first of a doubled quote.
    AfterQuote,
}

/// The record boundaries of CSV text fed to it piece by piece.
#[derive(Debug, Clone)]
pub(super) struct Boundaries {
    delimiter: u8,
    quote: u8,
    state: State,
    /// The records ended so far (blank lines are none).
    records: u64,
    /// The last byte scanned: whether a terminator at the next call's start ends a record.
    prev: u8,
}

impl Boundaries {
    /// A scan starting at the start of a record.
    pub(super) fn new(delimiter: u8, quote: u8) -> Self {
        Self {
            delimiter,
            quote,
            state: State::Unquoted { field_start: true },
            records: 0,
            prev: b'\n',
        }
    }

    /// Scans `bytes[from..]` (the bytes before `from` were scanned by earlier calls) and
    /// returns the position just after the last record end in it, if any. A record ends
    /// after an LF, or after a CR not followed by an LF; a CR that is the last byte of
    /// `bytes` is not taken, since its LF may come next.
    pub(super) fn scan(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        let mut last = None;
        while at < bytes.len() {
            match self.state {
                State::Quoted => match memchr::memchr(self.quote, &bytes[at..]) {
                    Some(i) => {
                        at += i + 1;
                        self.state = State::AfterQuote;
                    }
                    None => at = bytes.len(),
                },
                State::AfterQuote => {
                    if bytes[at] == self.quote {
                        self.state = State::Quoted;
                        at += 1;
                    } else {
                        // The field is closed; the byte is read outside quotes.
                        self.state = State::Unquoted { field_start: false };
                    }
                }
                State::Unquoted { field_start } => {
                    let opening = self.opening_quote(bytes, at, field_start);
                    let end = opening.unwrap_or(bytes.len());
                    let before = if at == 0 { self.prev } else { bytes[at - 1] };
                    self.records += record_ends(bytes, at, end, before);
                    if let Some(after) = last_record_end(bytes, at, end) {
                        last = Some(after);
                    }
                    match opening {
                        Some(q) => {
                            self.state = State::Quoted;
                            at = q + 1;
                        }
                        None => {
                            if at < bytes.len() {
                                let prev = bytes[bytes.len() - 1];
                                self.state = State::Unquoted {
                                    field_start: self.ends_field(prev),
                                };
                            }
                            at = bytes.len();
                        }
                    }
                }
            }
        }
        if let Some(byte) = bytes.last().filter(|_| from < bytes.len()) {
            self.prev = *byte;
        }
        last
    }

    /// The first quote in `bytes[at..]` that opens a field: one at a field's start.
    fn opening_quote(&self, bytes: &[u8], at: usize, field_start: bool) -> Option<usize> {
        memchr::memchr_iter(self.quote, &bytes[at..])
            .map(|i| at + i)
            .find(|&q| {
                if q == at {
                    field_start
                } else {
                    self.ends_field(bytes[q - 1])
                }
            })
    }

    /// Whether a field starts after `byte`, outside quotes.
    fn ends_field(&self, byte: u8) -> bool {
        byte == self.delimiter || matches!(byte, b'\n' | b'\r')
    }
}

/// How many records end in `bytes[from..to]`, outside quotes: a terminator ends one unless
/// it follows another (the LF of a CRLF, a blank line). `before` is the byte before `from`.
fn record_ends(bytes: &[u8], from: usize, to: usize, before: u8) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to])
        .filter(|&i| {
            let prev = if i == 0 { before } else { bytes[from + i - 1] };
            !matches!(prev, b'\n' | b'\r')
        })
        .count() as u64
}

/// How many records `bytes` (from a record's start) ends.
pub(super) fn records_in(bytes: &[u8], delimiter: u8, quote: u8) -> u64 {
    let mut boundaries = Boundaries::new(delimiter, quote);
    boundaries.scan(bytes, 0);
    boundaries.records
}

/// Where one part of a file's data lies: its byte range (from the data's start), the line
/// it starts on and how many records come before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) begin: u64,
    pub(super) end: u64,
    pub(super) line: u64,
    pub(super) records: u64,
}

/// The parts are cut at the record boundaries found in pieces of this size: any reader of
/// the same file finds the same ones, so the parts meet exactly.
const SPAN_PIECE: usize = 64 << 10;

/// Where part `index` of `count` of the data in `input` lies: from the first record
/// boundary at or after its share of the bytes to the first at or after the next part's.
/// `input` starts at the data's start, on line `first_line`, and holds `len` bytes.
pub(super) fn part_span<R: Read>(
    input: R,
    (delimiter, quote): (u8, u8),
    first_line: u64,
    len: u64,
    part: crate::source::Part,
) -> std::io::Result<Span> {
    let begin_at = part.bound(part.index.saturating_sub(1), len);
    let end_at = part.bound(part.index, len);
    let boundaries = Boundaries::new(delimiter, quote);
    let mut pieces = Chunker::new(input, boundaries, SPAN_PIECE, first_line, 0);
    let (mut at, mut line, mut records) = (0, first_line, 0);
    let mut begin = None;
    loop {
        if begin.is_none() && at >= begin_at {
            begin = Some((at, line, records));
        }
        if at >= end_at {
            break;
        }
        let Some(piece) = pieces.next_chunk()? else {
            break;
        };
        records += records_in(&piece.bytes, delimiter, quote);
        at = piece.end;
        line = pieces.next_line;
    }
    let (begin, line, records) = begin.unwrap_or((at, line, records));
    Ok(Span {
        begin,
        end: at,
        line,
        records,
    })
}

/// The position after the last line terminator in `bytes[from..to]` that ends a record.
fn last_record_end(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut end = to;
    while let Some(i) = memchr::memrchr2(b'\n', b'\r', &bytes[from..end]) {
        let at = from + i;
        // A CR with nothing after it yet may be the first half of a CRLF.
        if bytes[at] == b'\r' && at + 1 == bytes.len() {
            end = at;
            continue;
        }
        return Some(at + 1);
    }
    None
}

/// A piece of the file that starts and ends at record boundaries.
#[derive(Debug)]
pub(super) struct Chunk {
    pub(super) bytes: Vec<u8>,
    /// The 1-based line on which `bytes[0]` is.
    pub(super) first_line: u64,
    /// The file offset just after the chunk, for progress.
    pub(super) end: u64,
}

/// Cuts what `input` holds into chunks of about `size` bytes at record boundaries; a record
/// longer than `size` makes its chunk longer. Memory holds one chunk and one read.
pub(super) struct Chunker<R> {
    input: R,
    boundaries: Boundaries,
    size: usize,
    /// Bytes read and not yet handed out; they start at a record boundary.
    buffer: Vec<u8>,
    /// How much of `buffer` has been scanned.
    scanned: usize,
    /// The last record boundary found in `buffer`.
    cut: Option<usize>,
    pub(super) next_line: u64,
    offset: u64,
    done: bool,
}

impl<R: Read> Chunker<R> {
    /// `input` starts at a record boundary on line `first_line`, at file offset `offset`.
    pub(super) fn new(
        input: R,
        boundaries: Boundaries,
        size: usize,
        first_line: u64,
        offset: u64,
    ) -> Self {
        Self {
            input,
            boundaries,
            size: size.max(1),
            buffer: Vec::new(),
            scanned: 0,
            cut: None,
            next_line: first_line,
            offset,
            done: false,
        }
    }

    /// The next chunk, or None at the end of the input.
    pub(super) fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        loop {
            if let Some(cut) = self.cut.filter(|_| self.buffer.len() >= self.size) {
                return Ok(Some(self.take(cut)));
            }
            if self.done {
                if self.buffer.is_empty() {
                    return Ok(None);
                }
                let all = self.buffer.len();
                return Ok(Some(self.take(all)));
            }
            self.fill()?;
        }
    }

    /// Reads about a chunk more and scans it for record boundaries.
    fn fill(&mut self) -> std::io::Result<()> {
        let start = self.buffer.len();
        self.buffer.resize(start + self.size, 0);
        let mut filled = start;
        while filled < self.buffer.len() {
            match self.input.read(&mut self.buffer[filled..]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buffer.truncate(filled);
        if let Some(cut) = self.boundaries.scan(&self.buffer, self.scanned) {
            self.cut = Some(cut);
        }
        self.scanned = self.buffer.len();
        Ok(())
    }

    /// Hands out `buffer[..cut]`, keeping the rest.
    fn take(&mut self, cut: usize) -> Chunk {
        let rest = self.buffer.split_off(cut);
        let bytes = std::mem::replace(&mut self.buffer, rest);
        self.scanned -= cut;
        self.cut = None;
        let first_line = self.next_line;
        self.next_line += super::line_breaks(&bytes);
        self.offset += bytes.len() as u64;
        Chunk {
            bytes,
            first_line,
            end: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `text` as the csv crate reads them, with their fields.
    fn records(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        reader
            .byte_records()
            .map(|r| r.expect("record").iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    fn chunks(text: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut chunker = Chunker::new(text, Boundaries::new(b',', b'"'), size, 1, 0);
        let mut all = Vec::new();
        while let Some(chunk) = chunker.next_chunk().expect("read") {
            all.push(chunk.bytes);
        }
        all
    }

    const TRICKY: &[&[u8]] = &[
        b"a,b\nc,d\n",
        b"a,\"b\nc\",d\r\ne,f",
        b"id,size\n1,5\" pipe\n2,\"6\"\" \nvalve\"\n3,x\"y\"\n",
        b"a\rb\r\nc\r\rd",
        b"\"a\"\"\",\"\n\"\n\n\nb,\"c\"x\"\n\"\n",
        b"x,\"\"\"\"\"\r\n\"\r,\"y\"\r\n",
        b"\"unclosed\nfield,a\nb",
        b"a,b,\n,\"\",\"\"\"\n\",\r\n",
    ];

    #[test]
    fn chunks_of_any_size_read_as_the_whole() {
        for text in TRICKY {
            let whole = records(text);
            for size in 1..=text.len() + 1 {
                let cut = chunks(text, size);
                assert_eq!(cut.concat(), *text, "size {size}");
                let pieces: Vec<_> = cut.iter().flat_map(|c| records(c)).collect();
                assert_eq!(
                    pieces,
                    whole,
                    "{:?} in chunks of {size}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn random_text_in_random_chunks_reads_as_the_whole() {
        // Text made of the bytes that matter (quotes, delimiters, CR, LF) and a letter, in
        // random chunk sizes: the records read chunk by chunk are the whole's, every time.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = [b'a', b',', b'"', b'\r', b'\n', b' '];
        for _ in 0..3_000 {
            let len = (next() % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let size = 1 + (next() % 8) as usize;
            let cut = chunks(&text, size);
            assert_eq!(cut.concat(), text);
            let pieces: Vec<_> = cut.iter().flat_map(|c| records(c)).collect();
            assert_eq!(
                pieces,
                records(&text),
                "{:?} in chunks of {size}",
                String::from_utf8_lossy(&text)
            );
            let ended: u64 = cut.iter().map(|c| records_in(c, b',', b'"')).sum();
            assert_eq!(
                ended,
                records_in(&text, b',', b'"'),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn a_chunk_never_ends_between_cr_and_lf() {
        let text = b"a,b\r\nc,d\r\ne,f\r\n";
        for size in 1..=text.len() {
            for chunk in chunks(text, size) {
                assert_ne!(chunk.last(), Some(&b'\r'), "size {size}");
            }
        }
    }

    #[test]
    fn lines_carry_across_chunks() {
        let text = b"a\n\"b\nc\"\r\nd\re\n";
        let mut chunker = Chunker::new(&text[..], Boundaries::new(b',', b'"'), 2, 5, 0);
        let mut firsts = Vec::new();
        while let Some(chunk) = chunker.next_chunk().expect("read") {
            firsts.push((chunk.first_line, chunk.bytes));
        }
        assert_eq!(
            firsts,
            [
                (5, b"a\n".to_vec()),
                (6, b"\"b\nc\"\r\n".to_vec()),
                (8, b"d\r".to_vec()),
                (9, b"e\n".to_vec())
            ]
        );
    }
}

#[cfg(test)]
mod part_tests {
    use super::*;
    use crate::source::Part;

    #[test]
    fn records_are_counted_as_the_csv_crate_reads_them() {
        let text = b"a,b\r\n\n\"x\ny\",2\r\n\r\nc,\"\"\n5\" pipe,1\rlast";
        let whole = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text[..])
            .byte_records()
            .count() as u64;
        // The last record has no terminator: one more than the ends counted.
        assert_eq!(records_in(text, b',', b'"') + 1, whole);
    }

    #[test]
    fn parts_meet_exactly_and_cover_the_data() {
        let mut text = Vec::new();
        for i in 0..5_000 {
            text.extend_from_slice(format!("{i},\"line\nbreak {i}\",x\r\n").as_bytes());
        }
        for count in 1..=5 {
            let mut spans = Vec::new();
            for index in 1..=count {
                let part = Part { index, count };
                let span =
                    part_span(&text[..], (b',', b'"'), 2, text.len() as u64, part).expect("span");
                spans.push(span);
            }
            assert_eq!(spans[0].begin, 0);
            assert_eq!(spans.last().map(|s| s.end), Some(text.len() as u64));
            for pair in spans.windows(2) {
                assert_eq!(pair[0].end, pair[1].begin, "{count} parts");
                // Each record spans two lines; the data starts on line 2.
                assert_eq!(pair[1].line, 2 + 2 * pair[1].records);
                let before = &text[..pair[1].begin as usize];
                assert_eq!(records_in(before, b',', b'"'), pair[1].records);
            }
        }
    }
}
