//! The projection statements (syntax and semantics in `docs/projections.md`):
//!
//! ```sql
//! CREATE [OR REPLACE] PROJECTION [IF NOT EXISTS] name FROM TOPIC topic (
//!     column type [NOT NULL] [PRIMARY KEY] [FROM source], ...
//!     [, PRIMARY KEY (column, ...)]
//! )
//! [EVENT TYPE FROM source]
//! [ON 'type' {UPSERT | INSERT | MERGE | UPDATE | DELETE}] ...
//! [START FROM {BEGINNING | EARLIEST | NOW | LATEST}]
//! [ON ERROR {STOP | SKIP | DEAD LETTER 'topic'}]
//!
//! ALTER PROJECTION name FROM TOPIC ...     -- a new definition, rebuilt then swapped in
//! ALTER PROJECTION name {PAUSE | RESUME}
//! REFRESH PROJECTION name                  -- rebuild from the start of the topic
//! DROP PROJECTION [IF EXISTS] name
//! ```
//!
//! A source is a JSON path into the event's value (`'$.order.id'`, `'$.items[0]'`), `VALUE`,
//! `KEY`, `HEADER 'name'`, `PARTITION`, `OFFSET` or `TIMESTAMP`; a column without `FROM`
//! reads the value's field of its own name.

use driftdb_projector::projection::{Action, ErrorPolicy, PathStep, Rule, Source, Start};
use sqlparser::ast::{DataType, Ident};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token};

use super::tokens::is_word;
use crate::error::{Error, Result, char_position};

/// A projection statement.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionStatement {
    Create {
        or_replace: bool,
        if_not_exists: bool,
        spec: ProjectionSpec,
    },
    /// `ALTER PROJECTION name FROM TOPIC ...`: rebuild under a new definition.
    Alter(ProjectionSpec),
    Pause {
        name: Ident,
        paused: bool,
    },
    Refresh {
        name: Ident,
    },
    Drop {
        name: Ident,
        if_exists: bool,
    },
}

/// A projection's definition as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    pub name: Ident,
    pub topic: String,
    pub columns: Vec<ProjectedColumn>,
    /// Columns named by a table-level `PRIMARY KEY (..)`.
    pub primary_key: Vec<Ident>,
    pub event_type: Option<Source>,
    pub rules: Vec<Rule>,
    pub start: Start,
    pub on_error: ErrorPolicy,
    /// The statement's text, for the system view.
    pub text: String,
}

/// One column of a projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedColumn {
    pub name: Ident,
    pub data_type: DataType,
    pub not_null: bool,
    pub primary_key: bool,
    pub source: Source,
}

/// Whether the statement at the parser's position is a projection statement.
pub(crate) fn starts_here(parser: &Parser) -> bool {
    let t = |n| parser.peek_nth_token_ref(n);
    (is_word(&t(0).token, "CREATE")
        && (is_word(&t(1).token, "PROJECTION")
            || (is_word(&t(1).token, "OR")
                && is_word(&t(2).token, "REPLACE")
                && is_word(&t(3).token, "PROJECTION"))))
        || ((is_word(&t(0).token, "ALTER")
            || is_word(&t(0).token, "DROP")
            || is_word(&t(0).token, "REFRESH"))
            && is_word(&t(1).token, "PROJECTION"))
}

/// Parses the projection statement at the parser's position.
pub(crate) fn parse(parser: &mut Parser, sql: &str) -> Result<ProjectionStatement> {
    let mut p = P { parser, sql };
    let start = p.parser.peek_token_ref().span.start;
    if p.eat("CREATE") {
        let or_replace = p.eat("OR");
        if or_replace {
            p.expect("REPLACE")?;
        }
        p.expect("PROJECTION")?;
        let if_not_exists = p.eat("IF");
        if if_not_exists {
            p.expect("NOT")?;
            p.expect("EXISTS")?;
        }
        let name = p.ident()?;
        let spec = p.spec(name, start)?;
        return Ok(ProjectionStatement::Create {
            or_replace,
            if_not_exists,
            spec,
        });
    }
    if p.eat("ALTER") {
        p.expect("PROJECTION")?;
        let name = p.ident()?;
        if p.eat("PAUSE") {
            return Ok(ProjectionStatement::Pause { name, paused: true });
        }
        if p.eat("RESUME") {
            return Ok(ProjectionStatement::Pause {
                name,
                paused: false,
            });
        }
        if !p.peek_is("FROM") {
            return Err(p.unexpected("PAUSE, RESUME or FROM TOPIC"));
        }
        return Ok(ProjectionStatement::Alter(p.spec(name, start)?));
    }
    if p.eat("REFRESH") {
        p.expect("PROJECTION")?;
        return Ok(ProjectionStatement::Refresh { name: p.ident()? });
    }
    p.expect("DROP")?;
    p.expect("PROJECTION")?;
    let if_exists = p.eat("IF");
    if if_exists {
        p.expect("EXISTS")?;
    }
    Ok(ProjectionStatement::Drop {
        name: p.ident()?,
        if_exists,
    })
}

