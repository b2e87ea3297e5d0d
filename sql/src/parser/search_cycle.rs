//! `SEARCH` and `CYCLE` clauses of a recursive query, which sqlparser does not read:
//!
//! ```sql
//! WITH RECURSIVE tree(id, parent) AS (
//!     SELECT id, parent FROM nodes WHERE parent IS NULL
//!     UNION ALL
//!     SELECT n.id, n.parent FROM nodes n JOIN tree t ON n.parent = t.id
//! ) SEARCH DEPTH FIRST BY id SET ordercol
//!   CYCLE id SET is_cycle USING path
//! SELECT * FROM tree ORDER BY ordercol;
//! ```
//!
//! [`take`] finds them after a `)` in the tokens, reads them and blanks them out, so the rest
//! parses as a plain recursive query; [`apply`] then finds the common table expression whose
//! closing parenthesis they followed and adds the columns they name, as PostgreSQL's own
//! rewriter does (`rewriteSearchCycle.c`), computed by each term of the `UNION`:
//!
//! | clause | non-recursive term | recursive term (`t`: its reference to the query) |
//! |---|---|---|
//! | `SEARCH DEPTH FIRST BY c SET s` | `ARRAY[ROW(c)]` | `t.s \|\| ROW(c)` |
//! | `SEARCH BREADTH FIRST BY c SET s` | `ROW(0, c)` | `ROW(t.s.depth + 1, c)` |
//! | `CYCLE c SET m TO v DEFAULT d USING p` | `d`, `ARRAY[ROW(c)]` | `CASE WHEN ROW(c) = ANY(t.p) THEN v ELSE d END`, `t.p \|\| ROW(c)` |
//!
//! where `c` stands for the columns listed, each as its term computes it, and the recursive
//! term gets `WHERE t.m <> v` so that a row closing a cycle is returned but not followed.
//! Ordering by the search column gives depth-first or breadth-first order (arrays and rows
//! compare element by element). `TO v DEFAULT d` may be left out: `TO true DEFAULT false`.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CaseWhen, Cte, Expr, Ident, Query, Select, SelectItem, SetExpr, SetOperator,
    Statement, TableAliasColumnDef, TableFactor, Value, VisitMut, VisitorMut,
    helpers::attached_token::AttachedToken,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::tokens::{Cursor, blank, end_of, is_word, significant};
use crate::SqlState;
use crate::calls::call_with;
use crate::dialect::DriftDialect;
use crate::error::{Error, Result};
use crate::postgres::CAST_LIKE;

/// The `SEARCH` and `CYCLE` clauses that follow one `)`.
#[derive(Debug)]
pub(crate) struct Clauses {
    /// Where the `)` they follow is: a common table expression's closing parenthesis.
    paren: Location,
    /// Character position of the first clause, for errors.
    position: Option<usize>,
    search: Option<Search>,
    cycle: Option<Cycle>,
}

#[derive(Debug)]
struct Search {
    breadth_first: bool,
    by: Vec<Ident>,
    set: Ident,
}

#[derive(Debug)]
struct Cycle {
    columns: Vec<Ident>,
    set: Ident,
    mark: Expr,
    default: Expr,
    using: Ident,
}

/// Takes every `SEARCH` and `CYCLE` clause that follows a `)` out of `tokens` (they become
/// blanks, so positions stay), giving the token index of each `)` and what followed it.
pub(crate) fn take(tokens: &mut [TokenWithSpan], sql: &str) -> Result<Vec<(usize, Clauses)>> {
    let starts = |t: &TokenWithSpan| is_word(&t.token, "search") || is_word(&t.token, "cycle");
    if !tokens.iter().any(starts) {
        return Ok(Vec::new());
    }
    let meaningful = significant(tokens);
    let eof = end_of(tokens);
    let mut found = Vec::new();
    let mut k = 0;
    while k + 1 < meaningful.len() {
        let paren = meaningful[k];
        if tokens[paren].token != Token::RParen || !opens_clause(tokens, &meaningful, k + 1) {
            k += 1;
            continue;
        }
        let (position, search, cycle, read_to) = {
            let mut reader = Reader {
                cursor: Cursor::new(tokens, meaningful[k + 1], &eof, sql),
            };
            let position = reader.position();
            let search = if reader.word("search") {
                Some(reader.search()?)
            } else {
                None
            };
            let cycle = if reader.word("cycle") {
                Some(reader.cycle()?)
            } else {
                None
            };
            (position, search, cycle, reader.cursor.at())
        };
        // The clauses' tokens: the significant ones from the `)` on, up to where reading stopped.
        let end = meaningful.partition_point(|&i| i < read_to);
        blank(tokens, &meaningful[k + 1..end]);
        found.push((
            paren,
            Clauses {
                paren: tokens[paren].span.start,
                position,
                search,
                cycle,
            },
        ));
        k = end;
    }
    Ok(found)
}

