//! `FOR SYSTEM_TIME` clauses: found in the token stream, replaced by markers, looked up later.
//!
//! sqlparser only knows `FOR SYSTEM_TIME AS OF <expr>`. Before parsing, `rewrite` walks the
//! tokens; at every unquoted `FOR` followed by an unquoted `SYSTEM_TIME` (whitespace and
//! comments between are fine) it reads the whole clause (`AS OF p`, `ALL`, `BETWEEN p AND p`,
//! `FROM p TO p`, `CONTAINED IN (p, p)`), checks that each point is a literal, and replaces
//! the clause by `AS OF <marker>`. The marker is an identifier quoted with a backtick, a
//! quote style the PostgreSQL tokenizer never produces, so a marker can only come from here
//! and cannot collide with user names; its text encodes the clause (see
//! `crate::temporal::marker`). The parser then leaves
//! `TableFactor::Table { version: Some(ForSystemTimeAsOf(Identifier(marker))) }` on the table
//! reference, whatever the query shape (joins, CTEs, subqueries), and
//! [`SystemTime::of_table_factor`] reads it back. [`TemporalClauses`] lists a statement's
//! clauses in source order with their positions.
//!
//! String literals, quoted identifiers and comments are single tokens, so words inside them
//! are never rewritten. Marker tokens carry the span of the clause they replace, so parse
//! errors still point into the text the user wrote.

use sqlparser::ast::{TableFactor, TableVersion};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Word};

use super::tokens::{self, is_word, next_significant};
use crate::dialect::MARKER_QUOTE;
use crate::dialect::seq::{SEQ_LOOKAHEAD, SeqMatch, match_seq};
use crate::error::{Error, Result, char_position};
use crate::temporal::{Point, SystemTime, Timestamp, marker};

/// One `FOR SYSTEM_TIME` clause of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalClause {
    marker: String,
    system_time: SystemTime,
    position: Option<usize>,
}

impl TemporalClause {
    /// The marker identifier standing for this clause in the AST's `TableVersion`.
    pub fn marker(&self) -> &str {
        &self.marker
    }

    /// What the clause asks for.
    pub fn system_time(&self) -> SystemTime {
        self.system_time
    }

    /// 1-based character position of the clause (its first word after `SYSTEM_TIME`).
    pub fn position(&self) -> Option<usize> {
        self.position
    }
}

/// The `FOR SYSTEM_TIME` clauses of one statement, in the order they appear in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemporalClauses {
    clauses: Vec<TemporalClause>,
}

impl TemporalClauses {
    /// The clauses in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, TemporalClause> {
        self.clauses.iter()
    }

    /// Number of clauses.
    pub fn len(&self) -> usize {
        self.clauses.len()
    }

    /// Whether the statement reads every table at the current state.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// What a table reference of this statement reads; see
    /// [`SystemTime::of_table_factor`], which needs only the factor.
    pub fn system_time(&self, factor: &TableFactor) -> Result<Option<SystemTime>> {
        SystemTime::of_table_factor(factor)
    }

    /// The [`SystemTime`] a `TableVersion` of this statement stands for; see
    /// [`SystemTime::of_version`].
    pub fn version(&self, version: &TableVersion) -> Result<SystemTime> {
        SystemTime::of_version(version)
    }

    pub(crate) fn from_vec(clauses: Vec<TemporalClause>) -> Self {
        Self { clauses }
    }
}

/// A token stream with its `FOR SYSTEM_TIME` clauses replaced by markers.
#[derive(Debug)]
pub(crate) struct Rewritten {
    pub tokens: Vec<TokenWithSpan>,
    /// Each clause with the index of its marker token in `tokens`.
    pub clauses: Vec<(usize, TemporalClause)>,
    /// Character positions of the `SYSTEM_TIME` words, to explain a parse error there.
    pub system_time_positions: Vec<usize>,
}

