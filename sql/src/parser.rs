//! [`parse`]: SQL text to DriftDB [`Statement`]s.
//!
//! The pipeline is: tokenize with [`DriftDialect`], replace each `FOR SYSTEM_TIME` clause by
//! a marker ([`system_time`]), then parse the rewritten tokens statement by statement, trying
//! DriftDB's own forms first ([`drift`]) and sqlparser's grammar otherwise. The AST is never
//! printed and re-parsed: sqlparser prints a table's version after its alias, which no
//! dialect reads back.
//!
//! Each [`SqlStatement`] owns the [`TemporalClauses`] whose markers lie inside it, so
//! `statement.temporal.system_time(factor)` answers, for any `TableFactor` of that statement
//! (a join side, a CTE, a subquery), which versions it reads.

mod between;
pub mod broker_grant;
pub mod drift;
pub mod projection;
mod search_cycle;
pub mod system_time;
pub(crate) mod tokens;
mod window_exclude;

use std::ops::ControlFlow;
use std::time::Duration;

use sqlparser::ast::{
    Expr, FromTable, ObjectName, Query, Statement as AstStatement, TableFactor, TableVersion,
    Value, VisitMut, VisitorMut,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use self::drift::Parsed;
use self::system_time::{Rewritten, TemporalClauses};
use crate::dialect::DriftDialect;
use crate::error::{Error, Result, char_position};

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A statement of sqlparser's PostgreSQL grammar (including the legacy
    /// `CREATE TABLE t (pk=id, ...)`, which becomes a standard `CreateTable`).
    Sql(Box<SqlStatement>),
    /// `CHECKPOINT TABLE t`: write a snapshot of `t` now.
    Checkpoint {
        /// The table.
        table: ObjectName,
    },
    /// `VACUUM [t]`: compact storage of `t`, or of every table.
    Vacuum {
        /// The table, `None` for all tables.
        table: Option<ObjectName>,
    },
    /// `CREATE`, `ALTER`, `REFRESH` or `DROP PROJECTION` (`parser/projection.rs`).
    Projection(Box<projection::ProjectionStatement>),
    /// `ALTER SEQUENCE [IF EXISTS] s ...` (sqlparser has no such statement).
    AlterSequence(Box<AlterSequence>),
    /// `SET CONSTRAINTS { ALL | name, ... } { DEFERRED | IMMEDIATE }` (sqlparser has no such
    /// statement).
    SetConstraints {
        /// The constraints named; `None`: `ALL`.
        names: Option<Vec<String>>,
        /// `DEFERRED` (or `IMMEDIATE`).
        deferred: bool,
    },
    /// `ALTER { TABLE | VIEW | SEQUENCE } ... SET SCHEMA s`, `ALTER VIEW ... RENAME TO w`
    /// and `ALTER { VIEW | SEQUENCE } ... OWNER TO r`, which sqlparser does not read.
    AlterRelation(Box<AlterRelation>),
    /// `ALTER TABLE t SET (history_retention = '30 days')`.
    SetHistoryRetention {
        /// The table.
        table: ObjectName,
        /// How long superseded versions must stay readable.
        retention: Duration,
    },
    /// `GRANT` or `REVOKE` on topics or consumer groups (`parser/broker_grant.rs`).
    BrokerGrant(Box<broker_grant::BrokerGrant>),
}

/// `ALTER SEQUENCE [IF EXISTS] name` and its changes.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterSequence {
    /// The sequence.
    pub name: ObjectName,
    /// `IF EXISTS`.
    pub if_exists: bool,
    /// `AS type`.
    pub data_type: Option<sqlparser::ast::DataType>,
    /// `INCREMENT`, `MINVALUE`, `MAXVALUE`, `START`, `CACHE` and `CYCLE` clauses.
    pub options: Vec<sqlparser::ast::SequenceOptions>,
    /// `RESTART` (`Some(None)`) or `RESTART WITH n` (`Some(Some(n))`).
    pub restart: Option<Option<sqlparser::ast::Expr>>,
    /// `OWNED BY t.c` or `OWNED BY NONE`.
    pub owned_by: Option<ObjectName>,
    /// `RENAME TO new_name`, which comes alone.
    pub rename_to: Option<ObjectName>,
}

