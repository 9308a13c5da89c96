//! Vocos in the gan family: numerical parity with the reference implementation (PyPI
//! `vocos`, random weights, through scripts/vocos_reference.py), the voice-pack round trip
//! and streaming, and a tiny Vocos that learns one segment against the MRD, in fp32 and in
//! bfloat16 autocast.

use std::path::Path;

use ferry::audio::{read_wav, MelConfig};
use ferry::data::{AudioClips, Level, Segments};
use ferry::nn::safetensors::{load_var_store, read};
use ferry::train::{Trainer, TrainerConfig};
use ferry::vocoder::gan::train::GanTask;
use ferry::vocoder::gan::vocos::{Config, Vocos, VocosGenerator};
use ferry::vocoder::{Family, Precision, Vocoder};
use tch::{nn::VarStore, Device, Kind, Tensor};

fn tensor<'a>(tensors: &'a [(String, Tensor)], name: &str) -> &'a Tensor {
    &tensors.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} missing")).1
}

#[test]
fn matches_the_reference_implementation_with_random_weights() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    ferry::python::run_script("vocos_reference.py", &[out, "--dim", "64", "--intermediate-dim", "192", "--num-layers", "3", "--frames", "40"])
        .expect("scripts/vocos_reference.py (needs `make venv`: PyPI vocos)");
    let cfg = Config { dim: 64, intermediate_dim: 192, num_layers: 3, ..Config::cpu() };
    let mut vs = VarStore::new(Device::Cpu);
    let gen = VocosGenerator::new(vs.root(), &cfg, 80);
    // Every reference name loads into Ferry's generator, and nothing is left over.
    load_var_store(&mut vs, dir.path().join("weights.safetensors")).unwrap();
    let io = read(dir.path().join("io.safetensors")).unwrap();
    let (mel, want) = (tensor(&io, "mel"), tensor(&io, "audio"));
    let got = tch::no_grad(|| gen.forward(mel));
    assert_eq!(got.size(), want.size());
    let peak = want.abs().max().double_value(&[]);
    let err = (&got - want).abs().max().double_value(&[]);
    eprintln!("vocos parity: max |diff| {err:.3e} at peak {peak:.3e}");
    assert!(peak > 1e-3, "the reference output is silent ({peak}): the test would prove nothing");
    assert!(err <= 1e-4 * peak, "max |diff| {err:e} (peak {peak:e})");

    // The vocoder clips to [-1, 1] and is otherwise the generator.
    let voc = Vocos::from_generator(vs, gen, &MelConfig::default()).unwrap();
    let y = voc.vocode(mel, &Default::default()).unwrap();
    assert!((&y - want.clamp(-1.0, 1.0)).abs().max().double_value(&[]) <= 1e-4);
}

#[test]
fn presets_stream_like_offline_and_refuse_bad_mels() {
    let mel_cfg = MelConfig::default();
    let mut voc = ferry::vocoder::gan::vocos::random("vocos-tiny", &mel_cfg, Device::Cpu).unwrap();
    assert_eq!((voc.family(), voc.model_name()), (Family::Gan, "vocos"));
    tch::manual_seed(3);
    let mel = Tensor::randn([1, 80, 300], (Kind::Float, Device::Cpu)) - 5.0;
    let offline = voc.vocode(&mel, &Default::default()).unwrap();
    assert_eq!(offline.size(), [1, 300 * 256]);
    let mut streamed = Vec::new();
    ferry::vocoder::stream::vocode_streaming(&voc, &mel, &Default::default(), &Default::default(), |block: &[f32]| {
        streamed.extend_from_slice(block);
        Ok(true)
    })
    .unwrap();
    let off = Vec::<f32>::try_from(offline.view([-1])).unwrap();
    assert_eq!(streamed.len(), off.len());
    let diff = streamed.iter().zip(&off).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(diff < 1e-4, "streamed differs from offline by {diff}");
    // Empty mels give empty audio; wrong band counts are a clear error.
    assert_eq!(voc.vocode(&Tensor::zeros([1, 80, 0], (Kind::Float, Device::Cpu)), &Default::default()).unwrap().size(), [1, 0]);
    let err = voc.vocode(&Tensor::zeros([1, 40, 5], (Kind::Float, Device::Cpu)), &Default::default()).unwrap_err().to_string();
    assert!(err.contains("[batch, 80, frames]"), "{err}");
    // bf16 runs and stays near fp32.
    voc.set_precision(Precision::Bf16).unwrap();
    let low = voc.vocode(&mel, &Default::default()).unwrap();
    let rel = (&low - &offline).abs().max().double_value(&[]) / offline.abs().max().double_value(&[]).max(1e-9);
    assert!(rel < 0.1, "bf16 differs by {rel} of the peak");
    // Through the family registry too.
    let b = ferry::vocoder::build_random(Family::Gan, "vocos-cpu", &mel_cfg, Device::Cpu).unwrap();
    assert_eq!(b.model_name(), "vocos");
}

