//! Training the gan family: HiFi-GAN (Kong et al., NeurIPS 2020, §2.4 and §4) and Vocos
//! (Siuzdak, 2023). Per step one discriminator update (least squares, over the
//! discriminators the config names: MPD, MSD, MRD) and one generator update (adversarial +
//! 2 × feature matching + 45 × mel L1 on the loss mel, + `lambda_stft` × multi-resolution STFT
//! loss), two AdamW optimisers (weight decay 0.01, PyTorch's AdamW default as in the
//! reference) decayed per epoch-equivalent. The first `warmup_steps` steps train the generator
//! on the reconstruction losses alone and leave the discriminators untouched: on a CPU that is
//! where intelligibility is bought cheaply, before the costlier adversarial stage.

use std::path::Path;

use tch::{nn::VarStore, Device, Tensor};

use super::config::Config;
use super::discriminators::{DiscOutput, MultiPeriodDiscriminator, MultiScaleDiscriminator};
use super::generator::Generator;
use super::losses::{discriminator_loss, feature_loss, generator_loss, mel_l1, MultiResolutionStftLoss, LAMBDA_MEL};
use super::mrd::MultiResolutionDiscriminator;
use super::train_config::GanTrainConfig;
use super::vocos::{self, VocosGenerator};
use super::{FastGenerator, MODEL_NAME};
use crate::audio::mel_tch::MelTch;
use crate::data::{Level, Segments};
use crate::error::{Error, Result};
use crate::train::validation::{render_validation, ValidationPlan};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, LrSchedule, TrainSetup, TrainTask};
use crate::vocoder::model_config::ModelConfig;

/// The generator being trained.
pub enum GanGenerator {
    HifiGan(Generator),
    Vocos(VocosGenerator),
}

impl GanGenerator {
    fn train_config(&self) -> &GanTrainConfig {
        match self {
            GanGenerator::HifiGan(g) => &g.cfg.train,
            GanGenerator::Vocos(g) => &g.cfg.train,
        }
    }

    /// `[B, n_mels, F]` → `[B, 1, F · hop]` (training form).
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        match self {
            GanGenerator::HifiGan(g) => g.forward(mel),
            GanGenerator::Vocos(g) => g.forward(mel).unsqueeze(1),
        }
    }

    /// `[1, n_mels, F]` → `[1, F · hop]` in the form users run (HiFi-GAN with its weight norms
    /// folded; Vocos clipped to [-1, 1]).
    fn render(&self, mel: &Tensor) -> Tensor {
        match self {
            GanGenerator::HifiGan(g) => FastGenerator::new(g).forward(mel),
            GanGenerator::Vocos(g) => g.forward(mel).clamp(-1.0, 1.0),
        }
    }

    fn model_name(&self) -> &'static str {
        match self {
            GanGenerator::HifiGan(_) => MODEL_NAME,
            GanGenerator::Vocos(_) => vocos::MODEL_NAME,
        }
    }

    fn config_json(&self) -> serde_json::Value {
        match self {
            GanGenerator::HifiGan(g) => serde_json::to_value(&g.cfg),
            GanGenerator::Vocos(g) => serde_json::to_value(&g.cfg),
        }
        .unwrap_or_default()
    }
}

/// The discriminators a config names, in one var store (`mpd.*`, `msd.*`, `mrd.*`).
struct Discriminators {
    mpd: Option<MultiPeriodDiscriminator>,
    msd: Option<MultiScaleDiscriminator>,
    mrd: Option<MultiResolutionDiscriminator>,
}

impl Discriminators {
    fn new(vs: &VarStore, cfg: &GanTrainConfig) -> Self {
        let d = cfg.discriminator_channel_divisor;
        Self {
            mpd: cfg.uses("mpd").then(|| MultiPeriodDiscriminator::new(vs.root() / "mpd", d)),
            msd: cfg.uses("msd").then(|| MultiScaleDiscriminator::new(vs.root() / "msd", d)),
            mrd: cfg.uses("mrd").then(|| MultiResolutionDiscriminator::new(vs.root() / "mrd", d)),
        }
    }

