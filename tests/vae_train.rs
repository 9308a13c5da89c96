//! VAE vocoder training on the CPU: a tiny config's ELBO improves on one segment of the
//! bundled speech sample; every ELBO term is logged; validation renders audio; the
//! exported voice-pack entry loads as the `vae` vocoder.

use std::path::Path;

use ferry::audio::{read_wav, MelConfig};
use ferry::data::{AudioClips, Level, Segments};
use ferry::train::{TrainTask, Trainer, TrainerConfig};
use ferry::vocoder::vae::train::VaeTask;
use ferry::vocoder::vae::Config;
use ferry::vocoder::Vocoder;
use tch::Device;

fn fixture_segment(samples: usize) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/teacher.wav");
    let (audio, _) = read_wav(&path).unwrap();
    let start = (audio.samples.len() / 2).min(audio.samples.len() - samples);
    audio.samples[start..start + samples].to_vec()
}

#[test]
fn tiny_config_elbo_improves_and_exports() {
    elbo_improves_and_exports(Config::tiny());
}

#[test]
fn tiny_vocos_decoder_elbo_improves_and_exports() {
    elbo_improves_and_exports(Config::vocos_tiny());
}

fn elbo_improves_and_exports(cfg: Config) {
    tch::set_num_threads(2);
    let mel = MelConfig::default();
    let clips = AudioClips::from_samples(vec![fixture_segment(cfg.segment_size)], 22050).unwrap();
    let data = Segments::from_clips(clips, &mel, Level::PeakNormalised, 0, Device::Cpu).unwrap();
    let mut task = VaeTask::new(cfg, data, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary =
        Trainer::new(TrainerConfig { out_dir: dir.path().join("run"), max_steps: 60, log_every: 10, progress: false, autocast: false, ..Default::default() })
            .run(&mut task)
            .unwrap();
    let avg = |r: std::ops::Range<usize>, k: &str| summary.history[r.clone()].iter().map(|(_, l)| l.get(k).unwrap()).sum::<f64>() / r.len() as f64;
    let n = summary.history.len();
    let (first, last) = (avg(0..5, "neg_elbo"), avg(n - 5..n, "neg_elbo"));
    eprintln!(
        "neg ELBO {first:.3} -> {last:.3} (recon {:.3} -> {:.3}, KL {:.3} -> {:.3}) in {:.1} s",
        avg(0..5, "recon"),
        avg(n - 5..n, "recon"),
        avg(0..5, "kl"),
        avg(n - 5..n, "kl"),
        summary.seconds
    );
    assert!(last < 0.7 * first, "negative ELBO {first:.3} -> {last:.3}");
    for k in ["recon", "kl", "beta", "mel_l1", "stft_sc", "stft_logmag", "lr"] {
        assert!(summary.history[n - 1].1.get(k).unwrap().is_finite(), "{k}");
    }
    // β was annealed from 0.
    assert_eq!(summary.history[0].1.get("beta").unwrap(), 1.0 / 20.0);

    let val_dir = dir.path().join("val");
    std::fs::create_dir_all(&val_dir).unwrap();
    let v = tch::no_grad(|| task.validate(60, &val_dir)).unwrap();
    assert!(v.get("val_neg_elbo").unwrap().is_finite() && v.get("val_mel_l1").unwrap() > 0.0 && v.get("val_mcd_db").unwrap() > 0.0, "{v:?}");
    assert!(val_dir.join("vae_prior.wav").is_file() && val_dir.join("vae_posterior.wav").is_file());

    let voice_dir = dir.path().join("voice");
    let entry = ferry::train::export::export(&summary.checkpoint, &voice_dir).unwrap();
    assert_eq!(entry.model, "cvae");
    let voice = ferry::Voice::open(&voice_dir).unwrap();
    let voc = ferry::vocoder::load(&voice, ferry::Family::Vae, Device::Cpu).unwrap();
    let m = tch::Tensor::zeros([1, 80, 4], (tch::Kind::Float, Device::Cpu)) - 5.0;
    let opts = ferry::VocodeOptions { temperature: Some(0.0), ..Default::default() };
    let y = voc.vocode(&m, &opts).unwrap();
    assert_eq!(y.size(), [1, 4 * 256]);
    assert!(y.abs().max().double_value(&[]) <= 1.0);
    // The exported decoder is the trained one: the pack renders what the task renders.
    let mel = tch::Tensor::randn([1, 80, 6], (tch::Kind::Float, Device::Cpu)) - 4.0;
    let ours = task.inference().unwrap().vocode(&mel, &opts).unwrap();
    let diff = (voc.vocode(&mel, &opts).unwrap() - &ours).abs().max().double_value(&[]);
    assert!(diff < 1e-2 * ours.abs().max().double_value(&[]).max(1e-3), "pack and task differ by {diff}");
}