struct P<'p, 'a> {
    parser: &'p mut Parser<'a>,
    sql: &'p str,
}

impl P<'_, '_> {
    fn map<T>(&self, result: Result<T, ParserError>) -> Result<T> {
        result.map_err(|e| Error::from_parser(e, self.sql))
    }

    fn peek_is(&self, word: &str) -> bool {
        is_word(&self.parser.peek_token_ref().token, word)
    }

    fn eat(&mut self, word: &str) -> bool {
        let yes = self.peek_is(word);
        if yes {
            self.parser.advance_token();
        }
        yes
    }

    fn expect(&mut self, word: &str) -> Result<()> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(self.unexpected(word))
        }
    }

    fn unexpected(&self, expected: &str) -> Error {
        let next = self.parser.peek_token_ref();
        Error::Syntax {
            message: format!("expected {expected}, found '{}'", next.token),
            position: char_position(self.sql, next.span.start),
        }
    }

    fn ident(&mut self) -> Result<Ident> {
        let ident = self.parser.parse_identifier();
        self.map(ident)
    }

    fn string(&mut self) -> Result<String> {
        let s = self.parser.parse_literal_string();
        self.map(s)
    }

    /// A topic name: an identifier or a string (topic names may hold `.` and `-`).
    fn topic(&mut self) -> Result<String> {
        if matches!(
            self.parser.peek_token_ref().token,
            Token::SingleQuotedString(_)
        ) {
            return self.string();
        }
        Ok(self.ident()?.value)
    }

    /// Everything after the projection's name.
    fn spec(&mut self, name: Ident, start: Location) -> Result<ProjectionSpec> {
        self.expect("FROM")?;
        self.expect("TOPIC")?;
        let topic = self.topic()?;
        let lparen = self.parser.expect_token(&Token::LParen);
        self.map(lparen)?;
        let mut columns = Vec::new();
        let mut primary_key = Vec::new();
        loop {
            if self.peek_is("PRIMARY") {
                self.parser.advance_token();
                self.expect("KEY")?;
                let lparen = self.parser.expect_token(&Token::LParen);
                self.map(lparen)?;
                loop {
                    primary_key.push(self.ident()?);
                    if !self.parser.consume_token(&Token::Comma) {
                        break;
                    }
                }
                let rparen = self.parser.expect_token(&Token::RParen);
                self.map(rparen)?;
            } else {
                columns.push(self.column()?);
            }
            if !self.parser.consume_token(&Token::Comma) {
                break;
            }
        }
        let rparen = self.parser.expect_token(&Token::RParen);
        self.map(rparen)?;
        let mut spec = ProjectionSpec {
            name,
            topic,
            columns,
            primary_key,
            event_type: None,
            rules: Vec::new(),
            start: Start::Beginning,
            on_error: ErrorPolicy::Stop,
            text: String::new(),
        };
        loop {
            if self.eat("EVENT") {
                self.expect("TYPE")?;
                self.expect("FROM")?;
                spec.event_type = Some(self.source()?);
            } else if self.peek_is("ON")
                && is_word(&self.parser.peek_nth_token_ref(1).token, "ERROR")
            {
                self.parser.advance_token();
                self.parser.advance_token();
                spec.on_error = if self.eat("STOP") {
                    ErrorPolicy::Stop
                } else if self.eat("SKIP") {
                    ErrorPolicy::Skip
                } else if self.eat("DEAD") {
                    self.expect("LETTER")?;
                    ErrorPolicy::DeadLetter(self.topic()?)
                } else {
                    return Err(self.unexpected("STOP, SKIP or DEAD LETTER"));
                };
            } else if self.eat("ON") {
                let event_type = self.string()?;
                let action = if self.eat("UPSERT") || self.eat("INSERT") {
                    Action::Upsert
                } else if self.eat("MERGE") || self.eat("UPDATE") {
                    Action::Merge
                } else if self.eat("DELETE") {
                    Action::Delete
                } else {
                    return Err(self.unexpected("UPSERT, INSERT, MERGE, UPDATE or DELETE"));
                };
                spec.rules.push(Rule { event_type, action });
            } else if self.eat("START") {
                self.expect("FROM")?;
                spec.start = if self.eat("BEGINNING") || self.eat("EARLIEST") {
                    Start::Beginning
                } else if self.eat("NOW") || self.eat("LATEST") {
                    Start::Now
                } else {
                    return Err(self.unexpected("BEGINNING or NOW"));
                };
            } else {
                break;
            }
        }
        if !spec.rules.is_empty() && spec.event_type.is_none() {
            return Err(self.unexpected("EVENT TYPE FROM before ON 'type' rules"));
        }
        let end = self.parser.peek_token_ref().span.start;
        spec.text = text_between(self.sql, start, end);
        Ok(spec)
    }

    fn column(&mut self) -> Result<ProjectedColumn> {
        let name = self.ident()?;
        let data_type = self.parser.parse_data_type();
        let data_type = self.map(data_type)?;
        let mut column = ProjectedColumn {
            source: Source::Field(vec![PathStep::Field(name.value.clone())]),
            name,
            data_type,
            not_null: false,
            primary_key: false,
        };
        loop {
            if self.eat("NOT") {
                self.expect("NULL")?;
                column.not_null = true;
            } else if self.eat("NULL") {
                column.not_null = false;
            } else if self.eat("PRIMARY") {
                self.expect("KEY")?;
                column.primary_key = true;
            } else if self.eat("FROM") {
                column.source = self.source()?;
            } else {
                return Ok(column);
            }
        }
    }

    fn source(&mut self) -> Result<Source> {
        let next = self.parser.peek_token_ref();
        if let Token::SingleQuotedString(path) = &next.token {
            let position = char_position(self.sql, next.span.start);
            let steps = json_path(path).map_err(|message| Error::Syntax { message, position })?;
            self.parser.advance_token();
            return Ok(Source::Field(steps));
        }
        for (word, source) in [
            ("VALUE", Source::Value),
            ("KEY", Source::Key),
            ("PARTITION", Source::Partition),
            ("OFFSET", Source::Offset),
            ("TIMESTAMP", Source::Timestamp),
        ] {
            if self.eat(word) {
                return Ok(source);
            }
        }
        if self.eat("HEADER") {
            return Ok(Source::Header(self.string()?));
        }
        Err(self.unexpected(
            "a JSON path ('$.field'), VALUE, KEY, HEADER 'name', PARTITION, OFFSET or TIMESTAMP",
        ))
    }
}