/// Replaces every `FOR SYSTEM_TIME ...` clause in `tokens` by `AS OF <marker>`.
pub(crate) fn rewrite(tokens: Vec<TokenWithSpan>, sql: &str) -> Result<Rewritten> {
    let eof = tokens::end_of(&tokens);
    let mut out = Vec::with_capacity(tokens.len());
    let mut clauses = Vec::new();
    let mut system_time_positions = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_word(&tokens[i].token, "FOR")
            && let Some(j) = next_significant(&tokens, i + 1)
            && is_word(&tokens[j].token, "SYSTEM_TIME")
        {
            out.extend_from_slice(&tokens[i..=j]);
            system_time_positions.extend(char_position(sql, tokens[j].span.start));
            let mut cursor = Clause {
                cursor: tokens::Cursor::new(&tokens, j + 1, &eof, sql),
                sql,
            };
            let first = cursor.peek().span.start;
            let system_time = cursor.clause()?;
            let last = cursor.cursor.last_end();
            cursor.expect_clause_end()?;
            let marker = marker::encode(clauses.len(), &system_time);
            let clause_span = Span::new(first, last);
            out.push(TokenWithSpan::new(Token::make_keyword("AS"), clause_span));
            out.push(TokenWithSpan::new(Token::make_keyword("OF"), clause_span));
            clauses.push((
                out.len(),
                TemporalClause {
                    marker: marker.clone(),
                    system_time,
                    position: char_position(sql, first),
                },
            ));
            out.push(TokenWithSpan::new(
                Token::Word(Word {
                    value: marker,
                    quote_style: Some(MARKER_QUOTE),
                    keyword: Keyword::NoKeyword,
                }),
                clause_span,
            ));
            i = cursor.cursor.at();
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    Ok(Rewritten {
        tokens: out,
        clauses,
        system_time_positions,
    })
}

/// Reads one clause from the original tokens ([`tokens::Cursor`], which skips whitespace
/// and comments).
struct Clause<'a> {
    cursor: tokens::Cursor<'a>,
    sql: &'a str,
}

