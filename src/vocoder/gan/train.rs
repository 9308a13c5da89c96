//! Training HiFi-GAN (Kong et al., NeurIPS 2020, §2.4 and §4): per step one discriminator
//! update (MPD + MSD, least squares) and one generator update (adversarial + 2 × feature
//! matching + 45 × mel L1 on the loss mel), two AdamW(β = 0.8, 0.99) optimisers at lr 2e-4
//! (weight decay 0.01, PyTorch's AdamW default as in the reference) decayed by 0.999 per
//! epoch-equivalent.

use std::path::Path;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{nn::VarStore, Device, Tensor};

use super::config::Config;
use super::discriminators::{DiscOutput, MultiPeriodDiscriminator, MultiScaleDiscriminator};
use super::generator::Generator;
use super::losses::{discriminator_loss, feature_loss, generator_loss, mel_l1, LAMBDA_MEL};
use super::{FastGenerator, MODEL_NAME};
use crate::audio::mel_tch::MelTch;
use crate::audio::{write_wav, Audio, Mel, MelConfig, SampleFormat};
use crate::error::{Error, Result};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, LrSchedule, TrainSetup, TrainTask};
use crate::vocoder::clips::AudioClips;

/// Validation renders at most this many seconds of the held-out clip.
const VALIDATION_SECONDS: f64 = 6.0;

/// The `ferry train gan` task.
pub struct GanTask {
    cfg: Config,
    device: Device,
    gen_vs: VarStore,
    disc_vs: VarStore,
    gen: Generator,
    mpd: MultiPeriodDiscriminator,
    msd: MultiScaleDiscriminator,
    opt_g: AdamW,
    opt_d: AdamW,
    schedule: LrSchedule,
    /// The voice's mel: the generator's input.
    input_mel: MelTch,
    /// The same mel up to sr / 2: the L1 loss.
    loss_mel: MelTch,
    train: AudioClips,
    val: AudioClips,
    rng: StdRng,
}

/// Builds the task `ferry train gan` runs (default config: `compact`).
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn crate::train::TrainTask>> {
    let mut cfg: Config = setup.config_or(Config::compact())?;
    if let Some(b) = setup.batch_size {
        cfg.batch_size = b;
    }
    let (train, val) = AudioClips::open(&setup.data_dir, setup.mel.sampling_rate)?;
    Ok(Box::new(GanTask::new(cfg, &setup.mel, train, val, setup.device, setup.seed)?))
}

fn adamw(vs: &VarStore, cfg: &Config) -> AdamW {
    AdamW::new(vs, AdamWConfig { lr: cfg.learning_rate, beta1: cfg.adam_b1, beta2: cfg.adam_b2, eps: 1e-8, weight_decay: 0.01 })
}

impl GanTask {
    pub fn new(cfg: Config, mel: &MelConfig, train: AudioClips, val: AudioClips, device: Device, seed: u64) -> Result<Self> {
        cfg.validate()?;
        if cfg.hop() as usize != mel.hop_size {
            return Err(Error::config("hifigan", format!("upsample_rates multiply to {} but the mel hop size is {}", cfg.hop(), mel.hop_size)));
        }
        if cfg.segment_size < mel.n_fft || cfg.segment_size % mel.hop_size != 0 {
            return Err(Error::config("hifigan", format!("segment_size {} must be a multiple of the hop ({}) and at least n_fft", cfg.segment_size, mel.hop_size)));
        }
        if cfg.batch_size == 0 {
            return Err(Error::config("hifigan", "batch_size must be at least 1"));
        }
        tch::manual_seed(seed as i64);
        let gen_vs = VarStore::new(device);
        let gen = Generator::new(gen_vs.root(), &cfg, mel.num_mels as i64);
        let disc_vs = VarStore::new(device);
        let mpd = MultiPeriodDiscriminator::new(disc_vs.root() / "mpd", cfg.discriminator_channel_divisor);
        let msd = MultiScaleDiscriminator::new(disc_vs.root() / "msd", cfg.discriminator_channel_divisor);
        let (opt_g, opt_d) = (adamw(&gen_vs, &cfg), adamw(&disc_vs, &cfg));
        let schedule = LrSchedule::Exponential { gamma: cfg.lr_decay, every: cfg.steps_per_epoch };
        Ok(Self {
            input_mel: MelTch::new(mel, device)?,
            loss_mel: MelTch::new(&mel.loss_mel(), device)?,
            cfg,
            device,
            gen_vs,
            disc_vs,
            gen,
            mpd,
            msd,
            opt_g,
            opt_d,
            schedule,
            // HiFi-GAN's level recipe: every clip peak-normalised to 0.95.
            train: train.peak_normalised(),
            val: val.peak_normalised(),
            rng: StdRng::seed_from_u64(seed),
        })
    }

