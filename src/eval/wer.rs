//! Word error rate: Levenshtein alignment of the reference and hypothesis words (after
//! [`super::normalize`]), WER = (substitutions + deletions + insertions) / reference words.

use serde::Serialize;

use super::normalize::words_for_scoring;

/// Edit counts of one alignment (or of a whole corpus, summed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WordErrors {
    pub substitutions: usize,
    pub deletions: usize,
    pub insertions: usize,
    /// Words in the reference.
    pub reference_words: usize,
}

impl WordErrors {
    pub fn errors(&self) -> usize {
        self.substitutions + self.deletions + self.insertions
    }

    /// Word error rate as a fraction (can exceed 1 with many insertions). An empty
    /// reference gives 0 when the hypothesis is empty too, else 1.
    pub fn wer(&self) -> f64 {
        if self.reference_words == 0 {
            return if self.insertions == 0 { 0.0 } else { 1.0 };
        }
        self.errors() as f64 / self.reference_words as f64
    }

    /// Corpus-level sum (WER of a corpus = total errors / total reference words).
    pub fn add(&mut self, o: &WordErrors) {
        self.substitutions += o.substitutions;
        self.deletions += o.deletions;
        self.insertions += o.insertions;
        self.reference_words += o.reference_words;
    }
}

/// Aligns two word sequences with unit costs and counts the edits. Among alignments of
/// minimal cost, substitutions are preferred over a deletion + insertion pair.
pub fn align_words<S: AsRef<str>>(reference: &[S], hypothesis: &[S]) -> WordErrors {
    let (n, m) = (reference.len(), hypothesis.len());
    // cost[i][j]: edits to turn reference[..i] into hypothesis[..j].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, c) in cost[0].iter_mut().enumerate() {
        *c = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let same = reference[i - 1].as_ref() == hypothesis[j - 1].as_ref();
            let diag = cost[i - 1][j - 1] + usize::from(!same);
            cost[i][j] = diag.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    // Trace back one optimal path.
    let mut e = WordErrors { reference_words: n, ..Default::default() };
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        if i > 0 && j > 0 {
            let same = reference[i - 1].as_ref() == hypothesis[j - 1].as_ref();
            if cost[i][j] == cost[i - 1][j - 1] + usize::from(!same) {
                e.substitutions += usize::from(!same);
                i -= 1;
                j -= 1;
                continue;
            }
        }
        if i > 0 && cost[i][j] == cost[i - 1][j] + 1 {
            e.deletions += 1;
            i -= 1;
        } else {
            e.insertions += 1;
            j -= 1;
        }
    }
    e
}

/// Normalises both texts for scoring and aligns their words.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    align_words(&words_for_scoring(reference), &words_for_scoring(hypothesis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_after_normalisation_is_zero() {
        let e = word_errors("The ferry carries 2 words.", "the Ferry carries two words");
        assert_eq!(e, WordErrors { reference_words: 5, ..Default::default() });
        assert_eq!(e.wer(), 0.0);
    }

    #[test]
    fn counts_by_hand() {
        // ref: the cat sat on the mat (6)   hyp: cat sit on the mat today
        // delete "the" (D), sat→sit (S), insert "today" (I): 3 / 6 = 0.5
        let e = word_errors("the cat sat on the mat", "cat sit on the mat today");
        assert_eq!((e.substitutions, e.deletions, e.insertions, e.reference_words), (1, 1, 1, 6));
        assert!((e.wer() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn prefers_substitution_and_handles_empty() {
        let e = word_errors("a b c", "a x c");
        assert_eq!((e.substitutions, e.deletions, e.insertions), (1, 0, 0));
        let e = word_errors("one two three", "");
        assert_eq!((e.deletions, e.wer()), (3, 1.0));
        let e = word_errors("", "hello there");
        assert_eq!((e.insertions, e.wer()), (2, 1.0));
        assert_eq!(word_errors("", "").wer(), 0.0);
        // Many insertions exceed 100 %.
        assert!((word_errors("hi", "oh hi there you").wer() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn corpus_sum() {
        let mut total = WordErrors::default();
        total.add(&word_errors("a b c d", "a b c d"));
        total.add(&word_errors("e f", "e g"));
        assert_eq!(total.errors(), 1);
        assert!((total.wer() - 1.0 / 6.0).abs() < 1e-12);
    }
}
