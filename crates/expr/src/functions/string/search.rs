//! Case-insensitive search, as the docs specify for `indexOf`, `lastIndexOf`,
//! `startsWith` and `endsWith` (and as we decided for `nthIndexOf`).
//!
//! Characters are compared through their simple upper-case mapping, the way .NET's
//! `StringComparison.OrdinalIgnoreCase` does. Each character folds to exactly one
//! character, so a position in the folded text is the same char index as in the original.
//! Searching folds both strings once and then uses the standard library's linear-time
//! substring search, so a long hostile text cannot make a search quadratic.

use std::borrow::Cow;

/// The simple upper-case mapping of `c`, or `c` when it has none (its full upper case
/// being several characters, as for 'ß').
pub(super) fn simple_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(s.to_ascii_uppercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.chars().map(simple_upper).collect())
    }
}

fn chars_eq(a: char, b: char) -> bool {
    a == b || simple_upper(a) == simple_upper(b)
}

pub(super) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    let mut text = text.chars();
    prefix
        .chars()
        .all(|p| text.next().is_some_and(|t| chars_eq(t, p)))
}

pub(super) fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    let mut text = text.chars().rev();
    suffix
        .chars()
        .rev()
        .all(|s| text.next().is_some_and(|t| chars_eq(t, s)))
}

/// The char index of byte offset `at` in `folded`.
fn char_index(folded: &str, at: usize) -> usize {
    super::char_len(&folded[..at])
}

/// The char index of the first occurrence of `search` in `text`, ignoring case; an empty
/// search text is found at 0.
pub(super) fn index_of(text: &str, search: &str) -> Option<usize> {
    let folded = fold(text);
    folded
        .find(fold(search).as_ref())
        .map(|at| char_index(&folded, at))
}

/// The char index of the last occurrence of non-empty `search` in `text`, ignoring case.
pub(super) fn last_index_of(text: &str, search: &str) -> Option<usize> {
    let folded = fold(text);
    folded
        .rfind(fold(search).as_ref())
        .map(|at| char_index(&folded, at))
}

/// The char index of the `n`th occurrence (from the end when `n` is negative; never 0),
/// ignoring case. Occurrences may overlap: after a match the search resumes one character
/// further on, so `nthIndexOf('aaa', 'aa', 2)` is 1.
pub(super) fn nth_index_of(text: &str, search: &str, n: i64) -> Option<usize> {
    let folded = fold(text);
    let needle = fold(search);
    let wanted = n.unsigned_abs();
    if needle.is_empty() {
        // An empty search text occurs at every position, the end included.
        let len = super::char_len(text) as u64;
        let index = if n > 0 {
            wanted - 1
        } else {
            (len + 1).checked_sub(wanted)?
        };
        return (index <= len).then_some(index as usize);
    }
    let mut found = 0u64;
    if n > 0 {
        let mut from = 0;
        while let Some(at) = folded
            .get(from..)
            .and_then(|rest| rest.find(needle.as_ref()))
        {
            let at = from + at;
            found += 1;
            if found == wanted {
                return Some(char_index(&folded, at));
            }
            from = at + folded[at..].chars().next().map_or(1, char::len_utf8);
        }
    } else {
        let mut end = folded.len();
        while let Some(at) = folded
            .get(..end)
            .and_then(|rest| rest.rfind(needle.as_ref()))
        {
            found += 1;
            if found == wanted {
                return Some(char_index(&folded, at));
            }
            // Earlier occurrences start before `at`, so they end before `at + len`.
            end = at + needle.len() - 1;
            while !folded.is_char_boundary(end) {
                end -= 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_char_positions() {
        assert_eq!(index_of("straße STRASSE", "strasse"), Some(7));
        assert_eq!(index_of("ÉCOLE école", "école"), Some(0));
        assert_eq!(last_index_of("ÉCOLE école", "ÉCOLE"), Some(6));
        assert_eq!(index_of("😀abc", "B"), Some(2));
    }

    #[test]
    fn nth_occurrences_overlap() {
        assert_eq!(nth_index_of("aaaa", "aa", 1), Some(0));
        assert_eq!(nth_index_of("aaaa", "aa", 2), Some(1));
        assert_eq!(nth_index_of("aaaa", "aa", 3), Some(2));
        assert_eq!(nth_index_of("aaaa", "aa", 4), None);
        assert_eq!(nth_index_of("aaaa", "aa", -1), Some(2));
        assert_eq!(nth_index_of("aaaa", "aa", -3), Some(0));
        assert_eq!(nth_index_of("aaaa", "aa", -4), None);
        assert_eq!(nth_index_of("éaéaé", "é", -2), Some(2));
        assert_eq!(nth_index_of("abc", "", 1), Some(0));
        assert_eq!(nth_index_of("abc", "", -1), Some(3));
        assert_eq!(nth_index_of("abc", "", 5), None);
        assert_eq!(nth_index_of("abc", "", i64::MIN), None);
        assert_eq!(nth_index_of("abc", "b", i64::MAX), None);
    }

    #[test]
    fn prefixes_and_suffixes() {
        assert!(starts_with_ignore_case("Hello", "hE"));
        assert!(starts_with_ignore_case("Hello", ""));
        assert!(!starts_with_ignore_case("He", "hello"));
        // 'ß' has no simple upper case, so it does not match "SS" (as in .NET).
        assert!(!ends_with_ignore_case("Grüße", "ÜSSE"));
        assert!(ends_with_ignore_case("GRÜSSE", "üsse"));
        assert!(ends_with_ignore_case("abc", ""));
    }
}
