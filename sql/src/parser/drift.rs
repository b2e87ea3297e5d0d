//! DriftDB's own statements, read with sqlparser's public parsing helpers.
//!
//! - `CHECKPOINT TABLE t`
//! - `VACUUM` and `VACUUM t` (PostgreSQL's options such as `FULL` or `(VERBOSE)` are 0A000)
//! - the legacy `CREATE TABLE t (pk=id, INDEX(name), id BIGINT, name TEXT)`, recognised when
//!   any top-level item of the column list starts with `pk =` or `INDEX (`/`INDEX name (`.
//!   It becomes the same `sqlparser::ast::CreateTable` a standard `CREATE TABLE` gives, with
//!   `pk=` as a `PRIMARY KEY (..)` table constraint and each `INDEX` as a
//!   `TableConstraint::Index`, so the planner has one create-table path. Every column must
//!   have a type, and `pk=` and `INDEX` may only name declared columns.
//! - `ALTER { TABLE | VIEW | SEQUENCE } ... SET SCHEMA s`, `ALTER VIEW ... RENAME TO w` and
//!   `ALTER { VIEW | SEQUENCE } ... OWNER TO r` (sqlparser reads none of them).
//! - `ALTER TABLE t SET (history_retention = '30 days')`, which sqlparser reads as a
//!   PostgreSQL storage parameter and `history_retention` then lifts out.
//! - `CREATE [TEMP] TABLE [IF NOT EXISTS] t [(a, b)] AS query [WITH [NO] DATA]`: sqlparser
//!   reads neither a column list of bare names nor `WITH [NO] DATA`. It becomes sqlparser's
//!   `CreateTable` with a query, its column list as columns of no type and `WITH NO DATA` as
//!   `LIMIT 0` on the query; `SELECT ... INTO t FROM ...` becomes the same statement.
//!
//! - `GRANT` and `REVOKE` on topics and consumer groups (`broker_grant.rs`).
//!
//! Every other statement is sqlparser's own.

use std::time::Duration;