/// `ALTER { TABLE | VIEW | SEQUENCE } [IF EXISTS] [ONLY] name SET SCHEMA schema`, `ALTER
/// VIEW [IF EXISTS] name RENAME TO new_name`, or `ALTER { VIEW | SEQUENCE } [IF EXISTS] name
/// OWNER TO role`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterRelation {
    /// `TABLE`, `VIEW` or `SEQUENCE`, as written (PostgreSQL moves any of the three with
    /// any of the statements, as it renames them).
    pub kind: &'static str,
    /// The relation.
    pub name: ObjectName,
    /// `IF EXISTS`.
    pub if_exists: bool,
    /// What changes.
    pub change: RelationChange,
}

/// What an [`AlterRelation`] changes.
#[derive(Debug, Clone, PartialEq)]
pub enum RelationChange {
    /// `SET SCHEMA s`.
    Schema(ObjectName),
    /// `RENAME TO new_name`.
    Name(ObjectName),
    /// `OWNER TO role`.
    Owner(sqlparser::ast::Owner),
}

/// A sqlparser statement and the `FOR SYSTEM_TIME` clauses of its table references.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlStatement {
    /// The statement. Each table reference with a `FOR SYSTEM_TIME` clause has
    /// `version: Some(TableVersion::ForSystemTimeAsOf(<marker identifier>))`.
    pub statement: AstStatement,
    /// What each marker stands for.
    pub temporal: TemporalClauses,
    /// An `INSERT`'s `OVERRIDING SYSTEM VALUE` or `OVERRIDING USER VALUE`, which sqlparser
    /// does not read (the parser takes the words out and records them here).
    pub overriding: Option<Overriding>,
}

/// `INSERT ... OVERRIDING { SYSTEM | USER } VALUE`: what an identity column takes when the
/// statement gives it a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overriding {
    /// The value given, even for a `GENERATED ALWAYS` column.
    System,
    /// The sequence's next value: the value given is ignored.
    User,
}

impl Statement {
    /// Whether this is `COPY ... FROM STDIN`, which the client follows with data.
    pub fn is_copy_from_stdin(&self) -> bool {
        matches!(self, Statement::Sql(sql) if matches!(
            sql.statement,
            AstStatement::Copy { to: false, target: sqlparser::ast::CopyTarget::Stdin, .. }
        ))
    }

    /// Whether this is an `INSERT`, `UPDATE` or `DELETE`.
    pub fn is_row_write(&self) -> bool {
        matches!(self, Statement::Sql(sql) if matches!(
            sql.statement,
            AstStatement::Insert(_) | AstStatement::Update(_) | AstStatement::Delete(_)
        ))
    }

    /// Whether the statement may run inside a transaction block: `CHECKPOINT`, `VACUUM` and
    /// projection statements may not.
    pub fn runs_in_transaction_block(&self) -> bool {
        match self {
            Statement::Sql(_) => true,
            Statement::Checkpoint { .. }
            | Statement::Vacuum { .. }
            | Statement::Projection(_)
            | Statement::SetHistoryRetention { .. } => false,
            Statement::AlterSequence(_)
            | Statement::SetConstraints { .. }
            | Statement::AlterRelation(_)
            | Statement::BrokerGrant(_) => true,
        }
    }
}

/// Whether the statements of one query string run as one implicit transaction block, as
/// PostgreSQL runs `psql -c "A; B"`: when there are several, all of them may run in a block,
/// and none is a `COPY ... FROM STDIN` (whose data follows the query).
pub fn forms_implicit_block(statements: &[Statement]) -> bool {
    statements.len() > 1
        && statements
            .iter()
            .all(|s| s.runs_in_transaction_block() && !s.is_copy_from_stdin())
}

