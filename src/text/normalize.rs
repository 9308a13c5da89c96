//! Text normalisation: written English → the words a reader would say.
//!
//! The text is cleaned ([`crate::text::unicode`]), split on white space into chunks, each
//! chunk's surrounding punctuation is peeled off, and the core is classified with a look at
//! its neighbours (for "Jan. 5, 2024", "3:45 pm", "5 kg", "Dr. Smith" / "Elm Dr.",
//! "Chapter XIV" / "Henry VIII", "in 1987" / "in 1200 words"). Spelled letters come out as
//! `x.` words (CMUdict reads `a.` as EY1, unlike the article `a`).

use crate::text::abbreviations as ab;
use crate::text::numbers as num;

/// What the normaliser produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Norm {
    /// A word to pronounce (lower case; spelled letters as `x.`).
    Word(String),
    /// A pause from punctuation: comma, semicolon, colon, dash, parentheses.
    Pause,
    /// Inline phonemes written `{HH AH0 L OW1}` in the text (kept verbatim, checked later).
    Inline(String),
}

#[derive(Debug, Clone)]
struct Chunk {
    core: String,
    /// Punctuation that followed the core (",", ";", ":", ")", "...", ...).
    trail: String,
    /// Punctuation before the core ("(", quotes).
    lead: String,
    inline: bool,
}

fn is_lead(c: char) -> bool {
    matches!(c, '"' | '(' | '[' | '{' | '<' | '\'' | '*' | '_')
}
fn is_trail(c: char) -> bool {
    matches!(c, '"' | ')' | ']' | '}' | '>' | ',' | ';' | ':' | '!' | '?' | '.' | '\'' | '*' | '_')
}

fn chunks(text: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut rest = text;
    // Inline phonemes {..} are chunks of their own even though they hold spaces.
    while !rest.is_empty() {
        let (plain, after) = match rest.find('{') {
            Some(a) => match rest[a..].find('}') {
                Some(b) => (&rest[..a], Some((&rest[a + 1..a + b], &rest[a + b + 1..]))),
                None => (rest, None),
            },
            None => (rest, None),
        };
        for w in plain.split_whitespace() {
            out.push(split_chunk(w));
        }
        match after {
            Some((ph, r)) => {
                out.push(Chunk { core: ph.trim().to_string(), trail: String::new(), lead: String::new(), inline: true });
                // punctuation glued after the closing brace
                let glued: String = r.chars().take_while(|c| is_trail(*c)).collect();
                if let Some(last) = out.last_mut() {
                    last.trail = glued.clone();
                }
                rest = &r[glued.len()..];
            }
            None => break,
        }
    }
    out
}

fn split_chunk(w: &str) -> Chunk {
    let lead_len: usize = w.chars().take_while(|&c| is_lead(c)).map(char::len_utf8).sum();
    let mut core = &w[lead_len..];
    let lead = w[..lead_len].to_string();
    // Trailing punctuation, but keep a period that belongs to an abbreviation or initials.
    let mut end = core.len();
    while let Some(c) = core[..end].chars().next_back() {
        if !is_trail(c) {
            break;
        }
        if c == '.' && keeps_period(&core[..end]) {
            break;
        }
        end -= c.len_utf8();
    }
    let trail = core[end..].to_string();
    core = &core[..end];
    Chunk { core: core.to_string(), trail, lead, inline: false }
}

