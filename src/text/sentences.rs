//! Sentence splitting for text of any length (a whole book streams through sentence by
//! sentence). A period ends a sentence unless it belongs to an abbreviation that is
//! followed by a name ("Dr. Smith", "Mr. Brown"), to "e.g."/"i.e.", to an initial
//! ("J. R. R. Tolkien"), or to a number ("3.5"). Closing quotes and brackets stay with
//! their sentence. A blank line always ends a sentence. Very long runs without an end
//! are cut at a comma or space so that no utterance grows without bound.

/// Longest sentence, in bytes, before it is cut at a comma or a space.
pub const MAX_SENTENCE_BYTES: usize = 600;

/// Abbreviations after which a capitalised word does not start a new sentence.
const NON_FINAL: [&str; 37] = [
    "mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "gen", "gov", "sen", "rep", "sgt", "capt", "lt", "col", "rev", "mt", "vs", "no", "vol", "fig", "e.g",
    "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "pp",
];

/// Words that start a sentence after dotted initials ("... in the U.S.A. The next day").
const STARTERS: [&str; 22] =
    ["The", "He", "She", "It", "We", "They", "I", "But", "And", "This", "That", "There", "In", "A", "An", "You", "Our", "His", "Her", "Their", "What", "When"];

/// Iterator over the sentences of a text (trimmed, never empty).
pub struct Sentences<'a> {
    text: &'a str,
    pos: usize,
}

/// Splits `text` into sentences lazily.
pub fn sentences(text: &str) -> Sentences<'_> {
    Sentences { text, pos: 0 }
}

impl<'a> Iterator for Sentences<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = &self.text[self.pos..];
            if rest.trim().is_empty() {
                self.pos = self.text.len();
                return None;
            }
            let end = find_end(rest);
            let s = rest[..end].trim();
            self.pos += end;
            if !s.is_empty() {
                return Some(s);
            }
        }
    }
}

fn is_close(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '}' | '’' | '”' | '»')
}

/// Byte length of the first sentence of `s` (including its closing punctuation).
fn find_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut last_soft = None; // last comma/semicolon, then last space, for over-long cuts
    let mut last_space = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // Blank line: paragraph end.
        if c == b'\n' {
            let mut j = i + 1;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t' || b[j] == b'\r') {
                j += 1;
            }
            if j < b.len() && b[j] == b'\n' {
                return j + 1;
            }
        }
        if c == b',' || c == b';' {
            last_soft = Some(i + 1);
        } else if c == b' ' {
            last_space = Some(i + 1);
        }
        if matches!(c, b'.' | b'!' | b'?') {
            // swallow runs like "?!" and "..." and closing quotes/brackets
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b'.' | b'!' | b'?') {
                j += 1;
            }
            while j < b.len() {
                let ch = s[j..].chars().next().unwrap_or(' ');
                if is_close(ch) {
                    j += ch.len_utf8();
                } else {
                    break;
                }
            }
            let at_end = j >= b.len();
            let followed_by_space = !at_end && s[j..].starts_with(char::is_whitespace);
            if at_end || (followed_by_space && is_boundary(s, i, j)) {
                return j;
            }
            i = j;
            continue;
        }
        if i >= MAX_SENTENCE_BYTES {
            let cut = last_soft.filter(|&k| k > MAX_SENTENCE_BYTES / 2).or(last_space).unwrap_or(i);
            let mut cut = cut.max(1);
            while !s.is_char_boundary(cut) {
                cut += 1;
            }
            return cut;
        }
        i += 1;
    }
    s.len()
}

/// Decides whether the punctuation at `s[i]` (its run ending at `j`) ends a sentence.
fn is_boundary(s: &str, i: usize, j: usize) -> bool {
    let next_word: &str = s[j..].split_whitespace().next().unwrap_or("");
    let next_first = next_word.trim_start_matches(['"', '\'', '(', '[', '“', '‘']).chars().next();
    let starts_upper = next_first.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || !c.is_alphabetic());
    if s.as_bytes()[i] != b'.' || j > i + 1 && s.as_bytes()[i + 1] != b'.' {
        // "!" or "?" (possibly with more punctuation): a boundary unless lower case follows.
        return starts_upper || s.as_bytes()[i] != b'.';
    }
    if j >= i + 3 && &s[i..i + 3] == "..." {
        return starts_upper;
    }
    // The word that the period ends.
    let word_start = s[..i].rfind(|c: char| c.is_whitespace() || c == '(' || c == '"').map_or(0, |k| k + 1);
    let word = &s[word_start..i];
    let lower = word.to_ascii_lowercase();
    if NON_FINAL.contains(&lower.as_str()) {
        return false;
    }
    // Initials "J." and dotted acronyms "U.S.A.": a boundary only before a common sentence starter.
    let is_initial = word.chars().count() == 1 && word.chars().all(|c| c.is_alphabetic());
    let dotted = word.contains('.') && word.split('.').all(|p| p.chars().count() == 1);
    if is_initial || dotted {
        return STARTERS.contains(&next_word.trim_matches(|c: char| !c.is_alphanumeric()));
    }
    starts_upper
}

/// The sentence type from its final punctuation: '.', '?', '!' or None.
pub fn sentence_end(s: &str) -> Option<char> {
    let t = s.trim_end().trim_end_matches(is_close);
    if t.ends_with("...") {
        return None;
    }
    t.chars().rev().find(|c| !c.is_whitespace()).filter(|c| matches!(c, '.' | '?' | '!')).map(|c| {
        // "?!" counts as a question
        if t.ends_with("?!") || t.ends_with("!?") {
            '?'
        } else {
            c
        }
    })
}