/// Splits a script into the text of each statement, without its `;`, as psql does before
/// sending a file one statement at a time. Semicolons inside quotes, dollar quotes, quoted
/// names and comments do not split; statements of only blanks and comments are dropped.
/// An unterminated quote or comment is a syntax error.
pub fn split_statements(sql: &str) -> Result<Vec<&str>> {
    let dialect = DriftDialect::new();
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| Error::from_tokenizer(e, sql))?;
    let byte_at = |location: Location| {
        char_position(sql, location)
            .and_then(|chars| sql.char_indices().nth(chars - 1))
            .map_or(sql.len(), |(byte, _)| byte)
    };
    let mut statements = Vec::new();
    let mut start = 0;
    let mut meaningful = false;
    for token in &tokens {
        match &token.token {
            Token::SemiColon => {
                let end = byte_at(token.span.start);
                if meaningful {
                    statements.push(sql[start..end].trim());
                }
                start = end + 1;
                meaningful = false;
            }
            Token::Whitespace(_) => {}
            _ => meaningful = true,
        }
    }
    if meaningful {
        statements.push(sql[start..].trim());
    }
    Ok(statements)
}

/// Parses one or more `;`-separated statements.
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    let dialect = DriftDialect::new();
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| Error::from_tokenizer(e, sql))?;
    let Rewritten {
        mut tokens,
        clauses,
        system_time_positions,
    } = system_time::rewrite(tokens, sql)?;
    order_by_using(&mut tokens);
    typed_network_literals(&mut tokens);
    let mut searches_and_cycles = search_cycle::take(&mut tokens, sql)?.into_iter().peekable();
    let mut symmetric_betweens = between::take(&mut tokens, sql).into_iter().peekable();
    let mut exclusions = window_exclude::take(&mut tokens, sql)?
        .into_iter()
        .peekable();
    let mut overridings = take_overriding(&mut tokens).into_iter().peekable();
    at_as_name(&mut tokens);
    sequence_options_in_order(&mut tokens);
    // An explicit end token with a location, so "found: EOF" errors point past the text.
    let end = tokens.last().map_or(Location::new(1, 1), |t| t.span.end);
    tokens.push(TokenWithSpan::at(Token::EOF, end, end));
    let legacy_starts = drift::legacy_create_table_starts(&tokens);
    // Looked for once: the text may be a script of thousands of statements.
    let has_colon = sql.contains(':');
    let has_zone = tokens
        .iter()
        .any(|t| matches!(&t.token, Token::Word(w) if w.keyword == Keyword::ZONE));
    let mut clauses = clauses.into_iter().peekable();
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let mut statements = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token_ref().token == Token::EOF {
            break;
        }
        let parsed = drift::parse_statement(&mut parser, sql, &legacy_starts)
            .map_err(|error| explain_misplaced_clause(error, &system_time_positions))?;
        let next = parser.peek_token_ref();
        if !matches!(next.token, Token::SemiColon | Token::EOF) {
            return Err(Error::Syntax {
                message: format!("expected end of statement, found '{}'", next.token),
                position: char_position(sql, next.span.start),
            });
        }
        let end = parser.index();
        let mut own = Vec::new();
        while let Some((_, clause)) = clauses.next_if(|(index, _)| *index < end) {
            own.push(clause);
        }
        let overriding = overridings
            .next_if(|(index, _)| *index < end)
            .map(|(_, o)| o);
        let mut own_searches_and_cycles = Vec::new();
        while let Some((_, clauses)) = searches_and_cycles.next_if(|(index, _)| *index < end) {
            own_searches_and_cycles.push(clauses);
        }
        let mut own_symmetric_betweens = Vec::new();
        while let Some((_, symmetric)) = symmetric_betweens.next_if(|(index, _)| *index < end) {
            own_symmetric_betweens.push(symmetric);
        }
        let mut own_exclusions = Vec::new();
        while let Some((_, exclusion)) = exclusions.next_if(|(index, _)| *index < end) {
            own_exclusions.push(exclusion);
        }
        let is_insert = matches!(&parsed, Parsed::Sql(s) if matches!(**s, AstStatement::Insert(_)));
        if overriding.is_some() && !is_insert {
            return Err(Error::Unsupported {
                message: "OVERRIDING ... VALUE outside a plain INSERT (in PREPARE, for one)"
                    .to_string(),
                position: None,
            });
        }
        statements.push(match parsed {
            Parsed::Sql(mut statement) => {
                search_cycle::apply(&mut statement, own_searches_and_cycles)?;
                between::apply(&mut statement, own_symmetric_betweens)?;
                window_exclude::apply(&mut statement, own_exclusions)?;
                check_depth(&mut statement)?;
                crate::interval::normalize_literals(&mut statement, has_colon);
                if has_zone {
                    crate::postgres::at_time_zone(&mut statement);
                }
                let statement = SqlStatement {
                    statement: *statement,
                    temporal: TemporalClauses::from_vec(own),
                    overriding,
                };
                reject_versioned_write_target(&statement)?;
                Statement::Sql(Box::new(statement))
            }
            Parsed::Drift(statement) => {
                if !own_searches_and_cycles.is_empty()
                    || !own_symmetric_betweens.is_empty()
                    || !own_exclusions.is_empty()
                {
                    return Err(Error::Unsupported {
                        message: "SEARCH, CYCLE, BETWEEN SYMMETRIC and EXCLUDE outside a SELECT, \
                                  INSERT, UPDATE or DELETE"
                            .to_string(),
                        position: None,
                    });
                }
                statement
            }
        });
    }
    Ok(statements)
}