use sqlparser::ast::helpers::stmt_create_table::CreateTableBuilder;
use sqlparser::ast::{
    AlterTableOperation, ColumnDef, DataType, Expr, Ident, IndexColumn, IndexConstraint,
    PrimaryKeyConstraint, Spanned, SqlOption, Statement as AstStatement, TableConstraint, Value,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{IsOptional, Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::tokens::is_word;
use crate::error::{Error, Result, char_position};
use crate::parser::Statement;

/// The option name `ALTER TABLE .. SET (..)` uses for a table's history retention.
pub const HISTORY_RETENTION: &str = "history_retention";

/// What one statement parsed into, before temporal clauses are attached.
pub(crate) enum Parsed {
    Sql(Box<AstStatement>),
    Drift(Statement),
}

/// Parses one statement at the parser's position, DriftDB's own forms first.
/// `legacy_starts` comes from [`legacy_create_table_starts`] over the same tokens.
pub(crate) fn parse_statement(
    parser: &mut Parser,
    sql: &str,
    legacy_starts: &[Location],
) -> Result<Parsed> {
    let mut p = StatementParser { parser, sql };
    let first = p.parser.peek_token_ref();
    let is_legacy_create_table = legacy_starts.binary_search(&first.span.start).is_ok();
    if is_word(&first.token, "CHECKPOINT") {
        return p.checkpoint().map(Parsed::Drift);
    }
    if is_word(&first.token, "VACUUM") {
        return p.vacuum().map(Parsed::Drift);
    }
    if super::broker_grant::starts_here(p.parser) {
        return super::broker_grant::parse(p.parser)
            .map(|s| Parsed::Drift(Statement::BrokerGrant(Box::new(s))))
            .map_err(|e| Error::from_parser(e, sql));
    }
    if super::projection::starts_here(p.parser) {
        return super::projection::parse(p.parser, sql)
            .map(|s| Parsed::Drift(Statement::Projection(Box::new(s))));
    }
    if is_legacy_create_table {
        return p.legacy_create_table().map(|s| Parsed::Sql(Box::new(s)));
    }
    // PostgreSQL's `CREATE USER` is `CREATE ROLE ... LOGIN`, and `ALTER USER` is `ALTER
    // ROLE` (sqlparser reads both as Snowflake's statements).
    let second = p.parser.peek_nth_token_ref(1);
    if is_word(&first.token, "CREATE") && is_word(&second.token, "USER") {
        p.parser.advance_token();
        p.parser.advance_token();
        let mut create = p
            .parser
            .parse_create_role()
            .map_err(|e| Error::from_parser(e, sql))?;
        create.login.get_or_insert(true);
        return Ok(Parsed::Sql(Box::new(AstStatement::CreateRole(create))));
    }
    let alter_kind = ["TABLE", "VIEW", "SEQUENCE"]
        .into_iter()
        .find(|kind| is_word(&first.token, "ALTER") && is_word(&second.token, kind));
    if let Some(kind) = alter_kind
        && let Some((name, if_exists, what)) = p
            .parser
            .maybe_parse(|parser| alter_relation_start(parser, kind))
            .map_err(|e| Error::from_parser(e, sql))?
    {
        use crate::parser::RelationChange;
        let change = match what {
            Keyword::OWNER => p.parser.parse_owner().map(RelationChange::Owner),
            Keyword::RENAME => p.parser.parse_object_name(false).map(RelationChange::Name),
            _ => p
                .parser
                .parse_object_name(false)
                .map(RelationChange::Schema),
        }
        .and_then(|change| end_of_statement(p.parser, &format!("ALTER {kind}")).map(|()| change))
        .map_err(|e| Error::from_parser(e, sql))?;
        return Ok(Parsed::Drift(Statement::AlterRelation(Box::new(
            crate::parser::AlterRelation {
                kind,
                name,
                if_exists,
                change,
            },
        ))));
    }
    if alter_kind == Some("SEQUENCE") {
        p.parser.advance_token();
        p.parser.advance_token();
        return alter_sequence(p.parser)
            .map(|s| Parsed::Drift(Statement::AlterSequence(Box::new(s))))
            .map_err(|e| Error::from_parser(e, sql));
    }
    let (first, second) = (p.parser.peek_token_ref(), p.parser.peek_nth_token_ref(1));
    if is_word(&first.token, "SET") && is_word(&second.token, "CONSTRAINTS") {
        p.parser.advance_token();
        p.parser.advance_token();
        return set_constraints(p.parser)
            .map(Parsed::Drift)
            .map_err(|e| Error::from_parser(e, sql));
    }
    if is_word(&first.token, "ALTER") && is_word(&second.token, "USER") {
        p.parser.advance_token();
        p.parser.advance_token();
        let alter = p
            .parser
            .parse_alter_role()
            .map_err(|e| Error::from_parser(e, sql))?;
        return Ok(Parsed::Sql(Box::new(alter)));
    }
    if starts_create_table_as(p.parser) {
        return create_table_as(p.parser)
            .map(|s| Parsed::Sql(Box::new(s)))
            .map_err(|e| Error::from_parser(e, sql));
    }
    let mut statement = p
        .parser
        .parse_statement()
        .map_err(|e| Error::from_parser(e, sql))?;
    if let AstStatement::Query(query) = &mut statement
        && let Some(create) = select_into(query)
    {
        statement = AstStatement::CreateTable(create);
    }
    if let AstStatement::AlterTable(alter) = &statement
        && let Some(retention) = history_retention(&alter.operations, sql)?
    {
        return Ok(Parsed::Drift(Statement::SetHistoryRetention {
            table: alter.name.clone(),
            retention,
        }));
    }
    Ok(Parsed::Sql(Box::new(statement)))
}

/// `ALTER kind [IF EXISTS] [ONLY] name SET SCHEMA`, `ALTER VIEW [IF EXISTS] name RENAME TO`
/// or `ALTER { VIEW | SEQUENCE } [IF EXISTS] name OWNER TO`, up to what follows: the
/// relation's name, whether `IF EXISTS` was written, and which it is (`SCHEMA`, `RENAME` or
/// `OWNER`). An error (the parser then goes back) for any other `ALTER kind` statement.
fn alter_relation_start(
    parser: &mut Parser,
    kind: &str,
) -> std::result::Result<(sqlparser::ast::ObjectName, bool, Keyword), ParserError> {
    parser.advance_token();
    parser.advance_token();
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    if kind == "TABLE" {
        // Tables have no descendants here, so `ONLY` changes nothing.
        let _ = parser.parse_keyword(Keyword::ONLY);
    }
    let name = parser.parse_object_name(false)?;
    if kind == "VIEW" && parser.parse_keywords(&[Keyword::RENAME, Keyword::TO]) {
        return Ok((name, if_exists, Keyword::RENAME));
    }
    if kind != "TABLE" && parser.parse_keywords(&[Keyword::OWNER, Keyword::TO]) {
        return Ok((name, if_exists, Keyword::OWNER));
    }
    parser.expect_keywords(&[Keyword::SET, Keyword::SCHEMA])?;
    Ok((name, if_exists, Keyword::SCHEMA))
}

/// The end of a statement (a `;` or the end of the text), or a syntax error naming `what`.
fn end_of_statement(parser: &mut Parser, what: &str) -> std::result::Result<(), ParserError> {
    match parser.peek_token_ref().token {
        Token::SemiColon | Token::EOF => Ok(()),
        _ => parser.expected_ref(&format!("the end of {what}"), parser.peek_token_ref()),
    }
}

/// The rest of `SET CONSTRAINTS` after its two words: `ALL` or names, then `DEFERRED` or
/// `IMMEDIATE`, and the end of the statement.
fn set_constraints(parser: &mut Parser) -> std::result::Result<Statement, ParserError> {
    let names = if parser.parse_keyword(Keyword::ALL) {
        None
    } else {
        let names = parser.parse_comma_separated(|p| p.parse_object_name(false))?;
        let mut folded = Vec::with_capacity(names.len());
        for name in &names {
            let Some(ident) = name.0.last().and_then(|part| part.as_ident()) else {
                return parser.expected("a constraint name", parser.peek_token());
            };
            folded.push(match ident.quote_style {
                Some(_) => ident.value.clone(),
                None => ident.value.to_lowercase(),
            });
        }
        Some(folded)
    };
    let deferred = match parser.parse_one_of_keywords(&[Keyword::DEFERRED, Keyword::IMMEDIATE]) {
        Some(Keyword::DEFERRED) => true,
        Some(_) => false,
        None => return parser.expected("DEFERRED or IMMEDIATE", parser.peek_token()),
    };
    if !matches!(parser.peek_token().token, Token::EOF | Token::SemiColon) {
        return parser.expected("end of statement", parser.peek_token());
    }
    Ok(Statement::SetConstraints { names, deferred })
}

/// Whether the parser is at `CREATE [TEMP | TEMPORARY] TABLE [IF NOT EXISTS] name [(a, ...)]
/// AS`: a table made from a query, with or without a list of column names.
fn starts_create_table_as(parser: &Parser) -> bool {
    let word = |n: usize, keyword: Keyword| matches!(&parser.peek_nth_token_ref(n).token, Token::Word(w) if w.keyword == keyword);
    let is_name = |n: usize| matches!(&parser.peek_nth_token_ref(n).token, Token::Word(_));
    if !word(0, Keyword::CREATE) {
        return false;
    }
    let mut n = 1;
    if word(n, Keyword::TEMP) || word(n, Keyword::TEMPORARY) {
        n += 1;
    }
    if !word(n, Keyword::TABLE) {
        return false;
    }
    n += 1;
    if word(n, Keyword::IF) {
        n += 3;
    }
    // name, or schema.name
    if !is_name(n) {
        return false;
    }
    n += 1;
    while parser.peek_nth_token_ref(n).token == Token::Period && is_name(n + 1) {
        n += 2;
    }
    if parser.peek_nth_token_ref(n).token == Token::LParen {
        // Only bare names: a column definition has a type after its name.
        n += 1;
        loop {
            if !is_name(n) {
                return false;
            }
            n += 1;
            match parser.peek_nth_token_ref(n).token {
                Token::Comma => n += 1,
                Token::RParen => {
                    n += 1;
                    break;
                }
                _ => return false,
            }
        }
    }
    word(n, Keyword::AS)
}

/// `CREATE [TEMP] TABLE [IF NOT EXISTS] name [(a, ...)] AS query [WITH [NO] DATA]`, at
/// [`starts_create_table_as`].
fn create_table_as(parser: &mut Parser) -> std::result::Result<AstStatement, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    let temporary = parser
        .parse_one_of_keywords(&[Keyword::TEMP, Keyword::TEMPORARY])
        .is_some();
    parser.expect_keyword(Keyword::TABLE)?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let mut columns = Vec::new();
    if parser.consume_token(&Token::LParen) {
        columns = parser.parse_comma_separated(|p| {
            Ok(ColumnDef {
                name: p.parse_identifier()?,
                data_type: DataType::Unspecified,
                options: Vec::new(),
            })
        })?;
        parser.expect_token(&Token::RParen)?;
    }
    parser.expect_keyword(Keyword::AS)?;
    let mut query = parser.parse_query()?;
    if parser.parse_keyword(Keyword::WITH) {
        let no_data = parser.parse_keyword(Keyword::NO);
        parser.expect_keyword(Keyword::DATA)?;
        if no_data {
            let offset = match query.limit_clause.take() {
                Some(sqlparser::ast::LimitClause::LimitOffset { offset, .. }) => offset,
                _ => None,
            };
            query.limit_clause = Some(sqlparser::ast::LimitClause::LimitOffset {
                limit: Some(Expr::value(Value::Number("0".into(), false))),
                offset,
                limit_by: Vec::new(),
            });
        }
    }
    Ok(AstStatement::CreateTable(
        CreateTableBuilder::new(name)
            .temporary(temporary)
            .if_not_exists(if_not_exists)
            .columns(columns)
            .query(Some(query))
            .build(),
    ))
}

/// `SELECT ... INTO [TEMP] [TABLE] name FROM ...` as the `CREATE TABLE name AS SELECT ...`
/// it means; `None` for a query without `INTO`.
fn select_into(query: &mut Box<sqlparser::ast::Query>) -> Option<sqlparser::ast::CreateTable> {
    let sqlparser::ast::SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let into = select.into.take()?;
    Some(
        CreateTableBuilder::new(into.name)
            .temporary(into.temporary)
            .query(Some(query.clone()))
            .build(),
    )
}

/// The rest of `ALTER SEQUENCE` after its two words: `[IF EXISTS] name` and its clauses, in
/// any order, up to the end of the statement.
fn alter_sequence(parser: &mut Parser) -> std::result::Result<super::AlterSequence, ParserError> {
    use sqlparser::ast::SequenceOptions as O;
    use sqlparser::keywords::Keyword as K;
    let if_exists = parser.parse_keywords(&[K::IF, K::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let mut alter = super::AlterSequence {
        name,
        if_exists,
        data_type: None,
        options: Vec::new(),
        restart: None,
        owned_by: None,
        rename_to: None,
    };
    if parser.parse_keywords(&[K::RENAME, K::TO]) {
        alter.rename_to = Some(parser.parse_object_name(false)?);
        if !matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF) {
            return parser.expected_ref(
                "the end of ALTER SEQUENCE ... RENAME TO",
                parser.peek_token_ref(),
            );
        }
        return Ok(alter);
    }
    loop {
        if matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF) {
            break;
        }
        if parser.parse_keyword(K::AS) {
            alter.data_type = Some(parser.parse_data_type()?);
        } else if parser.parse_keyword(K::INCREMENT) {
            let by = parser.parse_keyword(K::BY);
            alter
                .options
                .push(O::IncrementBy(parser.parse_number()?, by));
        } else if parser.parse_keyword(K::MINVALUE) {
            alter
                .options
                .push(O::MinValue(Some(parser.parse_number()?)));
        } else if parser.parse_keyword(K::MAXVALUE) {
            alter
                .options
                .push(O::MaxValue(Some(parser.parse_number()?)));
        } else if parser.parse_keywords(&[K::NO, K::MINVALUE]) {
            alter.options.push(O::MinValue(None));
        } else if parser.parse_keywords(&[K::NO, K::MAXVALUE]) {
            alter.options.push(O::MaxValue(None));
        } else if parser.parse_keywords(&[K::NO, K::CYCLE]) {
            alter.options.push(O::Cycle(true));
        } else if parser.parse_keyword(K::CYCLE) {
            alter.options.push(O::Cycle(false));
        } else if parser.parse_keyword(K::START) {
            let with = parser.parse_keyword(K::WITH);
            alter
                .options
                .push(O::StartWith(parser.parse_number()?, with));
        } else if parser.parse_keyword(K::CACHE) {
            alter.options.push(O::Cache(parser.parse_number()?));
        } else if parser.parse_keyword(K::RESTART) {
            let with = parser.parse_keyword(K::WITH);
            let ends = matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF)
                || matches!(&parser.peek_token_ref().token, Token::Word(w) if w.keyword != K::NoKeyword);
            alter.restart = Some(match with || !ends {
                true => Some(parser.parse_number()?),
                false => None,
            });
        } else if parser.parse_keywords(&[K::OWNED, K::BY]) {
            alter.owned_by = Some(match parser.parse_keyword(K::NONE) {
                true => sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new("NONE")]),
                false => parser.parse_object_name(false)?,
            });
        } else {
            return parser.expected_ref(
                "an ALTER SEQUENCE clause (RESTART, INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE, OWNED BY, AS, RENAME TO)",
                parser.peek_token_ref(),
            );
        }
    }
    Ok(alter)
}