/// The statement's text from `start` up to (not including) `end`.
fn text_between(sql: &str, start: Location, end: Location) -> String {
    // Positions are PostgreSQL's: 1-based.
    let from = char_position(sql, start).map_or(0, |p| p.saturating_sub(1));
    let to = char_position(sql, end).map_or(sql.chars().count(), |p| p.saturating_sub(1));
    sql.chars()
        .skip(from)
        .take(to.saturating_sub(from))
        .collect::<String>()
        .trim()
        .to_string()
}

/// `$.a.b[0]`, `a.b`, `$["a b"]`: a path of field names and array indexes.
pub fn json_path(path: &str) -> std::result::Result<Vec<PathStep>, String> {
    let bad = |why: &str| format!("invalid JSON path {path:?}: {why}");
    let rest = path.strip_prefix('$').unwrap_or(path);
    let mut steps = Vec::new();
    let mut chars = rest.chars().peekable();
    let mut first = !path.starts_with('$');
    loop {
        match chars.peek() {
            None => break,
            Some('.') => {
                chars.next();
            }
            Some('[') => {
                chars.next();
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(c) => inner.push(c),
                        None => return Err(bad("unclosed [")),
                    }
                }
                let inner = inner.trim();
                if let Some(quoted) = inner
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                {
                    steps.push(PathStep::Field(quoted.to_string()));
                } else {
                    let index = inner
                        .parse::<u32>()
                        .map_err(|_| bad("an index must be a whole number"))?;
                    steps.push(PathStep::Index(index));
                }
                first = false;
                continue;
            }
            Some(_) if first => {}
            Some(_) => return Err(bad("expected '.' or '['")),
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '.' || c == '[' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if name.is_empty() {
            return Err(bad("empty field name"));
        }
        steps.push(PathStep::Field(name));
        first = false;
    }
    if steps.is_empty() {
        return Err(bad("it names no field"));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::Statement;

    fn parse_one(sql: &str) -> crate::Result<ProjectionStatement> {
        match crate::parse(sql)?.pop() {
            Some(Statement::Projection(p)) => Ok(*p),
            other => panic!("not a projection statement: {other:?}"),
        }
    }

    #[test]
    fn a_full_create() {
        let sql = "CREATE PROJECTION IF NOT EXISTS orders FROM TOPIC 'order-events' (
            id TEXT PRIMARY KEY FROM '$.order_id', customer TEXT, total NUMERIC(12,2) NOT NULL,
            k TEXT FROM KEY, h TEXT FROM HEADER 'region', at TIMESTAMPTZ FROM TIMESTAMP,
            p INT FROM PARTITION, o BIGINT FROM OFFSET, v JSONB FROM VALUE)
            EVENT TYPE FROM HEADER 'type' ON 'Placed' UPSERT ON 'Paid' MERGE ON 'Gone' DELETE
            START FROM NOW ON ERROR DEAD LETTER 'dlq'";
        let ProjectionStatement::Create {
            or_replace: false,
            if_not_exists: true,
            spec,
        } = parse_one(sql).unwrap()
        else {
            panic!("not a create");
        };
        assert_eq!(spec.topic, "order-events");
        assert_eq!(spec.columns.len(), 9);
        assert!(spec.columns[0].primary_key && spec.columns[2].not_null);
        assert_eq!(
            spec.columns[1].source,
            Source::Field(vec![PathStep::Field("customer".into())])
        );
        assert_eq!(spec.columns[4].source, Source::Header("region".into()));
        assert_eq!(spec.event_type, Some(Source::Header("type".into())));
        assert_eq!(spec.rules.len(), 3);
        assert_eq!(spec.rules[1].action, Action::Merge);
        assert_eq!(spec.start, Start::Now);
        assert_eq!(spec.on_error, ErrorPolicy::DeadLetter("dlq".into()));
        assert!(
            spec.text.starts_with("CREATE PROJECTION") && spec.text.ends_with("'dlq'"),
            "{:?}",
            spec.text
        );
    }

    #[test]
    fn the_other_statements() {
        assert!(matches!(
            parse_one("ALTER PROJECTION o PAUSE").unwrap(),
            ProjectionStatement::Pause { paused: true, .. }
        ));
        assert!(matches!(
            parse_one("ALTER PROJECTION o RESUME").unwrap(),
            ProjectionStatement::Pause { paused: false, .. }
        ));
        assert!(matches!(
            parse_one("REFRESH PROJECTION o").unwrap(),
            ProjectionStatement::Refresh { .. }
        ));
        assert!(matches!(
            parse_one("DROP PROJECTION IF EXISTS o").unwrap(),
            ProjectionStatement::Drop {
                if_exists: true,
                ..
            }
        ));
        assert!(matches!(
            parse_one("ALTER PROJECTION o FROM TOPIC t (id INT PRIMARY KEY)").unwrap(),
            ProjectionStatement::Alter(_)
        ));
    }

    #[test]
    fn mistakes_are_syntax_errors_with_a_position() {
        for bad in [
            "CREATE PROJECTION o (id INT)",
            "CREATE PROJECTION o FROM TOPIC t (id INT FROM NOWHERE)",
            "CREATE PROJECTION o FROM TOPIC t (id INT) ON 'x' UPSERT",
            "CREATE PROJECTION o FROM TOPIC t (id INT) EVENT TYPE FROM '$.t' ON 'x' EXPLODE",
            "CREATE PROJECTION o FROM TOPIC t (id INT) ON ERROR MAYBE",
            "CREATE PROJECTION o FROM TOPIC t (id INT FROM '$..a')",
            "ALTER PROJECTION o SHRUG",
        ] {
            let err = crate::parse(bad).expect_err(bad);
            assert_eq!(err.sqlstate(), "42601", "{bad}: {err}");
            assert!(err.position().is_some(), "{bad}: {err}");
        }
    }

    #[test]
    fn json_paths() {
        let f = |s: &str| PathStep::Field(s.to_string());
        assert_eq!(json_path("$.a.b").unwrap(), vec![f("a"), f("b")]);
        assert_eq!(json_path("a").unwrap(), vec![f("a")]);
        assert_eq!(
            json_path("$.items[2].sku").unwrap(),
            vec![f("items"), PathStep::Index(2), f("sku")]
        );
        assert_eq!(json_path("$[\"a b\"]").unwrap(), vec![f("a b")]);
        for bad in ["$", "$.", "$.a[", "$.a[x]", "$..a", ""] {
            assert!(json_path(bad).is_err(), "{bad}");
        }
    }
}
