//! Unicode clean-up before normalisation: control characters are stripped, accented Latin
//! letters are transliterated (é → e, ß → ss), typographic punctuation is mapped to ASCII,
//! and characters the English frontend cannot say (emoji, CJK, Arabic, Hebrew, ...) are
//! skipped and counted so the caller can report them.

/// Result of cleaning: ASCII-ish text plus what was skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cleaned {
    pub text: String,
    /// Number of characters skipped because no English reading exists for them.
    pub skipped: usize,
    /// A few of the skipped characters, for the note shown to the user.
    pub skipped_sample: String,
}

const FOLD: [(&str, &str); 30] = [
    ("àáâãäåāăą", "a"),
    ("ÀÁÂÃÄÅĀĂĄ", "A"),
    ("çćĉċč", "c"),
    ("ÇĆĈĊČ", "C"),
    ("ďđð", "d"),
    ("ĎĐÐ", "D"),
    ("èéêëēĕėęě", "e"),
    ("ÈÉÊËĒĔĖĘĚ", "E"),
    ("ĝğġģ", "g"),
    ("ĜĞĠĢ", "G"),
    ("ĥħ", "h"),
    ("ìíîïĩīĭįı", "i"),
    ("ÌÍÎÏĨĪĬĮİ", "I"),
    ("ĵ", "j"),
    ("ķ", "k"),
    ("ĺļľŀł", "l"),
    ("ĹĻĽĿŁ", "L"),
    ("ñńņňŉ", "n"),
    ("ÑŃŅŇ", "N"),
    ("òóôõöøōŏő", "o"),
    ("ÒÓÔÕÖØŌŎŐ", "O"),
    ("ŕŗř", "r"),
    ("śŝşšș", "s"),
    ("ŚŜŞŠȘ", "S"),
    ("ţťŧț", "t"),
    ("ùúûüũūŭůűų", "u"),
    ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
    ("ýÿŷ", "y"),
    ("ÝŸŶ", "Y"),
    ("źżž", "z"),
];

fn fold(c: char) -> Option<&'static str> {
    match c {
        'ß' => return Some("ss"),
        'æ' => return Some("ae"),
        'Æ' => return Some("Ae"),
        'œ' => return Some("oe"),
        'Œ' => return Some("Oe"),
        'þ' => return Some("th"),
        'Þ' => return Some("Th"),
        'Ź' | 'Ż' | 'Ž' => return Some("Z"),
        '‘' | '’' | '‛' | '′' | '`' | '´' => return Some("'"),
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => return Some("\""),
        '–' | '—' | '―' => return Some(" - "),
        '‐' | '‑' | '‒' => return Some("-"),
        '−' => return Some("-"),
        '…' => return Some("..."),
        '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => return Some(" "),
        '½' => return Some(" 1/2"),
        '¼' => return Some(" 1/4"),
        '¾' => return Some(" 3/4"),
        '⅓' => return Some(" 1/3"),
        '⅔' => return Some(" 2/3"),
        '²' => return Some("^2"),
        '³' => return Some("^3"),
        _ => {}
    }
    FOLD.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to)
}

/// Characters kept as they are: ASCII printable plus the symbols the normaliser reads.
fn keep(c: char) -> bool {
    matches!(c, ' '..='~' | '\n' | '£' | '€' | '¥' | '₹' | '°' | '℃' | '×' | '÷' | '±' | '≈' | 'π' | '§' | '¶' | '©' | '®' | '™' | '√' | '∞')
}

/// Cleans text for the English normaliser.
pub fn clean(text: &str) -> Cleaned {
    let mut out = Cleaned { text: String::with_capacity(text.len()), ..Default::default() };
    for c in text.chars() {
        if keep(c) {
            out.text.push(c);
        } else if c == '\t' || c == '\r' {
            out.text.push(' ');
        } else if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fe00}'..='\u{fe0f}')
        {
            // zero-width and bidi controls, variation selectors: dropped silently
        } else if let Some(s) = fold(c) {
            out.text.push_str(s);
        } else {
            out.skipped += 1;
            if out.skipped_sample.chars().count() < 8 {
                out.skipped_sample.push(c);
            }
            out.text.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_skips() {
        let c = clean("Café naïve — “quoted” 日本 😀\u{7}ok");
        assert_eq!(c.text.split_whitespace().collect::<Vec<_>>(), ["Cafe", "naive", "-", "\"quoted\"", "ok"]);
        assert_eq!(c.skipped, 3);
    }
}