/// Whether the meaningful token `k` starts a clause: `SEARCH DEPTH|BREADTH FIRST`, or
/// `CYCLE name, ... SET` (not a column alias `cycle` after a parenthesis, as in
/// `SELECT (x) cycle FROM t`).
fn opens_clause(tokens: &[TokenWithSpan], meaningful: &[usize], k: usize) -> bool {
    let token = |k: usize| meaningful.get(k).map(|&i| &tokens[i].token);
    let word = |k: usize, text: &str| token(k).is_some_and(|t| is_word(t, text));
    let is_name = |k: usize| matches!(token(k), Some(Token::Word(_)));
    if word(k, "search") {
        return (word(k + 1, "depth") || word(k + 1, "breadth")) && word(k + 2, "first");
    }
    if !word(k, "cycle") || !is_name(k + 1) {
        return false;
    }
    let mut next = k + 2;
    while token(next) == Some(&Token::Comma) && is_name(next + 1) {
        next += 2;
    }
    word(next, "set")
}

/// Reads the clauses' words ([`Cursor`], which skips whitespace and comments).
struct Reader<'a> {
    cursor: Cursor<'a>,
}

impl Reader<'_> {
    /// The next token; `None` at the end of the statement.
    fn token(&self) -> Option<&Token> {
        match &self.cursor.peek().token {
            Token::EOF => None,
            token => Some(token),
        }
    }

    /// Where the next token is; `None` at the end of the statement.
    fn position(&self) -> Option<usize> {
        self.token()?;
        self.cursor.position(self.cursor.peek())
    }

    /// Takes the unquoted word `text`, if it comes next.
    fn word(&mut self, text: &str) -> bool {
        self.cursor.word(text)
    }

    fn error(&self, expected: &str) -> Error {
        let found = self
            .token()
            .map_or("end of input".to_string(), |t| format!("'{t}'"));
        Error::Syntax {
            message: format!("expected {expected}, found {found}"),
            position: self.position(),
        }
    }

    fn expect(&mut self, text: &str) -> Result<()> {
        if self.word(text) {
            Ok(())
        } else {
            Err(self.error(&text.to_uppercase()))
        }
    }

    fn name(&mut self) -> Result<Ident> {
        match self.token() {
            Some(Token::Word(w)) => {
                let ident = match w.quote_style {
                    Some(quote) => Ident::with_quote(quote, w.value.clone()),
                    None => Ident::new(w.value.to_lowercase()),
                };
                self.cursor.next();
                Ok(ident)
            }
            _ => Err(self.error("a column name")),
        }
    }

    fn names(&mut self) -> Result<Vec<Ident>> {
        let mut names = vec![self.name()?];
        while self.token() == Some(&Token::Comma) {
            self.cursor.next();
            names.push(self.name()?);
        }
        Ok(names)
    }

    /// `{ DEPTH | BREADTH } FIRST BY name, ... SET name`, after `SEARCH`.
    fn search(&mut self) -> Result<Search> {
        let breadth_first = self.word("breadth");
        if !breadth_first {
            self.expect("depth")?;
        }
        self.expect("first")?;
        self.expect("by")?;
        let by = self.names()?;
        self.expect("set")?;
        let set = self.name()?;
        Ok(Search {
            breadth_first,
            by,
            set,
        })
    }

    /// `name, ... SET name [TO value DEFAULT value] USING name`, after `CYCLE`.
    fn cycle(&mut self) -> Result<Cycle> {
        let columns = self.names()?;
        self.expect("set")?;
        let set = self.name()?;
        let (mark, default) = if self.word("to") {
            let mark = self.expression_until("default")?;
            self.expect("default")?;
            (mark, self.expression_until("using")?)
        } else {
            (
                Expr::value(Value::Boolean(true)),
                Expr::value(Value::Boolean(false)),
            )
        };
        self.expect("using")?;
        let using = self.name()?;
        Ok(Cycle {
            columns,
            set,
            mark,
            default,
            using,
        })
    }

    /// The expression whose tokens run up to the word `end` outside parentheses.
    fn expression_until(&mut self, end: &str) -> Result<Expr> {
        let position = self.position();
        let mut tokens = Vec::new();
        let mut depth = 0usize;
        while let Some(token) = self.token() {
            match token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Word(w) if depth == 0 && w.value.eq_ignore_ascii_case(end) => break,
                Token::SemiColon => break,
                _ => {}
            }
            tokens.push(self.cursor.next().token.clone());
        }
        if tokens.is_empty() {
            return Err(self.error("a value"));
        }
        let dialect = DriftDialect::new();
        let mut parser = Parser::new(&dialect).with_tokens(tokens);
        let expr = parser.parse_expr().map_err(|_| Error::Syntax {
            message: format!("expected a value before {}", end.to_uppercase()),
            position,
        })?;
        if parser.peek_token_ref().token != Token::EOF {
            return Err(Error::Syntax {
                message: format!("expected {} after the value", end.to_uppercase()),
                position,
            });
        }
        Ok(expr)
    }
}

