//! `GRANT` and `REVOKE` of privileges on the broker's topics and consumer groups, which
//! sqlparser does not read:
//!
//! ```sql
//! GRANT { privilege [, ...] | ALL [PRIVILEGES] }
//!     ON { TOPIC name [, ...] | ALL TOPICS | GROUP name [, ...] | ALL GROUPS }
//!     TO { role | PUBLIC } [, ...]
//! REVOKE ... FROM { role | PUBLIC } [, ...]
//! ```
//!
//! A name is an identifier (folded to lower case unless quoted, as SQL names are) or a
//! string literal, so `'orders.v1'` and `"Orders"` name those topics exactly. The privileges
//! are read as words; which of them mean something on a topic or a group is the session's
//! to say.

use sqlparser::ast::Value;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::tokens::is_word;

/// What a `GRANT` or `REVOKE` on topics or groups is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerObjects {
    /// Topics by name.
    Topics(Vec<String>),
    /// Every topic, present and future.
    AllTopics,
    /// Consumer groups by name.
    Groups(Vec<String>),
    /// Every consumer group, present and future.
    AllGroups,
}

/// One `GRANT` or `REVOKE` on topics or groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerGrant {
    /// `GRANT` (else `REVOKE`).
    pub grant: bool,
    /// The privileges named, upper case; `None`: `ALL [PRIVILEGES]`.
    pub privileges: Option<Vec<String>>,
    pub objects: BrokerObjects,
    /// The roles, `public` for `PUBLIC`.
    pub grantees: Vec<String>,
}

/// Tokens a privilege list may take before its `ON`: the few privilege words and their
/// commas. Looking no further keeps a long `GRANT r1, r2, ... TO x` from being read twice.
const PRIVILEGE_LIST_TOKENS: usize = 32;

/// Whether the parser is at a `GRANT` or `REVOKE` on topics or groups: the first `ON` of the
/// statement, within a privilege list's length, is followed by `TOPIC`, `GROUP`,
/// `ALL TOPICS` or `ALL GROUPS`.
pub(crate) fn starts_here(parser: &Parser) -> bool {
    let first = &parser.peek_token_ref().token;
    if !is_word(first, "GRANT") && !is_word(first, "REVOKE") {
        return false;
    }
    for n in 1..=PRIVILEGE_LIST_TOKENS {
        match &parser.peek_nth_token_ref(n).token {
            Token::EOF | Token::SemiColon => return false,
            on if is_word(on, "ON") => {
                let next = &parser.peek_nth_token_ref(n + 1).token;
                let after = &parser.peek_nth_token_ref(n + 2).token;
                return is_word(next, "TOPIC")
                    || is_word(next, "GROUP")
                    || (is_word(next, "ALL")
                        && (is_word(after, "TOPICS") || is_word(after, "GROUPS")));
            }
            _ => {}
        }
    }
    false
}

/// Reads the statement [`starts_here`] found.
pub(crate) fn parse(parser: &mut Parser) -> Result<BrokerGrant, ParserError> {
    let grant = parser.parse_keyword(Keyword::GRANT);
    if !grant {
        parser.expect_keyword(Keyword::REVOKE)?;
    }
    let privileges = if parser.parse_keyword(Keyword::ALL) {
        let _ = parser.parse_keyword(Keyword::PRIVILEGES);
        None
    } else {
        Some(parser.parse_comma_separated(|p| {
            let word = p.parse_identifier()?;
            Ok(word.value.to_uppercase())
        })?)
    };
    parser.expect_keyword(Keyword::ON)?;
    let objects = if parser.parse_keyword(Keyword::ALL) {
        if is_word(&parser.peek_token_ref().token, "TOPICS") {
            parser.advance_token();
            BrokerObjects::AllTopics
        } else {
            expect_word(parser, "GROUPS")?;
            BrokerObjects::AllGroups
        }
    } else if parser.parse_keyword(Keyword::GROUP) {
        BrokerObjects::Groups(parser.parse_comma_separated(name)?)
    } else {
        expect_word(parser, "TOPIC")?;
        BrokerObjects::Topics(parser.parse_comma_separated(name)?)
    };
    parser.expect_keyword(if grant { Keyword::TO } else { Keyword::FROM })?;
    let grantees = parser.parse_comma_separated(|p| {
        if p.parse_keyword(Keyword::PUBLIC) {
            return Ok("public".to_string());
        }
        name(p)
    })?;
    match parser.peek_token_ref().token {
        Token::SemiColon | Token::EOF => {}
        _ => return parser.expected_ref("the end of the statement", parser.peek_token_ref()),
    }
    Ok(BrokerGrant {
        grant,
        privileges,
        objects,
        grantees,
    })
}