/// True when the final period of `s` is part of the token ("Dr.", "U.S.A.", "e.g.").
fn keeps_period(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    if ab::ABBREVIATIONS.iter().any(|(a, _)| *a == l) || ab::DOTTED.iter().any(|(a, _)| *a == l) {
        return true;
    }
    if matches!(l.as_str(), "dr." | "st." | "jan." | "feb." | "mar." | "apr." | "jun." | "jul." | "aug." | "sep." | "sept." | "oct." | "nov." | "dec.") {
        return true;
    }
    // initials: U.S.A.  a.m.
    let parts: Vec<&str> = s[..s.len() - 1].split('.').collect();
    parts.len() >= 2 && parts.iter().all(|p| p.chars().count() == 1 && p.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Normalises one sentence (or any text) to words and pauses.
pub fn normalize(text: &str) -> Vec<Norm> {
    normalize_cleaned(text).0
}

/// Normalises and also says what the Unicode clean-up skipped (count, sample characters).
pub fn normalize_cleaned(text: &str) -> (Vec<Norm>, crate::text::unicode::Cleaned) {
    let mut cleaned = crate::text::unicode::clean(text);
    let cs = chunks(&cleaned.text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].lead.contains('(') || cs[i].lead.contains('[') {
            push_pause(&mut out);
        }
        let used = expand(&cs, i, &mut out).max(1);
        let last = &cs[i + used - 1];
        if last.trail.contains([',', ';', ':', ')', ']']) || last.trail.contains("...") {
            push_pause(&mut out);
        }
        i += used;
    }
    while matches!(out.last(), Some(Norm::Pause)) {
        out.pop();
    }
    cleaned.text.clear();
    (out, cleaned)
}

/// The words of a normalisation joined by spaces (pauses as ","): handy for tests and display.
pub fn to_text(n: &[Norm]) -> String {
    let mut s = String::new();
    for t in n {
        match t {
            Norm::Word(w) => {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(w);
            }
            Norm::Pause => s.push_str(if s.is_empty() { "," } else { " ," }),
            Norm::Inline(p) => {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push('{');
                s.push_str(p);
                s.push('}');
            }
        }
    }
    s
}

/// Normalises and joins: `say("$5")` = "five dollars".
pub fn say(text: &str) -> String {
    to_text(&normalize(text))
}

fn push_pause(out: &mut Vec<Norm>) {
    if !out.is_empty() && !matches!(out.last(), Some(Norm::Pause)) {
        out.push(Norm::Pause);
    }
}

fn words(out: &mut Vec<Norm>, ws: impl IntoIterator<Item = impl Into<String>>) {
    for w in ws {
        let w: String = w.into();
        for part in w.split(' ').filter(|p| !p.is_empty()) {
            out.push(Norm::Word(part.to_string()));
        }
    }
}

pub(crate) fn spell(out: &mut Vec<Norm>, s: &str) {
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            out.push(Norm::Word(format!("{}.", c.to_ascii_lowercase())));
        } else if c.is_ascii_digit() {
            words(out, [num::digit_word(c)]);
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Plain number (sign, commas, decimals) → its digits-only integer part when integral.
fn is_number(s: &str) -> bool {
    num::number(s).is_some()
}

fn plural_for(n: &str) -> bool {
    n.trim_start_matches(['-', '+']) != "1"
}

/// Chunk `i` of a sentence and the neighbours its readers look at.
struct At<'a> {
    cs: &'a [Chunk],
    i: usize,
    c: &'a Chunk,
    core: &'a str,
    /// The next chunk's core when nothing but white space separates them.
    next_clean: Option<&'a str>,
    prev: Option<&'a str>,
}

/// A reader of one kind of token: `Some(chunks used)` when chunk `at.i` is of its kind.
type Reader = fn(&At, &mut Vec<Norm>) -> Option<usize>;

/// The readers in the order they are tried; a chunk none of them claims is read as words.
const READERS: [Reader; 17] = [
    symbols,
    web_address,
    |a, out| currency(a.core, a.next_clean, out),
    hashtag,
    percent,
    power,
    |a, out| time(a.core, a.next_clean, out),
    |a, out| date(a.cs, a.i, out),
    telephone_number,
    ordinal,
    decade,
    range,
    fraction,
    |a, out| number_with_unit(a.core, a.next_clean, out),
    plain_number,
    |a, out| abbreviation(a.cs, a.i, out),
    roman_numeral,
];

/// Expands chunk `i` (possibly with its neighbours); returns how many chunks it used.
fn expand(cs: &[Chunk], i: usize, out: &mut Vec<Norm>) -> usize {
    let c = &cs[i];
    if c.inline {
        out.push(Norm::Inline(c.core.clone()));
        return 1;
    }
    let at = At {
        cs,
        i,
        c,
        core: c.core.as_str(),
        next_clean: cs.get(i + 1).filter(|_| c.trail.is_empty()).map(|n| n.core.as_str()),
        prev: if i > 0 { Some(cs[i - 1].core.as_str()) } else { None },
    };
    READERS.iter().find_map(|read| read(&at, out)).unwrap_or_else(|| {
        expand_word(at.core, out);
        1
    })
}

/// Punctuation and symbols: "&" alone, a lone dash or slash (a pause), "#", "@", "--".
fn symbols(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let core = a.core;
    if core.is_empty() {
        for ch in a.c.lead.chars().chain(a.c.trail.chars()) {
            if ch == '&' {
                words(out, ["and"]);
            }
        }
        return Some(1);
    }
    let mut chars = core.chars();
    if let (Some(ch), None) = (chars.next(), chars.next()) {
        if ch == '-' || ch == '/' || ch == '|' {
            push_pause(out);
            return Some(1);
        }
        if ch == '#' {
            words(out, ["number"]);
            return Some(1);
        }
        if let Some(w) = ab::symbol(ch) {
            words(out, [w]);
            return Some(1);
        }
    }
    if core.chars().all(|ch| !ch.is_alphanumeric()) {
        // "--", "***", "..." and the like
        if core.contains('-') {
            push_pause(out);
        }
        return Some(1);
    }
    None
}

/// E-mail addresses and URLs.
fn web_address(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    out.extend(email(a.core).or_else(|| url(a.core))?);
    Some(1)
}

/// Hashtags and "#1".
fn hashtag(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let rest = a.core.strip_prefix('#')?;
    if all_digits(rest) {
        words(out, ["number"]);
        words(out, num::cardinal(rest));
    } else {
        words(out, ["hashtag"]);
        expand_word(rest, out);
    }
    Some(1)
}

/// "45%".
fn percent(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let w = num::number(a.core.strip_suffix('%')?)?;
    words(out, w);
    words(out, ["percent"]);
    Some(1)
}

/// Powers: 10^100, 2^10, x^2.
fn power(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let (b, e) = a.core.split_once('^')?;
    let letter_base = b.len() == 1 && b.chars().all(|ch| ch.is_ascii_alphabetic());
    if !((is_number(b) || letter_base) && (all_digits(e) || e.strip_prefix('-').is_some_and(all_digits))) {
        return None;
    }
    if letter_base {
        words(out, [b.to_ascii_lowercase()]);
    } else {
        words(out, num::number(b).unwrap_or_default());
    }
    words(out, ["to", "the", "power", "of"]);
    words(out, num::number(e).unwrap_or_default());
    Some(1)
}

/// Telephone numbers, "(555) 123-4567" included.
fn telephone_number(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let c = a.c;
    let paren_area = c.lead.ends_with('(') && c.trail.starts_with(')') && a.core.len() == 3 && all_digits(a.core);
    let (n, used) = if paren_area { telephone(&format!("({})", a.core), a.cs.get(a.i + 1).map(|n| n.core.as_str())) } else { telephone(a.core, a.next_clean) }?;
    out.extend(n);
    Some(used)
}

/// Ordinals: 1st 22nd 103rd 4th.
fn ordinal(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let core = a.core;
    if core.len() <= 2 || !core.is_char_boundary(core.len() - 2) {
        return None;
    }
    let (d, suf) = core.split_at(core.len() - 2);
    if !(all_digits(d) && matches!(suf.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th")) {
        return None;
    }
    words(out, num::ordinal(d));
    Some(1)
}

/// Decades: 1990s, 80s, '80s.
fn decade(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let d = a.core.trim_start_matches('\'').strip_suffix('s')?;
    if !(all_digits(d) && (d.len() == 4 || d.len() == 2) && d.ends_with('0')) {
        return None;
    }
    let mut w = if d.len() == 4 { num::year(d) } else { num::cardinal(d) };
    if let Some(l) = w.last_mut() {
        *l = if l.ends_with('y') { format!("{}ies", &l[..l.len() - 1]) } else { format!("{l}s") };
    }
    words(out, w);
    Some(1)
}

/// Ranges: 10-20, 1990-1995, 5-10%.
fn range(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let (lo, hi) = a.core.split_once(['-', '–'])?;
    let (hi, pct) = match hi.strip_suffix('%') {
        Some(x) => (x, true),
        None => (hi, false),
    };
    if !(is_number(lo) && is_number(hi) && !lo.starts_with('-')) {
        return None;
    }
    let years = lo.len() == 4 && hi.len() == 4 && all_digits(lo) && all_digits(hi) && looks_like_year(lo);
    let read = |s: &str| if years { num::year(s) } else { num::number(s).unwrap_or_default() };
    words(out, read(lo));
    words(out, ["to"]);
    words(out, read(hi));
    if pct {
        words(out, ["percent"]);
    }
    Some(1)
}

/// Fractions: 3/4 (mixed numbers, "1 1/2", are [`plain_number`]'s).
fn fraction(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let (n, d) = a.core.split_once('/')?;
    if !(all_digits(n) && all_digits(d)) {
        return None;
    }
    words(out, num::fraction(n, d));
    Some(1)
}

/// Plain numbers: mixed fractions, years ("in 1987") against cardinals ("1200 words"),
/// "No. 5".
fn plain_number(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let core = a.core;
    if !is_number(core) {
        return None;
    }
    let mixed_fraction = a.next_clean.and_then(|n| n.split_once('/')).filter(|(n, d)| all_digits(n) && all_digits(d));
    if let (Some((n, d)), true) = (mixed_fraction, all_digits(core)) {
        words(out, num::cardinal(core));
        words(out, ["and"]);
        words(out, num::fraction(n, d));
        return Some(2);
    }
    let prev_l = a.prev.map(|p| p.to_ascii_lowercase());
    if all_digits(core) && core.len() == 4 && looks_like_year(core) && year_context(prev_l.as_deref(), a.next_clean) {
        words(out, num::year(core));
    } else if prev_l.as_deref() == Some("no.") || prev_l.as_deref() == Some("#") {
        words(out, num::cardinal(core));
    } else {
        words(out, num::number(core).unwrap_or_default());
    }
    Some(1)
}

/// Roman numerals in context: "Chapter XIV" (a cardinal), "Henry VIII" (the ordinal), but
/// not the pronoun "I".
fn roman_numeral(a: &At, out: &mut Vec<Norm>) -> Option<usize> {
    let (core, cs, i, prev) = (a.core, a.cs, a.i, a.prev);
    let v = num::roman(core)?;
    let prev_l = prev.map(|p| p.to_ascii_lowercase()).unwrap_or_default();
    if ab::ROMAN_CARDINAL_CONTEXT.contains(&prev_l.as_str()) && (core != "I" || prev_l != "war") {
        words(out, num::cardinal_u64(v as u64));
        return Some(1);
    }
    let after_name = i >= 1
        && prev
            .is_some_and(|p| p.len() > 1 && p.chars().next().is_some_and(|ch| ch.is_ascii_uppercase()) && p.chars().skip(1).all(|ch| ch.is_ascii_lowercase()))
        && cs[i - 1].trail.is_empty();
    let not_pronoun = core != "I" || (i >= 2 && cs.get(i + 1).is_none_or(|n| !n.core.chars().next().is_some_and(|ch| ch.is_ascii_lowercase())));
    // `not_pronoun` lets "I" through only from the third token on ("King Henry I").
    if after_name && not_pronoun {
        words(out, ["the"]);
        words(out, num::ordinal(&v.to_string()));
        return Some(1);
    }
    None
}

fn looks_like_year(s: &str) -> bool {
    s.parse::<u32>().is_ok_and(|y| (1000..=2099).contains(&y))
}

/// Whether a 4-digit number is a year, from its neighbours: "in 1987", "1987 was",
/// but "1200 words", "2000 people", "1500 meters".
fn year_context(prev: Option<&str>, next: Option<&str>) -> bool {
    let Some(n) = next else { return true };
    if ab::unit(n).is_some() || n == "%" {
        return false;
    }
    let lower_word = n.chars().all(|c| c.is_ascii_lowercase());
    if lower_word && n.len() > 2 && n.ends_with('s') && !matches!(n, "was" | "is" | "has" | "this" | "his" | "its" | "as" | "versus") {
        return false;
    }
    let _ = prev;
    true
}

/// Words: hyphenated, alphanumeric mixtures, acronyms, dotted initials, plain words.
fn expand_word(core: &str, out: &mut Vec<Norm>) {
    if core.contains('-') && core.chars().any(|c| c.is_alphanumeric()) {
        for part in core.split('-').filter(|p| !p.is_empty()) {
            if let Some(w) = num::number(part) {
                words(out, w);
            } else {
                expand_word(part, out);
            }
        }
        return;
    }
    if core.eq_ignore_ascii_case("and/or") {
        words(out, ["and", "or"]);
        return;
    }
    if core.contains('/') {
        let parts: Vec<&str> = core.split('/').filter(|p| !p.is_empty()).collect();
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                words(out, [if parts.len() == 2 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_lowercase())) { "or" } else { "slash" }]);
            }
            expand_word(part, out);
        }
        return;
    }
    let l = core.to_ascii_lowercase();
    if let Some((_, w)) = ab::DOTTED.iter().find(|(a, _)| *a == l) {
        words(out, [*w]);
        return;
    }
    // Initials: U.S.A. → u. s. a.
    let stripped = core.trim_end_matches('.');
    if stripped.contains('.') && stripped.split('.').all(|p| p.chars().count() == 1 && p.chars().all(|c| c.is_ascii_alphabetic())) {
        spell(out, stripped);
        return;
    }
    // Letter/digit mixtures: MP3, B2B, COVID19, 4K.
    let has_digit = core.chars().any(|c| c.is_ascii_digit());
    let has_alpha = core.chars().any(|c| c.is_ascii_alphabetic());
    if has_digit && has_alpha {
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut Vec<Norm>| {
            if run.is_empty() {
                return;
            }
            if all_digits(run) {
                if run.starts_with('0') {
                    words(out, num::digits(run));
                } else {
                    words(out, num::cardinal(run));
                }
            } else {
                acronym_or_word(run, out);
            }
            run.clear();
        };
        let mut prev_digit = None;
        for ch in core.chars() {
            let d = ch.is_ascii_digit();
            if !ch.is_ascii_alphanumeric() {
                flush(&mut run, out);
                prev_digit = None;
                continue;
            }
            if prev_digit.is_some_and(|p| p != d) {
                flush(&mut run, out);
            }
            run.push(ch);
            prev_digit = Some(d);
        }
        flush(&mut run, out);
        return;
    }
    // Other punctuation inside a word ("AT&T", "rock'n'roll" keeps its apostrophes).
    if core.contains('&') {
        let parts: Vec<&str> = core.split('&').collect();
        for (k, p) in parts.iter().enumerate() {
            if k > 0 {
                words(out, ["and"]);
            }
            if p.len() == 1 && p.chars().all(|ch| ch.is_ascii_uppercase()) {
                spell(out, p);
            } else if !p.is_empty() {
                acronym_or_word(p, out);
            }
        }
        return;
    }
    let clean: String = core.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '\'' || *c == '.').collect();
    let clean = clean.trim_matches(['\'', '.']);
    if clean.is_empty() {
        return;
    }
    if clean.contains('.') {
        for p in clean.split('.').filter(|p| !p.is_empty()) {
            acronym_or_word(p, out);
        }
        return;
    }
    acronym_or_word(clean, out);
}

