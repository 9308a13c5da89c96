//! SSML subset, sentence splitting, pauses, sentence types and prosody marks.

use ferry::text::ssml::{parse, Item};
use ferry::text::{sentences::sentences, Frontend, FrontendOptions, SentenceType};

fn frontend() -> Frontend {
    Frontend::new(FrontendOptions { no_learned_model: true, ..Default::default() }).unwrap()
}

#[test]
fn sentence_splitter_is_robust() {
    let cases: [(&str, &[&str]); 8] = [
        ("Dr. Smith arrived. He sat down.", &["Dr. Smith arrived.", "He sat down."]),
        ("Use e.g. salt. Then stir.", &["Use e.g. salt.", "Then stir."]),
        ("Pi is 3.14. Nice!", &["Pi is 3.14.", "Nice!"]),
        ("I live in the U.S.A. today. Yes.", &["I live in the U.S.A. today.", "Yes."]),
        ("She said \"Stop.\" Then left.", &["She said \"Stop.\"", "Then left."]),
        ("Really? Yes! OK.", &["Really?", "Yes!", "OK."]),
        ("No end here", &["No end here"]),
        ("Para one\n\nPara two", &["Para one", "Para two"]),
    ];
    for (text, want) in cases {
        let got: Vec<&str> = sentences(text).collect();
        assert_eq!(got, want, "{text}");
    }
    // a whole "book" streams through with bounded sentences
    let book = "word ".repeat(50_000);
    let n = sentences(&book).inspect(|s| assert!(s.len() <= 700)).count();
    assert!(n > 100);
}

#[test]
fn punctuation_becomes_pauses_and_sentence_type_is_kept() {
    let fe = frontend();
    let u = fe.process("Hello, world. Are you there? Yes!").unwrap();
    assert_eq!(u.len(), 3);
    assert_eq!(u[0].symbols().join(" "), "HH AH0 L OW1 <sp> W ER1 L D .");
    assert_eq!(u[1].sentence_type, SentenceType::Question);
    assert_eq!(u[1].symbols().last().unwrap(), "?");
    assert_eq!(u[2].sentence_type, SentenceType::Exclamation);
    assert_eq!(u[0].ids.len(), u[0].tokens.len());
    assert!(u[0].ids.iter().all(|&i| i > 0));
}

#[test]
fn ssml_elements() {
    let fe = frontend();
    let u = fe
        .process(r#"<speak>Hello <break time="700ms"/> <prosody rate="slow" pitch="+10%" volume="loud">big world</prosody>. <say-as interpret-as="characters">abc</say-as> <say-as interpret-as="ordinal">3</say-as> <sub alias="World Wide Web">WWW</sub> <phoneme alphabet="arpabet" ph="T AH0 M EY1 T OW2">tomato</phoneme>.</speak>"#)
        .unwrap();
    assert_eq!(u.len(), 2, "{u:#?}");
    let t = &u[0];
    assert_eq!(t.normalized(), "hello big world");
    let brk = t.tokens.iter().find(|k| k.pause_ms.is_some()).unwrap();
    assert_eq!((brk.symbol.as_str(), brk.pause_ms), ("<lp>", Some(700)));
    let big = t.tokens.iter().find(|k| k.word == Some(1)).unwrap();
    assert_eq!((big.prosody.rate, big.prosody.volume), (0.75, 1.4));
    assert!((big.prosody.pitch - 1.1).abs() < 1e-6);
    assert_eq!(t.tokens[0].prosody.rate, 1.0);
    let second = &u[1];
    assert_eq!(second.normalized(), "a. b. c. third world wide web tomato");
    assert_eq!(second.words.last().unwrap().phonemes.join(" "), "T AH0 M EY1 T OW2");
    assert_eq!(second.words.last().unwrap().source, ferry::text::Source::Inline);
}

#[test]
fn ssml_say_as_date_time_telephone_and_sentences() {
    let fe = frontend();
    let u = fe
        .process(r#"<speak><p><s>On <say-as interpret-as="date" format="mdy">1/5/2024</say-as> at <say-as interpret-as="time">3:45pm</say-as></s><s>Call <say-as interpret-as="telephone">555-0100</say-as></s></p></speak>"#)
        .unwrap();
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].normalized(), "on january fifth twenty twenty-four at three forty-five p. m.");
    assert_eq!(u[1].normalized(), "call five five five oh one oh oh");
    assert_eq!(u[0].sentence_type, SentenceType::None);
}

#[test]
fn ssml_items_and_entities() {
    let items = parse("<speak>Tom &amp; Jerry<break strength=\"strong\"/></speak>").unwrap();
    assert!(matches!(&items[0], Item::Text { text, .. } if text == "Tom & Jerry"));
    assert_eq!(items[1], Item::Break { ms: 700 });
}

#[test]
fn malformed_ssml_is_an_error_with_its_position() {
    let cases = [
        ("<speak>Hello <break time=\"5 parsecs\"/></speak>", "line 1, column 14"),
        ("<speak>Hello <prosody rate=\"fast\">world</speak>", "line 1, column 40"),
        ("<speak>\n  <s>unclosed\n</speak>", "line 3, column 1"),
        ("<speak>Hello", "line 1, column 1"),
        ("<speak><say-as>5</say-as></speak>", "line 1, column 8"),
        ("<speak>a &bogus; b</speak>", "line 1, column 8"),
        ("<speak><break time=500ms/></speak>", "line 1, column 20"),
        ("<speak><prosody volume=\"very\">x</prosody></speak>", "line 1, column 8"),
        ("<speak><phoneme alphabet=\"ipa\" ph=\"x\">x</phoneme></speak>", "line 1, column 8"),
        ("<speak>x</speak> trailing", "line 1, column 17"),
        ("<speak><p>x</s></speak>", "line 1, column 12"),
        ("<speak><broken", "line 1, column 8"),
    ];
    for (src, pos) in cases {
        let e = parse(src).expect_err(src).to_string();
        assert!(e.contains(pos), "{src}: {e}");
    }
    let fe = frontend();
    assert!(fe.process("<speak><break time=\"1s\"></speak>").is_err());
    // unknown phonemes in <phoneme> name the symbol
    let e = fe.process("<speak><phoneme ph=\"K QX T\">cat</phoneme></speak>").unwrap_err().to_string();
    assert!(e.contains("QX"), "{e}");
}

#[test]
fn odd_inputs_never_panic_and_report_skipped_scripts() {
    let fe = frontend();
    assert!(fe.process("").unwrap().is_empty());
    assert!(fe.process("   \n\n ").unwrap().is_empty());
    let u = fe.process("日本語 and العربية 😀 text.").unwrap();
    assert_eq!(u[0].normalized(), "and text");
    assert!(u[0].notes.iter().any(|n| n.contains("skipped")), "{:?}", u[0].notes);
    let u = fe.process("\u{0}\u{7}bell\u{1b}[0m").unwrap();
    assert_eq!(u.len(), 1);
}
