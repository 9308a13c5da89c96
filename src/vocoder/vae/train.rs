//! Training the conditional VAE vocoder by its ELBO: reconstruction (c_mel · mel L1 on the
//! loss mel + c_stft · multi-resolution STFT) + β · KL(q(z | x, mel) ‖ p(z | mel)), with β
//! annealed linearly from 0 and a free-bits floor per latent channel (Kingma et al. 2016);
//! no adversarial term. The log reports every ELBO term and `neg_elbo` = reconstruction +
//! the raw KL (β = 1, no floor), the quantity that must fall.

use std::path::Path;

use tch::{nn::VarStore, Device, Kind, Tensor};

use super::config::Config;
use super::encoders::PosteriorEncoder;
use super::gaussian::{kl_divergence, kl_with_free_bits, reparameterize};
use super::losses::MultiResolutionStft;
use super::model::{posterior, VaeDecoder};
use super::{Cvae, MODEL_NAME};
use crate::audio::mel_tch::MelTch;
use crate::audio::{write_wav, Audio, MelConfig, SampleFormat};
use crate::data::{Level, Segments};
use crate::error::{Error, Result};
use crate::train::validation::{render_validation, ValidationPlan};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, LrSchedule, TrainSetup, TrainTask};
use crate::vocoder::gan::losses::mel_l1;
use crate::vocoder::model_config::ModelConfig;
use crate::vocoder::{VocodeOptions, Vocoder};

const VALIDATION_SECONDS: f64 = 6.0;

/// The ELBO terms of one batch.
pub struct Elbo {
    /// What the optimiser minimises: recon + β · KL (free bits).
    pub loss: Tensor,
    /// Reconstruction + raw KL.
    pub neg_elbo: Tensor,
    pub recon: Tensor,
    pub kl: Tensor,
    pub mel_l1: Tensor,
    pub stft_sc: Tensor,
    pub stft_logmag: Tensor,
}

/// The `ferry train vae` task.
pub struct VaeTask {
    cfg: Config,
    mel_cfg: MelConfig,
    vae_vs: VarStore,
    enc_vs: VarStore,
    model: VaeDecoder,
    enc: PosteriorEncoder,
    opt_vae: AdamW,
    opt_enc: AdamW,
    schedule: LrSchedule,
    loss_mel: MelTch,
    stft_loss: MultiResolutionStft,
    /// Peak-normalised clips and their mels (the decoder's input) on the device.
    data: Segments,
}

/// Builds the task `ferry train vae` runs (default config: the registry's, `base`).
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    let mut cfg: Config = setup.vocoder_config(MODEL_NAME)?;
    if let Some(b) = setup.batch_size {
        cfg.batch_size = b;
    }
    let data = Segments::open(&setup.data_dir, &setup.mel, Level::PeakNormalised, setup.seed, setup.device)?;
    Ok(Box::new(VaeTask::new(cfg, data, setup.seed)?))
}

fn adamw(vs: &VarStore, cfg: &Config) -> AdamW {
    AdamW::new(vs, AdamWConfig { lr: cfg.learning_rate, beta1: cfg.adam_b1, beta2: cfg.adam_b2, eps: 1e-8, weight_decay: 0.01 })
}

impl VaeTask {
    /// An inference vocoder holding a copy of the current prior and decoder.
    pub fn inference(&self) -> Result<Cvae> {
        let (vs, model) = crate::nn::copy_of(&self.vae_vs, |p| VaeDecoder::new(p, &self.cfg, self.mel_cfg.num_mels as i64))?;
        Cvae::new(vs, model, &self.cfg, &self.mel_cfg)
    }

    /// A task on `data` (HiFi-GAN's level: [`Level::PeakNormalised`]), built for its mel.
    pub fn new(cfg: Config, data: Segments, seed: u64) -> Result<Self> {
        let (mel, device) = (data.mel_config().clone(), data.device());
        let mel = &mel;
        cfg.validate_for(mel)?;
        tch::manual_seed(seed as i64);
        let vae_vs = VarStore::new(device);
        let model = VaeDecoder::new(vae_vs.root(), &cfg, mel.num_mels as i64);
        let enc_vs = VarStore::new(device);
        let enc = posterior(enc_vs.root(), &cfg, mel.n_freqs() as i64, mel.num_mels as i64);
        Ok(Self {
            opt_vae: adamw(&vae_vs, &cfg),
            opt_enc: adamw(&enc_vs, &cfg),
            schedule: LrSchedule::Exponential { gamma: cfg.lr_decay, every: cfg.steps_per_epoch },
            loss_mel: MelTch::new(&mel.loss_mel(), device)?,
            stft_loss: MultiResolutionStft::new(&cfg.stft_resolutions, device),
            mel_cfg: mel.clone(),
            cfg,
            vae_vs,
            enc_vs,
            model,
            enc,
            data,
        })
    }