impl<'a> Clause<'a> {
    fn peek_nth(&self, n: usize) -> &'a TokenWithSpan {
        self.cursor.peek_nth(n)
    }

    fn peek(&self) -> &'a TokenWithSpan {
        self.cursor.peek()
    }

    fn next(&mut self) -> &'a TokenWithSpan {
        self.cursor.next()
    }

    fn position(&self, token: &TokenWithSpan) -> Option<usize> {
        self.cursor.position(token)
    }

    fn syntax<T>(&self, expected: &str, found: &TokenWithSpan) -> Result<T> {
        Err(Error::Syntax {
            message: format!(
                "expected {expected} in FOR SYSTEM_TIME, found {}",
                describe(found)
            ),
            position: self.position(found),
        })
    }

    fn keyword(&mut self, word: &str) -> Result<()> {
        let token = self.next();
        if is_word(&token.token, word) {
            Ok(())
        } else {
            self.syntax(word, token)
        }
    }

    fn token(&mut self, expected: Token) -> Result<()> {
        let token = self.next();
        if token.token == expected {
            Ok(())
        } else {
            self.syntax(&format!("'{expected}'"), token)
        }
    }

    fn clause(&mut self) -> Result<SystemTime> {
        let token = self.next();
        let word = match &token.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        match word.as_str() {
            "AS" => {
                self.keyword("OF")?;
                Ok(SystemTime::AsOf(self.point()?))
            }
            "ALL" => Ok(SystemTime::All),
            "BETWEEN" => {
                let start = self.point()?;
                self.keyword("AND")?;
                Ok(SystemTime::Between(start, self.point()?))
            }
            "FROM" => {
                let start = self.point()?;
                self.keyword("TO")?;
                Ok(SystemTime::FromTo(start, self.point()?))
            }
            "CONTAINED" => {
                self.keyword("IN")?;
                self.token(Token::LParen)?;
                let start = self.point()?;
                self.token(Token::Comma)?;
                let end = self.point()?;
                self.token(Token::RParen)?;
                Ok(SystemTime::ContainedIn(start, end))
            }
            _ => self.syntax("AS OF, ALL, BETWEEN, FROM or CONTAINED IN", token),
        }
    }

    fn point(&mut self) -> Result<Point> {
        let lookahead: [&TokenWithSpan; SEQ_LOOKAHEAD] = std::array::from_fn(|n| self.peek_nth(n));
        match match_seq(lookahead) {
            SeqMatch::Seq { value, .. } => {
                for _ in 0..4 {
                    self.next();
                }
                return Ok(Point::Seq(value));
            }
            SeqMatch::Invalid { message, location } => {
                return Err(Error::Syntax {
                    message,
                    position: char_position(self.sql, location),
                });
            }
            SeqMatch::NotSeq => {}
        }
        let token = self.next();
        match &token.token {
            Token::SingleQuotedString(text) => self.timestamp(text, token),
            Token::Word(w)
                if w.quote_style.is_none()
                    && matches!(w.keyword, Keyword::TIMESTAMP | Keyword::TIMESTAMPTZ) =>
            {
                let literal = self.next();
                match &literal.token {
                    Token::SingleQuotedString(text) => self.timestamp(text, literal),
                    _ => self.syntax("a string literal after TIMESTAMP", literal),
                }
            }
            Token::EOF | Token::SemiColon | Token::Comma | Token::RParen => {
                self.syntax("a point (@SEQ:n or a timestamp literal)", token)
            }
            Token::Number(digits, _) => Err(Error::Unsupported {
                message: format!(
                    "a bare number is not a FOR SYSTEM_TIME point; write @SEQ:{digits} for a \
                     sequence number"
                ),
                position: self.position(token),
            }),
            _ => Err(Error::Unsupported {
                message: format!(
                    "FOR SYSTEM_TIME points must be @SEQ:n or a timestamp literal such as \
                     '2025-10-24 12:00:00'; expressions are not supported (found {})",
                    describe(token)
                ),
                position: self.position(token),
            }),
        }
    }

    fn timestamp(&self, text: &str, token: &TokenWithSpan) -> Result<Point> {
        match Timestamp::parse(text) {
            Ok(timestamp) => Ok(Point::Timestamp(timestamp)),
            Err(reason) => Err(Error::InvalidDatetime {
                value: text.to_owned(),
                reason,
                position: self.position(token),
            }),
        }
    }

    /// Rejects operators right after a clause: `AS OF @SEQ:5 + 1`,
    /// `AS OF '2025-01-01'::timestamp`, `AS OF TIMESTAMP '..' AT TIME ZONE 'x'`.
    fn expect_clause_end(&self) -> Result<()> {
        let token = self.peek();
        let ends = match &token.token {
            Token::EOF | Token::SemiColon | Token::Comma | Token::RParen => true,
            Token::Word(w) => {
                w.quote_style.is_some()
                    || !matches!(
                        w.keyword,
                        Keyword::AT
                            | Keyword::COLLATE
                            | Keyword::IS
                            | Keyword::NOTNULL
                            | Keyword::NOT
                            | Keyword::IN
                            | Keyword::LIKE
                            | Keyword::ILIKE
                            | Keyword::SIMILAR
                            | Keyword::BETWEEN
                            | Keyword::AND
                            | Keyword::OR
                            | Keyword::OVERLAPS
                    )
            }
            _ => false,
        };
        if ends {
            return Ok(());
        }
        Err(Error::Unsupported {
            message: format!(
                "FOR SYSTEM_TIME points must be literals; expressions are not supported \
                 (found {} after the clause)",
                describe(token)
            ),
            position: self.position(token),
        })
    }
}