/// All-capital tokens: spoken acronyms (NASA) as words, others (FBI) spelled; long capital
/// words (HELLO) as words. Everything else is lower-cased.
fn acronym_or_word(w: &str, out: &mut Vec<Norm>) {
    let letters = w.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let upper = letters >= 2 && w.chars().all(|c| c.is_ascii_uppercase() || c == '\'');
    let plural_acronym = w.len() >= 3 && w.ends_with('s') && w[..w.len() - 1].chars().all(|c| c.is_ascii_uppercase());
    if plural_acronym && !ab::SPOKEN_ACRONYMS.contains(&&w[..w.len() - 1]) {
        // CDs, URLs → c. d. z.
        spell(out, &w[..w.len() - 1]);
        out.push(Norm::Word("'s".into()));
        return;
    }
    if upper {
        if ab::SPELLED_ACRONYMS.contains(&w) {
            spell(out, w);
            return;
        }
        if ab::SPOKEN_ACRONYMS.contains(&w) || (letters >= 4 && pronounceable(w)) {
            words(out, [w.to_ascii_lowercase()]);
            return;
        }
        spell(out, w);
        return;
    }
    words(out, [w.to_ascii_lowercase()]);
}

/// A crude test of whether letters can be read as a word: has a vowel, and no run of more
/// than three consonants.
fn pronounceable(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    let vowel = |c: char| "aeiouy".contains(c);
    if !l.chars().any(vowel) {
        return false;
    }
    let mut run = 0;
    for c in l.chars() {
        run = if vowel(c) { 0 } else { run + 1 };
        if run > 3 {
            return false;
        }
    }
    let first_two: Vec<char> = l.chars().take(2).collect();
    !(first_two.len() == 2
        && !vowel(first_two[0])
        && !vowel(first_two[1])
        && !matches!((first_two[0], first_two[1]), ('b' | 'c' | 'd' | 'f' | 'g' | 'k' | 'p' | 't' | 's' | 'w', 'r' | 'l' | 'h') | ('s', _) | ('q', 'u')))
}

