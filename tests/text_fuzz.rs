//! Fuzzing the frontend: random strings (ASCII, digits, punctuation, markup, Unicode of every
//! kind) through the sentence splitter, the normaliser, the SSML parser and the whole
//! frontend must never panic; one input in `LEARNED_EVERY` also goes through a frontend whose
//! out-of-dictionary words take the learned G2P model (beam search). The in-suite run is
//! small; the million-input run is ignored:
//! `cargo test --release --test text_fuzz -- --ignored --nocapture` (count printed).

use rand::{Rng, SeedableRng};

use ferry::text::{normalize, sentences, ssml, Frontend, FrontendOptions};

const PIECES: [&str; 48] = [
    "$",
    "£",
    "€",
    "¥",
    "%",
    "°C",
    ":",
    "/",
    "-",
    ".",
    ",",
    "!",
    "?",
    "'",
    "\"",
    "(",
    ")",
    "{",
    "}",
    "<",
    ">",
    "&",
    "#",
    "@",
    "^",
    "Dr.",
    "St.",
    "Jan.",
    "XIV",
    "1st",
    "2024-01-05",
    "10^100",
    "3:45",
    "pm",
    "<speak>",
    "</speak>",
    "<break time=\"1s\"/>",
    "<prosody rate=\"fast\">",
    "</prosody>",
    "{HH AH0}",
    "U.S.A.",
    "e.g.",
    "www.",
    ".com",
    "😀",
    "日本",
    "ﷺ",
    "\u{202e}",
];

fn random_input(rng: &mut impl Rng) -> String {
    let n = rng.gen_range(0..24);
    let mut s = String::new();
    for _ in 0..n {
        match rng.gen_range(0..6) {
            0 => s.push_str(PIECES[rng.gen_range(0..PIECES.len())]),
            1 => s.push_str(&rng.gen_range(0u64..u64::MAX).to_string()[..rng.gen_range(1..12)]),
            2 => s.push(char::from_u32(rng.gen_range(0..0x11_0000)).unwrap_or('x')),
            3 => s.push(rng.gen_range(b' '..=b'~') as char),
            4 => s.push_str(["the", "read", "NASA", "FBI", "cat", "Henry", "VIII", "I", "kg", "km/h"][rng.gen_range(0..10)]),
            _ => s.push(' '),
        }
    }
    s
}

/// One input in this many also goes through the learned G2P model (it decodes every
/// unknown word, so it is far slower than the rest of the frontend).
const LEARNED_EVERY: usize = 50;

/// Runs `n` inputs; returns (inputs, inputs through the learned model).
fn run(n: usize, seed: u64) -> (usize, usize) {
    let fe = Frontend::new(FrontendOptions { no_learned_model: true, ..Default::default() }).unwrap();
    let learned = Frontend::new(FrontendOptions::default()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut through_learned = 0;
    for i in 0..n {
        let s = random_input(&mut rng);
        let _ = normalize::normalize(&s);
        let _ = sentences::sentences(&s).count();
        let _ = ssml::parse(&s);
        let _ = fe.process(&s);
        if i % LEARNED_EVERY == 0 {
            let _ = learned.process(&s);
            through_learned += 1;
        }
    }
    (n, through_learned)
}

#[test]
fn fuzz_small() {
    assert_eq!(run(2_000, 1), (2_000, 40));
}

#[test]
#[ignore]
fn fuzz_million() {
    let n: usize = std::env::var("FERRY_FUZZ_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t = std::time::Instant::now();
    let (done, learned) = run(n, 7);
    println!("fuzzed {done} inputs without a panic ({learned} of them also through the learned G2P) in {:.0} s", t.elapsed().as_secs_f64());
}
