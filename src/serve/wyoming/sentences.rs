//! Sentences out of text that arrives in pieces (`synthesize-chunk`), each given out as
//! soon as it is certainly complete, so its audio can start while the rest is still being
//! written (an LLM's answer, token by token).
//!
//! The split is the frontend's own (`text::sentences`), run over the text held so far. Its
//! last sentence may still grow. Whether a period ends a sentence depends on the word after
//! it ("Dr. Smith", "U.S.A. The"), so the boundary before the last sentence counts only
//! once that sentence's first word is complete (whitespace follows it).

use crate::text::sentences::sentences;

/// Text received and not yet given out as sentences.
#[derive(Debug, Default)]
pub struct SentenceBuffer {
    text: String,
}

impl SentenceBuffer {
    /// Adds a piece of text and returns the sentences it completed, in order.
    pub fn push(&mut self, piece: &str) -> Vec<String> {
        self.text.push_str(piece);
        let spans: Vec<&str> = sentences(&self.text).collect();
        let Some(&last) = spans.last() else { return Vec::new() };
        let last_start = offset(&self.text, last);
        let first_word_done = self.text[last_start..].contains(char::is_whitespace);
        // Sentences certainly complete: all but the last, and the one before it too while
        // the last one's first word may still change the boundary between them.
        let done = if first_word_done { spans.len() - 1 } else { spans.len().saturating_sub(2) };
        if done == 0 {
            return Vec::new();
        }
        let out: Vec<String> = spans[..done].iter().map(|s| s.to_string()).collect();
        let keep_from = offset(&self.text, spans[done]);
        self.text.drain(..keep_from);
        out
    }

    /// The text still held (the last sentence), trimmed; `None` when there is none.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.text);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_string())
    }
}

/// Byte offset of `part` (a slice of `whole`) in `whole`.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&str]) -> Vec<Vec<String>> {
        let mut b = SentenceBuffer::default();
        let mut out: Vec<Vec<String>> = pieces.iter().map(|p| b.push(p)).collect();
        out.push(b.finish().into_iter().collect());
        out
    }

    #[test]
    fn sentences_come_out_as_they_complete() {
        // "How" might still grow into another word, so the first sentence waits for " are".
        let got = run(&["Hello there. How", " are you? I am", " fine, thanks."]);
        assert_eq!(got, [vec![], vec!["Hello there.", "How are you?"], vec![], vec!["I am fine, thanks."]]);
        // Two sentences in one piece: the first at once, the second when the next begins.
        let got = run(&["The first one. The second one. ", "The third."]);
        assert_eq!(got, [vec!["The first one."], vec!["The second one."], vec!["The third."]]);
    }

    #[test]
    fn an_abbreviation_split_across_pieces_stays_whole() {
        let got = run(&["I saw Dr.", " Smith today. Bye", " now."]);
        assert_eq!(got, [vec![], vec![], vec!["I saw Dr. Smith today."], vec!["Bye now."]]);
        // "U.S.A. The" ends a sentence, "U.S.A. Theory" does not: wait for the whole word.
        let got = run(&["Made in the U.S.A. The", "ory holds."]);
        assert_eq!(got, [vec![], vec![], vec!["Made in the U.S.A. Theory holds."]]);
        let got = run(&["Made in the U.S.A. The", " end."]);
        assert_eq!(got, [vec![], vec!["Made in the U.S.A."], vec!["The end."]]);
    }

    #[test]
    fn word_by_word_gives_the_whole_text_split() {
        let text = "It costs $3.50 today. Mr. Brown agreed! Did he? Yes.\n\nA new paragraph starts here";
        let mut b = SentenceBuffer::default();
        let mut got = Vec::new();
        for piece in text.split_inclusive(' ') {
            got.extend(b.push(piece));
        }
        got.extend(b.finish());
        let want: Vec<String> = sentences(text).map(str::to_string).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn nothing_but_space_gives_nothing() {
        assert_eq!(run(&["  ", "\n"]), [Vec::<String>::new(), vec![], vec![]]);
        assert_eq!(run(&[]), [Vec::<String>::new()]);
    }
}