/// `ORDER BY x USING <` and `USING >`, PostgreSQL's spelling of `ASC` and `DESC` by the
/// ordering operator, which sqlparser does not read: each becomes the keyword it means.
/// (`USING` before anything but `<` or `>` is a join's or a `DELETE`'s, and stays.)
fn order_by_using(tokens: &mut Vec<TokenWithSpan>) {
    let mut i = 0;
    while i < tokens.len() {
        let is_using = matches!(&tokens[i].token, Token::Word(w) if w.keyword == Keyword::USING);
        let next =
            (i + 1..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)));
        if is_using && let Some(j) = next {
            let direction = match tokens[j].token {
                Token::Lt => Some("ASC"),
                Token::Gt => Some("DESC"),
                _ => None,
            };
            if let Some(direction) = direction {
                tokens[i].token = Token::make_keyword(direction);
                tokens.drain(i + 1..=j);
            }
        }
        i += 1;
    }
}

/// `inet '10.0.0.1'` and `cidr '10/8'`, PostgreSQL's typed literals of the network types,
/// which sqlparser reads only for the types it knows: each becomes the cast
/// `'10.0.0.1'::inet`. (An unquoted `inet` before a quoted string is nothing else in
/// PostgreSQL: a string is never an alias.)
fn typed_network_literals(tokens: &mut Vec<TokenWithSpan>) {
    let mut i = 0;
    while i < tokens.len() {
        let is_type = matches!(&tokens[i].token, Token::Word(w)
            if w.quote_style.is_none()
                && (w.value.eq_ignore_ascii_case("inet") || w.value.eq_ignore_ascii_case("cidr")));
        let next =
            (i + 1..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)));
        if is_type
            && let Some(j) = next
            && matches!(tokens[j].token, Token::SingleQuotedString(_))
        {
            let type_name = tokens[i].clone();
            tokens[i] = tokens[j].clone();
            tokens[j].token = Token::DoubleColon;
            tokens.insert(j + 1, type_name);
            i = j + 1;
        }
        i += 1;
    }
}

/// `FROM pg_attribute at`: `at` as a name (`pg_dump` aliases `pg_attribute` so). sqlparser
/// reads a word `AT` after a table name as the start of Snowflake's `AT (...)` time travel,
/// which DriftDB's own `FOR SYSTEM_TIME` makes it enable; so an `AT` that follows a word and
/// is followed by neither `(` nor `TIME` (`AT TIME ZONE`) nor `LOCAL` becomes the quoted
/// name `"at"`, which is what the unquoted word names.
fn at_as_name(tokens: &mut [TokenWithSpan]) {
    let meaningful: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    for (k, &i) in meaningful.iter().enumerate() {
        let Token::Word(word) = &tokens[i].token else {
            continue;
        };
        if word.keyword != Keyword::AT || word.quote_style.is_some() {
            continue;
        }
        let after_word = k
            .checked_sub(1)
            .is_some_and(|p| matches!(tokens[meaningful[p]].token, Token::Word(_)));
        let next = meaningful.get(k + 1).map(|&j| &tokens[j].token);
        let starts_clause = match next {
            Some(Token::LParen) => true,
            Some(Token::Word(w)) => matches!(w.keyword, Keyword::TIME | Keyword::LOCAL),
            _ => false,
        };
        if after_word && !starts_clause {
            tokens[i].token = Token::Word(sqlparser::tokenizer::Word {
                value: word.value.to_lowercase(),
                quote_style: Some('"'),
                keyword: Keyword::NoKeyword,
            });
        }
    }
}