fn email(core: &str) -> Option<Vec<Norm>> {
    let (local, domain) = core.split_once('@')?;
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.contains('@') {
        return None;
    }
    let mut out = Vec::new();
    read_address(local, &mut out);
    words(&mut out, ["at"]);
    read_address(domain, &mut out);
    Some(out)
}

fn url(core: &str) -> Option<Vec<Norm>> {
    let l = core.to_ascii_lowercase();
    let (rest, scheme) = if let Some(r) = l.strip_prefix("https://") {
        (&core[8..], !r.is_empty())
    } else if let Some(r) = l.strip_prefix("http://") {
        (&core[7..], !r.is_empty())
    } else {
        (core, false)
    };
    let host = rest.split('/').next().unwrap_or("");
    let tlds = ["com", "org", "net", "io", "edu", "gov", "uk", "co", "de", "fr", "ai", "dev", "info", "rs", "ca", "au"];
    let has_tld = host.rsplit('.').next().is_some_and(|t| tlds.contains(&t.to_ascii_lowercase().as_str())) && host.contains('.');
    let www = l.starts_with("www.");
    if !(scheme || www || (has_tld && host.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')))) {
        return None;
    }
    let mut out = Vec::new();
    read_address(rest.trim_end_matches('/'), &mut out);
    Some(out)
}

/// Reads a host, path or e-mail local part: "." → dot, "/" → slash, "-" → dash, "_" → underscore.
fn read_address(s: &str, out: &mut Vec<Norm>) {
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<Norm>| {
        if w.is_empty() {
            return;
        }
        if w.eq_ignore_ascii_case("www") || (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic())) {
            spell(out, w);
        } else if all_digits(w) {
            words(out, num::digits(w));
        } else {
            expand_word(w, out);
        }
        w.clear();
    };
    for ch in s.chars() {
        let sep = match ch {
            '.' => Some("dot"),
            '/' => Some("slash"),
            '-' => Some("dash"),
            '_' => Some("underscore"),
            ':' => Some("colon"),
            '?' => Some("question mark"),
            '=' => Some("equals"),
            '&' => Some("and"),
            '+' => Some("plus"),
            '~' => Some("tilde"),
            '#' => Some("hash"),
            '%' => Some("percent"),
            _ => None,
        };
        match sep {
            Some(w) => {
                flush(&mut word, out);
                words(out, [w]);
            }
            None => word.push(ch),
        }
    }
    flush(&mut word, out);
}

