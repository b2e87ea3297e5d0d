//! `COPY` in PostgreSQL's binary format: an 11-byte signature, a 32-bit flags word and a
//! header extension (its 32-bit length, then that many bytes); then one tuple per row, a
//! 16-bit field count and each field as a 32-bit length (-1 for NULL) and the value in its
//! type's binary form; then a count of -1. A tuple's layout is a DataRow message's, so
//! writing encodes each row as binary results are ([`tuples`]); reading turns each field
//! into the text the session casts to its column ([`Reader`]).

use bytes::{BufMut, Bytes, BytesMut};
use driftdb_sql::{Error, Result, SqlState};
use pgwire::api::Type;
use pgwire::api::portal::Format;
use pgwire::api::results::DataRowEncoder;
use pgwire::error::PgWireResult;

use crate::extended::{binary_value_text, encode_row, fields_of};

/// What every binary `COPY` stream starts with.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The flags bit that says tuples carry OIDs (PostgreSQL before 12 wrote them).
const WITH_OIDS: u32 = 1 << 16;

/// Reads the binary data of one `COPY ... FROM STDIN`, which may arrive split anywhere.
#[derive(Debug)]
pub(crate) struct Reader {
    /// The target columns' types, in field order.
    types: Vec<Type>,
    /// Data not yet read: at most one incomplete header or tuple.
    pending: BytesMut,
    header: bool,
    ended: bool,
    /// Tuples read so far.
    tuples: u64,
}

fn bad(message: impl Into<String>) -> Error {
    Error::Execution {
        message: message.into(),
        sqlstate: SqlState::BAD_COPY_FILE_FORMAT,
    }
}

impl Reader {
    pub(crate) fn new(types: Vec<Type>) -> Reader {
        Reader {
            types,
            pending: BytesMut::new(),
            header: false,
            ended: false,
            tuples: 0,
        }
    }

    /// Takes more data; returns the rows it completes (with their numbers, from 1), each
    /// field as text.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<Vec<(u64, Vec<Option<String>>)>> {
        if self.ended && !data.is_empty() {
            return Err(bad("received copy data after the binary COPY trailer"));
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() > driftdb_sql::session::MAX_COPY_BYTES {
            return Err(bad("a binary COPY tuple is larger than one COPY may send"));
        }
        let mut rows = Vec::new();
        if !self.header {
            let Some(length) = self.header_length()? else {
                return Ok(rows);
            };
            let _ = self.pending.split_to(length);
            self.header = true;
        }
        while !self.ended {
            let Some((length, fields)) = self.tuple()? else {
                break;
            };
            let _ = self.pending.split_to(length);
            match fields {
                None => self.ended = true,
                Some(fields) => {
                    self.tuples += 1;
                    rows.push((self.tuples, fields));
                }
            }
        }
        if self.ended && !self.pending.is_empty() {
            return Err(bad("received copy data after the binary COPY trailer"));
        }
        Ok(rows)
    }