/// Where the legacy `CREATE TABLE` statements start, sorted: each statement-leading
/// `CREATE TABLE [IF NOT EXISTS] name (` whose list has, at its top level, an item starting
/// with `pk =` or `INDEX (` / `INDEX name (`.
///
/// One pass over the tokens: a scan starts only at a statement's first token and stops at
/// the list's closing parenthesis or the next `;`, so no token is looked at more than twice
/// however the input is crafted.
pub(crate) fn legacy_create_table_starts(tokens: &[TokenWithSpan]) -> Vec<Location> {
    let significant: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut starts = Vec::new();
    let mut at_statement_start = true;
    for (k, token) in significant.iter().enumerate() {
        if at_statement_start && is_legacy_create_table(&significant[k..]) {
            starts.push(token.span.start);
        }
        at_statement_start = token.token == Token::SemiColon;
    }
    starts.sort();
    starts
}

fn is_legacy_create_table(tokens: &[&TokenWithSpan]) -> bool {
    let eof = TokenWithSpan::wrap(Token::EOF);
    let peek = |n: usize| tokens.get(n).copied().unwrap_or(&eof);
    if !is_word(&peek(0).token, "CREATE") || !is_word(&peek(1).token, "TABLE") {
        return false;
    }
    let mut n = 2;
    if is_word(&peek(2).token, "IF")
        && is_word(&peek(3).token, "NOT")
        && is_word(&peek(4).token, "EXISTS")
    {
        n = 5;
    }
    if !matches!(peek(n).token, Token::Word(_)) {
        return false;
    }
    n += 1;
    while peek(n).token == Token::Period && matches!(peek(n + 1).token, Token::Word(_)) {
        n += 2;
    }
    if peek(n).token != Token::LParen {
        return false;
    }
    n += 1;
    loop {
        let item = peek(n);
        let is_pk = is_word(&item.token, "pk") && peek(n + 1).token == Token::Eq;
        let is_index = is_word(&item.token, "INDEX")
            && (peek(n + 1).token == Token::LParen
                || (matches!(peek(n + 1).token, Token::Word(_))
                    && peek(n + 2).token == Token::LParen));
        if is_pk || is_index {
            return true;
        }
        // Skip to the next top-level comma.
        let mut depth = 0usize;
        loop {
            match peek(n).token {
                Token::EOF | Token::SemiColon => return false,
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => return false,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => break,
                _ => {}
            }
            n += 1;
        }
        n += 1;
    }
}