/// "$5", "$5.50", "$1,000,000", "$5M", "$2.5 billion", "£3.20", "€10", "¥500".
fn currency(core: &str, next: Option<&str>, out: &mut Vec<Norm>) -> Option<usize> {
    let (neg, body) = match core.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, core),
    };
    let sym = body.chars().next()?;
    let (major, majors, minor, minors) = ab::currency(sym)?;
    let amount = &body[sym.len_utf8()..];
    let split = amount.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(amount.len());
    let (n, suffix) = amount.split_at(split);
    let n = n.trim_end_matches('.');
    if n.is_empty() || !is_number(n) {
        return None;
    }
    let mut used = 1;
    let mag = if suffix.is_empty() {
        match next.and_then(ab::magnitude) {
            Some(m) if next.is_some_and(|x| x.len() > 1) => {
                used = 2;
                Some(m)
            }
            _ => None,
        }
    } else {
        Some(ab::magnitude(suffix)?)
    };
    if neg {
        words(out, ["minus"]);
    }
    let (int_part, frac) = match n.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (n, None),
    };
    if let Some(m) = mag {
        words(out, num::number(n).unwrap_or_default());
        words(out, [m, majors]);
        return Some(used);
    }
    let int_words = num::cardinal(int_part);
    let cents = frac.filter(|f| f.len() == 2).map(|f| f.trim_start_matches('0'));
    match (frac, cents) {
        (Some(_), Some(c)) => {
            if int_part.trim_start_matches('0').is_empty() && !c.is_empty() {
                words(out, num::cardinal(c));
                words(out, [if c == "1" { minor } else { minors }]);
            } else {
                words(out, int_words);
                words(out, [if plural_for(int_part) { majors } else { major }]);
                if !c.is_empty() {
                    words(out, ["and"]);
                    words(out, num::cardinal(c));
                    words(out, [if c == "1" { minor } else { minors }]);
                }
            }
        }
        (Some(f), None) => {
            words(out, num::decimal(int_part, f));
            words(out, [majors]);
        }
        (None, _) => {
            words(out, int_words);
            words(out, [if plural_for(int_part) { majors } else { major }]);
        }
    }
    Some(used)
}

