//! The feature cache on the fixture: round trip, stale files rebuilt (other version, changed
//! WAV, changed ids, damaged bytes), and the acoustic model's batches read from it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferry::audio::pitch::PitchConfig;
use ferry::audio::{MelConfig, MelExtractor};
use ferry::data::{cache, AcousticBatch, BucketBatcher, BucketConfig, Dataset, DatasetOptions, FeatureCache, Served, TextStep};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures")
}

/// Test helper standing in for the text frontend: one id per byte.
fn byte_ids() -> TextStep {
    Arc::new(|s: &str| Ok(s.bytes().map(|b| b as i64).collect()))
}

/// The first `n` fixture utterances copied into a temporary dataset (so tests may touch them).
fn small_dataset(dir: &Path, n: usize) -> Dataset {
    fs::create_dir_all(dir.join("wavs")).unwrap();
    let meta: Vec<String> = fs::read_to_string(fixture().join("metadata.csv")).unwrap().lines().take(n).map(String::from).collect();
    for line in &meta {
        let id = line.split('|').next().unwrap();
        fs::copy(fixture().join(format!("wavs/{id}.wav")), dir.join(format!("wavs/{id}.wav"))).unwrap();
    }
    fs::write(dir.join("metadata.csv"), meta.join("\n") + "\n").unwrap();
    let opts = DatasetOptions { text: Some(byte_ids()), ..Default::default() };
    Dataset::open(dir, &opts).unwrap().0
}

fn new_cache(dir: &Path) -> FeatureCache {
    let mel = MelConfig::default();
    FeatureCache::new(dir, &mel, &PitchConfig::for_mel(&mel)).unwrap()
}

#[test]
fn round_trip_and_stale_files_are_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = small_dataset(&tmp.path().join("ds"), 2);
    let cache = new_cache(&tmp.path().join("cache"));
    let item = &ds.items[0];

    let (built, how) = cache.get_served(item).unwrap();
    assert_eq!(how, Served::Built);
    let (loaded, how) = cache.get_served(item).unwrap();
    assert_eq!(how, Served::Loaded);
    // Pitch, energy and ids exactly; the mel within f16 precision; shapes agree.
    assert_eq!((loaded.pitch.clone(), loaded.energy.clone(), loaded.ids.clone()), (built.pitch.clone(), built.energy.clone(), built.ids.clone()));
    assert_eq!((loaded.mel.n_mels, loaded.mel.frames), (80, built.mel.frames));
    let max_err = loaded.mel.data.iter().zip(&built.mel.data).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(max_err < 0.01, "mel error after the f16 round trip: {max_err}");
    // The features are those of the WAV: len / hop frames, the same mel as the extractor.
    let samples = ds.load_audio(item).unwrap();
    assert_eq!(built.frames(), samples.len() / 256);
    assert_eq!(built.pitch.len(), built.frames());
    assert_eq!(built.mel, MelExtractor::new(&MelConfig::default()).unwrap().compute(&samples));
    assert!(built.pitch.iter().any(|&f| f > 0.0) && built.energy.iter().any(|&e| e > 0.01));
    assert_eq!(built.ids, item.text.bytes().map(|b| b as i64).collect::<Vec<_>>());
    // Compact: f16 mel, about 2 bytes per mel value.
    let size = fs::metadata(cache.path(item)).unwrap().len() as usize;
    assert!(size < built.frames() * (80 * 2 + 8) + built.ids.len() * 4 + 64, "{size} bytes");

    // A file of another format version is rebuilt, not misread.
    let path = cache.path(item);
    let mut bytes = fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&(cache::FORMAT_VERSION + 1).to_le_bytes());
    fs::write(&path, &bytes).unwrap();
    assert_eq!(cache.load(item).unwrap(), None);
    assert_eq!(cache.get_served(item).unwrap().1, Served::Built);
    assert_eq!(cache.get_served(item).unwrap().1, Served::Loaded);

    // A damaged file (one flipped byte in the mel) is rebuilt.
    let mut bytes = fs::read(&path).unwrap();
    bytes[100] ^= 0xff;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(cache.get_served(item).unwrap().1, Served::Built);
    // A truncated file is rebuilt.
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(cache.get_served(item).unwrap().1, Served::Built);

    // Other ids (the frontend changed) make the file stale.
    let mut other = item.clone();
    other.ids.push(1);
    assert_eq!(cache.get_served(&other).unwrap().1, Served::Built);
    assert_eq!(cache.get(&other).unwrap().ids.len(), item.ids.len() + 1);

    // A rewritten WAV makes the file stale.
    let (audio, _) = ferry::audio::read_wav(&item.wav).unwrap();
    let half = ferry::audio::Audio::new(audio.samples[..audio.samples.len() / 2].to_vec(), 22050);
    ferry::audio::write_wav(&item.wav, &half, ferry::audio::SampleFormat::Pcm16).unwrap();
    let (f, how) = cache.get_served(&other).unwrap();
    assert_eq!(how, Served::Built);
    assert_eq!(f.frames(), half.samples.len() / 256);

    // Another mel definition does not read this cache's files.
    let mel40 = MelConfig { num_mels: 40, ..MelConfig::default() };
    let cache40 = FeatureCache::new(cache.dir(), &mel40, &PitchConfig::for_mel(&mel40)).unwrap();
    assert_eq!(cache40.get_served(&ds.items[1]).unwrap().0.mel.n_mels, 40);
}

#[test]
fn loaders_over_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = small_dataset(&tmp.path().join("ds"), 4);
    let cache = new_cache(&tmp.path().join("cache"));
    let (built, fresh) = cache.build_all(&ds, 2, false).unwrap();
    assert_eq!((built, fresh), (4, 0));
    assert_eq!(cache.build_all(&ds, 2, false).unwrap(), (0, 4));

    // Acoustic batches: every utterance once per epoch, padded shapes.
    let feats: Vec<_> = ds.items.iter().map(|i| cache.get(i).unwrap()).collect();
    let batcher = BucketBatcher::new(feats.iter().map(|f| f.frames()).collect(), BucketConfig { batch_size: 3, buckets: 2, ..Default::default() }).unwrap();
    let batches = batcher.epoch(0);
    assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 4);
    let refs: Vec<_> = batches[0].iter().map(|&i| &feats[i]).collect();
    let b = AcousticBatch::collate(&refs).unwrap();
    let longest = refs.iter().map(|f| f.frames()).max().unwrap() as i64;
    assert_eq!(b.mel.size(), vec![refs.len() as i64, 80, longest]);
    assert_eq!(b.pitch.size(), vec![refs.len() as i64, longest]);
}
