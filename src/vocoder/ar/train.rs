//! Training WaveRNN (`ferry train ar`), as the reference does it: random segments of
//! `seq_frames` mel frames (plus `pad` frames of context on each side) and the audio under
//! them, teacher forcing on the previous sample, Adam at 1e-4 with the gradient norm
//! clipped at 4; the loss is the mixture-of-logistics likelihood (MOL) or the
//! cross-entropy over μ-law classes (RAW).

use std::path::Path;

use tch::{nn::VarStore, Device, Kind, Tensor};

use super::config::{Config, Mode};
use super::fast::FastWaveRnn;
use super::generate::{self, Engine, GenerateOptions};
use super::model::WaveRnn;
use super::mol;
use crate::audio::{write_wav, Audio, MelConfig, MelExtractor, SampleFormat};
use crate::data::{Clip, DatasetOptions, SegmentSampler};
use crate::error::Result;
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, TrainSetup, TrainTask};

/// Seconds of the validation clip rendered at each validation.
const VALIDATION_SECONDS: f64 = 2.0;

/// The `ferry train ar` task.
pub struct WaveRnnTask {
    cfg: Config,
    mel: MelConfig,
    device: Device,
    vs: VarStore,
    model: WaveRnn,
    opt: AdamW,
    train: SegmentSampler,
    val: SegmentSampler,
}

/// Builds the task `ferry train ar` runs (default config: the registry's, `default`). Uses
/// `metadata_train.csv` / `metadata_val.csv` when the dataset has them, else holds out
/// the last utterance of `metadata.csv`.
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    let mut cfg: Config = setup.vocoder_config("wavernn")?;
    if let Some(b) = setup.batch_size {
        cfg.batch_size = b;
    }
    let dir = &setup.data_dir;
    let (mut train, mut val) = if dir.join("metadata_train.csv").is_file() && dir.join("metadata_val.csv").is_file() {
        (load_clips(dir, "metadata_train.csv", &setup.mel)?, load_clips(dir, "metadata_val.csv", &setup.mel)?)
    } else {
        (load_clips(dir, "metadata.csv", &setup.mel)?, Vec::new())
    };
    if val.is_empty() {
        if train.len() < 2 {
            val = train.clone();
        } else if let Some(last) = train.pop() {
            val.push(last);
        }
    }
    Ok(Box::new(WaveRnnTask::new(cfg, &setup.mel, train, val, setup.device, setup.seed)?))
}

/// Every utterance of a metadata file, with its mel.
pub fn load_clips(dir: &Path, metadata: &str, mel: &MelConfig) -> Result<Vec<Clip>> {
    let opts = DatasetOptions { sample_rate: mel.sampling_rate, metadata: metadata.into(), min_samples: mel.hop_size, ..Default::default() };
    let (dataset, _report) = crate::data::Dataset::open(dir, &opts)?;
    let ex = MelExtractor::new(mel)?;
    dataset
        .items
        .iter()
        .map(|item| {
            let audio = dataset.load_audio(item)?;
            Ok(clip_of(audio, &ex))
        })
        .collect()
}

/// An utterance with its mel, trimmed to whole frames.
pub fn clip_of(mut audio: Vec<f32>, ex: &MelExtractor) -> Clip {
    let m = ex.compute(&audio);
    audio.truncate(m.frames * ex.config().hop_size);
    Clip { audio, mel: m.data, frames: m.frames }
}

impl WaveRnnTask {
    pub fn new(cfg: Config, mel: &MelConfig, train: Vec<Clip>, val: Vec<Clip>, device: Device, seed: u64) -> Result<Self> {
        cfg.validate(mel)?;
        tch::manual_seed(seed as i64);
        let vs = VarStore::new(device);
        let model = WaveRnn::new(vs.root(), &cfg, mel.num_mels);
        let opt = AdamW::new(&vs, AdamWConfig { lr: cfg.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 });
        let frames = cfg.seq_frames + 2 * cfg.pad;
        let train = SegmentSampler::new(train, mel.num_mels, mel.hop_size, frames, seed)?;
        let val = SegmentSampler::new(val, mel.num_mels, mel.hop_size, frames, seed ^ 0x5EED)?;
        Ok(Self { cfg, mel: mel.clone(), device, vs, model, opt, train, val })
    }

