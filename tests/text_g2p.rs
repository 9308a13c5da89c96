//! G2P: dictionary stress, heteronym rules, user lexicon and inline overrides, sources.

use ferry::text::{Frontend, FrontendOptions, Source};

fn frontend() -> Frontend {
    Frontend::new(FrontendOptions { no_learned_model: true, ..Default::default() }).expect("CMUdict in data/")
}

/// Phonemes of `word` (its first occurrence) in `sentence`.
fn pron(fe: &Frontend, sentence: &str, word: &str) -> String {
    let u = fe.process(sentence).unwrap();
    u.iter().flat_map(|u| u.words.iter()).find(|w| w.word == word).map(|w| w.phonemes.join(" ")).unwrap_or_else(|| panic!("{word} not in {sentence}"))
}

#[test]
fn dictionary_keeps_stress() {
    let fe = frontend();
    assert_eq!(pron(&fe, "Hello world.", "hello"), "HH AH0 L OW1");
    assert_eq!(pron(&fe, "Photography is fun.", "photography"), "F AH0 T AA1 G R AH0 F IY0");
    let u = fe.process("Hello.").unwrap();
    assert_eq!(u[0].words[0].source, Source::Dictionary);
}

#[test]
fn heteronyms() {
    let fe = frontend();
    let cases = [
        ("I will read the book.", "read", "R IY1 D"),
        ("I have read the book.", "read", "R EH1 D"),
        ("They lead the team.", "lead", "L IY1 D"),
        ("The pipes were made of lead.", "lead", "L EH1 D"),
        ("Lead paint is toxic.", "lead", "L EH1 D"),
        ("Where do you live?", "live", "L IH1 V"),
        ("We saw a live concert.", "live", "L AY1 V"),
        ("Please record the show.", "record", "R IH0 K AO1 R D"),
        ("She broke the world record.", "record", "R EH1 K ER0 D"),
        ("I will present the results.", "present", "P R IY0 Z EH1 N T"),
        ("He gave me a present.", "present", "P R EH1 Z AH0 N T"),
        ("At present we wait.", "present", "P R EH1 Z AH0 N T"),
        ("Wind the clock.", "wind", "W AY1 N D"),
        ("The wind was cold.", "wind", "W IH1 N D"),
        ("Don't tear the page.", "tear", "T EH1 R"),
        ("A tear rolled down.", "tear", "T IH1 R"),
        ("He plays the bass guitar.", "bass", "B EY1 S"),
        ("He caught a striped bass.", "bass", "B AE1 S"),
        ("Close the door.", "close", "K L OW1 Z"),
        ("We are very close.", "close", "K L OW1 S"),
        ("The shop is close to home.", "close", "K L OW1 S"),
        ("What is the use of it?", "use", "Y UW1 S"),
        ("You can use my pen.", "use", "Y UW1 Z"),
        ("I object to that.", "object", "AH0 B JH EH1 K T"),
        ("The object fell.", "object", "AA1 B JH EH0 K T"),
        ("Wait a minute.", "minute", "M IH1 N AH0 T"),
        ("There were minute traces of gold.", "minute", "M AY0 N UW1 T"),
    ];
    let mut bad = Vec::new();
    for (s, w, want) in cases {
        let got = pron(&fe, s, w);
        if got != want {
            bad.push(format!("{s}: {w} = {got}, want {want}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn user_lexicon_and_inline_override() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("my.dict");
    std::fs::write(&lex, "# my words\nferry  F EH1 R IY0\nTomato T AH0 M AA1 T OW2\n").unwrap();
    let fe = Frontend::new(FrontendOptions { lexicon: Some(lex.clone()), no_learned_model: true, ..Default::default() }).unwrap();
    let u = fe.process("A tomato on the ferry, {HH AH0 L OW1}!").unwrap();
    let w: Vec<(&str, &str, Source)> = u[0].words.iter().map(|w| (w.word.as_str(), "", w.source)).collect();
    assert_eq!(u[0].words[1].phonemes.join(" "), "T AH0 M AA1 T OW2");
    assert_eq!(u[0].words[1].source, Source::UserLexicon, "{w:?}");
    assert_eq!(u[0].words[5].source, Source::Inline);
    assert_eq!(u[0].words[5].phonemes.join(" "), "HH AH0 L OW1");
    // bad lexicon line → error naming the file and line
    std::fs::write(&lex, "good G UH1 D\nbad B QQ D\n").unwrap();
    let e = Frontend::new(FrontendOptions { lexicon: Some(lex), no_learned_model: true, ..Default::default() }).unwrap_err().to_string();
    assert!(e.contains("my.dict:2") && e.contains("QQ"), "{e}");
    // bad inline phoneme → error naming it
    let e = fe.process("Say {HH XX0}.").unwrap_err().to_string();
    assert!(e.contains("XX0"), "{e}");
}

#[test]
fn oov_words_use_the_learned_model() {
    let Ok(fe) = Frontend::new(FrontendOptions::default()) else {
        panic!("data/g2p (the learned model) must be present");
    };
    let u = fe.process("The zorbleflax glimmered.").unwrap();
    let w = u[0].words.iter().find(|w| w.word == "zorbleflax").unwrap();
    assert_eq!(w.source, Source::Learned);
    assert!(w.phonemes.len() >= 6, "{:?}", w.phonemes);
    assert!(w.phonemes.iter().all(|p| ferry::text::phonemes::is_phoneme(p)));
    // cached: same answer the second time
    let again = fe.process("zorbleflax").unwrap();
    assert_eq!(again[0].words[0].phonemes, w.phonemes);
}

#[test]
fn missing_model_is_a_clear_error() {
    let e = Frontend::new(FrontendOptions { g2p_model: Some("/nonexistent/g2p".into()), ..Default::default() }).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/g2p") && e.contains("g2p-train"), "{e}");
}

/// `ferry g2p-eval` on the first held-out words: its JSON rates agree with the list of
/// mistakes it writes with `--errors` (one line per wrong word, each really wrong).
#[test]
fn g2p_eval_reports_rates_and_its_mistakes() {
    let errors = std::env::temp_dir().join(format!("ferry-g2p-errors-{}.tsv", std::process::id()));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--device", "cpu", "g2p-eval", "--limit", "60", "--beam", "2", "--json", "--errors"])
        .arg(&errors)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["words"], 60);
    let wer = s["wer"].as_f64().unwrap();
    let tsv = std::fs::read_to_string(&errors).unwrap();
    let rows: Vec<&str> = tsv.lines().skip(1).collect();
    assert_eq!(rows.len(), (wer * 60.0).round() as usize, "{tsv}");
    for row in rows {
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(cols.len(), 3, "{row}");
        assert!(cols[2].split(" | ").all(|r| r != cols[1]), "{row} is listed but right");
    }
    std::fs::remove_file(&errors).unwrap();
}

/// `ferry g2p-average`: two tiny runs from different seeds average into a third model that
/// loads and is scored beside them on the validation words; mismatched inputs are refused.
#[test]
fn g2p_average_writes_a_model_soup() {
    let root = std::env::temp_dir().join(format!("ferry-g2p-average-{}", std::process::id()));
    let ferry = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"));
        c.current_dir(env!("CARGO_MANIFEST_DIR")).args(["--device", "cpu", "--threads", "2"]);
        c
    };
    for seed in ["1", "2"] {
        let o = ferry().args(["--seed", seed, "g2p-train", "--tiny", "--steps", "3", "--eval-every", "3", "--out"]).arg(root.join(seed)).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = ferry().args(["g2p-average", "--out"]).arg(root.join("soup")).arg(root.join("1")).arg(root.join("2")).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout.matches("WER").count(), 3, "{stdout}");
    assert!(stdout.contains("average of 2"), "{stdout}");
    assert!(root.join("soup/model.safetensors").is_file() && root.join("soup/config.json").is_file());
    let o = ferry().args(["g2p-average", "--out"]).arg(root.join("1")).arg(root.join("1")).arg(root.join("2")).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out must be a new directory"));
    std::fs::remove_dir_all(&root).unwrap();
}