    /// The data ended: it must have ended with the trailer.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.ended {
            Ok(())
        } else {
            Err(bad("unexpected EOF in binary COPY data"))
        }
    }

    /// The header's length, once it is all here.
    fn header_length(&self) -> Result<Option<usize>> {
        let data = &self.pending[..];
        // Refused as soon as what came cannot begin the signature.
        if !SIGNATURE.starts_with(&data[..data.len().min(SIGNATURE.len())]) {
            return Err(bad("COPY file signature not recognized"));
        }
        let (Some(flags), Some(extension)) = (be_u32(data, 11), be_u32(data, 15)) else {
            return Ok(None);
        };
        if flags & WITH_OIDS != 0 {
            return Err(bad("invalid COPY file header (WITH OIDS)"));
        }
        let length = 19 + extension as usize;
        Ok((data.len() >= length).then_some(length))
    }

    /// The next tuple once it is all here: its length, and its fields as text (`None`: the
    /// trailer).
    #[allow(clippy::type_complexity)]
    fn tuple(&self) -> Result<Option<(usize, Option<Vec<Option<String>>>)>> {
        let data = &self.pending[..];
        let Some(count) = data.get(..2).map(|b| i16::from_be_bytes([b[0], b[1]])) else {
            return Ok(None);
        };
        if count == -1 {
            return Ok(Some((2, None)));
        }
        if usize::try_from(count).ok() != Some(self.types.len()) {
            return Err(bad(format!(
                "row field count is {count}, expected {} (COPY tuple {})",
                self.types.len(),
                self.tuples + 1
            )));
        }
        let mut at = 2;
        let mut fields = Vec::with_capacity(self.types.len());
        for t in &self.types {
            let Some(length) = data
                .get(at..at + 4)
                .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            else {
                return Ok(None);
            };
            at += 4;
            if length == -1 {
                fields.push(None);
                continue;
            }
            let length = usize::try_from(length)
                .map_err(|_| bad(format!("invalid field length {length} in binary COPY data")))?;
            let Some(value) = data.get(at..at + length) else {
                return Ok(None);
            };
            at += length;
            let text = binary_value_text(t, value).map_err(|e| {
                bad(format!(
                    "{e} (COPY tuple {}, a {} field)",
                    self.tuples + 1,
                    t.name()
                ))
            })?;
            fields.push(Some(text));
        }
        Ok(Some((at, Some(fields))))
    }
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// `rows` as binary `COPY` data, one message per tuple: the header goes with the first
/// (clients such as psycopg read it so, as PostgreSQL sends it), the trailer on its own.
pub(crate) fn tuples(rows: &driftdb_sql::Rows) -> PgWireResult<Vec<Bytes>> {
    let fields = fields_of(rows, &Format::UnifiedBinary);
    let mut out = Vec::with_capacity(rows.len() + 1);
    let mut message = BytesMut::with_capacity(64);
    message.put_slice(SIGNATURE);
    message.put_u32(0);
    message.put_u32(0);
    for batch in &rows.batches {
        for row in 0..batch.num_rows() {
            let encoded = encode_row(DataRowEncoder::new(fields.clone()), batch, row)?;
            message.put_i16(encoded.field_count);
            message.put_slice(&encoded.data);
            out.push(message.split().freeze());
        }
    }
    message.put_i16(-1);
    out.push(message.freeze());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary stream of `rows` of (int4, text).
    fn stream(rows: &[(i32, Option<&str>)]) -> Vec<u8> {
        let mut out = BytesMut::new();
        out.put_slice(SIGNATURE);
        out.put_u32(0);
        out.put_u32(3);
        out.put_slice(b"ext");
        for (id, name) in rows {
            out.put_i16(2);
            out.put_i32(4);
            out.put_i32(*id);
            match name {
                Some(name) => {
                    out.put_i32(name.len() as i32);
                    out.put_slice(name.as_bytes());
                }
                None => out.put_i32(-1),
            }
        }
        out.put_i16(-1);
        out.to_vec()
    }

    fn reader() -> Reader {
        Reader::new(vec![Type::INT4, Type::TEXT])
    }

    #[test]
    fn tuples_split_anywhere_read_the_same() {
        let data = stream(&[(1, Some("a b")), (-2, None)]);
        let want = vec![
            (1, vec![Some("1".to_string()), Some("a b".to_string())]),
            (2, vec![Some("-2".to_string()), None]),
        ];
        for piece in [1, 2, 5, data.len()] {
            let mut reader = reader();
            let mut got = Vec::new();
            for chunk in data.chunks(piece) {
                got.extend(reader.push(chunk).unwrap());
            }
            reader.finish().unwrap();
            assert_eq!(got, want, "in pieces of {piece}");
        }
    }

    #[test]
    fn streams_that_are_not_binary_copy_are_refused() {
        fn code<T: std::fmt::Debug>(r: Result<T>) -> String {
            r.unwrap_err().sqlstate().to_string()
        }
        assert_eq!(code(reader().push(b"1\tone\n")), "22P04");
        let data = stream(&[(1, Some("a"))]);
        // Cut short: the trailer never came.
        let mut cut = reader();
        cut.push(&data[..data.len() - 2]).unwrap();
        assert_eq!(code(cut.finish()), "22P04");
        // A row of the wrong width, a bad length, data after the trailer.
        let mut wide = data.clone();
        wide[19 + 3..19 + 3 + 2].copy_from_slice(&3i16.to_be_bytes());
        assert_eq!(code(reader().push(&wide)), "22P04");
        let mut negative = data.clone();
        negative[19 + 3 + 2..19 + 3 + 6].copy_from_slice(&(-5i32).to_be_bytes());
        assert_eq!(code(reader().push(&negative)), "22P04");
        let mut after = data.clone();
        after.push(0);
        assert_eq!(code(reader().push(&after)), "22P04");
        // An int4 field of two bytes.
        let mut short = data;
        short[19 + 3 + 2..19 + 3 + 6].copy_from_slice(&2i32.to_be_bytes());
        assert!(reader().push(&short).is_err());
    }
}