    /// Every discriminator on `[real; fake]` stacked in the batch, split back into
    /// (real, fake) per discriminator.
    fn discriminate(&self, real: &Tensor, fake: &Tensor) -> Vec<(Vec<DiscOutput>, Vec<DiscOutput>)> {
        let b = real.size()[0];
        let both = Tensor::cat(&[real, fake], 0); // [2B, 1, T]
        let split = |outs: Vec<DiscOutput>| outs.iter().map(|o| o.split(b)).unzip();
        let mut out = Vec::new();
        if let Some(d) = &self.mpd {
            out.push(split(d.forward(&both)));
        }
        if let Some(d) = &self.msd {
            out.push(split(d.forward(&both)));
        }
        if let Some(d) = &self.mrd {
            out.push(split(d.forward(&both)));
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.mpd.is_none() && self.msd.is_none() && self.mrd.is_none()
    }
}

/// The `ferry train gan` / `ferry train vocos` task.
pub struct GanTask {
    device: Device,
    gen_vs: VarStore,
    disc_vs: VarStore,
    gen: GanGenerator,
    discs: Discriminators,
    opt_g: AdamW,
    opt_d: AdamW,
    schedule: LrSchedule,
    /// The voice's mel up to sr / 2: the L1 loss.
    loss_mel: MelTch,
    stft_loss: Option<MultiResolutionStftLoss>,
    /// Peak-normalised clips and their mels (the generator's input) on the device.
    data: Segments,
}

/// Builds the task `ferry train gan` runs (default config: the registry's, HiFi-GAN `compact`; a config with
/// Vocos' keys trains Vocos).
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn crate::train::TrainTask>> {
    if setup.config.as_ref().is_some_and(super::is_vocos_json) {
        return vocos_train_task(setup);
    }
    let mut cfg: Config = setup.vocoder_config(MODEL_NAME)?;
    if let Some(b) = setup.batch_size {
        cfg.train.batch_size = b;
    }
    Ok(Box::new(GanTask::new(cfg, segments(setup)?, setup.seed)?))
}

/// Builds the task `ferry train vocos` runs (default config: the registry's, `vocos-cpu`).
pub fn vocos_train_task(setup: &TrainSetup) -> Result<Box<dyn crate::train::TrainTask>> {
    let mut cfg: vocos::Config = setup.vocoder_config(vocos::MODEL_NAME)?;
    if let Some(b) = setup.batch_size {
        cfg.train.batch_size = b;
    }
    Ok(Box::new(GanTask::new_vocos(cfg, segments(setup)?, setup.seed)?))
}

/// The dataset at HiFi-GAN's level (every clip peak-normalised to 0.95), as Vocos trains too.
fn segments(setup: &TrainSetup) -> Result<Segments> {
    Segments::open(&setup.data_dir, &setup.mel, Level::PeakNormalised, setup.seed, setup.device)
}

fn adamw(vs: &VarStore, cfg: &GanTrainConfig) -> AdamW {
    AdamW::new(vs, AdamWConfig { lr: cfg.learning_rate, beta1: cfg.adam_b1, beta2: cfg.adam_b2, eps: 1e-8, weight_decay: 0.01 })
}

impl GanTask {
    /// A HiFi-GAN task.
    pub fn new(cfg: Config, data: Segments, seed: u64) -> Result<Self> {
        cfg.validate_for(data.mel_config())?;
        tch::manual_seed(seed as i64);
        let gen_vs = VarStore::new(data.device());
        let gen = GanGenerator::HifiGan(Generator::new(gen_vs.root(), &cfg, data.mel_config().num_mels as i64));
        Self::with_generator(gen_vs, gen, data)
    }

    /// A Vocos task.
    pub fn new_vocos(cfg: vocos::Config, data: Segments, seed: u64) -> Result<Self> {
        cfg.validate_for(data.mel_config())?;
        tch::manual_seed(seed as i64);
        let gen_vs = VarStore::new(data.device());
        let gen = GanGenerator::Vocos(VocosGenerator::new(gen_vs.root(), &cfg, data.mel_config().num_mels as i64));
        Self::with_generator(gen_vs, gen, data)
    }