/// Takes `OVERRIDING SYSTEM VALUE` and `OVERRIDING USER VALUE` out of `tokens` (they become
/// blanks, so positions stay), giving the token index where each was and what it said.
fn take_overriding(tokens: &mut [TokenWithSpan]) -> Vec<(usize, Overriding)> {
    let is_overriding = |t: &TokenWithSpan| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("overriding"));
    if !tokens.iter().any(is_overriding) {
        return Vec::new();
    }
    let meaningful: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // (sqlparser has no keyword OVERRIDING: the words are matched by their text.)
    let word = |tokens: &[TokenWithSpan], k: usize, text: &str| {
        meaningful.get(k).is_some_and(|&i| {
            matches!(&tokens[i].token, Token::Word(w)
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text))
        })
    };
    let mut found = Vec::new();
    for k in 0..meaningful.len() {
        if !word(tokens, k, "overriding") || !word(tokens, k + 2, "value") {
            continue;
        }
        let overriding = if word(tokens, k + 1, "system") {
            Overriding::System
        } else if word(tokens, k + 1, "user") {
            Overriding::User
        } else {
            continue;
        };
        for &i in &meaningful[k..k + 3] {
            tokens[i].token = Token::Whitespace(sqlparser::tokenizer::Whitespace::Space);
        }
        found.push((meaningful[k], overriding));
    }
    found
}

/// Sequence options in any order, as PostgreSQL takes them (`pg_dump` writes `START WITH 1
/// INCREMENT BY 1`), in `CREATE SEQUENCE` and in an identity column's `AS IDENTITY (...)`:
/// sqlparser reads them only in one order, so the option clauses are put in that order
/// (`AS`, `INCREMENT`, `MINVALUE`, `MAXVALUE`, `START`, `CACHE`, `CYCLE`, `OWNED BY`), each
/// clause's tokens kept as written.
fn sequence_options_in_order(tokens: &mut [TokenWithSpan]) {
    let meaningful: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let keyword_at =
        |tokens: &[TokenWithSpan], k: usize| match meaningful.get(k).map(|&i| &tokens[i].token) {
            Some(Token::Word(w)) => Some(w.keyword),
            _ => None,
        };
    let mut k = 0;
    while k < meaningful.len() {
        // CREATE [TEMP] SEQUENCE name ...: the clauses run to the end of the statement.
        if keyword_at(tokens, k) == Some(Keyword::CREATE) {
            let mut next = k + 1;
            if matches!(
                keyword_at(tokens, next),
                Some(Keyword::TEMP | Keyword::TEMPORARY)
            ) {
                next += 1;
            }
            if keyword_at(tokens, next) == Some(Keyword::SEQUENCE) {
                let end = (next..meaningful.len())
                    .find(|&j| matches!(tokens[meaningful[j]].token, Token::SemiColon | Token::EOF))
                    .unwrap_or(meaningful.len());
                reorder_sequence_clauses(tokens, &meaningful, next + 2, end);
                k = end + 1;
                continue;
            }
        }
        // ... AS IDENTITY ( options ): the clauses run to the closing parenthesis.
        if keyword_at(tokens, k) == Some(Keyword::IDENTITY)
            && meaningful
                .get(k + 1)
                .is_some_and(|&i| tokens[i].token == Token::LParen)
        {
            let end = (k + 2..meaningful.len())
                .find(|&j| tokens[meaningful[j]].token == Token::RParen)
                .unwrap_or(meaningful.len());
            reorder_sequence_clauses(tokens, &meaningful, k + 2, end);
            k = end + 1;
            continue;
        }
        k += 1;
    }
}

