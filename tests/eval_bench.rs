//! `ferry bench vocoder` / `ferry bench all` write records with machine, device, threads,
//! revision and date, and a README table (timings are never asserted on).

use std::process::Command;

fn ferry() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn bench_vocoder_and_all_record_their_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    let o = ferry()
        .args(["bench", "vocoder", "--family", "griffin-lim", "--config", "default", "--seconds", "0.5", "--batch", "2"])
        .args(["--runs", "1", "--thread-counts", "1", "--device", "cpu", "--results"])
        .arg(&results)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files: Vec<_> = std::fs::read_dir(&results).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(files.len(), 1);
    let recs: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let r = &recs[0];
    for key in ["machine", "cpu", "device", "revision", "date"] {
        assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{key} missing in {r}");
    }
    assert_eq!((r["threads"].as_u64(), r["batch"].as_u64()), (Some(1), Some(2)));
    assert!(r["rtf"].as_f64().unwrap() > 0.0 && r["rtf_batched"].as_f64().unwrap() > 0.0);

    // `bench all` with one family and no teacher: appends to the same file, writes the README.
    let readme = tmp.path().join("README.md");
    let o = ferry()
        .args(["bench", "all", "--families", "griffin-lim", "--no-teacher", "--seconds", "0.5", "--batch", "1"])
        .args(["--runs", "1", "--thread-counts", "1", "--device", "cpu", "--results"])
        .arg(&results)
        .arg("--readme")
        .arg(&readme)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recs: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(recs.len(), 2);
    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(text.contains("| griffin-lim |") && text.contains("RTF"), "{text}");

    // Bad arguments are clear errors.
    let o = ferry().args(["bench", "vocoder", "--family", "wavenet"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("unknown vocoder"));
    let o = ferry().args(["bench", "vocoder", "--family", "gl", "--seconds=-1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("out of range"));
}
