//! Heteronyms: words spelled alike but said differently (read, lead, live, record, present,
//! wind, tear, bass, close, use, object, minute). A small rule set looks at the previous
//! and next word to pick the reading, in the spirit of the part-of-speech cues used by
//! rule-based TTS frontends (a determiner before → noun, "to"/a modal before → verb, ...).

/// Words after which the next word is usually a verb.
const VERB_CUE: [&str; 26] = [
    "to", "will", "would", "can", "could", "shall", "should", "must", "may", "might", "don't", "doesn't", "didn't", "won't", "can't", "please", "i", "we",
    "you", "they", "let's", "not", "do", "does", "did", "and",
];
/// Words after which the next word is usually a noun.
const NOUN_CUE: [&str; 24] = [
    "a", "an", "the", "this", "that", "my", "your", "his", "her", "its", "our", "their", "no", "every", "new", "world", "best", "of", "for", "on", "at",
    "each", "any", "criminal",
];

fn p(s: &str) -> Vec<String> {
    s.split(' ').map(String::from).collect()
}

/// The reading of `word` in context, or None when the word is not a heteronym handled here.
pub fn disambiguate(word: &str, prev: Option<&str>, next: Option<&str>) -> Option<Vec<String>> {
    let prev = prev.unwrap_or("");
    let next = next.unwrap_or("");
    let verb_cue = VERB_CUE.contains(&prev);
    let noun_cue = NOUN_CUE.contains(&prev);
    let stress_pair = |noun: &str, verb: &str| if verb_cue && !noun_cue { p(verb) } else { p(noun) };
    Some(match word {
        "read" => {
            let past = matches!(
                prev,
                "have"
                    | "has"
                    | "had"
                    | "was"
                    | "were"
                    | "been"
                    | "being"
                    | "is"
                    | "are"
                    | "already"
                    | "just"
                    | "i've"
                    | "we've"
                    | "you've"
                    | "they've"
                    | "he's"
                    | "she's"
                    | "widely"
                    | "well"
                    | "once"
                    | "recently"
                    | "yesterday"
            ) || matches!(next, "yesterday" | "aloud" | "earlier" | "last");
            p(if past { "R EH1 D" } else { "R IY1 D" })
        }
        "lead" => {
            let metal = matches!(
                next,
                "pipe" | "pipes" | "paint" | "poisoning" | "pencil" | "pencils" | "weight" | "weights" | "shot" | "bullet" | "balloon" | "acetate"
            ) || matches!(prev, "of" | "unleaded" | "red" | "white");
            p(if metal { "L EH1 D" } else { "L IY1 D" })
        }
        "live" => {
            let adj =
                matches!(prev, "a" | "the" | "is" | "was" | "are" | "were" | "be" | "go" | "goes" | "went" | "going" | "broadcast" | "performed" | "played")
                    || matches!(
                        next,
                        "music"
                            | "broadcast"
                            | "show"
                            | "shows"
                            | "concert"
                            | "performance"
                            | "coverage"
                            | "wire"
                            | "stream"
                            | "audience"
                            | "bait"
                            | "ammunition"
                            | "recording"
                            | "album"
                            | "event"
                            | "feed"
                            | "tv"
                            | "television"
                            | "animals"
                            | "band"
                            | "on"
                            | "from"
                            | "now"
                    );
            p(if adj && !verb_cue { "L AY1 V" } else { "L IH1 V" })
        }
        "record" => stress_pair("R EH1 K ER0 D", "R IH0 K AO1 R D"),
        "present" => {
            if prev == "at" || matches!(next, "day" | "time" | "moment" | "tense") {
                p("P R EH1 Z AH0 N T")
            } else if matches!(next, "the" | "a" | "an" | "it" | "them" | "their" | "his" | "her" | "our" | "my" | "evidence" | "findings" | "results")
                && !noun_cue
            {
                p("P R IY0 Z EH1 N T")
            } else {
                stress_pair("P R EH1 Z AH0 N T", "P R IY0 Z EH1 N T")
            }
        }
        "object" => {
            if matches!(next, "to") && !noun_cue {
                p("AH0 B JH EH1 K T")
            } else {
                stress_pair("AA1 B JH EH0 K T", "AH0 B JH EH1 K T")
            }
        }
        "wind" => {
            let verb = verb_cue || matches!(next, "up" | "down" | "it" | "the" | "around" | "back" | "your" | "my");
            p(if verb && !noun_cue { "W AY1 N D" } else { "W IH1 N D" })
        }
        "tear" => {
            let rip = (verb_cue && !noun_cue) || matches!(next, "up" | "down" | "apart" | "off" | "open" | "it" | "through" | "into" | "them" | "out");
            p(if rip { "T EH1 R" } else { "T IH1 R" })
        }
        "bass" => {
            let fish = matches!(next, "fish" | "fishing" | "boat" | "lake")
                || matches!(prev, "caught" | "catch" | "sea" | "striped" | "largemouth" | "smallmouth" | "fried" | "grilled");
            p(if fish { "B AE1 S" } else { "B EY1 S" })
        }
        "close" => {
            let adj =
                matches!(prev, "very" | "so" | "too" | "is" | "are" | "was" | "were" | "be" | "quite" | "a" | "stay" | "come" | "came" | "get" | "got" | "up")
                    || matches!(next, "to" | "by" | "call" | "friend" | "friends" | "relative" | "relatives" | "enough" | "range" | "together");
            let verb = prev.is_empty() || verb_cue || matches!(next, "the" | "it" | "your" | "this" | "that" | "my" | "down" | "them" | "our" | "his" | "her");
            p(if adj && !(verb_cue && next != "to") {
                "K L OW1 S"
            } else if verb {
                "K L OW1 Z"
            } else {
                "K L OW1 S"
            })
        }
        "use" => {
            let noun = noun_cue || matches!(prev, "in" | "much" | "what" | "of" | "for" | "make" | "its") || matches!(next, "of" | "case" | "cases");
            p(if noun && !verb_cue { "Y UW1 S" } else { "Y UW1 Z" })
        }
        "minute" => {
            let tiny = matches!(prev, "very" | "so" | "most" | "too" | "such" | "only" | "rather")
                || matches!(
                    next,
                    "detail"
                        | "details"
                        | "amount"
                        | "amounts"
                        | "quantities"
                        | "quantity"
                        | "particles"
                        | "traces"
                        | "differences"
                        | "difference"
                        | "fraction"
                        | "changes"
                );
            p(if tiny { "M AY0 N UW1 T" } else { "M IH1 N AH0 T" })
        }
        _ => return None,
    })
}