/// "8:00" → "eight o'clock", "3:45 pm" → "three forty-five p. m.", "14:30", "12:05" → "twelve oh five".
fn time(core: &str, next: Option<&str>, out: &mut Vec<Norm>) -> Option<usize> {
    let lower = core.to_ascii_lowercase();
    let (clock, mut ampm) = ["am", "pm", "a.m.", "p.m.", "a.m", "p.m"]
        .iter()
        .find_map(|s| lower.strip_suffix(s).map(|c| (c.to_string(), Some(s.starts_with('a')))))
        .unwrap_or((lower.clone(), None));
    let mut parts = clock.split(':');
    let h = parts.next()?;
    let m = parts.next();
    let s = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let hv: u32 = if all_digits(h) && h.len() <= 2 { h.parse().ok()? } else { return None };
    let next_ampm = next.map(|n| n.to_ascii_lowercase()).filter(|n| matches!(n.as_str(), "am" | "pm" | "a.m." | "p.m." | "a.m" | "p.m"));
    if m.is_none() && ampm.is_none() && next_ampm.is_none() {
        return None;
    }
    let mv: u32 = match m {
        Some(m) if all_digits(m) && m.len() == 2 => m.parse().ok()?,
        Some(_) => return None,
        None => 0,
    };
    if hv > 24 || mv > 59 {
        return None;
    }
    let mut used = 1;
    if ampm.is_none() {
        if let Some(n) = next.map(|n| n.to_ascii_lowercase()) {
            if matches!(n.as_str(), "am" | "pm" | "a.m." | "p.m." | "a.m" | "p.m") {
                ampm = Some(n.starts_with('a'));
                used = 2;
            }
        }
    }
    words(out, num::cardinal_u64(hv as u64));
    if mv == 0 && s.is_none() {
        if ampm.is_none() && hv <= 12 {
            words(out, ["o'clock"]);
        } else if ampm.is_none() {
            words(out, ["hundred"]);
        }
    } else if mv < 10 {
        words(out, ["oh"]);
        words(out, num::cardinal_u64(mv as u64));
    } else {
        words(out, num::cardinal_u64(mv as u64));
    }
    if let Some(sec) = s {
        if all_digits(sec) {
            words(out, ["and"]);
            words(out, num::cardinal(sec));
            words(out, [if sec.trim_start_matches('0') == "1" { "second" } else { "seconds" }]);
        }
    }
    match ampm {
        Some(true) => words(out, ["a.", "m."]),
        Some(false) => words(out, ["p.", "m."]),
        None => {}
    }
    Some(used)
}

