//! A window frame's `EXCLUDE { CURRENT ROW | GROUP | TIES | NO OTHERS }`, which sqlparser
//! does not read: [`take`] finds it before the `)` of an `OVER (...)`, blanks it out, and
//! notes where that `OVER` was; [`apply`] then finds the window function called just before
//! that `OVER` and calls the excluding form of it instead (`crate::postgres::excluding`),
//! with what to exclude as its first argument. `EXCLUDE NO OTHERS` is the default and only
//! loses its words, and so does any exclusion of a function that ignores its frame
//! (`row_number`, `rank`, `lag`, ...), as in PostgreSQL. An exclusion in a `WINDOW`
//! definition (`WINDOW w AS (... EXCLUDE ...)`) is put, with the definition, into each call
//! that names the window (`OVER w`) in that query's `SELECT` list and `ORDER BY`. An
//! exclusion of a function that has no excluding form is 0A000.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, NamedWindowDefinition,
    NamedWindowExpr, ObjectName, ObjectNamePart, Query, SetExpr, Spanned, Statement, Value,
    VisitMut, VisitorMut, WindowType,
};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::tokens::{blank, is_word, significant};
use crate::error::{Error, Result, char_position};
use crate::postgres::excluding;

/// One `EXCLUDE` clause.
pub(crate) struct Exclusion {
    /// Where the window it belongs to is named.
    owner: Owner,
    /// Character position of `EXCLUDE`, for errors.
    position: Option<usize>,
    /// [`excluding::CURRENT_ROW`], [`excluding::GROUP`], [`excluding::TIES`], or `None` for
    /// `NO OTHERS`.
    mode: Option<i64>,
}

/// Where an `EXCLUDE` clause's window is.
#[derive(Clone, Copy, PartialEq)]
enum Owner {
    /// In `OVER (...)`: where that `OVER` is.
    Over(Location),
    /// In `WINDOW name AS (...)`: where that name is.
    Window(Location),
}

/// Takes each `EXCLUDE` clause out of `tokens`, giving its token index and what it says.
pub(crate) fn take(tokens: &mut [TokenWithSpan], sql: &str) -> Result<Vec<(usize, Exclusion)>> {
    if !tokens.iter().any(|t| is_word(&t.token, "exclude")) {
        return Ok(Vec::new());
    }
    let meaningful = significant(tokens);
    let word = |tokens: &[TokenWithSpan], k: usize, text: &str| {
        meaningful
            .get(k)
            .is_some_and(|&i| is_word(&tokens[i].token, text))
    };
    let mut found = Vec::new();
    for k in 0..meaningful.len() {
        if !word(tokens, k, "exclude") {
            continue;
        }
        let (mode, length) = if word(tokens, k + 1, "current") && word(tokens, k + 2, "row") {
            (Some(excluding::CURRENT_ROW), 3)
        } else if word(tokens, k + 1, "group") {
            (Some(excluding::GROUP), 2)
        } else if word(tokens, k + 1, "ties") {
            (Some(excluding::TIES), 2)
        } else if word(tokens, k + 1, "no") && word(tokens, k + 2, "others") {
            (None, 3)
        } else {
            continue;
        };
        let position = char_position(sql, tokens[meaningful[k]].span.start);
        // The `(` that the clause's window opened with, and the `OVER` before it.
        let mut depth = 0usize;
        let mut open = None;
        for j in (0..k).rev() {
            match tokens[meaningful[j]].token {
                Token::RParen => depth += 1,
                Token::LParen if depth == 0 => {
                    open = Some(j);
                    break;
                }
                Token::LParen => depth -= 1,
                _ => {}
            }
        }
        let before = |back: usize| open.and_then(|j| j.checked_sub(back));
        let owner = if let Some(j) = before(1).filter(|&j| word(tokens, j, "over")) {
            Owner::Over(tokens[meaningful[j]].span.start)
        } else if let (Some(_), Some(name)) = (
            before(1).filter(|&j| word(tokens, j, "as")),
            before(2).filter(|&j| matches!(tokens[meaningful[j]].token, Token::Word(_))),
        ) {
            Owner::Window(tokens[meaningful[name]].span.start)
        } else {
            return Err(Error::Syntax {
                message: "EXCLUDE outside a window definition".to_string(),
                position,
            });
        };
        blank(tokens, &meaningful[k..k + length]);
        found.push((
            meaningful[k],
            Exclusion {
                owner,
                position,
                mode,
            },
        ));
    }
    Ok(found)
}

/// The window functions that ignore their frame, whose exclusions change nothing.
const FRAMELESS: &[&str] = &[
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
];