fn expect_word(parser: &mut Parser, word: &str) -> Result<(), ParserError> {
    if is_word(&parser.peek_token_ref().token, word) {
        parser.advance_token();
        return Ok(());
    }
    parser.expected_ref(word, parser.peek_token_ref())
}

/// A topic, group or role name: an identifier, folded unless quoted, or a string literal.
fn name(parser: &mut Parser) -> Result<String, ParserError> {
    if let Token::SingleQuotedString(_) = parser.peek_token_ref().token {
        let Value::SingleQuotedString(text) = parser.parse_value()?.value else {
            return parser.expected_ref("a name", parser.peek_token_ref());
        };
        return Ok(text);
    }
    let ident = parser.parse_identifier()?;
    Ok(crate::schemas::ident_name(&ident))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{Statement, parse};

    fn grant(sql: &str) -> BrokerGrant {
        match parse(sql).unwrap().pop() {
            Some(Statement::BrokerGrant(g)) => *g,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn reads_grants_and_revokes_on_topics_and_groups() {
        let g =
            grant("GRANT produce, Consume ON TOPIC orders, 'orders.v1', \"Big\" TO svc, PUBLIC");
        assert!(g.grant);
        assert_eq!(g.privileges, Some(vec!["PRODUCE".into(), "CONSUME".into()]));
        assert_eq!(
            g.objects,
            BrokerObjects::Topics(vec!["orders".into(), "orders.v1".into(), "Big".into()])
        );
        assert_eq!(g.grantees, ["svc", "public"]);
        let r = grant("revoke all privileges on all groups from svc;");
        assert!(!r.grant);
        assert_eq!((r.privileges, r.objects), (None, BrokerObjects::AllGroups));
        assert_eq!(
            grant("GRANT CONSUME ON GROUP billing TO b").objects,
            BrokerObjects::Groups(vec!["billing".into()])
        );
        assert_eq!(
            grant("GRANT ALL ON ALL TOPICS TO b").objects,
            BrokerObjects::AllTopics
        );
    }

    #[test]
    fn only_a_privilege_lists_length_is_looked_through_for_on() {
        // Far past any real privilege list, an ON is not looked for: a long role grant
        // (`GRANT r1, ..., r5000 TO x`, which names no object) is not scanned to its end.
        let dialect = crate::dialect::DriftDialect::new();
        let at = |sql: &str| starts_here(&Parser::new(&dialect).try_with_sql(sql).unwrap());
        assert!(at("GRANT PRODUCE, CONSUME, CREATE, DELETE ON TOPIC t TO x"));
        let padded = format!("GRANT {}PRODUCE ON TOPIC t TO x", "PRODUCE, ".repeat(20));
        assert!(!at(&padded));
        let roles: Vec<String> = (0..5000).map(|i| format!("r{i}")).collect();
        assert!(!at(&format!("GRANT {} TO x", roles.join(", "))));
    }

    #[test]
    fn table_grants_stay_sqlparsers_and_bad_forms_are_syntax_errors() {
        assert!(matches!(
            parse("GRANT SELECT ON orders TO svc").unwrap().pop(),
            Some(Statement::Sql(_))
        ));
        for bad in [
            "GRANT PRODUCE ON TOPIC orders",
            "GRANT PRODUCE ON TOPIC TO svc",
            "REVOKE PRODUCE ON TOPIC orders TO svc",
            "GRANT PRODUCE ON ALL TABLES TOPICS TO svc",
            "GRANT PRODUCE ON TOPIC orders TO svc extra",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.sqlstate(), "42601", "{bad}: {err}");
        }
    }
}
