//! `COPY`'s data formats, as PostgreSQL defines them: `text` (tab-separated, backslash
//! escapes, `\N` for NULL) and `csv` (quoted fields, NULL as an unquoted empty field).
//!
//! [`CopyFormat`] reads a statement's options; [`RecordReader`] splits incoming `COPY ...
//! FROM STDIN` data into records as it arrives (a CSV record may span lines, and a record
//! may span messages); [`CopyFormat::encode_row`] writes one row of `COPY ... TO STDOUT`.

use sqlparser::ast::{CopyLegacyCsvOption, CopyLegacyOption, CopyOption};

use crate::SqlState;
use crate::error::{Error, Result};

/// `text`, `csv` or `binary`, with the options that shape it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFormat {
    /// CSV rather than text.
    pub csv: bool,
    /// PostgreSQL's binary format: each row a tuple of fields in their types' binary
    /// forms. The wire server reads and writes it (it knows the binary forms); the session
    /// takes its rows as fields already read into text ([`crate::Session::copy_record`]).
    pub binary: bool,
    /// The field separator: tab for text, comma for CSV.
    pub delimiter: u8,
    /// The text that stands for NULL: `\N` for text, an unquoted empty field for CSV.
    pub null: String,
    /// Whether the first line is a header (CSV only).
    pub header: bool,
    /// CSV's quote character.
    pub quote: u8,
    /// CSV's escape character inside quotes (the quote itself by default).
    pub escape: u8,
}

fn bad_option(message: impl Into<String>) -> Error {
    Error::Execution {
        message: message.into(),
        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
    }
}

fn one_byte(what: &str, c: char) -> Result<u8> {
    u8::try_from(c)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| bad_option(format!("COPY {what} must be a single one-byte character")))
}

impl CopyFormat {
    /// The format a `COPY` statement's `WITH (...)` and legacy options describe.
    pub fn from_options(options: &[CopyOption], legacy: &[CopyLegacyOption]) -> Result<Self> {
        let mut csv = false;
        let mut binary = false;
        let mut delimiter = None;
        let mut null = None;
        let mut header = false;
        let mut quote = None;
        let mut escape = None;
        for option in options {
            match option {
                CopyOption::Format(name) => match name.value.to_ascii_lowercase().as_str() {
                    "text" => (csv, binary) = (false, false),
                    "csv" => (csv, binary) = (true, false),
                    "binary" => (csv, binary) = (false, true),
                    other => {
                        return Err(bad_option(format!(
                            "COPY format \"{other}\" not recognized"
                        )));
                    }
                },
                CopyOption::Delimiter(c) => delimiter = Some(one_byte("delimiter", *c)?),
                CopyOption::Null(text) => null = Some(text.clone()),
                CopyOption::Header(on) => header = *on,
                CopyOption::Quote(c) => quote = Some(one_byte("quote", *c)?),
                CopyOption::Escape(c) => escape = Some(one_byte("escape", *c)?),
                CopyOption::Encoding(name) => {
                    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
                    if name != "utf8" {
                        return Err(bad_option(format!(
                            "COPY encoding {name:?} is not supported: DriftDB speaks UTF8"
                        )));
                    }
                }
                CopyOption::Freeze(_) => {}
                CopyOption::ForceQuote(_)
                | CopyOption::ForceNotNull(_)
                | CopyOption::ForceNull(_) => {
                    return Err(Error::Unsupported {
                        message: format!("COPY option {option}"),
                        position: None,
                    });
                }
            }
        }
        for option in legacy {
            match option {
                CopyLegacyOption::Binary => binary = true,
                CopyLegacyOption::Delimiter(c) => delimiter = Some(one_byte("delimiter", *c)?),
                CopyLegacyOption::Null(text) => null = Some(text.clone()),
                CopyLegacyOption::Csv(csv_options) => {
                    csv = true;
                    for option in csv_options {
                        match option {
                            CopyLegacyCsvOption::Header => header = true,
                            CopyLegacyCsvOption::Quote(c) => quote = Some(one_byte("quote", *c)?),
                            CopyLegacyCsvOption::Escape(c) => {
                                escape = Some(one_byte("escape", *c)?);
                            }
                            other => {
                                return Err(Error::Unsupported {
                                    message: format!("COPY option {other}"),
                                    position: None,
                                });
                            }
                        }
                    }
                }
                other => {
                    return Err(Error::Unsupported {
                        message: format!("COPY option {other}"),
                        position: None,
                    });
                }
            }
        }
        if binary {
            // PostgreSQL's rule and words: the text options mean nothing to binary data.
            let given = [
                ("DELIMITER", delimiter.is_some()),
                ("NULL", null.is_some()),
                ("HEADER", header),
            ];
            if let Some((option, _)) = given.iter().find(|(_, given)| *given) {
                return Err(Error::Execution {
                    message: format!("cannot specify {option} in BINARY mode"),
                    sqlstate: SqlState::SYNTAX_ERROR,
                });
            }
        }
        if !csv && (header || quote.is_some() || escape.is_some()) {
            return Err(bad_option(
                "COPY HEADER, QUOTE and ESCAPE are available only in CSV mode",
            ));
        }
        let quote = quote.unwrap_or(b'"');
        let format = CopyFormat {
            csv,
            binary,
            delimiter: delimiter.unwrap_or(if csv { b',' } else { b'\t' }),
            null: null.unwrap_or_else(|| {
                if csv {
                    String::new()
                } else {
                    "\\N".to_string()
                }
            }),
            header,
            quote,
            escape: escape.unwrap_or(quote),
        };
        if matches!(format.delimiter, b'\r' | b'\n' | b'\\') || (csv && format.delimiter == quote) {
            return Err(bad_option(format!(
                "COPY delimiter {:?} cannot be used",
                format.delimiter as char
            )));
        }
        Ok(format)
    }