struct StatementParser<'p, 'a> {
    parser: &'p mut Parser<'a>,
    sql: &'p str,
}

impl StatementParser<'_, '_> {
    fn position(&self, location: Location) -> Option<usize> {
        char_position(self.sql, location)
    }

    fn map<T>(&self, result: Result<T, ParserError>) -> Result<T> {
        result.map_err(|e| Error::from_parser(e, self.sql))
    }

    fn checkpoint(&mut self) -> Result<Statement> {
        self.parser.advance_token();
        let next = self.parser.peek_token_ref();
        if !is_word(&next.token, "TABLE") {
            return Err(Error::Unsupported {
                message: "only CHECKPOINT TABLE <name> is supported".into(),
                position: self.position(next.span.start),
            });
        }
        self.parser.advance_token();
        let table = self.parser.parse_object_name(false);
        Ok(Statement::Checkpoint {
            table: self.map(table)?,
        })
    }

    fn vacuum(&mut self) -> Result<Statement> {
        self.parser.advance_token();
        let next = self.parser.peek_token_ref();
        let is_option = matches!(&next.token, Token::LParen)
            || ["FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"]
                .iter()
                .any(|word| is_word(&next.token, word));
        if is_option {
            return Err(Error::Unsupported {
                message: "VACUUM takes no options; write VACUUM or VACUUM <table>".into(),
                position: self.position(next.span.start),
            });
        }
        if matches!(next.token, Token::EOF | Token::SemiColon) {
            return Ok(Statement::Vacuum { table: None });
        }
        let table = self.parser.parse_object_name(false);
        Ok(Statement::Vacuum {
            table: Some(self.map(table)?),
        })
    }