/// Puts the sequence option clauses among `meaningful[from..end]` in sqlparser's order; see
/// [`sequence_options_in_order`].
fn reorder_sequence_clauses(
    tokens: &mut [TokenWithSpan],
    meaningful: &[usize],
    from: usize,
    end: usize,
) {
    let keyword = |k: usize| match meaningful.get(k).map(|&i| &tokens[i].token) {
        Some(Token::Word(w)) => Some(w.keyword),
        _ => None,
    };
    let rank = |k: usize| -> Option<u8> {
        Some(match keyword(k)? {
            Keyword::AS => 0,
            Keyword::INCREMENT => 1,
            Keyword::MINVALUE => 2,
            Keyword::MAXVALUE => 3,
            Keyword::START => 4,
            Keyword::CACHE => 5,
            Keyword::CYCLE => 6,
            Keyword::OWNED => 7,
            Keyword::NO => match keyword(k + 1)? {
                Keyword::MINVALUE => 2,
                Keyword::MAXVALUE => 3,
                Keyword::CYCLE => 6,
                _ => return None,
            },
            _ => return None,
        })
    };
    let mut starts: Vec<(usize, u8)> = Vec::new();
    let mut k = from;
    while k < end {
        if let Some(r) = rank(k) {
            starts.push((k, r));
            if keyword(k) == Some(Keyword::NO) {
                k += 1;
            }
        }
        k += 1;
    }
    if !starts.windows(2).any(|w| w[0].1 > w[1].1) {
        return;
    }
    let mut clauses: Vec<(u8, Vec<TokenWithSpan>)> = Vec::new();
    for (n, &(start, r)) in starts.iter().enumerate() {
        let stop = starts.get(n + 1).map_or(end, |&(s, _)| s);
        let to = meaningful.get(stop).copied().unwrap_or(tokens.len());
        clauses.push((r, tokens[meaningful[start]..to].to_vec()));
    }
    clauses.sort_by_key(|(r, _)| *r);
    let first = meaningful[starts[0].0];
    for (offset, token) in clauses.into_iter().flat_map(|(_, t)| t).enumerate() {
        tokens[first + offset] = token;
    }
}

/// How deeply expressions and queries may nest in one statement. PostgreSQL's limit is its
/// stack (`max_stack_depth`, 2 MB: `1 + 1 + ... + 1` of some thousands of terms fails
/// there); DriftDB's is this count, so that a deep statement is refused with an error
/// before any of the many recursive passes over it (cloning, rewriting, planning) can
/// overflow a thread's stack and take the server down.
pub const MAX_DEPTH: usize = 3_000;

/// Refuses a statement that nests deeper than [`MAX_DEPTH`] (54001). The visit itself grows
/// its stack as it needs (sqlparser's `recursive-protection`); what lies deeper is taken
/// apart without recursion ([`dismantle`]), since even dropping a chain of a million `+`
/// recursively would overflow the stack.
fn check_depth(statement: &mut AstStatement) -> Result<()> {
    struct Depth {
        now: usize,
        too_deep: Vec<Expr>,
    }
    impl VisitorMut for Depth {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            self.now += 1;
            if self.now > MAX_DEPTH {
                let deep = std::mem::replace(expr, Expr::value(Value::Null));
                self.too_deep.push(deep);
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, _expr: &mut Expr) -> ControlFlow<()> {
            self.now -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
            self.now += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
            self.now -= 1;
            ControlFlow::Continue(())
        }
    }
    let mut depth = Depth {
        now: 0,
        too_deep: Vec::new(),
    };
    let _ = statement.visit(&mut depth);
    if depth.too_deep.is_empty() {
        return Ok(());
    }
    depth.too_deep.into_iter().for_each(dismantle);
    Err(Error::TooComplex)
}

/// Drops `expr` level by level, so that the chains the parser builds in a loop rather than
/// by recursion (`a + b + c + ...`, `x::t::t::...`, `a IS NULL IS NULL ...`) do not
/// recurse as deep as they are long.
fn dismantle(expr: Expr) {
    fn take(boxed: &mut Expr) -> Expr {
        std::mem::replace(boxed, Expr::value(Value::Null))
    }
    let mut stack = vec![expr];
    while let Some(mut expr) = stack.pop() {
        match &mut expr {
            Expr::BinaryOp { left, right, .. } => {
                stack.push(take(left));
                stack.push(take(right));
            }
            Expr::UnaryOp { expr: inner, .. }
            | Expr::Nested(inner)
            | Expr::Cast { expr: inner, .. }
            | Expr::Collate { expr: inner, .. }
            | Expr::IsNull(inner)
            | Expr::IsNotNull(inner)
            | Expr::IsTrue(inner)
            | Expr::IsNotTrue(inner)
            | Expr::IsFalse(inner)
            | Expr::IsNotFalse(inner)
            | Expr::IsUnknown(inner)
            | Expr::IsNotUnknown(inner) => stack.push(take(inner)),
            _ => {}
        }
    }
}