/// Dates: "2024-01-05", "1/5/2024", "Jan. 5, 2024", "January 5th", "5 January 2024".
fn date(cs: &[Chunk], i: usize, out: &mut Vec<Norm>) -> Option<usize> {
    let core = cs[i].core.as_str();
    // ISO 8601.
    let iso: Vec<&str> = core.split('-').collect();
    if iso.len() == 3 && iso[0].len() == 4 && iso[1].len() == 2 && iso[2].len() == 2 && iso.iter().all(|p| all_digits(p)) {
        let (m, d) = (iso[1].parse::<u32>().ok()?, iso[2].parse::<u32>().ok()?);
        if (1..=31).contains(&d) {
            words(out, [ab::month_name(m)?]);
            words(out, num::ordinal(&d.to_string()));
            words(out, num::year(iso[0]));
            return Some(1);
        }
    }
    // US numeric: M/D/YYYY or M/D/YY.
    let sl: Vec<&str> = core.split('/').collect();
    if sl.len() == 3 && sl.iter().all(|p| all_digits(p)) && sl[0].len() <= 2 && sl[1].len() <= 2 && (sl[2].len() == 4 || sl[2].len() == 2) {
        let (m, d) = (sl[0].parse::<u32>().ok()?, sl[1].parse::<u32>().ok()?);
        if (1..=31).contains(&d) {
            words(out, [ab::month_name(m)?]);
            words(out, num::ordinal(&d.to_string()));
            if sl[2].len() == 4 {
                words(out, num::year(sl[2]));
            } else {
                words(out, num::digits(&sl[2][..1]).into_iter().take(0));
                words(
                    out,
                    if sl[2].starts_with('0') { vec!["oh".to_string()].into_iter().chain(num::cardinal(sl[2])).collect() } else { num::cardinal(sl[2]) },
                );
            }
            return Some(1);
        }
    }
    let day_of = |s: &str| -> Option<String> {
        let d = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &s[d.len()..];
        if !(suffix.is_empty() || matches!(suffix.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th")) {
            return None;
        }
        let v: u32 = if all_digits(d) && d.len() <= 2 { d.parse().ok()? } else { return None };
        (1..=31).contains(&v).then(|| d.to_string())
    };
    let year_of = |k: usize| -> Option<&str> { cs.get(k).map(|c| c.core.as_str()).filter(|y| y.len() == 4 && all_digits(y) && looks_like_year(y)) };
    // Month first: "Jan. 5, 2024", "January 5th".
    if let Some((_, name)) = ab::month(core) {
        let joined = cs[i].trail.is_empty() || cs[i].trail == ".";
        if let Some(d) = cs.get(i + 1).filter(|_| joined).and_then(|n| day_of(&n.core)) {
            words(out, [name]);
            words(out, num::ordinal(&d));
            let sep_ok = cs[i + 1].trail.is_empty() || cs[i + 1].trail == ",";
            if sep_ok {
                if let Some(y) = year_of(i + 2) {
                    words(out, num::year(y));
                    return Some(3);
                }
            }
            return Some(2);
        }
        if core.ends_with('.') || core.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            if let Some(y) = year_of(i + 1).filter(|_| joined || cs[i].trail == ",") {
                words(out, [name]);
                words(out, num::year(y));
                return Some(2);
            }
            if core.ends_with('.') {
                words(out, [name]);
                return Some(1);
            }
        }
        return None;
    }
    // Day first: "5 January 2024", "the 5th of May".
    if let Some(d) = day_of(core) {
        if cs[i].trail.is_empty() {
            if let Some((_, name)) = cs.get(i + 1).and_then(|n| ab::month(&n.core)) {
                words(out, ["the"]);
                words(out, num::ordinal(&d));
                words(out, ["of", name]);
                if cs[i + 1].trail.is_empty() || cs[i + 1].trail == "," {
                    if let Some(y) = year_of(i + 2) {
                        words(out, num::year(y));
                        return Some(3);
                    }
                }
                return Some(2);
            }
        }
    }
    None
}