    fn legacy_create_table(&mut self) -> Result<AstStatement> {
        let parser = &mut *self.parser;
        let sql = self.sql;
        let map = |e: ParserError| Error::from_parser(e, sql);
        parser
            .expect_keywords(&[Keyword::CREATE, Keyword::TABLE])
            .map_err(map)?;
        let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
        let name = parser.parse_object_name(false).map_err(map)?;
        parser.expect_token(&Token::LParen).map_err(map)?;
        let mut columns: Vec<ColumnDef> = Vec::new();
        let mut primary_key: Option<(Vec<Ident>, Location)> = None;
        let mut indexes: Vec<(Option<Ident>, Vec<Ident>, Location)> = Vec::new();
        loop {
            let start = parser.peek_token_ref().span.start;
            if is_word(&parser.peek_token_ref().token, "pk")
                && parser.peek_nth_token_ref(1).token == Token::Eq
            {
                parser.advance_token();
                parser.advance_token();
                let key = if parser.peek_token_ref().token == Token::LParen {
                    parser.parse_parenthesized_column_list(IsOptional::Mandatory, false)
                } else {
                    parser.parse_identifier().map(|ident| vec![ident])
                }
                .map_err(map)?;
                if primary_key.is_some() {
                    return Err(Error::InvalidTableDefinition {
                        message: "pk= is given more than once".into(),
                        position: char_position(sql, start),
                    });
                }
                primary_key = Some((key, start));
            } else if is_word(&parser.peek_token_ref().token, "INDEX") {
                parser.advance_token();
                let index_name = if parser.peek_token_ref().token == Token::LParen {
                    None
                } else {
                    Some(parser.parse_identifier().map_err(map)?)
                };
                let columns = parser
                    .parse_parenthesized_column_list(IsOptional::Mandatory, false)
                    .map_err(map)?;
                indexes.push((index_name, columns, start));
            } else {
                let column = parser.parse_column_def().map_err(map)?;
                if column.data_type == DataType::Unspecified {
                    return Err(Error::Syntax {
                        message: format!("column {} needs a type", column.name),
                        position: char_position(sql, start),
                    });
                }
                columns.push(column);
            }
            if parser.consume_token(&Token::Comma) {
                continue;
            }
            parser.expect_token(&Token::RParen).map_err(map)?;
            break;
        }
        let Some((key, key_start)) = primary_key else {
            return Err(Error::InvalidTableDefinition {
                message: "the CREATE TABLE (pk=..., INDEX(...)) form needs pk=<column>".into(),
                position: self.position(name.span().start),
            });
        };
        let declared = |ident: &Ident| columns.iter().any(|c| same_name(&c.name, ident));
        for ident in &key {
            if !declared(ident) {
                return Err(Error::UndefinedColumn {
                    column: ident.value.clone(),
                    context: "pk=".into(),
                    position: char_position(sql, key_start),
                });
            }
        }
        let mut constraints = vec![TableConstraint::PrimaryKey(PrimaryKeyConstraint {
            name: None,
            index_name: None,
            index_type: None,
            columns: key.into_iter().map(IndexColumn::from).collect(),
            index_options: Vec::new(),
            characteristics: None,
        })];
        for (index_name, index_columns, index_start) in indexes {
            if let Some(ident) = index_columns.iter().find(|ident| !declared(ident)) {
                return Err(Error::UndefinedColumn {
                    column: ident.value.clone(),
                    context: "INDEX(..)".into(),
                    position: char_position(sql, index_start),
                });
            }
            constraints.push(TableConstraint::Index(IndexConstraint {
                display_as_key: false,
                name: index_name,
                index_type: None,
                columns: index_columns.into_iter().map(IndexColumn::from).collect(),
                index_options: Vec::new(),
            }));
        }
        let create = CreateTableBuilder::new(name)
            .if_not_exists(if_not_exists)
            .columns(columns)
            .constraints(constraints)
            .build();
        Ok(AstStatement::CreateTable(create))
    }
}

