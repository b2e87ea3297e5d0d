//! The extended query protocol: Parse, Bind, Describe, Execute, Sync.
//!
//! A prepared statement ([`Prepared`]) is the SQL text with what `Session::describe` found:
//! its parameter types (the client's own, where it declared them) and result columns. Bind
//! decodes each parameter in the format the client chose (binary for booleans, integers,
//! floats and text; text for any type) into a [`Param`] that the session binds as a typed
//! literal. Results go out in the format the client asks for per column: PostgreSQL text,
//! or binary for booleans, integers, floats, NUMERIC, text, bytea, dates, times, timestamps
//! and intervals. Row limits on Execute (portal suspension) are pgwire's.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{BufMut, BytesMut};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{
    DataType as Arrow, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, IntervalMonthDayNanoType, IntervalUnit, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use driftdb_sql::SqlState;
use driftdb_sql::pg_types::parameter_cast;
use driftdb_sql::{Outcome, Param, ParamValue, Session};
use futures::{Sink, SinkExt, stream};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo, QueryResponse, Response};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::Entry;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{DataRow, NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, Close, Describe, Execute, Flush, Parse, Sync as SyncMessage, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::types::ToSqlText;
use pgwire::types::format::FormatOptions;
use postgres_types::{IsNull, Kind, ToSql, to_sql_checked};
use tokio::sync::Mutex;

use super::unflushed::Unflushed;
use super::{Connection, field_type, response, type_length, user_error};

/// A parsed statement: its text, parameter types and result columns, and the statement as
/// parsed (each Execute binds a copy).
#[derive(Debug)]
pub struct Prepared {
    statement: driftdb_sql::Statement,
    parameters: Vec<Type>,
    columns: Vec<(String, Type)>,
}

impl Prepared {
    /// The statement as parsed.
    pub(super) fn statement(&self) -> &driftdb_sql::Statement {
        &self.statement
    }
}

/// Describes statements with the connection's session.
pub struct Parser {
    pub(super) session: Arc<Mutex<Session>>,
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Arc<Prepared>;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let mut session = self.session.lock().await;
        let described = session.describe(sql).await.map_err(|e| user_error(&e))?;
        let count = described.parameters.len().max(types.len());
        let parameters = (0..count)
            .map(|i| {
                types
                    .get(i)
                    .cloned()
                    .flatten()
                    .or_else(|| {
                        described
                            .parameters
                            .get(i)
                            .cloned()
                            .flatten()
                            .map(|field| field_type(&field))
                    })
                    .unwrap_or(Type::UNKNOWN)
            })
            .collect();
        let columns = described
            .columns
            .map(|schema| {
                schema
                    .fields()
                    .iter()
                    .map(|f| (f.name().clone(), field_type(f)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(Arc::new(Prepared {
            statement: described.statement,
            parameters,
            columns,
        })))
    }

    fn get_parameter_types(&self, statement: &Self::Statement) -> PgWireResult<Vec<Type>> {
        Ok(statement.parameters.clone())
    }

    fn get_result_schema(
        &self,
        statement: &Self::Statement,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(fields(&statement.columns, format))
    }
}

fn fields(columns: &[(String, Type)], format: Option<&Format>) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, t))| {
            let format = format.map_or(FieldFormat::Text, |f| f.format_for(i));
            FieldInfo::new(name.clone(), None, None, t.clone(), format)
                .with_type_size(type_length(t))
        })
        .collect()
}

