//! What the passes over a statement's tokens share: the passes that take syntax sqlparser
//! does not read out of the tokens (`system_time`, `between`, `window_exclude`,
//! `search_cycle`) and the readers of DriftDB's own statements (`drift`, `projection`).
//! Words are compared as SQL compares keywords; whitespace and comments (whitespace to the
//! tokenizer) are skipped; a clause taken out is blanked, so positions in the text stay.

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

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
}