fn describe(token: &TokenWithSpan) -> String {
    match token.token {
        Token::EOF => "end of input".into(),
        _ => format!("'{}'", token.token),
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::tokenizer::Tokenizer;

    use super::*;
    use crate::dialect::DriftDialect;

    fn rewrite_sql(sql: &str) -> Result<Rewritten> {
        let dialect = DriftDialect::new();
        let tokens = Tokenizer::new(&dialect, sql)
            .tokenize_with_location()
            .map_err(|e| Error::from_tokenizer(e, sql))?;
        rewrite(tokens, sql)
    }

    fn rewritten_text(sql: &str) -> String {
        match rewrite_sql(sql) {
            Ok(r) => r.tokens.iter().map(|t| t.token.to_string()).collect(),
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    fn system_times(sql: &str) -> Vec<SystemTime> {
        match rewrite_sql(sql) {
            Ok(r) => r.clauses.iter().map(|(_, c)| c.system_time).collect(),
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    #[test]
    fn each_form_becomes_as_of_a_marker() {
        assert_eq!(
            rewritten_text("t FOR SYSTEM_TIME ALL a"),
            "t FOR SYSTEM_TIMEASOF`driftdb_system_time_0:all` a"
        );
        assert_eq!(
            rewritten_text("t for system_time between @SEQ:1 and @SEQ:2, u"),
            "t for system_timeASOF`driftdb_system_time_0:between:seq=1:seq=2`, u"
        );
        assert_eq!(
            system_times(
                "a FOR SYSTEM_TIME FROM @SEQ:1 TO @SEQ:2 b FOR /* c */ SYSTEM_TIME CONTAINED IN (@SEQ:3, @SEQ:4)"
            ),
            vec![
                SystemTime::FromTo(Point::Seq(1), Point::Seq(2)),
                SystemTime::ContainedIn(Point::Seq(3), Point::Seq(4)),
            ]
        );
    }

    #[test]
    fn marker_index_points_at_the_marker() {
        let r = rewrite_sql("x FOR SYSTEM_TIME ALL").unwrap_or_else(|e| panic!("{e}"));
        let (index, clause) = &r.clauses[0];
        assert!(crate::dialect::is_marker(&r.tokens[*index].token));
        assert_eq!(clause.position(), Some(19));
    }

    #[test]
    fn words_in_literals_and_quoted_names_are_left_alone() {
        let sql =
            "SELECT 'FOR SYSTEM_TIME ALL', \"FOR\", $$FOR SYSTEM_TIME ALL$$ -- FOR SYSTEM_TIME ALL";
        let r = rewrite_sql(sql).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.clauses.is_empty());
        // A quoted "FOR" is an identifier, not the keyword.
        assert!(rewrite_sql("SELECT \"FOR\" SYSTEM_TIME").is_ok_and(|r| r.clauses.is_empty()));
    }

    #[test]
    fn bad_clauses_report_where_and_why() {
        let cases = [
            ("t FOR SYSTEM_TIME", "42601", Some(18)),
            ("t FOR SYSTEM_TIME SOMETIME", "42601", Some(19)),
            ("t FOR SYSTEM_TIME AS OF", "42601", Some(24)),
            ("t FOR SYSTEM_TIME AS OF now()", "0A000", Some(25)),
            ("t FOR SYSTEM_TIME AS OF 5", "0A000", Some(25)),
            ("t FOR SYSTEM_TIME AS OF @SEQ:5 + 1", "0A000", Some(32)),
            (
                "t FOR SYSTEM_TIME AS OF '2025-01-01'::date",
                "0A000",
                Some(37),
            ),
            ("t FOR SYSTEM_TIME AS OF 'soon'", "22007", Some(25)),
            (
                "t FOR SYSTEM_TIME AS OF TIMESTAMP 'soon'",
                "22007",
                Some(35),
            ),
            (
                "t FOR SYSTEM_TIME BETWEEN @SEQ:1 OR @SEQ:2",
                "42601",
                Some(34),
            ),
            (
                "t FOR SYSTEM_TIME CONTAINED IN (@SEQ:1 @SEQ:2)",
                "42601",
                Some(40),
            ),
            ("t FOR SYSTEM_TIME AS OF @SEQ:x", "42601", Some(30)),
        ];
        for (sql, code, position) in cases {
            match rewrite_sql(sql) {
                Ok(_) => panic!("{sql} was accepted"),
                Err(e) => {
                    assert_eq!((e.sqlstate(), e.position()), (code, position), "{sql}: {e}");
                }
            }
        }
    }

    #[test]
    fn timestamps_in_every_spelling() {
        let noon = Point::Timestamp(Timestamp::from_unix_micros(1_761_307_200_000_000));
        assert_eq!(
            system_times(
                "t FOR SYSTEM_TIME AS OF '2025-10-24 12:00:00' \
                 u FOR SYSTEM_TIME AS OF TIMESTAMP '2025-10-24 12:00:00' \
                 v FOR SYSTEM_TIME AS OF timestamptz '2025-10-24 14:00:00+02'"
            ),
            vec![SystemTime::AsOf(noon); 3]
        );
    }
}