#[async_trait]
impl ExtendedQueryHandler for Connection {
    type Statement = Arc<Prepared>;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::clone(&self.parser)
    }

    /// pgwire's, with the reply left for Sync or Flush to send (see `unflushed.rs`).
    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        Defaults(self)
            .on_parse(&mut Unflushed::new(client), message)
            .await
    }

    /// pgwire's, with the reply left for Sync or Flush to send.
    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        Defaults(self)
            .on_bind(&mut Unflushed::new(client), message)
            .await
    }

    /// pgwire's, in the pipeline's implicit block (see `pipeline.rs`), with the replies
    /// left for Sync or Flush to send, except that a COPY's start goes out at once: the
    /// client waits for it before sending data (or Sync).
    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.pipeline_execute(client, message).await
    }

    /// Ends the pipeline's implicit block, then sends ReadyForQuery (`pipeline.rs`).
    async fn on_sync<C>(&self, client: &mut C, _message: SyncMessage) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.pipeline_sync(client).await
    }

    /// Sends what is waiting, a held reply too (`pipeline.rs`).
    async fn on_flush<C>(&self, client: &mut C, _message: Flush) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        client.flush().await?;
        Ok(())
    }

    /// pgwire's, with the reply left for Sync or Flush to send.
    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        Defaults(self)
            .on_close(&mut Unflushed::new(client), message)
            .await
    }

    /// As pgwire's, except that a statement with parameters and no result columns (an
    /// INSERT) is described as PostgreSQL does, ParameterDescription then NoData: pgwire
    /// sends an empty RowDescription there, which JDBC takes for a query. The reply is
    /// left for Sync or Flush to send.
    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        let client = &mut Unflushed::new(client);
        if message.target_type == TARGET_TYPE_BYTE_STATEMENT {
            let name = message.name.as_deref().unwrap_or("");
            if let Some(Entry::Value(statement)) = client.portal_store().get_statement(name)
                && statement.statement.columns.is_empty()
            {
                let types = statement.parameter_types.iter().flatten();
                let prepared = &statement.statement;
                let oids = prepared
                    .parameters
                    .iter()
                    .zip(types.map(Some).chain(std::iter::repeat(None)))
                    .map(|(t, declared)| declared.unwrap_or(t).oid())
                    .collect();
                client
                    .feed(PgWireBackendMessage::ParameterDescription(
                        ParameterDescription::new(oids),
                    ))
                    .await?;
                client
                    .send(PgWireBackendMessage::NoData(NoData::new()))
                    .await?;
                return Ok(());
            }
        }
        self._on_describe(client, message).await
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        // Errors are returned, not sent as a response: pgwire then sends the ErrorResponse
        // and discards every message up to Sync, as PostgreSQL does (a response would
        // leave the rest of a pipeline to run: asyncpg's `executemany` went on inserting
        // the rows after a failed one).
        let params = bind(portal, &prepared.parameters).map_err(|e| user_error(&e))?;
        let mut session = self.session_for_query().await;
        let before = session.transaction_status();
        let result = session
            .execute_bound_statement(prepared.statement.clone(), &params)
            .await;
        // The session's status, which pgwire then moves for the response's kind as
        // PostgreSQL would (it cannot leave the failed state by itself; see pg.rs).
        client.set_transaction_status(super::copy::wire_status(session.transaction_status()));
        match result {
            Ok(outcome) => {
                if let Some(rows) = &outcome.rows
                    && !prepared.columns.is_empty()
                    && !same_columns(&prepared.columns, rows)
                {
                    // The table changed shape since Parse described the statement (an
                    // ALTER TABLE, or a moved `driftdb.as_of` pin): rows in the new shape
                    // would not match the description the client holds. PostgreSQL's
                    // error, which asyncpg answers by preparing again; the statement's
                    // effects go with its transaction, as after any error.
                    session.abort_transaction();
                    client.set_transaction_status(super::copy::wire_status(
                        session.transaction_status(),
                    ));
                    let mut info = ErrorInfo::new(
                        "ERROR".to_string(),
                        SqlState::FEATURE_NOT_SUPPORTED.code().to_string(),
                        "cached plan must not change result type".to_string(),
                    );
                    // PostgreSQL's routine for it, by which asyncpg (not reading the
                    // localizable message) knows to prepare the statement again.
                    info.routine = Some("RevalidateCachedQuery".to_string());
                    return Err(PgWireError::UserError(Box::new(info)));
                }
                let after = session.transaction_status();
                super::send_notices(client, &outcome).await?;
                if let Some(mode) = outcome.copy.clone() {
                    return super::copy::copy_response(
                        &self.binary_in,
                        client,
                        outcome,
                        mode,
                        true,
                    )
                    .await;
                }
                if outcome.rows.is_some() {
                    return rows_response(outcome, &portal.result_column_format);
                }
                response(outcome, before, after)
            }
            Err(e) => Err(user_error(&e)),
        }
    }
}

/// Whether `rows` have the result type a statement was described with: as many columns,
/// of the same types (PostgreSQL's test; the names a client was given stay its own).
fn same_columns(described: &[(String, Type)], rows: &driftdb_sql::Rows) -> bool {
    let fields = rows.schema.fields();
    fields.len() == described.len()
        && fields
            .iter()
            .zip(described)
            .all(|(field, (_, t))| field_type(field) == *t)
}

