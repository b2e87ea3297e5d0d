//! Entry points for the fuzz targets (`fuzz/`, `docs/design/fuzzing.md`) and the regression
//! tests that replay their corpora: bytes as a client could send them, which must get an
//! error or a value and never a panic, a hang or an allocation without bound.

use bytes::BytesMut;
use pgwire::api::Type;
use pgwire::messages::{DecodeContext, PgWireFrontendMessage};

/// Messages a client may send, read as the connection reads them: at the start (an SSL or
/// GSS request, a startup packet), after startup, and then as many as the bytes hold.
pub fn frontend(data: &[u8]) {
    for (ssl, startup) in [(true, true), (false, true), (false, false)] {
        let mut context = DecodeContext::default();
        context.awaiting_frontend_ssl = ssl;
        context.awaiting_frontend_startup = startup;
        let mut buf = BytesMut::from(data);
        // Each decoded message takes bytes off the front, so this ends; the bound is a
        // second guard.
        for _ in 0..=data.len() {
            match PgWireFrontendMessage::decode(&mut buf, &context) {
                Ok(Some(_)) => {
                    context.awaiting_frontend_ssl = false;
                    context.awaiting_frontend_startup = false;
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
}

/// The parameter types whose binary form DriftDB reads (`extended::binary_value_text`).
const BINARY_TYPES: &[Type] = &[
    Type::BOOL,
    Type::INT2,
    Type::INT4,
    Type::INT8,
    Type::OID,
    Type::FLOAT4,
    Type::FLOAT8,
    Type::NUMERIC,
    Type::TEXT,
    Type::VARCHAR,
    Type::BPCHAR,
    Type::NAME,
    Type::BYTEA,
    Type::DATE,
    Type::TIME,
    Type::TIMESTAMP,
    Type::TIMESTAMPTZ,
    Type::INTERVAL,
    Type::UUID,
    Type::JSON,
    Type::JSONB,
    Type::INET,
    Type::CIDR,
    Type::INT2_VECTOR,
    Type::OID_VECTOR,
    Type::BOOL_ARRAY,
    Type::INT4_ARRAY,
    Type::INT8_ARRAY,
    Type::TEXT_ARRAY,
    Type::FLOAT8_ARRAY,
    Type::NUMERIC_ARRAY,
    Type::UUID_ARRAY,
    Type::TIMESTAMPTZ_ARRAY,
    Type::JSONB_ARRAY,
    Type::RECORD,
];

/// A Bind parameter in binary format: the first byte picks its type, the rest is the value.
pub fn binary_parameter(data: &[u8]) {
    let Some((&pick, value)) = data.split_first() else {
        return;
    };
    let t = &BINARY_TYPES[usize::from(pick) % BINARY_TYPES.len()];
    let _ = crate::extended::binary_value_text(t, value);
}