/// Telephone numbers: "555-123-4567", "(555) 123-4567", "+1 555 123 4567", "555.123.4567".
fn telephone(core: &str, next: Option<&str>) -> Option<(Vec<Norm>, usize)> {
    let mut groups: Vec<&str> = Vec::new();
    let mut used = 1;
    let mut plus = false;
    if let Some(area) = core.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        let rest = next?;
        if area.len() != 3 || !all_digits(area) {
            return None;
        }
        groups.push(area);
        groups.extend(rest.split(['-', '.']));
        used = 2;
    } else {
        let body = match core.strip_prefix('+') {
            Some(b) => {
                plus = true;
                b
            }
            None => core,
        };
        let sep = if body.contains('-') { '-' } else { '.' };
        groups.extend(body.split(sep));
        if plus && groups.len() == 1 {
            return None;
        }
    }
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    let ok = groups.iter().all(|g| all_digits(g) && g.len() <= 4)
        && (groups.len() >= if plus { 2 } else { 3 } || (groups.len() == 2 && groups[0].len() == 3 && groups[1].len() == 4))
        && (7..=15).contains(&digits)
        && (plus || used == 2 || groups.last().is_some_and(|g| g.len() == 4));
    if !ok {
        return None;
    }
    let mut out = Vec::new();
    if plus {
        words(&mut out, ["plus"]);
    }
    for (k, g) in groups.iter().enumerate() {
        if k > 0 {
            out.push(Norm::Pause);
        }
        for c in g.chars() {
            words(&mut out, [if c == '0' { "oh" } else { num::digit_word(c) }]);
        }
    }
    Some((out, used))
}

/// "5kg", "5 kg", "3.5 GHz", "100km/h", "20°C", "1 mph".
fn number_with_unit(core: &str, next: Option<&str>, out: &mut Vec<Norm>) -> Option<usize> {
    let split = core.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.' || c == '-')).unwrap_or(core.len());
    let (n, u) = core.split_at(split);
    if n.is_empty() || !is_number(n) {
        return None;
    }
    let (unit, used) = if u.is_empty() {
        let nx = next?;
        if ab::AMBIGUOUS_UNITS.contains(&nx) {
            return None;
        }
        (nx, 2)
    } else {
        (u, 1)
    };
    let (sing, plur) = ab::unit(unit)?;
    words(out, num::number(n).unwrap_or_default());
    words(out, [if n == "1" { sing } else { plur }]);
    Some(used)
}

/// Context-dependent abbreviations (Dr., St.) and fixed ones (Mr., etc.); months alone.
fn abbreviation(cs: &[Chunk], i: usize, out: &mut Vec<Norm>) -> Option<usize> {
    let core = cs[i].core.as_str();
    let l = core.to_ascii_lowercase();
    let next_cap = cs.get(i + 1).is_some_and(|n| n.core.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    let prev_cap = i > 0 && cs[i - 1].core.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && cs[i - 1].trail.is_empty();
    let reading = match l.as_str() {
        // "Dr. Smith" → doctor; "Elm Dr." → drive; "St. Louis" → saint; "Main St." → street.
        "dr." | "dr" if core.starts_with('D') => Some(if next_cap && !(prev_cap && cs[i].trail.contains(',')) {
            "doctor"
        } else if prev_cap {
            "drive"
        } else {
            "doctor"
        }),
        "st." | "st" if core.starts_with('S') => Some(if next_cap && !prev_cap {
            "saint"
        } else if prev_cap {
            "street"
        } else {
            "saint"
        }),
        "no." if cs.get(i + 1).is_some_and(|n| n.core.starts_with(|c: char| c.is_ascii_digit())) => Some("number"),
        "no." => None,
        _ => ab::ABBREVIATIONS.iter().find(|(a, _)| *a == l).map(|(_, w)| *w),
    };
    let w = reading?;
    words(out, [w]);
    Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few() {
        assert_eq!(say("I have $5.50."), "i have five dollars and fifty cents");
        assert_eq!(say("Dr. Smith lives on Elm Dr."), "doctor smith lives on elm drive");
    }
}
