//! What the passes over a statement's tokens share: the passes that take syntax sqlparser
//! does not read out of the tokens (`system_time`, `between`, `window_exclude`,
//! `search_cycle`) and the readers of DriftDB's own statements (`drift`, `projection`).
//! Words are compared as SQL compares keywords; whitespace and comments (whitespace to the
//! tokenizer) are skipped; a clause taken out is blanked, so positions in the text stay; a
//! clause of a grammar of its own is read with the one [`Cursor`].

use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Whitespace};

use crate::error::char_position;

/// Whether `token` is the unquoted word `word`, in any case (how a keyword is written).
pub(crate) fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The index of the first token at or after `from` that is not whitespace.
pub(crate) fn next_significant(tokens: &[TokenWithSpan], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

/// The indices of the tokens that are not whitespace, in order: what a pass that looks
/// around a word, before it too, walks.
pub(crate) fn significant(tokens: &[TokenWithSpan]) -> Vec<usize> {
    (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect()
}

/// Blanks the tokens at `indices` out (each becomes a space): what is left parses without
/// the clause, and every position in the text stays where it was.
pub(crate) fn blank(tokens: &mut [TokenWithSpan], indices: &[usize]) {
    for &i in indices {
        tokens[i].token = Token::Whitespace(Whitespace::Space);
    }
}

/// An end-of-input token at the end of `tokens`' text: what a [`Cursor`] reads past the
/// last token, so a grammar meets the end as a token with a place.
pub(crate) fn end_of(tokens: &[TokenWithSpan]) -> TokenWithSpan {
    let end = tokens.last().map_or(Location::new(1, 1), |t| t.span.end);
    TokenWithSpan::at(Token::EOF, end, end)
}

/// Reads tokens in order from one of them on, skipping whitespace: what a pass that reads a
/// clause of its own grammar (`FOR SYSTEM_TIME`, `SEARCH`/`CYCLE`) walks with. Past the last
/// token it reads `eof` ([`end_of`]).
pub(crate) struct Cursor<'a> {
    tokens: &'a [TokenWithSpan],
    /// The index in `tokens` where reading goes on.
    at: usize,
    eof: &'a TokenWithSpan,
    sql: &'a str,
    /// Where the last token read ends.
    last_end: Location,
}

impl<'a> Cursor<'a> {
    /// A cursor at token `at` of `tokens`, the tokens of `sql`.
    pub(crate) fn new(
        tokens: &'a [TokenWithSpan],
        at: usize,
        eof: &'a TokenWithSpan,
        sql: &'a str,
    ) -> Self {
        let last_end = at
            .checked_sub(1)
            .and_then(|i| tokens.get(i))
            .map_or(Location::new(1, 1), |t| t.span.end);
        Cursor {
            tokens,
            at,
            eof,
            sql,
            last_end,
        }
    }

    /// The `n`th token ahead (0: the next), without reading it.
    pub(crate) fn peek_nth(&self, n: usize) -> &'a TokenWithSpan {
        let mut from = self.at;
        let mut found = 0;
        while let Some(k) = next_significant(self.tokens, from) {
            if found == n {
                return &self.tokens[k];
            }
            found += 1;
            from = k + 1;
        }
        self.eof
    }

    /// The next token, without reading it.
    pub(crate) fn peek(&self) -> &'a TokenWithSpan {
        self.peek_nth(0)
    }

    /// Reads the next token.
    pub(crate) fn next(&mut self) -> &'a TokenWithSpan {
        match next_significant(self.tokens, self.at) {
            Some(k) => {
                self.at = k + 1;
                self.last_end = self.tokens[k].span.end;
                &self.tokens[k]
            }
            None => self.eof,
        }
    }

    /// Reads the unquoted word `word` if it comes next.
    pub(crate) fn word(&mut self, word: &str) -> bool {
        let found = is_word(&self.peek().token, word);
        if found {
            self.next();
        }
        found
    }

    /// The index in the tokens where reading goes on: past every token read.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// Where the last token read ends.
    pub(crate) fn last_end(&self) -> Location {
        self.last_end
    }

    /// The 1-based character position of `token` in the text, for an error.
    pub(crate) fn position(&self, token: &TokenWithSpan) -> Option<usize> {
        char_position(self.sql, token.span.start)
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::tokenizer::Tokenizer;

    use super::*;
    use crate::dialect::DriftDialect;

    #[test]
    fn words_are_keywords_and_blanks_keep_positions() {
        let sql = "select  /* c */ \"Exclude\" exclude";
        let mut tokens = Tokenizer::new(&DriftDialect::new(), sql)
            .tokenize_with_location()
            .unwrap();
        let words = significant(&tokens);
        assert_eq!(words.len(), 3);
        assert!(is_word(&tokens[words[0]].token, "SELECT"));
        assert!(
            !is_word(&tokens[words[1]].token, "exclude"),
            "a quoted name is no keyword"
        );
        assert!(is_word(&tokens[words[2]].token, "EXCLUDE"));
        assert_eq!(next_significant(&tokens, words[0] + 1), Some(words[1]));
        let before = tokens[words[2]].span;
        blank(&mut tokens, &words[2..]);
        assert_eq!(significant(&tokens).len(), 2);
        assert_eq!(tokens[words[2]].span, before);
    }

    #[test]
    fn a_cursor_skips_blanks_and_reads_the_end_as_a_token() {
        let sql = "a /* x */ b  c";
        let tokens = Tokenizer::new(&DriftDialect::new(), sql)
            .tokenize_with_location()
            .unwrap();
        let eof = end_of(&tokens);
        let mut cursor = Cursor::new(&tokens, 0, &eof, sql);
        assert!(is_word(&cursor.peek_nth(2).token, "c"));
        assert!(cursor.word("A"));
        assert!(!cursor.word("c"));
        assert_eq!(cursor.position(cursor.peek()), Some(11));
        assert!(is_word(&cursor.next().token, "b"));
        assert_eq!(cursor.last_end(), tokens[cursor.at() - 1].span.end);
        cursor.next();
        assert_eq!(cursor.next().token, Token::EOF);
        assert_eq!(cursor.peek_nth(3).token, Token::EOF);
    }
}