/// History is read-only: the table an `UPDATE` or `DELETE` writes cannot carry a
/// `FOR SYSTEM_TIME` clause (the tables it reads from may).
fn reject_versioned_write_target(statement: &SqlStatement) -> Result<()> {
    let targets: Vec<&TableFactor> = match &statement.statement {
        AstStatement::Update(update) => vec![&update.table.relation],
        AstStatement::Delete(delete) => match &delete.from {
            FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from) => {
                from.iter().map(|t| &t.relation).collect()
            }
        },
        _ => return Ok(()),
    };
    for target in targets {
        if let TableFactor::Table {
            version: Some(TableVersion::ForSystemTimeAsOf(Expr::Identifier(marker))),
            ..
        } = target
            && let Some(clause) = statement
                .temporal
                .iter()
                .find(|c| c.marker() == marker.value)
        {
            return Err(Error::Unsupported {
                message: "history is read-only: the table an UPDATE or DELETE writes cannot \
                          have FOR SYSTEM_TIME"
                    .into(),
                position: clause.position(),
            });
        }
    }
    Ok(())
}

/// sqlparser reads the `FOR` of a clause written after the table's alias as the start of
/// `FOR UPDATE`/`FOR SHARE` and fails at `SYSTEM_TIME`; say what is actually wrong.
fn explain_misplaced_clause(error: Error, system_time_positions: &[usize]) -> Error {
    match error {
        Error::Syntax {
            position: Some(position),
            ..
        } if system_time_positions.contains(&position) => Error::Syntax {
            message: "FOR SYSTEM_TIME must follow the table name directly, before any \
                          alias: t FOR SYSTEM_TIME ... AS a"
                .into(),
            position: Some(position),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_DEPTH, parse, split_statements};

    #[test]
    fn statements_past_the_depth_limit_are_refused_without_overflowing_the_stack() {
        // A test thread's stack is 2 MiB: taking these apart must not recurse.
        for terms in [MAX_DEPTH + 10, 500_000] {
            let sum = vec!["1"; terms].join(" + ");
            let error = parse(&format!("SELECT {sum}")).expect_err("too deep");
            assert_eq!(error.sqlstate(), "54001");
            let casts = "::int".repeat(terms);
            assert!(parse(&format!("SELECT 1{casts}")).is_err());
        }
        assert!(parse(&format!("SELECT {}", vec!["1"; 100].join(" + "))).is_ok());
    }

    #[test]
    fn scripts_split_at_semicolons_outside_quotes_and_comments() {
        let script = "CREATE TABLE t (id INT PRIMARY KEY, s TEXT);\n\
                      -- a comment; not a statement\n\
                      INSERT INTO t VALUES (1, 'a;b'), (2, $$c;d$$);\n\
                      /* ; */ SELECT \"odd;name\" FROM t;;\n\
                      SELECT 1";
        assert_eq!(
            split_statements(script).unwrap(),
            [
                "CREATE TABLE t (id INT PRIMARY KEY, s TEXT)",
                "-- a comment; not a statement\nINSERT INTO t VALUES (1, 'a;b'), (2, $$c;d$$)",
                "/* ; */ SELECT \"odd;name\" FROM t",
                "SELECT 1",
            ]
        );
        assert_eq!(
            split_statements("  -- only a comment\n").unwrap(),
            Vec::<&str>::new()
        );
        assert_eq!(
            split_statements("SELECT 'é;ü'; SELECT 2;").unwrap(),
            ["SELECT 'é;ü'", "SELECT 2"]
        );
        assert!(split_statements("SELECT 'unterminated; SELECT 1").is_err());
    }
}