/// Decodes the portal's parameters.
fn bind(portal: &Portal<Arc<Prepared>>, types: &[Type]) -> driftdb_sql::Result<Vec<Param>> {
    let bad = |e: PgWireError| driftdb_sql::Error::InvalidValue {
        message: format!("cannot decode a parameter: {e}"),
    };
    (0..portal.parameter_len())
        .map(|i| {
            let t = types.get(i).cloned().unwrap_or(Type::UNKNOWN);
            let binary = portal.parameter_format.format_for(i) == FieldFormat::Binary;
            let value = match t {
                Type::BOOL => portal
                    .parameter::<bool>(i, &t)
                    .map_err(bad)?
                    .map(ParamValue::Bool),
                Type::INT2 => portal
                    .parameter::<i16>(i, &t)
                    .map_err(bad)?
                    .map(|v| ParamValue::Int(v.into())),
                Type::INT4 => portal
                    .parameter::<i32>(i, &t)
                    .map_err(bad)?
                    .map(|v| ParamValue::Int(v.into())),
                Type::INT8 => portal
                    .parameter::<i64>(i, &t)
                    .map_err(bad)?
                    .map(ParamValue::Int),
                Type::OID if binary => portal
                    .parameter::<u32>(i, &t)
                    .map_err(bad)?
                    .map(|v| ParamValue::Int(v.into())),
                Type::FLOAT4 => portal
                    .parameter::<f32>(i, &t)
                    .map_err(bad)?
                    .map(|v| ParamValue::Float(v.into())),
                Type::FLOAT8 => portal
                    .parameter::<f64>(i, &t)
                    .map_err(bad)?
                    .map(ParamValue::Float),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => portal
                    .parameter::<String>(i, &Type::TEXT)
                    .map_err(bad)?
                    .map(ParamValue::Text),
                ref array if binary && matches!(array.kind(), Kind::Array(_)) => portal
                    .parameters
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|bytes| array_text(array, &bytes).map(ParamValue::Text))
                    .transpose()?,
                ref other if binary => portal
                    .parameters
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|bytes| binary_text(other, &bytes).map(ParamValue::Text))
                    .transpose()?,
                // Any other type in text form: its text, cast by the session.
                _ => portal
                    .parameters
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|bytes| {
                        String::from_utf8(bytes.to_vec())
                            .map(ParamValue::Text)
                            .map_err(|_| driftdb_sql::Error::InvalidValue {
                                message: "a text parameter is not valid UTF-8".to_string(),
                            })
                    })
                    .transpose()?,
            };
            // An array type names no dimensions: the value's own make the cast's.
            let sql_type = match (&value, parameter_cast(t.oid())) {
                (Some(ParamValue::Text(text)), Some(array)) if array.ends_with("[]") => {
                    let depth = text.trim_start().chars().take_while(|&c| c == '{').count();
                    Some(format!("{array}{}", "[]".repeat(depth.saturating_sub(1))))
                }
                (_, t) => t,
            };
            Ok(Param {
                value: value.unwrap_or(ParamValue::Null),
                sql_type,
            })
        })
        .collect()
}

/// A parameter sent in PostgreSQL's binary format, as the text the session casts to its
/// type: NUMERIC, dates and times, intervals, UUID, bytea and JSON, as asyncpg and JDBC
/// send them.
fn binary_text(t: &Type, bytes: &[u8]) -> driftdb_sql::Result<String> {
    use datafusion::arrow::array::{
        Date32Array, IntervalMonthDayNanoArray, Time64MicrosecondArray, TimestampMicrosecondArray,
    };
    use datafusion::arrow::datatypes::IntervalMonthDayNano;
    let bad = || driftdb_sql::Error::InvalidValue {
        message: format!(
            "a binary {} parameter of {} bytes is malformed",
            t.name(),
            bytes.len()
        ),
    };
    let int = |range: std::ops::Range<usize>| -> driftdb_sql::Result<i64> {
        let b = bytes.get(range.clone()).ok_or_else(bad)?;
        Ok(match b.len() {
            2 => i64::from(i16::from_be_bytes([b[0], b[1]])),
            4 => i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            8 => i64::from_be_bytes(b.try_into().map_err(|_| bad())?),
            _ => return Err(bad()),
        })
    };
    // PostgreSQL counts from 2000-01-01; Arrow from 1970-01-01.
    const PG_EPOCH_DAYS: i64 = 10_957;
    const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400_000_000;
    let text_of = |array: &dyn datafusion::arrow::array::Array| {
        driftdb_sql::text::format_value(array, 0).ok_or_else(bad)
    };
    match *t {
        Type::NUMERIC => numeric_text(bytes).ok_or_else(bad),
        Type::DATE => {
            let days = i32::try_from(int(0..4)? + PG_EPOCH_DAYS).map_err(|_| bad())?;
            text_of(&Date32Array::from(vec![days]))
        }
        Type::TIME => text_of(&Time64MicrosecondArray::from(vec![int(0..8)?])),
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let micros = int(0..8)?.checked_add(PG_EPOCH_MICROS).ok_or_else(bad)?;
            let array = TimestampMicrosecondArray::from(vec![micros]);
            if *t == Type::TIMESTAMPTZ {
                text_of(&array.with_timezone("+00:00"))
            } else {
                text_of(&array)
            }
        }
        Type::INTERVAL => {
            let micros = int(0..8)?;
            let days = i32::try_from(int(8..12)?).map_err(|_| bad())?;
            let months = i32::try_from(int(12..16)?).map_err(|_| bad())?;
            text_of(&IntervalMonthDayNanoArray::from(vec![
                IntervalMonthDayNano::new(months, days, micros.checked_mul(1000).ok_or_else(bad)?),
            ]))
        }
        Type::UUID => {
            let b: [u8; 16] = bytes.try_into().map_err(|_| bad())?;
            Ok(driftdb_sql::arrow::format_uuid(&b))
        }
        Type::INET | Type::CIDR => {
            let kind = address_kind(t);
            let address = driftdb_sql::network::Address::from_binary(bytes, kind)
                .map_err(driftdb_sql::Error::from)?;
            Ok(address.text(kind))
        }
        Type::BYTEA => {
            let mut text = String::with_capacity(2 + 2 * bytes.len());
            text.push_str("\\x");
            for b in bytes {
                text.push_str(&format!("{b:02x}"));
            }
            Ok(text)
        }
        Type::JSON | Type::JSONB => {
            let body = match *t {
                // jsonb's binary form is a version byte (1) and the text.
                Type::JSONB => match bytes.split_first() {
                    Some((1, rest)) => rest,
                    _ => return Err(bad()),
                },
                _ => bytes,
            };
            String::from_utf8(body.to_vec()).map_err(|_| bad())
        }
        _ => Err(driftdb_sql::Error::Unsupported {
            message: format!("a binary parameter of type {}; send it as text", t.name()),
            position: None,
        }),
    }
}