    fn with_generator(gen_vs: VarStore, gen: GanGenerator, data: Segments) -> Result<Self> {
        let device = data.device();
        let cfg = gen.train_config().clone();
        let disc_vs = VarStore::new(device);
        let discs = Discriminators::new(&disc_vs, &cfg);
        if discs.is_empty() {
            return Err(Error::config(gen.model_name(), "name at least one discriminator (mpd, msd, mrd)"));
        }
        let (opt_g, opt_d) = (adamw(&gen_vs, &cfg), adamw(&disc_vs, &cfg));
        Ok(Self {
            loss_mel: MelTch::new(&data.mel_config().loss_mel(), device)?,
            stft_loss: (cfg.lambda_stft > 0.0).then(|| MultiResolutionStftLoss::new(device)),
            schedule: LrSchedule::Exponential { gamma: cfg.lr_decay, every: cfg.steps_per_epoch },
            device,
            gen_vs,
            disc_vs,
            gen,
            discs,
            opt_g,
            opt_d,
            data,
        })
    }

    pub fn generator(&self) -> &GanGenerator {
        &self.gen
    }

    fn cfg(&self) -> &GanTrainConfig {
        self.gen.train_config()
    }
}

impl TrainTask for GanTask {
    fn train_step(&mut self, step: u64) -> Result<Losses> {
        let cfg = self.cfg().clone();
        let lr = cfg.learning_rate * self.schedule.factor(step);
        self.opt_g.set_lr(lr);
        self.opt_d.set_lr(lr);
        let adversarial = step > cfg.warmup_steps;
        let hop = self.data.mel_config().hop_size;
        let (y, mel) = self.data.batch(cfg.batch_size, cfg.segment_size / hop)?; // [B, T], [B, n_mels, T / hop]
        let y_hat = self.gen.forward(&mel); // [B, 1, T]
        let y = y.unsqueeze(1); // [B, 1, T]

        // Discriminators.
        let mut losses = Losses::new();
        let mut loss_d_value = 0.0;
        if adversarial {
            let outs = self.discs.discriminate(&y, &y_hat.detach());
            let loss_d = outs.iter().map(|(r, f)| discriminator_loss(r, f)).fold(Tensor::from(0f32).to_device(self.device), |a, b| a + b);
            self.opt_d.zero_grad();
            loss_d.backward();
            self.opt_d.step();
            loss_d_value = loss_d.double_value(&[]);
        }

        // Generator.
        let (y1, y_hat1) = (y.squeeze_dim(1), y_hat.squeeze_dim(1));
        let mel_err = mel_l1(&tch::no_grad(|| self.loss_mel.forward(&y1)), &self.loss_mel.forward(&y_hat1));
        let mut loss_g = &mel_err * LAMBDA_MEL;
        let mut stft_value = 0.0;
        if let Some(stft) = &self.stft_loss {
            let l = stft.forward(&y1, &y_hat1);
            stft_value = l.double_value(&[]);
            loss_g = loss_g + l * cfg.lambda_stft;
        }
        let (mut adv_value, mut fm_value) = (0.0, 0.0);
        if adversarial {
            let outs = self.discs.discriminate(&y, &y_hat);
            let zero = || Tensor::from(0f32).to_device(self.device);
            let adv = outs.iter().map(|(_, f)| generator_loss(f)).fold(zero(), |a, b| a + b);
            let fm = outs.iter().map(|(r, f)| feature_loss(r, f)).fold(zero(), |a, b| a + b);
            adv_value = adv.double_value(&[]);
            fm_value = fm.double_value(&[]);
            loss_g = loss_g + adv + fm;
        }
        self.opt_g.zero_grad();
        loss_g.backward();
        self.opt_g.step();

        losses.push("mel_l1", mel_err.double_value(&[]));
        losses.push("gen_total", loss_g.double_value(&[]));
        losses.push("gen_adv", adv_value);
        losses.push("feature_matching", fm_value);
        losses.push("disc", loss_d_value);
        if self.stft_loss.is_some() {
            losses.push("stft", stft_value);
        }
        losses.push("lr", lr);
        Ok(losses)
    }

    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        render_validation(&self.data, ValidationPlan::FULL, dir, "gan", |mel| Ok(self.gen.render(mel)))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts {
            stores: vec![("generator", &mut self.gen_vs), ("discriminator", &mut self.disc_vs)],
            optimizers: vec![("optim_g", &mut self.opt_g), ("optim_d", &mut self.opt_d)],
        }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo { role: "gan".into(), model: self.gen.model_name().into(), config: self.gen.config_json(), store: "generator".into(), symbols: None }
    }
}