    pub fn model(&self) -> &WaveRnn {
        &self.model
    }

    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// Loss of batch `index` of `sampler` (segments with context frames).
    fn loss(&self, sampler: &SegmentSampler, index: u64, train: bool) -> Tensor {
        let b = sampler.batch(index, self.cfg.batch_size);
        let (hop, pad) = (self.mel.hop_size as i64, self.cfg.pad as i64);
        let t = (self.cfg.seq_frames as i64) * hop;
        let audio = b.audio.to_device(self.device); // [B, (seq + 2·pad)·hop]
                                                    // The samples under the middle frames, and the one before them as the first input.
        let audio = if pad > 0 { audio.narrow(1, pad * hop - 1, t + 1) } else { Tensor::cat(&[audio.zeros_like().narrow(1, 0, 1), audio.narrow(1, 0, t)], 1) };
        let mel = b.mel.to_device(self.device); // [B, n_mels, seq + 2·pad]
        match self.cfg.mode {
            Mode::Mol => {
                let y_hat = self.model.forward_t(&audio.narrow(1, 0, t), &mel, train); // [B, T, 30]
                mol::loss(&y_hat, &audio.narrow(1, 1, t))
            }
            Mode::Raw => {
                let classes = self.cfg.n_classes() as i64;
                let labels = encode_labels(&audio, classes, self.cfg.mu_law); // [B, T + 1]
                let x = labels.narrow(1, 0, t).to_kind(Kind::Float) * (2.0 / (classes - 1) as f64) - 1.0;
                let logits = self.model.forward_t(&x, &mel, train); // [B, T, classes]
                logits.view([-1, classes]).cross_entropy_for_logits(&labels.narrow(1, 1, t).reshape([-1]))
            }
        }
    }
}

/// Class labels of `[B, T]` samples (μ-law companded when `mu_law`), as in [`super::mulaw`].
pub fn encode_labels(x: &Tensor, classes: i64, mu_law: bool) -> Tensor {
    let mu = (classes - 1) as f64;
    let x = x.clamp(-1.0, 1.0);
    if mu_law {
        let fx = x.sign() * (x.abs() * mu).log1p() / mu.ln_1p();
        ((fx + 1.0) / 2.0 * mu + 0.5).floor().clamp(0.0, mu).to_kind(Kind::Int64)
    } else {
        ((x + 1.0) * (mu / 2.0)).round().to_kind(Kind::Int64)
    }
}

impl TrainTask for WaveRnnTask {
    fn train_step(&mut self, step: u64) -> Result<Losses> {
        let loss = self.loss(&self.train, step, true);
        self.opt.zero_grad();
        loss.backward();
        let norm = if self.cfg.clip_grad_norm > 0.0 { self.opt.clip_grad_norm(self.cfg.clip_grad_norm) } else { f64::NAN };
        self.opt.step();
        Ok(Losses::new().with("loss", loss.double_value(&[])).with("grad_norm", norm).with("lr", self.opt.lr()))
    }

    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        let loss = tch::no_grad(|| self.loss(&self.val, 0, false)).double_value(&[]);
        // Render the start of the first validation clip, folded, from its mel.
        let clip = &self.val.clips()[0];
        let sr = self.mel.sampling_rate;
        let frames = clip.frames.min((VALIDATION_SECONDS * sr as f64) as usize / self.mel.hop_size).max(1);
        let n_mels = self.mel.num_mels;
        let mel: Vec<f32> = (0..n_mels).flat_map(|m| clip.mel[m * clip.frames..m * clip.frames + frames].to_vec()).collect();
        let mel = Tensor::from_slice(&mel).view([1, n_mels as i64, frames as i64]).to_device(self.device);
        let fast = if self.device == Device::Cpu { Some(tch::no_grad(|| FastWaveRnn::new(&self.model, n_mels))?) } else { None };
        let opts = GenerateOptions {
            seed: 0,
            target: self.cfg.target,
            overlap: self.cfg.overlap,
            engine: if fast.is_some() { Engine::Rust } else { Engine::Tch },
            threads: tch::get_num_threads().max(1) as usize,
        };
        let wav = tch::no_grad(|| generate::generate(&self.model, fast.as_ref(), &Default::default(), &mel, &opts))?;
        write_wav(dir.join("ar.wav"), &Audio::new(wav, sr), SampleFormat::Pcm16)?;
        Ok(Losses::new().with("val_loss", loss))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts { stores: vec![("wavernn", &mut self.vs)], optimizers: vec![("optim", &mut self.opt)] }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "ar".into(),
            model: "wavernn".into(),
            config: serde_json::to_value(&self.cfg).unwrap_or_default(),
            store: "wavernn".into(),
            symbols: None,
        }
    }
}