/// PostgreSQL name equality: unquoted names fold to lower case, quoted ones are exact.
fn same_name(a: &Ident, b: &Ident) -> bool {
    fn folded(ident: &Ident) -> String {
        match ident.quote_style {
            None => ident.value.to_lowercase(),
            Some(_) => ident.value.clone(),
        }
    }
    folded(a) == folded(b)
}

/// The retention of `ALTER TABLE t SET (history_retention = '...')`, `None` when the
/// operations do not mention `history_retention`, and an error when they mix it with
/// anything else (DriftDB has no other table options).
fn history_retention(operations: &[AlterTableOperation], sql: &str) -> Result<Option<Duration>> {
    let mentions = |options: &[SqlOption]| {
        options.iter().any(|o| matches!(o, SqlOption::KeyValue { key, .. } if key.value.eq_ignore_ascii_case(HISTORY_RETENTION)))
    };
    let any = operations.iter().any(
        |op| matches!(op, AlterTableOperation::SetOptionsParens { options } if mentions(options)),
    );
    if !any {
        return Ok(None);
    }
    let [AlterTableOperation::SetOptionsParens { options }] = operations else {
        return Err(Error::Unsupported {
            message: format!("{HISTORY_RETENTION} must be set on its own, in one SET (..)"),
            position: None,
        });
    };
    let [SqlOption::KeyValue { value, .. }] = options.as_slice() else {
        return Err(Error::Unsupported {
            message: format!("{HISTORY_RETENTION} is the only table option DriftDB supports"),
            position: None,
        });
    };
    let position = char_position(sql, value.span().start);
    let text = match value {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(text) => text,
            _ => return Err(retention_not_a_string(position)),
        },
        _ => return Err(retention_not_a_string(position)),
    };
    parse_retention(text)
        .map(Some)
        .map_err(|reason| Error::InvalidDatetime {
            value: text.clone(),
            reason,
            position,
        })
}

