//! Function calls as sqlparser expressions: how the front end and the rewriter write a call
//! of a function, PostgreSQL's or DriftDB's own (`__driftdb_*`). It imports nothing of the
//! crate, so the parser, the rewriter and the analyzer rules can all use it.

use sqlparser::ast::{self, Expr, Ident, ObjectName, ObjectNamePart};

/// The unqualified name `name`.
pub(crate) fn object_name(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

/// The call `name(args...)`.
pub(crate) fn call_with(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(ast::Function {
        name: object_name(name),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|arg| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}