/// Rewrites the common table expressions of `statement` that `clauses` follow (see the
/// module documentation). A clause that follows no common table expression's `)` is a
/// syntax error, as it is in PostgreSQL.
pub(crate) fn apply(statement: &mut Statement, clauses: Vec<Clauses>) -> Result<()> {
    if clauses.is_empty() {
        return Ok(());
    }
    let mut rewriter = Rewriter {
        clauses: clauses.into_iter().map(Some).collect(),
        error: None,
    };
    let _ = statement.visit(&mut rewriter);
    if let Some(error) = rewriter.error {
        return Err(error);
    }
    match rewriter.clauses.into_iter().flatten().next() {
        Some(left) => Err(Error::Syntax {
            message: format!(
                "{} follows no common table expression",
                if left.search.is_some() {
                    "SEARCH"
                } else {
                    "CYCLE"
                }
            ),
            position: left.position,
        }),
        None => Ok(()),
    }
}

struct Rewriter {
    clauses: Vec<Option<Clauses>>,
    error: Option<Error>,
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let Some(with) = query.with.as_mut() else {
            return ControlFlow::Continue(());
        };
        for cte in &mut with.cte_tables {
            let paren = cte.closing_paren_token.0.span.start;
            let Some(clauses) = self
                .clauses
                .iter_mut()
                .find(|c| c.as_ref().is_some_and(|c| c.paren == paren))
                .and_then(Option::take)
            else {
                continue;
            };
            if let Err(error) = rewrite(cte, with.recursive, clauses) {
                self.error = Some(error);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// The lower-case name an identifier stands for (a quoted one as written).
fn folded(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

fn syntax(message: String) -> Error {
    Error::Execution {
        message,
        sqlstate: SqlState::SYNTAX_ERROR,
    }
}

fn unsupported(message: String, position: Option<usize>) -> Error {
    Error::Unsupported { message, position }
}

/// Adds the columns of `clauses` to the recursive query `cte`.
fn rewrite(cte: &mut Cte, recursive: bool, clauses: Clauses) -> Result<()> {
    let name = folded(&cte.alias.name);
    let alias_columns = &mut cte.alias.columns;
    let SetExpr::SetOperation {
        op: SetOperator::Union,
        left,
        right,
        ..
    } = cte.query.body.as_mut()
    else {
        return Err(if recursive {
            Error::Execution {
                message: format!(
                    "recursive query \"{name}\" does not have the form non-recursive-term \
                     UNION [ALL] recursive-term"
                ),
                sqlstate: SqlState::INVALID_RECURSION,
            }
        } else {
            syntax("WITH query is not recursive".to_string())
        });
    };
    if !recursive {
        return Err(syntax("WITH query is not recursive".to_string()));
    }
    let SetExpr::Select(left) = left.as_mut() else {
        return Err(unsupported(
            "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT"
                .to_string(),
            clauses.position,
        ));
    };
    let right = match right.as_mut() {
        SetExpr::Select(select) => select,
        SetExpr::Query(query) if query.order_by.is_none() && query.limit_clause.is_none() => {
            match query.body.as_mut() {
                SetExpr::Select(select) => select,
                _ => return Err(right_not_select(clauses.position)),
            }
        }
        _ => return Err(right_not_select(clauses.position)),
    };
    let Some(working) = working_table(right, &name) else {
        return Err(unsupported(
            format!(
                "with a SEARCH or CYCLE clause, the recursive reference to WITH query \
                 \"{name}\" must be at the top level of its right-hand SELECT"
            ),
            clauses.position,
        ));
    };
    let columns = column_names(alias_columns, left, clauses.position)?;
    check_names(&columns, &clauses)?;

    let of_working = |column: &Ident| {
        Expr::CompoundIdentifier(vec![Ident::new(working.clone()), column.clone()])
    };
    // Each listed column as each term computes it (its `index`th item; `check_names` made
    // sure the name is one of `columns`). The recursive term's are given the types of the
    // query's columns, which are the non-recursive term's (DataFusion fits the recursive
    // term's own columns to them, but not values inside a row or an array).
    let values = |select: &Select, recursive: bool, listed: &[Ident]| -> Result<Vec<Expr>> {
        listed
            .iter()
            .map(|column| {
                let index = columns.iter().position(|c| *c == folded(column));
                let value = item_expr(select, index.unwrap_or_default(), clauses.position)?;
                Ok(if recursive {
                    let name = Ident::with_quote('"', folded(column));
                    call_with(CAST_LIKE, vec![value, of_working(&name)])
                } else {
                    value
                })
            })
            .collect()
    };
    let row = |select: &Select, recursive: bool, listed: &[Ident]| -> Result<Expr> {
        Ok(call_with("struct", values(select, recursive, listed)?))
    };
    let mut added = Vec::new();
    if let Some(search) = &clauses.search {
        let (first, next) = if search.breadth_first {
            // ROW(depth, columns...), the depth a bigint from 0.
            let at_depth = |select: &Select, recursive: bool, depth: Expr| -> Result<Expr> {
                let mut fields = vec![depth];
                fields.extend(values(select, recursive, &search.by)?);
                Ok(call_with("struct", fields))
            };
            let deeper = Expr::BinaryOp {
                left: Box::new(call_with(
                    "get_field",
                    vec![
                        of_working(&search.set),
                        Expr::value(Value::SingleQuotedString("c0".to_string())),
                    ],
                )),
                op: BinaryOperator::Plus,
                right: Box::new(Expr::value(Value::Number("1".to_string(), false))),
            };
            let zero = Expr::value(Value::Number("0".to_string(), false));
            (at_depth(left, false, zero)?, at_depth(right, true, deeper)?)
        } else {
            (
                call_with("make_array", vec![row(left, false, &search.by)?]),
                call_with(
                    "array_append",
                    vec![of_working(&search.set), row(right, true, &search.by)?],
                ),
            )
        };
        added.push((search.set.clone(), first, next));
    }
    if let Some(cycle) = &clauses.cycle {
        let new_row = row(right, true, &cycle.columns)?;
        let closes = call_with("array_has", vec![of_working(&cycle.using), new_row.clone()]);
        let mark = Expr::Case {
            case_token: AttachedToken::empty(),
            end_token: AttachedToken::empty(),
            operand: None,
            conditions: vec![CaseWhen {
                condition: closes,
                result: cycle.mark.clone(),
            }],
            else_result: Some(Box::new(cycle.default.clone())),
        };
        added.push((cycle.set.clone(), cycle.default.clone(), mark));
        added.push((
            cycle.using.clone(),
            call_with("make_array", vec![row(left, false, &cycle.columns)?]),
            call_with("array_append", vec![of_working(&cycle.using), new_row]),
        ));
        // A row that closed a cycle is returned, but not followed.
        let open = Expr::BinaryOp {
            left: Box::new(of_working(&cycle.set)),
            op: BinaryOperator::NotEq,
            right: Box::new(cycle.mark.clone()),
        };
        right.selection = Some(match right.selection.take() {
            Some(selection) => Expr::BinaryOp {
                left: Box::new(Expr::Nested(Box::new(selection))),
                op: BinaryOperator::And,
                right: Box::new(open),
            },
            None => open,
        });
    }
    for (name, first, next) in added {
        left.projection.push(SelectItem::ExprWithAlias {
            expr: first,
            alias: name.clone(),
        });
        right.projection.push(SelectItem::UnnamedExpr(next));
        if !alias_columns.is_empty() {
            alias_columns.push(TableAliasColumnDef {
                name,
                data_type: None,
            });
        }
    }
    Ok(())
}

fn right_not_select(position: Option<usize>) -> Error {
    unsupported(
        "with a SEARCH or CYCLE clause, the right side of the UNION must be a SELECT".to_string(),
        position,
    )
}

/// The name the recursive term's `FROM` calls its reference to the query `name` by (its
/// alias, or the name), when it is one of the top-level items or joined to one.
fn working_table(select: &Select, name: &str) -> Option<String> {
    let factors = select.from.iter().flat_map(|from| {
        std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation))
    });
    factors.into_iter().find_map(|factor| match factor {
        TableFactor::Table {
            name: table, alias, ..
        } if table.0.len() == 1
            && table.0[0]
                .as_ident()
                .is_some_and(|ident| folded(ident) == name) =>
        {
            Some(alias.as_ref().map_or(name.to_string(), |a| folded(&a.name)))
        }
        _ => None,
    })
}

/// The query's column names: its column list, or the names of its non-recursive term's
/// `SELECT` list.
fn column_names(
    listed: &[TableAliasColumnDef],
    left: &Select,
    position: Option<usize>,
) -> Result<Vec<String>> {
    if !listed.is_empty() {
        return Ok(listed.iter().map(|c| folded(&c.name)).collect());
    }
    left.projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Ok(folded(alias)),
            SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Ok(folded(ident)),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                Ok(parts.last().map(folded).unwrap_or_default())
            }
            SelectItem::UnnamedExpr(_) => Ok("?column?".to_string()),
            _ => Err(unsupported(
                "SEARCH or CYCLE over a WITH query whose non-recursive term selects `*`: list \
                 its columns"
                    .to_string(),
                position,
            )),
        })
        .collect()
}