    pub fn generator(&self) -> &Generator {
        &self.gen
    }

    /// Both discriminators on `[real; fake]` stacked in the batch, split back.
    fn discriminate(&self, real: &Tensor, fake: &Tensor) -> [(Vec<DiscOutput>, Vec<DiscOutput>); 2] {
        let b = real.size()[0];
        let both = Tensor::cat(&[real, fake], 0); // [2B, 1, T]
        let split = |outs: Vec<DiscOutput>| outs.iter().map(|o| o.split(b)).unzip();
        [split(self.mpd.forward(&both)), split(self.msd.forward(&both))]
    }
}

impl TrainTask for GanTask {
    fn train_step(&mut self, step: u64) -> Result<Losses> {
        let lr = self.cfg.learning_rate * self.schedule.factor(step);
        self.opt_g.set_lr(lr);
        self.opt_d.set_lr(lr);
        let y = self.train.random_batch(&mut self.rng, self.cfg.batch_size, self.cfg.segment_size, self.device)?; // [B, T]
        let mel = tch::no_grad(|| self.input_mel.forward(&y)); // [B, n_mels, F]
        let y_hat = self.gen.forward(&mel); // [B, 1, T]
        let y = y.unsqueeze(1); // [B, 1, T]

        // Discriminators.
        let [(p_real, p_fake), (s_real, s_fake)] = self.discriminate(&y, &y_hat.detach());
        let loss_d = discriminator_loss(&p_real, &p_fake) + discriminator_loss(&s_real, &s_fake);
        self.opt_d.zero_grad();
        loss_d.backward();
        self.opt_d.step();

        // Generator.
        let [(p_real, p_fake), (s_real, s_fake)] = self.discriminate(&y, &y_hat);
        let mel_err = mel_l1(&tch::no_grad(|| self.loss_mel.forward(&y.squeeze_dim(1))), &self.loss_mel.forward(&y_hat.squeeze_dim(1)));
        let adv = generator_loss(&p_fake) + generator_loss(&s_fake);
        let fm = feature_loss(&p_real, &p_fake) + feature_loss(&s_real, &s_fake);
        let loss_g = &adv + &fm + &mel_err * LAMBDA_MEL;
        self.opt_g.zero_grad();
        loss_g.backward();
        self.opt_g.step();

        Ok(Losses::new()
            .with("mel_l1", mel_err.double_value(&[]))
            .with("gen_total", loss_g.double_value(&[]))
            .with("gen_adv", adv.double_value(&[]))
            .with("feature_matching", fm.double_value(&[]))
            .with("disc", loss_d.double_value(&[]))
            .with("lr", lr))
    }

    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        let sr = self.input_mel.config().sampling_rate;
        let hop = self.input_mel.config().hop_size;
        let y = self.val.first_clip(hop, (VALIDATION_SECONDS * sr as f64) as usize, self.device)?; // [1, T]
        let mel = self.input_mel.forward(&y);
        let y_hat = FastGenerator::new(&self.gen).forward(&mel); // [1, T]
        let err = mel_l1(&self.loss_mel.forward(&y), &self.loss_mel.forward(&y_hat)).double_value(&[]);
        let samples: Vec<f32> = Vec::<f32>::try_from(y_hat.view([-1]).to_device(Device::Cpu)).map_err(Error::Torch)?;
        write_wav(dir.join("gan.wav"), &Audio::new(samples, sr), SampleFormat::Pcm16)?;
        let mel_hat = Mel::from_tensor(&self.input_mel.forward(&y_hat).to_device(Device::Cpu))?;
        crate::audio::image::write_mel_png(dir.join("gan_mel.png"), &mel_hat, 2)?;
        Ok(Losses::new().with("val_mel_l1", err))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts {
            stores: vec![("generator", &mut self.gen_vs), ("discriminator", &mut self.disc_vs)],
            optimizers: vec![("optim_g", &mut self.opt_g), ("optim_d", &mut self.opt_d)],
        }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "gan".into(),
            model: MODEL_NAME.into(),
            config: serde_json::to_value(&self.cfg).unwrap_or_default(),
            store: "generator".into(),
            symbols: None,
        }
    }
}