    /// Posterior stats of `[B, T]` audio: the encoder sees `[log |X|; mel]`.
    fn encode(&self, y: &Tensor, mel: &Tensor) -> (Tensor, Tensor) {
        let spec = tch::no_grad(|| self.data.mel().magnitude(y).clamp_min(1e-5).log()); // [B, n_freqs, F]
        self.enc.forward(&Tensor::cat(&[&spec, mel], 1))
    }

    /// The ELBO terms of `[B, T]` audio with posterior samples at `temperature` (1 in training).
    pub fn elbo(&self, y: &Tensor, beta: f64, temperature: f64) -> (Elbo, Tensor) {
        let mel = tch::no_grad(|| self.data.mel().forward(y)); // [B, n_mels, F]
        let (m_q, logs_q) = self.encode(y, &mel);
        let z = reparameterize(&m_q, &logs_q, &m_q.randn_like(), temperature);
        let y_hat = self.model.decode(&mel, &z).squeeze_dim(1); // [B, T]
        let (m_p, logs_p) = self.model.prior_stats(&mel);
        let kl = kl_divergence(&m_q, &logs_q, &m_p, &logs_p); // [B, z, F]
        let (kl_floored, kl_raw) = kl_with_free_bits(&kl, self.cfg.free_bits);
        let mel_err = mel_l1(&tch::no_grad(|| self.loss_mel.forward(y)), &self.loss_mel.forward(&y_hat));
        let (sc, lm) = self.stft_loss.forward(y, &y_hat);
        let recon = &mel_err * self.cfg.c_mel + (&sc + &lm) * self.cfg.c_stft;
        let loss = &recon + &kl_floored * beta;
        let neg_elbo = &recon + &kl_raw;
        (Elbo { loss, neg_elbo, recon, kl: kl_raw, mel_l1: mel_err, stft_sc: sc, stft_logmag: lm }, y_hat)
    }
}

fn val(t: &Tensor) -> f64 {
    t.double_value(&[])
}

impl TrainTask for VaeTask {
    fn train_step(&mut self, step: u64) -> Result<Losses> {
        let lr = self.cfg.learning_rate * self.schedule.factor(step);
        self.opt_vae.set_lr(lr);
        self.opt_enc.set_lr(lr);
        let beta = self.cfg.beta_at(step);
        let y = self.data.audio(self.cfg.batch_size, self.cfg.segment_size)?; // [B, T]
        let (e, _) = self.elbo(&y, beta, 1.0);
        self.opt_vae.zero_grad();
        self.opt_enc.zero_grad();
        e.loss.backward();
        self.opt_vae.step();
        self.opt_enc.step();
        Ok(Losses::new()
            .with("neg_elbo", val(&e.neg_elbo))
            .with("recon", val(&e.recon))
            .with("kl", val(&e.kl))
            .with("loss", val(&e.loss))
            .with("beta", beta)
            .with("mel_l1", val(&e.mel_l1))
            .with("stft_sc", val(&e.stft_sc))
            .with("stft_logmag", val(&e.stft_logmag))
            .with("lr", lr))
    }

    /// The posterior reconstruction of the first held-out clip at its mean (the ELBO terms),
    /// and the held-out clips rendered from the prior through the inference path users run
    /// (a copy of the weights; seed 0, the config's temperature).
    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        let sr = self.mel_cfg.sampling_rate;
        let (y, _) = self.data.first((VALIDATION_SECONDS * sr as f64) as usize / self.mel_cfg.hop_size)?; // [1, T]
        let (e, y_post) = self.elbo(&y, 1.0, 0.0);
        let samples = Vec::<f32>::try_from(y_post.view([-1]).to_device(Device::Cpu).to_kind(Kind::Float)).map_err(Error::Torch)?;
        write_wav(dir.join("vae_posterior.wav"), &Audio::new(samples, sr), SampleFormat::Pcm16)?;
        let voc = self.inference()?;
        let scores = render_validation(&self.data, ValidationPlan::FULL, dir, "vae_prior", |mel| voc.vocode(mel, &VocodeOptions::default()))?;
        Ok(scores.with("val_neg_elbo", val(&e.neg_elbo)).with("val_kl", val(&e.kl)).with("val_mel_l1_posterior", val(&e.mel_l1)))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts {
            stores: vec![("vae", &mut self.vae_vs), ("encoder", &mut self.enc_vs)],
            optimizers: vec![("optim_vae", &mut self.opt_vae), ("optim_enc", &mut self.opt_enc)],
        }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "vae".into(),
            model: MODEL_NAME.into(),
            config: serde_json::to_value(&self.cfg).unwrap_or_default(),
            store: "vae".into(),
            symbols: None,
        }
    }
}