/// Calls the excluding form of each window function an `EXCLUDE` clause belongs to.
pub(crate) fn apply(statement: &mut Statement, exclusions: Vec<Exclusion>) -> Result<()> {
    let (in_windows, in_overs): (Vec<Exclusion>, Vec<Exclusion>) = exclusions
        .into_iter()
        .filter(|e| e.mode.is_some())
        .partition(|e| matches!(e.owner, Owner::Window(_)));
    if !in_windows.is_empty() {
        let mut inliner = Inliner {
            exclusions: in_windows.into_iter().map(Some).collect(),
            error: None,
        };
        let _ = statement.visit(&mut inliner);
        if let Some(error) = inliner.error {
            return Err(error);
        }
        if let Some(left) = inliner.exclusions.into_iter().flatten().next() {
            return Err(Error::Unsupported {
                message: "EXCLUDE in a window definition no window function uses by name"
                    .to_string(),
                position: left.position,
            });
        }
    }
    if in_overs.is_empty() {
        return Ok(());
    }
    // Where each call with a window frame ends: the call an `OVER` belongs to is the one
    // that ends last before it (a call in its arguments ends before it does).
    let mut ends = Vec::new();
    let mut end_of = |f: &mut Function| {
        if framed(f) {
            ends.push(f.span().end);
        }
        None
    };
    let _ = statement.visit(&mut Calls::new(&mut end_of, true));
    let mut owners = Vec::new();
    for exclusion in &in_overs {
        let Owner::Over(over) = exclusion.owner else {
            continue;
        };
        match ends.iter().filter(|end| **end <= over).max() {
            Some(end) => owners.push((*end, exclusion)),
            None => {
                return Err(Error::Syntax {
                    message: "EXCLUDE belongs to a frame clause (ROWS, RANGE or GROUPS)"
                        .to_string(),
                    position: exclusion.position,
                });
            }
        }
    }
    let mut error = None;
    let mut rewrite = |f: &mut Function| {
        if !framed(f) {
            return None;
        }
        let end = f.span().end;
        let (_, exclusion) = owners.iter().find(|(e, _)| *e == end)?;
        if let Err(e) = exclude(f, exclusion) {
            error = Some(e);
            return Some(());
        }
        None
    };
    let _ = statement.visit(&mut Calls::new(&mut rewrite, true));
    error.map_or(Ok(()), Err)
}

/// Puts a `WINDOW` definition with an exclusion into each call that names it (`OVER w`),
/// in the `SELECT` list and the `ORDER BY` of the query that defines it, and makes each
/// such call exclude.
struct Inliner {
    exclusions: Vec<Option<Exclusion>>,
    error: Option<Error>,
}

impl VisitorMut for Inliner {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let SetExpr::Select(select) = query.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        for definition in select.named_window.clone() {
            let NamedWindowDefinition(name, expr) = definition;
            let at = name.span.start;
            let Some(exclusion) = self
                .exclusions
                .iter_mut()
                .find(|e| e.as_ref().is_some_and(|e| e.owner == Owner::Window(at)))
                .and_then(Option::take)
            else {
                continue;
            };
            let NamedWindowExpr::WindowSpec(spec) = expr else {
                continue;
            };
            let inline = |f: &mut Function| -> Result<()> {
                if matches!(&f.over, Some(WindowType::NamedWindow(n)) if n.value == name.value) {
                    f.over = Some(WindowType::WindowSpec(spec.clone()));
                    exclude(f, &exclusion)?;
                }
                Ok(())
            };
            let mut outcome = Ok(());
            let mut each = |f: &mut Function| match inline(f) {
                Ok(()) => None,
                Err(e) => {
                    outcome = Err(e);
                    Some(())
                }
            };
            let mut shallow = Calls::new(&mut each, false);
            let _ = select.projection.visit(&mut shallow);
            let _ = query.order_by.visit(&mut shallow);
            if let Err(error) = outcome {
                self.error = Some(error);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Calls `each` on the function calls (outermost first; in subqueries too if
/// `subqueries`), until it answers `Some`.
struct Calls<'a> {
    each: &'a mut dyn FnMut(&mut Function) -> Option<()>,
    subqueries: bool,
    depth: usize,
}

impl<'a> Calls<'a> {
    fn new(each: &'a mut dyn FnMut(&mut Function) -> Option<()>, subqueries: bool) -> Self {
        Calls {
            each,
            subqueries,
            depth: 0,
        }
    }
}

impl VisitorMut for Calls<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if (self.subqueries || self.depth == 0)
            && let Expr::Function(f) = expr
            && (self.each)(f).is_some()
        {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// Whether `f` is a call over a window with a frame clause.
fn framed(f: &Function) -> bool {
    matches!(&f.over, Some(WindowType::WindowSpec(spec)) if spec.window_frame.is_some())
}

/// `f(args) OVER (...)` as `__driftdb_excluding_f(mode, args) OVER (...)`.
fn exclude(f: &mut Function, exclusion: &Exclusion) -> Result<()> {
    let name = match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => ident.value.to_lowercase(),
        _ => String::new(),
    };
    if FRAMELESS.contains(&name.as_str()) {
        return Ok(());
    }
    let refused = |why: &str| Error::Unsupported {
        message: format!("EXCLUDE with {why}"),
        position: exclusion.position,
    };
    if !excluding::FUNCTIONS.iter().any(|(n, _)| *n == name) {
        return Err(refused(&format!(
            "{name}: it is taken for sum, count, avg, min, max, bool_and, bool_or, stddev, \
             stddev_samp, stddev_pop, var_samp, var_pop, array_agg, string_agg, first_value, \
             last_value and nth_value"
        )));
    }
    if f.filter.is_some() || !f.within_group.is_empty() {
        return Err(refused("FILTER or WITHIN GROUP"));
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return Err(refused(&format!("{name} without arguments")));
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return Err(refused("DISTINCT or ORDER BY in the call"));
    }
    // count(*) counts rows: count(1) does too.
    for arg in &mut list.args {
        if matches!(arg, FunctionArg::Unnamed(FunctionArgExpr::Wildcard)) {
            *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(number(1)));
        }
    }
    let mode = exclusion.mode.unwrap_or_default();
    list.args
        .insert(0, FunctionArg::Unnamed(FunctionArgExpr::Expr(number(mode))));
    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(format!(
        "{}{name}",
        excluding::EXCLUDING
    )))]);
    Ok(())
}

fn number(n: i64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}
