//! The ARPAbet phoneme inventory of CMUdict (39 phonemes; vowels carry lexical stress
//! 0 = none, 1 = primary, 2 = secondary) and the prosody marks the frontend adds.

/// The 15 ARPAbet vowels (each takes a stress digit).
pub const VOWELS: [&str; 15] = ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"];

/// The 24 ARPAbet consonants.
pub const CONSONANTS: [&str; 24] =
    ["B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH"];

/// Every phoneme symbol with stress: `AA0 AA1 AA2 ... B CH ...` (69 symbols).
pub fn all_with_stress() -> Vec<String> {
    let mut v: Vec<String> = VOWELS.iter().flat_map(|p| (0..3).map(move |s| format!("{p}{s}"))).collect();
    v.extend(CONSONANTS.iter().map(|c| c.to_string()));
    v
}

/// True when `s` is an ARPAbet phoneme (vowels must carry a stress digit 0–2).
pub fn is_phoneme(s: &str) -> bool {
    if CONSONANTS.contains(&s) {
        return true;
    }
    match s.as_bytes() {
        [.., d @ b'0'..=b'2'] => VOWELS.contains(&&s[..s.len() - 1]) && matches!(d, b'0'..=b'2'),
        _ => false,
    }
}

/// Normalises a user-written phoneme: upper case, and a bare vowel gets stress 1 when
/// `default_stress` (so `hh ah l ow` is accepted). `None` when it is not ARPAbet.
pub fn normalise_symbol(s: &str, default_stress: bool) -> Option<String> {
    let up = s.trim().to_ascii_uppercase();
    if is_phoneme(&up) {
        return Some(up);
    }
    if default_stress && VOWELS.contains(&up.as_str()) {
        return Some(format!("{up}1"));
    }
    None
}

/// The vowel without its stress digit (`AH0` → `AH`); consonants unchanged.
pub fn strip_stress(p: &str) -> &str {
    p.trim_end_matches(['0', '1', '2'])
}

/// Prosody marks that travel in the token sequence with the phonemes.
pub mod marks {
    /// Padding (token id 0).
    pub const PAD: &str = "<pad>";
    /// Boundary between two words.
    pub const WORD: &str = "|";
    /// Short pause (comma, colon, semicolon, dash; SSML break < 250 ms).
    pub const PAUSE_SHORT: &str = "<sp>";
    /// Medium pause (SSML break 250–600 ms, paragraph-internal sentence end).
    pub const PAUSE_MEDIUM: &str = "<mp>";
    /// Long pause (SSML break > 600 ms, paragraph end).
    pub const PAUSE_LONG: &str = "<lp>";
    /// Utterance start.
    pub const BOS: &str = "<s>";
    /// Sentence end: statement.
    pub const END_STATEMENT: &str = ".";
    /// Sentence end: question.
    pub const END_QUESTION: &str = "?";
    /// Sentence end: exclamation.
    pub const END_EXCLAMATION: &str = "!";
    /// Sentence end without punctuation (e.g. a heading) or a trailing ellipsis.
    pub const END_NONE: &str = "<end>";

    /// Every mark, in vocabulary order.
    pub const ALL: [&str; 10] = [PAD, BOS, WORD, PAUSE_SHORT, PAUSE_MEDIUM, PAUSE_LONG, END_STATEMENT, END_QUESTION, END_EXCLAMATION, END_NONE];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory() {
        assert_eq!(all_with_stress().len(), 69);
        assert!(is_phoneme("AH0") && is_phoneme("ZH") && !is_phoneme("AH") && !is_phoneme("AH3") && !is_phoneme("Q"));
        assert_eq!(normalise_symbol("ah", true).as_deref(), Some("AH1"));
        assert_eq!(normalise_symbol("ah", false), None);
        assert_eq!(strip_stress("ER2"), "ER");
    }
}