    /// Appends one row, ended by a newline, to `out`.
    pub fn encode_row(&self, out: &mut Vec<u8>, fields: &[Option<String>]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            match field {
                None => out.extend_from_slice(self.null.as_bytes()),
                Some(text) if self.csv => self.encode_csv_field(out, text),
                Some(text) => self.encode_text_field(out, text),
            }
        }
        out.push(b'\n');
    }

    /// The header line of a CSV `COPY ... TO` with `HEADER`.
    pub fn encode_header(&self, out: &mut Vec<u8>, names: &[String]) {
        let fields: Vec<Option<String>> = names.iter().cloned().map(Some).collect();
        self.encode_row(out, &fields);
    }

    fn encode_text_field(&self, out: &mut Vec<u8>, text: &str) {
        for &b in text.as_bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' if self.delimiter != b'\t' => out.extend_from_slice(b"\\t"),
                b if b == self.delimiter => {
                    out.push(b'\\');
                    out.push(b);
                }
                b => out.push(b),
            }
        }
    }

    fn encode_csv_field(&self, out: &mut Vec<u8>, text: &str) {
        let bytes = text.as_bytes();
        let needs_quotes = text == self.null
            || text == "\\."
            || bytes
                .iter()
                .any(|&b| b == self.delimiter || b == self.quote || b == b'\n' || b == b'\r');
        if !needs_quotes {
            out.extend_from_slice(bytes);
            return;
        }
        out.push(self.quote);
        for &b in bytes {
            if b == self.quote || b == self.escape {
                out.push(self.escape);
            }
            out.push(b);
        }
        out.push(self.quote);
    }
}

/// Splits `COPY ... FROM STDIN` data into records of fields as it arrives.
#[derive(Debug)]
pub struct RecordReader {
    format: CopyFormat,
    /// Bytes received but not yet part of a complete record.
    pending: Vec<u8>,
    /// The 1-based number of the next line, for error messages.
    line: u64,
    /// Whether the header line is still to be skipped.
    skip_header: bool,
    /// Whether the `\.` end marker was seen: the rest is ignored.
    ended: bool,
}

impl RecordReader {
    /// A reader of data in `format`.
    pub fn new(format: CopyFormat) -> RecordReader {
        RecordReader {
            skip_header: format.header,
            format,
            pending: Vec::new(),
            line: 1,
            ended: false,
        }
    }