/// A binary array parameter (dimensions, a NULL flag, the element type, each dimension's
/// length and lower bound, then each element's length and bytes) as PostgreSQL's array text,
/// every element quoted.
fn array_text(t: &Type, bytes: &[u8]) -> driftdb_sql::Result<String> {
    let bad = || driftdb_sql::Error::InvalidValue {
        message: format!(
            "a binary {} parameter of {} bytes is malformed",
            t.name(),
            bytes.len()
        ),
    };
    let mut rest = bytes;
    let take = |rest: &mut &[u8], n: usize| -> driftdb_sql::Result<Vec<u8>> {
        let (head, tail) = rest.split_at_checked(n).ok_or_else(bad)?;
        *rest = tail;
        Ok(head.to_vec())
    };
    let int = |rest: &mut &[u8]| -> driftdb_sql::Result<i32> {
        let b = take(rest, 4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let ndim = usize::try_from(int(&mut rest)?).map_err(|_| bad())?;
    let _has_nulls = int(&mut rest)?;
    let element = Type::from_oid(int(&mut rest)? as u32).ok_or_else(bad)?;
    if ndim > 6 {
        return Err(bad());
    }
    let mut dims = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        dims.push(usize::try_from(int(&mut rest)?).map_err(|_| bad())?);
        let _lower_bound = int(&mut rest)?;
    }
    let count = dims
        .iter()
        .try_fold(1_usize, |n, &d| n.checked_mul(d))
        .ok_or_else(bad)?;
    // No dimensions, or one of length 0: the empty array, as PostgreSQL reads it (the other
    // lengths, however large, describe no elements and are not walked).
    if ndim == 0 || count == 0 {
        return if rest.is_empty() {
            Ok("{}".to_string())
        } else {
            Err(bad())
        };
    }
    let mut elements = Vec::with_capacity(count.min(rest.len() / 4));
    for _ in 0..count {
        let len = int(&mut rest)?;
        if len < 0 {
            elements.push(None);
            continue;
        }
        let value = take(&mut rest, usize::try_from(len).map_err(|_| bad())?)?;
        elements.push(Some(element_text(&element, &value)?));
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    let mut text = String::new();
    write_array(&dims, &mut elements.into_iter(), &mut text);
    Ok(text)
}

/// A value of type `t` in PostgreSQL's binary form (a field of binary `COPY`), as the
/// text the session casts to its column.
pub(crate) fn binary_value_text(t: &Type, bytes: &[u8]) -> driftdb_sql::Result<String> {
    match t.kind() {
        Kind::Array(_) => array_text(t, bytes),
        _ => element_text(t, bytes),
    }
}

/// One binary value (an array's element, a `COPY` field) of a type that is no array, as
/// text.
fn element_text(t: &Type, bytes: &[u8]) -> driftdb_sql::Result<String> {
    let bad = || driftdb_sql::Error::InvalidValue {
        message: format!("a binary {} value is malformed", t.name()),
    };
    Ok(match (t, bytes.len()) {
        (&Type::BOOL, 1) => if bytes[0] != 0 { "t" } else { "f" }.to_string(),
        (&Type::INT2, 2) => i16::from_be_bytes([bytes[0], bytes[1]]).to_string(),
        (&Type::INT4, 4) => {
            i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]).to_string()
        }
        (&Type::OID, 4) => u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]).to_string(),
        (&Type::INT8, 8) => i64::from_be_bytes(bytes.try_into().map_err(|_| bad())?).to_string(),
        (&Type::FLOAT4, 4) => {
            float_text(f32::from_be_bytes(bytes.try_into().map_err(|_| bad())?).into())
        }
        (&Type::FLOAT8, 8) => float_text(f64::from_be_bytes(bytes.try_into().map_err(|_| bad())?)),
        (&Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME, _) => {
            String::from_utf8(bytes.to_vec()).map_err(|_| bad())?
        }
        (&Type::BOOL | &Type::INT2 | &Type::INT4 | &Type::OID | &Type::INT8, _)
        | (&Type::FLOAT4 | &Type::FLOAT8, _) => return Err(bad()),
        (other, _) => binary_text(other, bytes)?,
    })
}