fn fixture_segment(samples: usize) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav");
    let (audio, _) = read_wav(&path).unwrap();
    let start = (audio.samples.len() / 2).min(audio.samples.len() - samples);
    audio.samples[start..start + samples].to_vec()
}

/// Trains a tiny Vocos (10 warm-up steps, then against the MRD) and returns its mel L1 at
/// the start and the end.
fn train_tiny(autocast: bool, dir: &Path) -> (f64, f64, std::path::PathBuf) {
    let mut cfg = Config::tiny();
    cfg.train.warmup_steps = 10;
    cfg.train.discriminator_channel_divisor = 8;
    cfg.train.discriminators = vec!["mrd".into()];
    cfg.train.learning_rate = 2e-3;
    cfg.train.batch_size = 1;
    let clips = AudioClips::from_samples(vec![fixture_segment(cfg.train.segment_size)], 22050).unwrap();
    let data = Segments::from_clips(clips, &MelConfig::default(), Level::PeakNormalised, 0, Device::Cpu).unwrap();
    let mut task = GanTask::new_vocos(cfg, data, 0).unwrap();
    let trainer = Trainer::new(TrainerConfig {
        out_dir: dir.to_path_buf(),
        max_steps: 40,
        log_every: 10,
        progress: false,
        autocast,
        device: Device::Cpu,
        ..Default::default()
    });
    let s = trainer.run(&mut task).unwrap();
    let mean = |r: std::ops::Range<usize>| s.history[r.clone()].iter().map(|(_, l)| l.get("mel_l1").unwrap()).sum::<f64>() / r.len() as f64;
    // The adversarial terms start after the warm-up.
    assert_eq!(s.history[5].1.get("disc"), Some(0.0));
    assert!(s.history[30].1.get("disc").unwrap() > 0.0 && s.history[30].1.get("feature_matching").unwrap() > 0.0);
    (mean(0..5), mean(35..40), s.checkpoint)
}

#[test]
fn a_tiny_vocos_learns_in_fp32_and_bf16_and_exports_as_the_gan_vocoder() {
    tch::set_num_threads(2);
    let tmp = tempfile::tempdir().unwrap();
    for autocast in [false, true] {
        let (first, last, ckpt) = train_tiny(autocast, &tmp.path().join(format!("run-{autocast}")));
        eprintln!("vocos tiny (autocast {autocast}): mel L1 {first:.3} -> {last:.3}");
        assert!(last < 0.6 * first, "autocast {autocast}: mel L1 {first:.3} -> {last:.3}");
        if autocast {
            continue;
        }
        let voice_dir = tmp.path().join("voice");
        let entry = ferry::train::export::export(&ckpt, &voice_dir).unwrap();
        assert_eq!(entry.model, "vocos");
        let voice = ferry::Voice::open(&voice_dir).unwrap();
        let voc = ferry::vocoder::load(&voice, Family::Gan, Device::Cpu).unwrap();
        assert_eq!(voc.model_name(), "vocos");
        let m = Tensor::zeros([1, 80, 4], (Kind::Float, Device::Cpu)) - 5.0;
        assert_eq!(voc.vocode(&m, &Default::default()).unwrap().size(), [1, 4 * 256]);
    }
}
