//! [`DriftDialect`]: PostgreSQL, plus `FOR SYSTEM_TIME` on table references and `@SEQ:n`.
//!
//! The dialect wraps sqlparser's `PostgreSqlDialect` and forwards every method that dialect
//! overrides, and `dialect()` answers `TypeId::of::<PostgreSqlDialect>()`, so the parser's
//! PostgreSQL-specific branches (which test the dialect type, not its methods) still apply.
//! It differs in three places only:
//! - `supports_table_versioning()` is true, so `t FOR SYSTEM_TIME AS OF <expr> [AS a]` parses
//!   into `TableFactor::Table { version: Some(TableVersion::ForSystemTimeAsOf(expr)) }`.
//! - `parse_prefix` reads the sequence literal `@SEQ:n` as the call `__driftdb_seq(n)`
//!   (see [`seq`]).
//! - After a system-time marker (an identifier quoted with a backtick, which the PostgreSQL
//!   tokenizer never produces, so only `crate::parser` can put one in the token stream) the
//!   next operator has precedence zero: the marker is always a whole `AS OF` expression and
//!   `ALL + 1` can never turn into a version expression.
//!
//! A side effect of table versioning worth knowing: sqlparser then also tries
//! `AT(..)`, `BEFORE(..)`, `CHANGES(..)`, `TIMESTAMP AS OF` and `VERSION AS OF` after a table
//! name, so those words cannot be used as bare table aliases (write `AS at` instead).
//! [`crate::SystemTime::of_table_factor`] rejects those version forms with 0A000.

pub mod seq;

use std::any::TypeId;

use sqlparser::ast::Expr;
use sqlparser::dialect::{Dialect, PostgreSqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Word};

use self::seq::{SEQ_LOOKAHEAD, SeqMatch, match_seq, seq_expr};

/// Quote character of system-time marker identifiers. PostgreSQL quotes identifiers with
/// `"` only, so no user input tokenizes into a word with this quote style.
pub(crate) const MARKER_QUOTE: char = '`';

/// Whether a token is a system-time marker put there by the `FOR SYSTEM_TIME` rewriter.
pub(crate) fn is_marker(token: &Token) -> bool {
    matches!(
        token,
        Token::Word(Word {
            quote_style: Some(MARKER_QUOTE),
            ..
        })
    )
}

/// PostgreSQL with SQL:2011 system time and DriftDB's `@SEQ:n` literal.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DriftDialect {
    inner: PostgreSqlDialect,
}