/// PostgreSQL's checks of the names the clauses use.
fn check_names(columns: &[String], clauses: &Clauses) -> Result<()> {
    let listed = |kind: &str, names: &[Ident]| -> Result<()> {
        for (i, name) in names.iter().enumerate() {
            let name = folded(name);
            if !columns.contains(&name) {
                return Err(syntax(format!(
                    "{kind} column \"{name}\" not in WITH query column list"
                )));
            }
            if names[..i].iter().any(|n| folded(n) == name) {
                return Err(Error::Execution {
                    message: format!("{kind} column \"{name}\" specified more than once"),
                    sqlstate: SqlState::DUPLICATE_COLUMN,
                });
            }
        }
        Ok(())
    };
    let mut new = Vec::new();
    if let Some(search) = &clauses.search {
        listed("search", &search.by)?;
        new.push(("search sequence", folded(&search.set)));
    }
    if let Some(cycle) = &clauses.cycle {
        listed("cycle", &cycle.columns)?;
        new.push(("cycle mark", folded(&cycle.set)));
        new.push(("cycle path", folded(&cycle.using)));
    }
    for (i, (kind, name)) in new.iter().enumerate() {
        if let Some((other, _)) = new[..i].iter().find(|(_, n)| n == name) {
            return Err(syntax(format!(
                "{other} column name and {kind} column name are the same"
            )));
        }
        if columns.contains(name) {
            return Err(Error::Execution {
                message: format!("column \"{name}\" specified more than once"),
                sqlstate: SqlState::DUPLICATE_COLUMN,
            });
        }
    }
    Ok(())
}

/// The expression of the `index`th item of a term's `SELECT` list.
fn item_expr(select: &Select, index: usize, position: Option<usize>) -> Result<Expr> {
    match select.projection.get(index) {
        Some(SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. })
            if !select.projection[..index].iter().any(|item| {
                matches!(
                    item,
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
                )
            }) =>
        {
            Ok(expr.clone())
        }
        _ => Err(unsupported(
            "SEARCH or CYCLE over a WITH query whose terms select `*`: list their columns"
                .to_string(),
            position,
        )),
    }
}
