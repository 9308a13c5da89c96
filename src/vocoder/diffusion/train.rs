//! Training DiffWave (Kong et al., ICLR 2021, Algorithm 1): pick a step t uniformly, noise
//! the audio to `√ᾱ_t x₀ + √(1−ᾱ_t) ε`, and regress the network's output on ε with an L2 loss.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{nn::VarStore, Device, Kind, Tensor};

use super::config::Config;
use super::model::DiffWave;
use super::schedule::Schedule;
use super::DiffWaveVocoder;
use crate::data::{Level, Segments};
use crate::error::Result;
use crate::nn::noise::gaussian;
use crate::train::validation::{render_validation, ValidationPlan};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, TrainSetup, TrainTask};
use crate::vocoder::{VocodeOptions, Vocoder};

/// The ε-prediction training task.
pub struct DiffWaveTask {
    cfg: Config,
    vs: VarStore,
    model: DiffWave,
    opt: AdamW,
    data: Segments,
    schedule: Schedule,
    rng: StdRng,
    device: Device,
    batch_size: usize,
}

/// The ε-prediction L2 loss of `model` on clean `audio` `[B, T]` with `mel`, at steps `t`
/// `[B]` (integers) and noise `eps` `[B, T]`.
pub fn epsilon_loss(model: &DiffWave, schedule: &Schedule, audio: &Tensor, mel: &Tensor, t: &[i64], eps: &Tensor) -> Tensor {
    let device = audio.device();
    let ac: Vec<f32> = t.iter().map(|&i| schedule.alpha_cum[i as usize] as f32).collect();
    let ac = Tensor::from_slice(&ac).to_device(device).unsqueeze(1); // [B, 1]
    let noisy = &ac.sqrt() * audio + (ac.ones_like() - &ac).sqrt() * eps;
    let steps = Tensor::from_slice(t).to_device(device).to_kind(Kind::Float);
    let pred = model.forward(&noisy, &steps, mel).squeeze_dim(1);
    (pred - eps).square().mean(Kind::Float)
}

impl DiffWaveTask {
    pub fn new(cfg: Config, data: Segments, seed: u64, batch_size: Option<usize>) -> Result<Self> {
        let device = data.device();
        cfg.validate()?;
        tch::manual_seed(seed as i64);
        let vs = VarStore::new(device);
        let model = DiffWave::new(vs.root(), &cfg);
        let opt = AdamW::new(&vs, AdamWConfig { lr: cfg.learning_rate, ..Default::default() });
        let schedule = Schedule::new(&cfg.noise_schedule);
        let batch_size = batch_size.unwrap_or(cfg.batch_size).max(1);
        Ok(Self { cfg, vs, model, opt, data, schedule, rng: StdRng::seed_from_u64(seed ^ 0xD1FF), device, batch_size })
    }

    pub fn model(&self) -> &DiffWave {
        &self.model
    }

    /// An inference vocoder holding a copy of the current weights.
    pub fn inference(&self) -> Result<DiffWaveVocoder> {
        let (vs, model) = crate::nn::copy_of(&self.vs, |p| DiffWave::new(p, &self.cfg))?;
        Ok(DiffWaveVocoder::from_parts(vs, model, self.cfg.clone()))
    }
}

/// `ferry train diffusion`: DiffWave on `setup`'s dataset (default config: the registry's).
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    let cfg = setup.vocoder_config("diffwave")?;
    let data = Segments::open(&setup.data_dir, &setup.mel, Level::AsRecorded, setup.seed, setup.device)?;
    Ok(Box::new(DiffWaveTask::new(cfg, data, setup.seed, setup.batch_size)?))
}

impl TrainTask for DiffWaveTask {
    fn train_step(&mut self, _step: u64) -> Result<Losses> {
        let (audio, mel) = self.data.batch(self.batch_size, self.cfg.crop_mel_frames)?;
        let b = self.batch_size as i64;
        let t: Vec<i64> = (0..b).map(|_| self.rng.gen_range(0..self.schedule.len() as i64)).collect();
        let eps = gaussian(&mut self.rng, &audio.size(), self.device);
        let loss = epsilon_loss(&self.model, &self.schedule, &audio, &mel, &t, &eps);
        self.opt.zero_grad();
        loss.backward();
        let mut losses = Losses::new().with("eps_l2", loss.double_value(&[]));
        if let Some(max) = self.cfg.max_grad_norm {
            losses.push("grad_norm", self.opt.clip_grad_norm(max));
        }
        self.opt.step();
        Ok(losses)
    }

    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        let (audio, mel) = self.data.first(2 * self.cfg.sample_rate as usize / self.cfg.hop_samples)?;
        // A fixed-noise loss at every step of the schedule, comparable across validations.
        let mut rng = StdRng::seed_from_u64(17);
        let t: Vec<i64> = (0..self.schedule.len() as i64).step_by((self.schedule.len() / 8).max(1)).collect();
        let n = t.len() as i64;
        let (audio_b, mel_b) = (audio.expand([n, -1], false).contiguous(), mel.expand([n, -1, -1], false).contiguous());
        let eps = gaussian(&mut rng, &audio_b.size(), self.device);
        let loss = tch::no_grad(|| epsilon_loss(&self.model, &self.schedule, &audio_b, &mel_b, &t, &eps)).double_value(&[]);
        // The held-out clips through the inference path users run (the fast schedule), on a
        // copy of the weights.
        let voc = self.inference()?;
        let scores = render_validation(&self.data, ValidationPlan::SHORT, dir, "diffwave", |mel| voc.vocode(mel, &VocodeOptions::default()))?;
        Ok(scores.with("val_eps_l2", loss))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts { stores: vec![("diffwave", &mut self.vs)], optimizers: vec![("diffwave", &mut self.opt)] }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "diffusion".into(),
            model: "diffwave".into(),
            config: serde_json::to_value(&self.cfg).unwrap_or(serde_json::Value::Null),
            store: "diffwave".into(),
            symbols: None,
        }
    }
}