impl DriftDialect {
    /// The dialect.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Dialect for DriftDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<PostgreSqlDialect>()
    }

    fn supports_table_versioning(&self) -> bool {
        true
    }

    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let tokens = parser.peek_tokens_ref::<SEQ_LOOKAHEAD>();
        match match_seq(tokens) {
            SeqMatch::NotSeq => self.inner.parse_prefix(parser),
            SeqMatch::Seq { value, span } => {
                for _ in 0..4 {
                    parser.advance_token();
                }
                Some(Ok(seq_expr(value, span)))
            }
            SeqMatch::Invalid { message, location } => Some(Err(ParserError::ParserError(
                format!("{message}{location}"),
            ))),
        }
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        if is_marker(&parser.get_current_token().token) {
            return Some(Ok(self.prec_unknown()));
        }
        self.inner.get_next_precedence(parser)
    }

    // Everything below forwards to PostgreSqlDialect: these are exactly the methods it
    // overrides in sqlparser 0.62 (the rest keep the trait defaults, as in PostgreSQL).

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.inner.identifier_quote_style(identifier)
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_delimited_identifier_start(ch)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.inner.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.inner.is_identifier_part(ch)
    }
    fn supports_unicode_string_literal(&self) -> bool {
        self.inner.supports_unicode_string_literal()
    }
    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        self.inner.is_reserved_for_identifier(kw)
    }
    fn is_custom_operator_part(&self, ch: char) -> bool {
        self.inner.is_custom_operator_part(ch)
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        self.inner.supports_filter_during_aggregation()
    }
    fn supports_group_by_expr(&self) -> bool {
        self.inner.supports_group_by_expr()
    }
    fn prec_value(&self, prec: Precedence) -> u8 {
        self.inner.prec_value(prec)
    }
    fn allow_extract_custom(&self) -> bool {
        self.inner.allow_extract_custom()
    }
    fn allow_extract_single_quotes(&self) -> bool {
        self.inner.allow_extract_single_quotes()
    }
    fn supports_create_index_with_clause(&self) -> bool {
        self.inner.supports_create_index_with_clause()
    }
    fn supports_explain_with_utility_options(&self) -> bool {
        self.inner.supports_explain_with_utility_options()
    }
    fn supports_listen_notify(&self) -> bool {
        self.inner.supports_listen_notify()
    }
    fn supports_factorial_operator(&self) -> bool {
        self.inner.supports_factorial_operator()
    }
    fn supports_bitwise_shift_operators(&self) -> bool {
        self.inner.supports_bitwise_shift_operators()
    }
    fn supports_comment_on(&self) -> bool {
        self.inner.supports_comment_on()
    }
    fn supports_load_extension(&self) -> bool {
        self.inner.supports_load_extension()
    }
    fn supports_named_fn_args_with_colon_operator(&self) -> bool {
        self.inner.supports_named_fn_args_with_colon_operator()
    }
    fn supports_named_fn_args_with_expr_name(&self) -> bool {
        self.inner.supports_named_fn_args_with_expr_name()
    }
    fn supports_empty_projections(&self) -> bool {
        self.inner.supports_empty_projections()
    }
    fn supports_nested_comments(&self) -> bool {
        self.inner.supports_nested_comments()
    }
    fn supports_string_escape_constant(&self) -> bool {
        self.inner.supports_string_escape_constant()
    }
    fn supports_numeric_literal_underscores(&self) -> bool {
        self.inner.supports_numeric_literal_underscores()
    }
    fn supports_array_typedef_with_brackets(&self) -> bool {
        self.inner.supports_array_typedef_with_brackets()
    }
    fn supports_geometric_types(&self) -> bool {
        self.inner.supports_geometric_types()
    }
    fn supports_set_names(&self) -> bool {
        self.inner.supports_set_names()
    }
    fn supports_alter_column_type_using(&self) -> bool {
        self.inner.supports_alter_column_type_using()
    }
    fn supports_notnull_operator(&self) -> bool {
        self.inner.supports_notnull_operator()
    }
    fn supports_interval_options(&self) -> bool {
        self.inner.supports_interval_options()
    }
    fn supports_insert_table_alias(&self) -> bool {
        self.inner.supports_insert_table_alias()
    }
    fn supports_create_table_like_parenthesized(&self) -> bool {
        self.inner.supports_create_table_like_parenthesized()
    }
    fn supports_select_wildcard_with_alias(&self) -> bool {
        self.inner.supports_select_wildcard_with_alias()
    }
    fn supports_comma_separated_trim(&self) -> bool {
        self.inner.supports_comma_separated_trim()
    }
    fn supports_xml_expressions(&self) -> bool {
        self.inner.supports_xml_expressions()
    }
    fn supports_comment_optimizer_hint(&self) -> bool {
        self.inner.supports_comment_optimizer_hint()
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::ast::{SetExpr, Statement, TableFactor, TableVersion};
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::seq::seq_literal;
    use super::*;

    fn parse_one(sql: &str) -> Statement {
        let mut statements = match Parser::parse_sql(&DriftDialect::new(), sql) {
            Ok(statements) => statements,
            Err(error) => panic!("{sql}: {error}"),
        };
        assert_eq!(statements.len(), 1, "{sql}");
        statements.remove(0)
    }

    fn first_version(statement: &Statement) -> Option<TableVersion> {
        let Statement::Query(query) = statement else {
            panic!("not a query: {statement}")
        };
        let SetExpr::Select(select) = query.body.as_ref() else {
            panic!("not a select")
        };
        match &select.from[0].relation {
            TableFactor::Table { version, .. } => version.clone(),
            other => panic!("not a table: {other}"),
        }
    }

    #[test]
    fn postgres_rejects_system_time_but_drift_accepts_it() {
        let sql = "SELECT * FROM t FOR SYSTEM_TIME AS OF '2025-01-01' AS a";
        assert!(Parser::parse_sql(&PostgreSqlDialect {}, sql).is_err());
        let statement = parse_one(sql);
        assert!(matches!(
            first_version(&statement),
            Some(TableVersion::ForSystemTimeAsOf(Expr::Value(_)))
        ));
    }

    #[test]
    fn seq_literal_parses_anywhere_in_an_expression() {
        let statement = parse_one("SELECT * FROM t WHERE __sequence <= @SEQ:1000");
        let Statement::Query(query) = &statement else {
            panic!()
        };
        let SetExpr::Select(select) = query.body.as_ref() else {
            panic!()
        };
        let Some(Expr::BinaryOp { right, .. }) = &select.selection else {
            panic!()
        };
        assert_eq!(seq_literal(right), Some(1000));
        // Printing gives SQL that parses back to the same tree.
        let printed = statement.to_string();
        assert!(printed.contains("__driftdb_seq(1000)"), "{printed}");
        assert_eq!(parse_one(&printed), statement);
    }

    #[test]
    fn seq_literal_as_of_and_lowercase() {
        let statement = parse_one("SELECT * FROM t FOR SYSTEM_TIME AS OF @seq:7");
        let Some(TableVersion::ForSystemTimeAsOf(expr)) = first_version(&statement) else {
            panic!()
        };
        assert_eq!(seq_literal(&expr), Some(7));
    }

    #[test]
    fn bad_seq_literals_are_errors() {
        for sql in [
            "SELECT @SEQ:x",
            "SELECT @SEQ:",
            "SELECT @SEQ",
            "SELECT @SEQ: 5",
            "SELECT @SEQ :5",
            "SELECT @SEQ:-5",
            "SELECT @SEQ:1.5",
            "SELECT @SEQ:5abc",
            "SELECT @SEQ:99999999999999999999",
        ] {
            let error = Parser::parse_sql(&DriftDialect::new(), sql);
            assert!(error.is_err(), "{sql} parsed as {error:?}");
        }
    }

    #[test]
    fn largest_seq_fits() {
        let statement = parse_one("SELECT @SEQ:18446744073709551615");
        assert!(
            statement
                .to_string()
                .contains("__driftdb_seq(18446744073709551615)")
        );
    }

    #[test]
    fn at_sign_without_seq_stays_postgres_absolute_value() {
        let statement = parse_one("SELECT @ -5, @x");
        assert_eq!(statement.to_string(), "SELECT @-5, @x");
    }

    #[test]
    fn postgres_specific_parsing_still_applies() {
        // These depend on `dialect()` answering PostgreSqlDialect or on forwarded methods.
        for sql in [
            "SELECT 'a'::TEXT, x ->> 'k', y ILIKE 'a%' FROM t",
            "SELECT E'a\\nb'",
            "SELECT 1_000",
            "SELECT * FROM t WHERE a NOTNULL",
            "SELECT a FROM t WHERE tags @> ARRAY['x']",
            "SELECT $1, $2",
            "COMMENT ON TABLE t IS 'x'",
        ] {
            parse_one(sql);
        }
    }

    #[test]
    fn identifies_as_postgres() {
        assert_eq!(
            DriftDialect::new().dialect(),
            TypeId::of::<PostgreSqlDialect>()
        );
    }

    #[test]
    fn same_trees_as_postgres_for_postgres_sql() {
        // Without DriftDB syntax the wrapper must be indistinguishable from PostgreSqlDialect.
        for sql in [
            "SELECT a::INT[], b->'k'->>'j', c #> '{a}', d ~* 'x', e !~ 'y', f <-> g FROM t",
            "SELECT count(*) FILTER (WHERE a > 1), 5!, 1 << 2, x NOTNULL FROM t GROUP BY ()",
            "SELECT EXTRACT('year' FROM ts), TRIM(BOTH 'x', a), INTERVAL '1' DAY FROM t",
            "SELECT * FROM t WHERE a COLLATE \"C\" < 'b' AND b IS DISTINCT FROM c",
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1",
            "CREATE INDEX i ON t USING btree (a) WITH (fillfactor = 70)",
            "ALTER TABLE t ALTER COLUMN a TYPE BIGINT USING a::BIGINT",
            "LISTEN ch",
            "SET NAMES 'utf8'",
            "SELECT U&'d\\0061t', E'\\n', $$x$$, 1_000_000",
            "SELECT json_object('a': 1), @ -3, |/ 9",
        ] {
            let ours = Parser::parse_sql(&DriftDialect::new(), sql);
            let theirs = Parser::parse_sql(&PostgreSqlDialect {}, sql);
            assert!(theirs.is_ok(), "{sql}: {theirs:?}");
            assert_eq!(ours, theirs, "{sql}");
        }
    }

    #[test]
    fn marker_identifiers_end_the_version_expression() {
        // A marker the rewriter produced, followed by an operator: the operator is not
        // absorbed into the version expression, so the statement fails to parse.
        use sqlparser::tokenizer::{Span, TokenWithSpan};
        let marker = Token::Word(Word {
            value: "m0".into(),
            quote_style: Some(MARKER_QUOTE),
            keyword: Keyword::NoKeyword,
        });
        let dialect = DriftDialect::new();
        let mut tokens = sqlparser::tokenizer::Tokenizer::new(
            &dialect,
            "SELECT * FROM t FOR SYSTEM_TIME AS OF ",
        )
        .tokenize_with_location()
        .unwrap_or_default();
        tokens.push(TokenWithSpan::new(marker, Span::empty()));
        let plus_one = sqlparser::tokenizer::Tokenizer::new(&dialect, " + 1")
            .tokenize_with_location()
            .unwrap_or_default();
        let mut alone = tokens.clone();
        alone.push(TokenWithSpan::wrap(Token::EOF));
        assert!(
            Parser::new(&dialect)
                .with_tokens_with_locations(alone)
                .parse_statements()
                .is_ok()
        );
        tokens.extend(plus_one);
        tokens.push(TokenWithSpan::wrap(Token::EOF));
        assert!(
            Parser::new(&dialect)
                .with_tokens_with_locations(tokens)
                .parse_statements()
                .is_err()
        );
    }
}