    /// Takes `data` and hands each complete record in it to `record`.
    pub fn push(
        &mut self,
        data: &[u8],
        record: &mut impl FnMut(u64, Vec<Option<String>>) -> Result<()>,
    ) -> Result<()> {
        if self.ended {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.extend_from_slice(data);
        let mut start = 0;
        let mut result = Ok(());
        while let Some(end) = record_end(&self.format, &pending[start..]).map(|n| start + n) {
            let mut line = &pending[start..end];
            start = end + 1;
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            match self.emit(line, record) {
                Ok(false) => {}
                Ok(true) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        pending.drain(..start);
        self.pending = pending;
        result
    }

    /// Ends the data: a last record without a newline counts too.
    pub fn finish(
        &mut self,
        record: &mut impl FnMut(u64, Vec<Option<String>>) -> Result<()>,
    ) -> Result<()> {
        if self.ended || self.pending.is_empty() {
            return Ok(());
        }
        if self.format.csv && self.inside_quotes() {
            return Err(self.error("unterminated CSV quoted field"));
        }
        let mut line = std::mem::take(&mut self.pending);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        self.emit(&line, record)?;
        Ok(())
    }

    fn inside_quotes(&self) -> bool {
        let mut quoted = false;
        for &b in &self.pending {
            if b == self.format.quote {
                quoted = !quoted;
            }
        }
        quoted
    }

    /// Handles one line; true at the end marker.
    fn emit(
        &mut self,
        line: &[u8],
        record: &mut impl FnMut(u64, Vec<Option<String>>) -> Result<()>,
    ) -> Result<bool> {
        let number = self.line;
        self.line += 1 + line.iter().filter(|&&b| b == b'\n').count() as u64;
        if line == b"\\." {
            self.ended = true;
            return Ok(true);
        }
        if std::mem::take(&mut self.skip_header) {
            return Ok(false);
        }
        let fields = if self.format.csv {
            self.csv_fields(line, number)?
        } else {
            self.text_fields(line, number)?
        };
        record(number, fields)?;
        Ok(false)
    }

    fn error(&self, message: &str) -> Error {
        Error::Execution {
            message: format!("{message} (COPY line {})", self.line),
            sqlstate: SqlState::BAD_COPY_FILE_FORMAT,
        }
    }

    fn text_fields(&self, line: &[u8], number: u64) -> Result<Vec<Option<String>>> {
        let mut fields = Vec::new();
        let mut raw_start = 0;
        let mut value = Vec::new();
        let mut i = 0;
        loop {
            if i == line.len() || line[i] == self.format.delimiter {
                let raw = &line[raw_start..i];
                fields.push(if raw == self.format.null.as_bytes() {
                    None
                } else {
                    Some(utf8(std::mem::take(&mut value), number)?)
                });
                value.clear();
                if i == line.len() {
                    return Ok(fields);
                }
                i += 1;
                raw_start = i;
                continue;
            }
            let b = line[i];
            i += 1;
            if b != b'\\' || i == line.len() {
                value.push(b);
                continue;
            }
            let next = line[i];
            i += 1;
            match next {
                b'b' => value.push(0x08),
                b'f' => value.push(0x0c),
                b'n' => value.push(b'\n'),
                b'r' => value.push(b'\r'),
                b't' => value.push(b'\t'),
                b'v' => value.push(0x0b),
                b'0'..=b'7' => {
                    let mut n = u32::from(next - b'0');
                    for _ in 0..2 {
                        match line.get(i) {
                            Some(&d @ b'0'..=b'7') => {
                                n = n * 8 + u32::from(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    value.push((n & 0xff) as u8);
                }
                b'x' if line.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                    let mut n = 0u8;
                    for _ in 0..2 {
                        match line.get(i).and_then(|d| (*d as char).to_digit(16)) {
                            Some(d) => {
                                n = n * 16 + d as u8;
                                i += 1;
                            }
                            None => break,
                        }
                    }
                    value.push(n);
                }
                other => value.push(other),
            }
        }
    }

    fn csv_fields(&self, line: &[u8], number: u64) -> Result<Vec<Option<String>>> {
        let CopyFormat {
            delimiter,
            quote,
            escape,
            ..
        } = self.format;
        let mut fields = Vec::new();
        let mut i = 0;
        loop {
            let mut value = Vec::new();
            let mut quoted = false;
            let raw_start = i;
            while i < line.len() && line[i] != delimiter {
                if line[i] != quote {
                    value.push(line[i]);
                    i += 1;
                    continue;
                }
                quoted = true;
                i += 1;
                loop {
                    match line.get(i) {
                        None => {
                            return Err(Error::Execution {
                                message: format!(
                                    "unterminated CSV quoted field (COPY line {number})"
                                ),
                                sqlstate: SqlState::BAD_COPY_FILE_FORMAT,
                            });
                        }
                        Some(&b) if b == escape && line.get(i + 1) == Some(&quote) => {
                            value.push(quote);
                            i += 2;
                        }
                        Some(&b)
                            if b == escape
                                && escape != quote
                                && line.get(i + 1) == Some(&escape) =>
                        {
                            value.push(escape);
                            i += 2;
                        }
                        Some(&b) if b == quote => {
                            i += 1;
                            break;
                        }
                        Some(&b) => {
                            value.push(b);
                            i += 1;
                        }
                    }
                }
            }
            let raw = &line[raw_start..i];
            fields.push(if !quoted && raw == self.format.null.as_bytes() {
                None
            } else {
                Some(utf8(value, number)?)
            });
            if i == line.len() {
                return Ok(fields);
            }
            i += 1;
        }
    }
}

/// Where the first record of `bytes` ends (its newline), if it is complete: in CSV, a
/// newline inside quotes belongs to the field.
fn record_end(format: &CopyFormat, bytes: &[u8]) -> Option<usize> {
    if !format.csv {
        return bytes.iter().position(|&b| b == b'\n');
    }
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == format.escape && format.escape != format.quote {
                i += 1;
            } else if b == format.quote {
                quoted = false;
            }
        } else if b == format.quote {
            quoted = true;
        } else if b == b'\n' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn utf8(bytes: Vec<u8>, line: u64) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| Error::Execution {
        message: format!("invalid byte sequence for encoding \"UTF8\": {e} (COPY line {line})"),
        sqlstate: SqlState::CHARACTER_NOT_IN_REPERTOIRE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(format: CopyFormat, chunks: &[&[u8]]) -> Result<Vec<Vec<Option<String>>>> {
        let mut reader = RecordReader::new(format);
        let mut rows = Vec::new();
        let mut push = |_: u64, fields: Vec<Option<String>>| {
            rows.push(fields);
            Ok(())
        };
        for chunk in chunks {
            reader.push(chunk, &mut push)?;
        }
        reader.finish(&mut push)?;
        Ok(rows)
    }

    fn text() -> CopyFormat {
        CopyFormat::from_options(&[], &[]).unwrap()
    }

    fn csv() -> CopyFormat {
        CopyFormat {
            csv: true,
            ..CopyFormat::from_options(&[], &[]).unwrap()
        }
        .with_csv_defaults()
    }

    impl CopyFormat {
        fn with_csv_defaults(mut self) -> Self {
            self.delimiter = b',';
            self.null = String::new();
            self
        }
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn text_format_unescapes_and_reads_null_across_chunk_boundaries() {
        let rows = read(
            text(),
            &[b"1\ta\\tb\\\\c\t\\N\n2\t", b"\\x41\\101\t\n\\.\nignored\n"],
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                vec![s("1"), s("a\tb\\c"), None],
                vec![s("2"), s("AA"), s("")]
            ]
        );
    }

    #[test]
    fn csv_format_quotes_span_lines_and_empty_unquoted_is_null() {
        let rows = read(csv(), &[b"1,\"a,\"\"b\"\"\nc\",\r\n2,\"\",x"]).unwrap();
        assert_eq!(
            rows,
            [
                vec![s("1"), s("a,\"b\"\nc"), None],
                vec![s("2"), s(""), s("x")]
            ]
        );
        let e = read(csv(), &[b"1,\"open"]).unwrap_err();
        assert_eq!(e.sqlstate(), "22P04");
    }

    #[test]
    fn encoding_round_trips_through_reading() {
        let rows = vec![
            vec![s("a\tb\nc\\d"), None, s("")],
            vec![s("x,\"y\""), s("\\."), s("plain")],
        ];
        for format in [text(), csv()] {
            let mut out = Vec::new();
            for row in &rows {
                format.encode_row(&mut out, row);
            }
            assert_eq!(read(format.clone(), &[&out]).unwrap(), rows, "{format:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let e = read(text(), &[b"\xff\xfe\n"]).unwrap_err();
        assert_eq!(e.sqlstate(), "22021");
    }
}