fn retention_not_a_string(position: Option<usize>) -> Error {
    Error::Unsupported {
        message: format!("{HISTORY_RETENTION} takes a string such as '30 days'"),
        position,
    }
}

/// Reads an interval such as `30 days` or `1 week 12 hours` as a [`Duration`].
///
/// Units: seconds, minutes, hours, days, weeks (singular, plural or `s`/`min`/`h`/`d`/`w`).
/// Months and years are rejected: their length varies, so a retention in them is ambiguous.
pub fn parse_retention(text: &str) -> Result<Duration, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return Err("expected <number> <unit> pairs, as in '30 days'".into());
    }
    let mut total: u64 = 0;
    for pair in words.chunks(2) {
        let [number, unit] = pair else {
            return Err("expected <number> <unit> pairs, as in '30 days'".into());
        };
        let number: u64 = number
            .parse()
            .map_err(|_| format!("{number:?} is not a whole number"))?;
        let seconds_per_unit: u64 = match unit.to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3_600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 604_800,
            "mon" | "mons" | "month" | "months" | "y" | "year" | "years" => {
                return Err("months and years have no fixed length; use days or weeks".into());
            }
            _ => return Err(format!("unknown unit {unit:?}")),
        };
        total = number
            .checked_mul(seconds_per_unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| "retention is too long".to_string())?;
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_units() {
        assert_eq!(
            parse_retention("30 days"),
            Ok(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(
            parse_retention("1 week 12 hours"),
            Ok(Duration::from_secs(604_800 + 43_200))
        );
        assert_eq!(parse_retention(" 90 S "), Ok(Duration::from_secs(90)));
        assert_eq!(parse_retention("0 days"), Ok(Duration::ZERO));
        for bad in [
            "",
            "30",
            "days",
            "30 fortnights",
            "1 month",
            "-1 day",
            "1.5 days",
            "99999999999999999999 days",
            "18446744073709551615 weeks",
        ] {
            assert!(parse_retention(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn names_fold_like_postgres() {
        assert!(same_name(&Ident::new("Id"), &Ident::new("id")));
        assert!(!same_name(&Ident::with_quote('"', "Id"), &Ident::new("id")));
        assert!(same_name(&Ident::with_quote('"', "id"), &Ident::new("ID")));
    }
}