/// A float as PostgreSQL reads it back.
fn float_text(v: f64) -> String {
    match v {
        v if v.is_nan() => "NaN".to_string(),
        f64::INFINITY => "Infinity".to_string(),
        f64::NEG_INFINITY => "-Infinity".to_string(),
        v => v.to_string(),
    }
}

/// `{...}` of `dims` (outermost first) taking elements in order, each quoted.
fn write_array(
    dims: &[usize],
    elements: &mut impl Iterator<Item = Option<String>>,
    out: &mut String,
) {
    out.push('{');
    for i in 0..dims[0] {
        if i > 0 {
            out.push(',');
        }
        if dims.len() > 1 {
            write_array(&dims[1..], elements, out);
            continue;
        }
        match elements.next().flatten() {
            None => out.push_str("NULL"),
            Some(value) => {
                out.push('"');
                for c in value.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
}

/// PostgreSQL's binary NUMERIC (digit count, weight, sign, display scale, then base-10000
/// digits) as decimal text.
fn numeric_text(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<u16> {
        let b = bytes.get(2 * i..2 * i + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let scale = usize::from(word(3)?);
    if sign == 0xC000 {
        return Some("NaN".to_string());
    }
    if sign != 0 && sign != 0x4000 || bytes.len() != 8 + 2 * ndigits {
        return None;
    }
    let digits: Vec<u16> = (0..ndigits).map(|i| word(4 + i)).collect::<Option<_>>()?;
    if digits.iter().any(|&d| d > 9999) {
        return None;
    }
    // The base-10000 digit at `position` (weight, weight-1, ..., 0, -1, ...); 0 outside.
    let digit_at = |position: i64| {
        usize::try_from(weight - position)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or(0)
    };
    let mut integer = String::new();
    for position in (0..=weight.max(-1)).rev() {
        let d = digit_at(position);
        if integer.is_empty() {
            if d != 0 {
                integer = d.to_string();
            }
        } else {
            integer.push_str(&format!("{d:04}"));
        }
    }
    if integer.is_empty() {
        integer.push('0');
    }
    let mut fraction = String::new();
    let mut position = -1;
    while fraction.len() < scale {
        let d = digit_at(position);
        fraction.push_str(&format!("{d:04}"));
        position -= 1;
    }
    fraction.truncate(scale);
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    text.push_str(&integer);
    if scale > 0 {
        text.push('.');
        text.push_str(&fraction);
    }
    Some(text)
}

/// Which network address type `t` (`inet` or `cidr`) is.
fn address_kind(t: &Type) -> driftdb_sql::network::Kind {
    if *t == Type::CIDR {
        driftdb_sql::network::Kind::Cidr
    } else {
        driftdb_sql::network::Kind::Inet
    }
}

/// Rows in the formats the portal asked for.
pub(super) fn rows_response(outcome: Outcome, format: &Format) -> PgWireResult<Response> {
    let Some(rows) = outcome.rows else {
        return Err(PgWireError::ApiError("no rows to send".into()));
    };
    let fields = fields_of(&rows, format);
    let mut encoded = Vec::with_capacity(rows.len());
    for batch in &rows.batches {
        for row in 0..batch.num_rows() {
            let encoder = DataRowEncoder::new(Arc::clone(&fields));
            encoded.push(Ok(encode_row(encoder, batch, row)?));
        }
    }
    let mut response = QueryResponse::new(fields, stream::iter(encoded));
    match outcome.tag.command() {
        "INSERT" => response.set_command_tag("INSERT 0"),
        "SELECT" => {}
        command => response.set_command_tag(command),
    }
    Ok(Response::Query(response))
}

/// The result columns of `rows`, in `format`.
pub(crate) fn fields_of(rows: &driftdb_sql::Rows, format: &Format) -> Arc<Vec<FieldInfo>> {
    let columns: Vec<(String, Type)> = rows
        .schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), field_type(f)))
        .collect();
    Arc::new(fields(&columns, Some(format)))
}

/// Row `row` of `batch`, encoded by `encoder` (whose fields say each column's format).
pub(crate) fn encode_row(
    mut encoder: DataRowEncoder,
    batch: &datafusion::arrow::record_batch::RecordBatch,
    row: usize,
) -> PgWireResult<DataRow> {
    for column in batch.columns() {
        encoder.encode_field(&Cell {
            array: Arc::clone(column),
            row,
        })?;
    }
    Ok(encoder.take_row())
}

/// One value of an Arrow column, encodable in PostgreSQL's text or binary format.
#[derive(Debug)]
struct Cell {
    array: ArrayRef,
    row: usize,
}

/// Microseconds and days from the Unix epoch to PostgreSQL's, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
const PG_EPOCH_DAYS: i32 = 10_957;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSqlText for Cell {
    fn to_sql_text(
        &self,
        ty: &Type,
        out: &mut BytesMut,
        _options: &FormatOptions,
    ) -> Result<IsNull, BoxError> {
        if matches!(*ty, Type::INT2_VECTOR | Type::OID_VECTOR) {
            // The vectors of the catalogs read as their elements, separated by spaces.
            let Some(elements) = list_value(self.array.as_ref(), self.row) else {
                return Ok(IsNull::Yes);
            };
            for j in 0..elements.len() {
                if j > 0 {
                    out.put_u8(b' ');
                }
                let text = driftdb_sql::text::format_value(elements.as_ref(), j);
                out.put_slice(text.unwrap_or_default().as_bytes());
            }
            return Ok(IsNull::No);
        }
        match driftdb_sql::text::format_value(self.array.as_ref(), self.row) {
            None => Ok(IsNull::Yes),
            Some(text) => {
                out.put_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }
}

impl ToSql for Cell {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let (a, i) = (self.array.as_ref(), self.row);
        if driftdb_sql::text::is_null(a, i) {
            return Ok(IsNull::Yes);
        }
        let element = match *ty {
            Type::INT2_VECTOR => Some(Type::INT2),
            Type::OID_VECTOR => Some(Type::OID),
            _ => match ty.kind() {
                Kind::Array(element) => Some(element.clone()),
                _ => None,
            },
        };
        if let Some(element) = element {
            let Some(elements) = list_value(a, i) else {
                return Ok(IsNull::Yes);
            };
            array_binary(&elements, &element, out)?;
            return Ok(IsNull::No);
        }
        let mut int = |v: i64| -> Result<(), BoxError> {
            match *ty {
                Type::INT2 => out.put_i16(i16::try_from(v)?),
                Type::INT4 => out.put_i32(i32::try_from(v)?),
                Type::OID => out.put_u32(u32::try_from(v)?),
                _ => out.put_i64(v),
            };
            Ok(())
        };
        if *ty == Type::RECORD
            && let Some(fields) = a.as_struct_opt()
        {
            record_binary(fields, i, out)?;
            return Ok(IsNull::No);
        }
        // The types that share `Utf8` have binary forms of their own.
        match *ty {
            Type::JSONB | Type::JSON | Type::UUID | Type::INET | Type::CIDR => {
                let Some(text) = driftdb_sql::text::format_value(a, i) else {
                    return Ok(IsNull::Yes);
                };
                match *ty {
                    // jsonb's binary form is a version byte, then the text.
                    Type::JSONB => {
                        out.put_u8(1);
                        out.put_slice(text.as_bytes());
                    }
                    Type::UUID => out.put_slice(&driftdb_sql::arrow::parse_uuid(&text)?),
                    Type::INET | Type::CIDR => {
                        let kind = address_kind(ty);
                        let address = driftdb_sql::network::Address::parse(&text, kind)
                            .map_err(driftdb_sql::Error::from)?;
                        out.put_slice(&address.to_binary(kind));
                    }
                    _ => out.put_slice(text.as_bytes()),
                }
                return Ok(IsNull::No);
            }
            _ => {}
        }
        match a.data_type() {
            Arrow::Int8 => int(a.as_primitive::<Int8Type>().value(i).into())?,
            Arrow::Int16 => int(a.as_primitive::<Int16Type>().value(i).into())?,
            Arrow::Int32 => int(a.as_primitive::<Int32Type>().value(i).into())?,
            Arrow::Int64 => int(a.as_primitive::<Int64Type>().value(i))?,
            Arrow::UInt8 => int(a.as_primitive::<UInt8Type>().value(i).into())?,
            Arrow::UInt16 => int(a.as_primitive::<UInt16Type>().value(i).into())?,
            Arrow::UInt32 => int(a.as_primitive::<UInt32Type>().value(i).into())?,
            Arrow::UInt64 => int(i64::try_from(a.as_primitive::<UInt64Type>().value(i))?)?,
            Arrow::Boolean => out.put_u8(u8::from(a.as_boolean().value(i))),
            Arrow::Float32 => out.put_f32(a.as_primitive::<Float32Type>().value(i)),
            Arrow::Float64 => out.put_f64(a.as_primitive::<Float64Type>().value(i)),
            Arrow::Decimal128(_, scale) => {
                numeric(a.as_primitive::<Decimal128Type>().value(i), *scale, out);
            }
            Arrow::Binary => out.put_slice(a.as_binary::<i32>().value(i)),
            Arrow::LargeBinary => out.put_slice(a.as_binary::<i64>().value(i)),
            Arrow::Date32 => out.put_i32(a.as_primitive::<Date32Type>().value(i) - PG_EPOCH_DAYS),
            Arrow::Time32(_) | Arrow::Time64(_) => match driftdb_sql::text::micros(a, i) {
                Some(us) => out.put_i64(us),
                None => return Ok(IsNull::Yes),
            },
            Arrow::Timestamp(..) => match driftdb_sql::text::micros(a, i) {
                Some(us) => out.put_i64(us - PG_EPOCH_MICROS),
                None => return Ok(IsNull::Yes),
            },
            Arrow::Interval(IntervalUnit::MonthDayNano) => {
                let v = a.as_primitive::<IntervalMonthDayNanoType>().value(i);
                out.put_i64(v.nanoseconds / 1_000);
                out.put_i32(v.days);
                out.put_i32(v.months);
            }
            // Text, and everything sent as text: its PostgreSQL text is its binary form.
            _ => match driftdb_sql::text::format_value(a, i) {
                Some(text) => out.put_slice(text.as_bytes()),
                None => return Ok(IsNull::Yes),
            },
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// The elements of row `row` of a list column; `None` for NULL or a column of another type.
fn list_value(array: &dyn Array, row: usize) -> Option<ArrayRef> {
    if driftdb_sql::text::is_null(array, row) {
        return None;
    }
    match array.data_type() {
        Arrow::List(_) => Some(array.as_list::<i32>().value(row)),
        Arrow::LargeList(_) => Some(array.as_list::<i64>().value(row)),
        _ => None,
    }
}

/// PostgreSQL's binary array: the number of dimensions, whether any element is NULL, the
/// element type, each dimension's length and lower bound (1), then every element, length
/// first (-1 for NULL). Nested lists are the dimensions of one array, so they must be
/// rectangular, as PostgreSQL's are; an empty list has no dimensions.
fn array_binary(elements: &ArrayRef, element: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let mut dims = Vec::new();
    let mut leaves = Vec::new();
    array_cells(elements, 0, &mut dims, &mut leaves)?;
    if dims.first() == Some(&0) {
        dims.clear();
    }
    out.put_i32(i32::try_from(dims.len())?);
    out.put_i32(i32::from(
        leaves
            .iter()
            .any(|c| driftdb_sql::text::is_null(c.array.as_ref(), c.row)),
    ));
    out.put_u32(element.oid());
    for d in dims {
        out.put_i32(d);
        out.put_i32(1);
    }
    for cell in leaves {
        put_value(&cell, element, out)?;
    }
    Ok(())
}

/// PostgreSQL's binary record: the number of fields, then each field's type, and its
/// value, length first (-1 for NULL).
fn record_binary(
    record: &datafusion::arrow::array::StructArray,
    row: usize,
    out: &mut BytesMut,
) -> Result<(), BoxError> {
    out.put_i32(i32::try_from(record.num_columns())?);
    for (field, column) in record.fields().iter().zip(record.columns()) {
        let ty = super::field_type(field);
        out.put_u32(ty.oid());
        let cell = Cell {
            array: Arc::clone(column),
            row,
        };
        put_value(&cell, &ty, out)?;
    }
    Ok(())
}

/// `cell` in binary as type `ty`, length first (-1 for NULL), as arrays and records hold
/// their values.
fn put_value(cell: &Cell, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let at = out.len();
    out.put_i32(0);
    match cell.to_sql(ty, out)? {
        IsNull::Yes => {
            out.truncate(at);
            out.put_i32(-1);
        }
        IsNull::No => {
            let length = i32::try_from(out.len() - at - 4)?;
            out[at..at + 4].copy_from_slice(&length.to_be_bytes());
        }
    }
    Ok(())
}

/// The innermost elements of `values`, a list `depth` levels down, in order, with the
/// length of each level in `dims`.
fn array_cells(
    values: &ArrayRef,
    depth: usize,
    dims: &mut Vec<i32>,
    leaves: &mut Vec<Cell>,
) -> Result<(), BoxError> {
    let length = i32::try_from(values.len())?;
    match dims.get(depth) {
        None => dims.push(length),
        Some(&d) if d == length => {}
        Some(_) => return Err("multidimensional arrays must have matching dimensions".into()),
    }
    if !matches!(values.data_type(), Arrow::List(_) | Arrow::LargeList(_)) {
        leaves.extend((0..values.len()).map(|row| Cell {
            array: Arc::clone(values),
            row,
        }));
        return Ok(());
    }
    for j in 0..values.len() {
        let inner = list_value(values.as_ref(), j)
            .ok_or("a multidimensional array cannot hold a NULL sub-array")?;
        array_cells(&inner, depth + 1, dims, leaves)?;
    }
    Ok(())
}

/// PostgreSQL's binary NUMERIC: base-10000 digits with a weight, a sign and a display scale.
fn numeric(value: i128, scale: i8, out: &mut BytesMut) {
    // A negative scale (`1e40` is 1 at scale -40) is that many zeros after the digits.
    let zeros = usize::from(scale.min(0).unsigned_abs());
    let digits = format!("{}{}", value.unsigned_abs(), "0".repeat(zeros));
    let scale = u16::try_from(scale).unwrap_or(0);
    let scale_len = usize::from(scale);
    let padded = format!("{digits:0>width$}", width = scale_len + 1);
    let (int_part, frac_part) = padded.split_at(padded.len() - scale_len);
    let int_part = int_part.trim_start_matches('0');
    // Integer digits grouped by four from the right, fraction digits from the left.
    let int_text = format!("{}{int_part}", "0".repeat((4 - int_part.len() % 4) % 4));
    let frac_text = format!("{frac_part}{}", "0".repeat((4 - frac_part.len() % 4) % 4));
    let group = |s: &str| -> Vec<i16> {
        s.as_bytes()
            .chunks(4)
            .map(|c| {
                std::str::from_utf8(c)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0)
            })
            .collect()
    };
    let int_groups = group(&int_text);
    let mut weight = i16::try_from(int_groups.len()).unwrap_or(i16::MAX) - 1;
    let mut groups = int_groups;
    groups.extend(group(&frac_text));
    // No leading or trailing zero groups.
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.put_i16(i16::try_from(groups.len()).unwrap_or(i16::MAX));
    out.put_i16(weight);
    out.put_u16(if value < 0 && !groups.is_empty() {
        0x4000
    } else {
        0
    });
    out.put_u16(scale);
    for g in groups {
        out.put_i16(g);
    }
}

/// The connection with pgwire's default handlers, which its own overrides of Parse and Bind
/// run on an [`Unflushed`] client (an override cannot call the default it replaces).
struct Defaults<'a>(&'a Connection);

#[async_trait]
impl ExtendedQueryHandler for Defaults<'_> {
    type Statement = Arc<Prepared>;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.0.query_parser()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.0.do_query(client, portal, max_rows).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: i128, scale: i8) -> Vec<i16> {
        let mut out = BytesMut::new();
        numeric(value, scale, &mut out);
        out.chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    /// A binary array's header: its dimensions' lengths, element type int4.
    fn array_header(dims: &[i32]) -> Vec<u8> {
        let mut out = Vec::new();
        for field in [dims.len() as i32, 0, 23] {
            out.extend_from_slice(&field.to_be_bytes());
        }
        for &d in dims {
            out.extend_from_slice(&d.to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
        }
        out
    }

    #[test]
    fn binary_arrays_with_an_empty_dimension_are_empty_whatever_the_others_say() {
        let t = Type::INT4_ARRAY;
        // A billion rows of nothing: read as PostgreSQL reads it, at once, not walked.
        assert_eq!(
            binary_value_text(&t, &array_header(&[1_000_000_000, 0])).unwrap(),
            "{}"
        );
        assert_eq!(binary_value_text(&t, &array_header(&[])).unwrap(), "{}");
        let mut trailing = array_header(&[0]);
        trailing.push(1);
        assert!(binary_value_text(&t, &trailing).is_err());
        let mut two = array_header(&[2]);
        for v in [7i32, 8] {
            two.extend_from_slice(&4i32.to_be_bytes());
            two.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(binary_value_text(&t, &two).unwrap(), "{\"7\",\"8\"}");
    }

    #[test]
    fn binary_numerics_read_back_as_written() {
        for (value, scale, text) in [
            (150, 2, "1.50"),
            (-123_456, 0, "-123456"),
            (25, 4, "0.0025"),
            (0, 0, "0"),
            (700_000_000, 0, "700000000"),
            (12_345_678, 3, "12345.678"),
            (-5, 2, "-0.05"),
            (1, -40, "10000000000000000000000000000000000000000"),
            (-24, -37, "-240000000000000000000000000000000000000"),
        ] {
            let mut out = BytesMut::new();
            numeric(value, scale, &mut out);
            assert_eq!(
                numeric_text(&out).as_deref(),
                Some(text),
                "{value} scale {scale}"
            );
        }
        // A digit count that disagrees with the length is refused, not misread.
        assert_eq!(numeric_text(&[0, 3, 0, 0, 0, 0, 0, 0, 0, 1]), None);
    }

    #[test]
    fn numeric_binary_matches_postgres() {
        // 12345.678 = 1 2345 . 6780: ndigits 3, weight 1, positive, dscale 3.
        assert_eq!(encoded(12_345_678, 3), vec![3, 1, 0, 3, 1, 2345, 6780]);
        // -0.05 = . 0500: weight -1, negative.
        assert_eq!(encoded(-5, 2), vec![1, -1, 0x4000, 2, 500]);
        assert_eq!(encoded(0, 2), vec![0, 0, 0, 2]);
        // 10000 = 1 0000: the trailing zero group is dropped.
        assert_eq!(encoded(10_000, 0), vec![1, 1, 0, 0, 1]);
    }
}
