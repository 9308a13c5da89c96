//! The scoring normaliser for word error rate: both the reference text and the ASR
//! transcript go through it so that only differences in *words* count.
//!
//! Lower-case, digits spelled out as English words ("42" → "forty two", "3.5" → "three
//! point five", "1,000" → "one thousand"), "%" → "percent", "&" → "and", apostrophes kept
//! inside words ("don't"), hyphens and every other punctuation mark treated as a word
//! break. This is deliberately small and fixed so scores stay comparable across runs;
//! the synthesis frontend (`crate::text`) has its own, richer normaliser.

use crate::text::numbers::{ONES, TENS};

const SCALES: [&str; 7] = ["", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion"];

/// Normalises `text` to space-separated lower-case words for scoring.
pub fn normalize_for_scoring(text: &str) -> String {
    words_for_scoring(text).join(" ")
}

/// The scoring words of `text` (see the module documentation).
pub fn words_for_scoring(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        let w = word.trim_matches('\'');
        if !w.is_empty() {
            out.push(w.to_string());
        }
        word.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            flush(&mut word, &mut out);
            // A number: digits with thousands commas, optionally a decimal part.
            let mut int = String::new();
            while i < chars.len() {
                if chars[i].is_ascii_digit() {
                    int.push(chars[i]);
                    i += 1;
                } else if chars[i] == ',' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit() {
                    i += 1;
                } else {
                    break;
                }
            }
            out.extend(integer_words(&int));
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                out.push("point".into());
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    out.push(ONES[chars[i] as usize - '0' as usize].into());
                    i += 1;
                }
            }
            continue;
        }
        match c {
            '%' => {
                flush(&mut word, &mut out);
                out.push("percent".into());
            }
            '&' => {
                flush(&mut word, &mut out);
                out.push("and".into());
            }
            '\'' | '’' => word.push('\''),
            c if c.is_alphanumeric() => word.extend(c.to_lowercase()),
            _ => flush(&mut word, &mut out),
        }
        i += 1;
    }
    flush(&mut word, &mut out);
    out
}

/// English words of a string of decimal digits. Very long numbers (beyond the named
/// scales) are read digit by digit, as people read them.
fn integer_words(digits: &str) -> Vec<String> {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return vec!["zero".into()];
    }
    if digits.len() > 3 * SCALES.len() {
        return digits.chars().map(|d| ONES[d as usize - '0' as usize].to_string()).collect();
    }
    let bytes: Vec<u32> = digits.bytes().map(|b| (b - b'0') as u32).collect();
    let groups = bytes.len().div_ceil(3);
    let first = bytes.len() - (groups - 1) * 3;
    let mut out = Vec::new();
    let mut start = 0;
    for g in 0..groups {
        let end = if g == 0 { first } else { start + 3 };
        let value = bytes[start..end].iter().fold(0, |acc, d| acc * 10 + d);
        if value > 0 {
            out.extend(below_thousand(value));
            let scale = SCALES[groups - 1 - g];
            if !scale.is_empty() {
                out.push(scale.to_string());
            }
        }
        start = end;
    }
    out
}

fn below_thousand(n: u32) -> Vec<String> {
    let mut out = Vec::new();
    if n >= 100 {
        out.push(ONES[(n / 100) as usize].to_string());
        out.push("hundred".into());
    }
    let rest = n % 100;
    if rest >= 20 {
        out.push(TENS[(rest / 10) as usize].to_string());
        if !rest.is_multiple_of(10) {
            out.push(ONES[(rest % 10) as usize].to_string());
        }
    } else if rest > 0 {
        out.push(ONES[rest as usize].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_strips_punctuation() {
        assert_eq!(normalize_for_scoring("Hello, World! It's a \"test\"."), "hello world it's a test");
        assert_eq!(normalize_for_scoring("well-known  —  fact"), "well known fact");
        assert_eq!(normalize_for_scoring("  "), "");
    }

    #[test]
    fn spells_numbers() {
        assert_eq!(normalize_for_scoring("42"), "forty two");
        assert_eq!(normalize_for_scoring("1,000 and 7"), "one thousand and seven");
        assert_eq!(normalize_for_scoring("3.5%"), "three point five percent");
        assert_eq!(normalize_for_scoring("2026"), "two thousand twenty six");
        assert_eq!(normalize_for_scoring("100,000,001"), "one hundred million one");
        assert_eq!(normalize_for_scoring("0"), "zero");
        // Beyond the named scales: digit by digit, never a panic.
        assert_eq!(words_for_scoring(&"9".repeat(30)).len(), 30);
    }

    #[test]
    fn unicode_is_kept_as_words() {
        assert_eq!(normalize_for_scoring("Café DÉJÀ vu"), "café déjà vu");
        assert_eq!(normalize_for_scoring("rock & roll’s"), "rock and roll's");
    }
}
