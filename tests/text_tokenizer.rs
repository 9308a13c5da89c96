//! The phoneme tokenizer: vocabulary, padding id, unknown symbols, save/load round trip,
//! and the committed data/tokenizer.json matching the built-in vocabulary.

use ferry::text::Tokenizer;

#[test]
fn default_vocabulary() {
    let t = Tokenizer::default_english();
    assert_eq!(t.len(), 79);
    assert_eq!(t.id("<pad>"), Some(0));
    let ids = t.encode(&["HH".into(), "AH0".into(), "|".into(), "?".into()]).unwrap();
    assert!(ids.iter().all(|&i| i > 0));
    assert_eq!(t.decode(&ids).unwrap(), ["HH", "AH0", "|", "?"]);
    assert_eq!(t.encode_str("HH AH0 | ?").unwrap(), ids);
}

#[test]
fn unknown_symbol_is_an_error_naming_it() {
    let t = Tokenizer::default_english();
    let e = t.encode(&["HH".into(), "AH".into()]).unwrap_err().to_string();
    assert!(e.contains("'AH'"), "{e}");
    assert!(t.encode_str("K QQ").unwrap_err().to_string().contains("QQ"));
    assert!(t.decode(&[9999]).is_err());
}

#[test]
fn save_load_round_trip_and_committed_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tokenizer.json");
    let t = Tokenizer::default_english();
    t.save(&p).unwrap();
    let back = Tokenizer::load(&p).unwrap();
    for s in ["<pad>", "|", "<sp>", "ZH", "AA2", "."] {
        assert_eq!(back.id(s), t.id(s), "{s}");
    }
    let committed = Tokenizer::load(concat!(env!("CARGO_MANIFEST_DIR"), "/data/tokenizer.json")).unwrap();
    for i in 0..t.len() as i64 {
        assert_eq!(
            committed.symbol(i),
            t.symbol(i),
            "data/tokenizer.json differs at id {i}: regenerate it with `ferry phonemize --write-tokenizer data/tokenizer.json`"
        );
    }
    assert!(Tokenizer::load(dir.path().join("missing.json")).unwrap_err().to_string().contains("missing"));
    std::fs::write(&p, "{ not json").unwrap();
    assert!(Tokenizer::load(&p).is_err());
}
