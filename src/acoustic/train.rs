//! Training FastPitch with its learned aligner as a [`TrainTask`] for Ferry's trainer:
//! length-sorted batches kept on the device, AdamW with an optional Noam warm-up, the
//! FastPitch losses with the binarisation warm-up, validation with a mel/alignment image
//! and a Griffin-Lim rendering of the predicted mel.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{nn, Device, Kind, Tensor};

use super::aligner::batch_prior;
use super::config::AcousticConfig;
use super::loss::fastpitch_loss;
use super::model::{Batch, Controls, FastPitch};
use crate::audio::{self, Mel, MelConfig};
use crate::error::{Error, Result};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, LrSchedule, TrainTask};

/// Log-mel value of silence / padding (ln 1e-5).
pub const MEL_PAD: f32 = -11.512_925;

/// One training utterance: symbol ids, its log-mel and pitch per frame (Hz, 0 = unvoiced).
#[derive(Debug, Clone)]
pub struct Utterance {
    pub ids: Vec<i64>,
    pub mel: Mel,
    pub pitch: Vec<f32>,
}

/// Pads and stacks utterances into a [`Batch`] on `device`, with the alignment prior.
pub fn collate(items: &[&Utterance], device: Device) -> Result<Batch> {
    let b = items.len();
    if b == 0 {
        return Err(Error::arg("cannot make a batch of zero utterances"));
    }
    let n_mels = items[0].mel.n_mels;
    let s = items.iter().map(|u| u.ids.len()).max().unwrap_or(1).max(1);
    let t = items.iter().map(|u| u.mel.frames).max().unwrap_or(1).max(1);
    let mut ids = vec![0i64; b * s];
    let mut mel = vec![MEL_PAD; b * n_mels * t];
    let mut pitch = vec![0f32; b * t];
    for (k, u) in items.iter().enumerate() {
        if u.mel.n_mels != n_mels || u.pitch.len() != u.mel.frames {
            return Err(Error::arg(format!(
                "utterance {k}: {} mel bands / {} pitch values for {} frames do not match the batch ({n_mels} bands)",
                u.mel.n_mels,
                u.pitch.len(),
                u.mel.frames
            )));
        }
        ids[k * s..k * s + u.ids.len()].copy_from_slice(&u.ids);
        for m in 0..n_mels {
            let dst = (k * n_mels + m) * t;
            mel[dst..dst + u.mel.frames].copy_from_slice(&u.mel.data[m * u.mel.frames..(m + 1) * u.mel.frames]);
        }
        pitch[k * t..k * t + u.mel.frames].copy_from_slice(&u.pitch);
    }
    let text_lens: Vec<i64> = items.iter().map(|u| u.ids.len() as i64).collect();
    let mel_lens: Vec<i64> = items.iter().map(|u| u.mel.frames as i64).collect();
    Ok(Batch {
        text: Tensor::from_slice(&ids).view([b as i64, s as i64]).to_device(device),
        text_lens: Tensor::from_slice(&text_lens).to_device(device),
        mel: Tensor::from_slice(&mel).view([b as i64, n_mels as i64, t as i64]).to_device(device),
        mel_lens: Tensor::from_slice(&mel_lens).to_device(device),
        pitch: Tensor::from_slice(&pitch).view([b as i64, t as i64]).to_device(device),
        prior: batch_prior(&text_lens, &mel_lens, s as i64, t as i64, device),
    })
}

/// Most utterances validation runs on (one padded batch).
pub const VALIDATION_UTTERANCES: usize = 32;

/// Takes the hold-out of every model ([`crate::data::holdout`]: the last 1 %, in dataset
/// order) out of `usable` and returns up to [`VALIDATION_UTTERANCES`] of them, evenly
/// spread; `None` when nothing is held out (under 100 utterances).
fn split_validation(usable: &mut Vec<Utterance>) -> Option<Vec<Utterance>> {
    let holdout = crate::data::holdout(usable.len());
    if holdout == 0 {
        return None;
    }
    let held = usable.split_off(usable.len() - holdout);
    let every = held.len().div_ceil(VALIDATION_UTTERANCES);
    Some(held.into_iter().step_by(every).collect())
}

/// FastPitch being trained.
pub struct AcousticTask {
    pub vs: nn::VarStore,
    pub model: FastPitch,
    opt: AdamW,
    cfg: AcousticConfig,
    schedule: LrSchedule,
    batches: Vec<Batch>,
    val: Batch,
    mel: MelConfig,
    seed: u64,
    /// The phoneme vocabulary of the ids (id order), exported with the model.
    symbols: Vec<String>,
}

impl AcousticTask {
    /// Builds the model and the batches. Utterances with fewer frames than symbols (no
    /// alignment can give every symbol a frame) or longer than `max_mel_frames` are left
    /// out; it is an error when none is left.
    pub fn new(cfg: AcousticConfig, utterances: Vec<Utterance>, mel: MelConfig, device: Device, seed: u64, batch_size: Option<usize>) -> Result<AcousticTask> {
        cfg.model.validate()?;
        let total = utterances.len();
        let max_id = cfg.model.n_symbols;
        let mut usable: Vec<Utterance> = Vec::with_capacity(total);
        for u in utterances {
            if let Some(bad) = u.ids.iter().find(|&&i| i <= 0 || i >= max_id) {
                return Err(Error::config(
                    "acoustic",
                    format!("symbol id {bad} is outside 1..{max_id} (n_symbols is {max_id}); set n_symbols to the tokenizer's vocabulary size"),
                ));
            }
            if !u.ids.is_empty() && u.mel.frames >= u.ids.len() && u.mel.frames <= cfg.train.max_mel_frames {
                usable.push(u);
            }
        }
        if usable.is_empty() {
            return Err(Error::Training(format!(
                "none of the {total} utterances can be trained on (each needs symbols, at least one frame per symbol and at most {} frames)",
                cfg.train.max_mel_frames
            )));
        }
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let mut model = FastPitch::new(vs.root(), &cfg.model)?;
        let voiced: Vec<f64> = usable.iter().flat_map(|u| u.pitch.iter()).filter(|&&p| p > 0.0).map(|&p| p as f64).collect();
        if voiced.len() > 1 {
            let mean = voiced.iter().sum::<f64>() / voiced.len() as f64;
            let var = voiced.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (voiced.len() - 1) as f64;
            model.set_pitch_stats(mean, var.sqrt());
        }
        let opt = AdamW::new(&vs, AdamWConfig { lr: cfg.train.learning_rate, beta1: 0.9, beta2: 0.98, eps: 1e-9, weight_decay: cfg.train.weight_decay });
        let schedule = if cfg.train.warmup_steps > 0 { LrSchedule::Noam { warmup: cfg.train.warmup_steps } } else { LrSchedule::Constant };

        // Validation: the last 1 % of the dataset's rows, as the vocoders hold out, never
        // trained on (at most VALIDATION_UTTERANCES of them, spread over the held-out rows).
        // A dataset under 100 rows holds nothing out and validates on its 4 shortest rows.
        let held = split_validation(&mut usable);
        usable.sort_by_key(|u| u.mel.frames);
        let bs = batch_size.unwrap_or(cfg.train.batch_size).max(1);
        // Length-sorted batches (little padding); their order is shuffled per epoch.
        let batches = usable.chunks(bs).map(|c| collate(&c.iter().collect::<Vec<_>>(), device)).collect::<Result<Vec<_>>>()?;
        let val = match held {
            Some(mut held) => {
                held.sort_by_key(|u| u.mel.frames);
                collate(&held.iter().collect::<Vec<_>>(), device)?
            }
            None => collate(&usable.iter().take(4).collect::<Vec<_>>(), device)?,
        };
        let symbols = crate::text::tokenizer::Tokenizer::default_english().symbols();
        Ok(AcousticTask { vs, model, opt, cfg, schedule, batches, val, mel, seed, symbols })
    }

    /// Sets the phoneme vocabulary the utterances' ids come from (default: the English
    /// tokenizer); `ferry export` writes it into the voice as `tokenizer.json`.
    pub fn with_symbols(mut self, symbols: Vec<String>) -> AcousticTask {
        self.symbols = symbols;
        self
    }

    pub fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }

    /// The batch of a step: epochs walk every batch once, in a seeded shuffled order.
    fn batch_index(&self, step: u64) -> usize {
        let n = self.batches.len() as u64;
        let (epoch, k) = ((step.saturating_sub(1)) / n, (step.saturating_sub(1)) % n);
        let mut order: Vec<usize> = (0..n as usize).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(self.seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        order[k as usize]
    }

    /// Hard durations (frames per symbol) the aligner gives an utterance, without gradients.
    pub fn align(&self, u: &Utterance) -> Result<Vec<i64>> {
        let batch = collate(&[u], self.vs.device())?;
        let out = tch::no_grad(|| self.model.forward_train(&batch, false))?;
        Ok(Vec::<i64>::try_from(out.dur_tgt.get(0).to_device(Device::Cpu))?)
    }

    fn losses(&self, batch: &Batch, step: u64, train: bool) -> Result<(Tensor, Losses)> {
        let out = self.model.forward_train(batch, train)?;
        let l = fastpitch_loss(&out, &batch.mel, &batch.text_lens, &batch.mel_lens, &self.cfg.train, step);
        let v = |t: &Tensor| t.double_value(&[]);
        let mut losses = Losses::new()
            .with("loss", v(&l.total))
            .with("mel", v(&l.mel))
            .with("dur", v(&l.duration))
            .with("pitch", v(&l.pitch))
            .with("energy", v(&l.energy))
            .with("attn", v(&l.attn))
            .with("bin", v(&l.bin))
            .with("kl_weight", l.kl_weight);
        if !train {
            // What inference would get wrong: predicted frames per symbol against the aligner's.
            let s = out.log_dur_pred.size()[1];
            let mask = super::transformer::mask_from_lens(&batch.text_lens, s).squeeze_dim(2);
            let pred = (out.log_dur_pred.exp() - 1.0).clamp(0.0, self.cfg.model.max_duration).round();
            let err = ((pred - out.dur_tgt.to_kind(Kind::Float)).abs() * &mask).sum(Kind::Float) / mask.sum(Kind::Float).clamp_min(1.0);
            losses.push("dur_frames_l1", v(&err));
            // The phoneme-level baseline the decoder's mel MSE must beat.
            losses.push("mel_symbol_mean", v(&super::loss::symbol_mean_mse(&out.attn_hard, &batch.mel, &batch.mel_lens)));
        }
        Ok((l.total, losses))
    }

    fn write_validation_images(&self, dir: &Path) -> Result<()> {
        let out = self.model.forward_train(&self.val, false)?;
        let (s, t) = (self.val.text_lens.int64_value(&[0]), self.val.mel_lens.int64_value(&[0]));
        // Alignment: soft attention (rows = symbols, top = first), hard path in white.
        let soft = out.attn_soft.get(0).narrow(0, 0, t).narrow(1, 0, s).to_device(Device::Cpu);
        let hard = out.attn_hard.get(0).narrow(0, 0, t).narrow(1, 0, s).to_device(Device::Cpu);
        let (soft, hard) = (Vec::<f32>::try_from(soft.contiguous().flatten(0, -1))?, Vec::<f32>::try_from(hard.contiguous().flatten(0, -1))?);
        let (w, h) = (t as usize, s as usize);
        let mut rgb = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let c = if hard[x * h + y] > 0.5 { [255, 255, 255] } else { audio::image::colormap(soft[x * h + y]) };
                rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&c);
            }
        }
        audio::image::write_rgb_png(dir.join("alignment.png"), w, h, &rgb)?;
        let pred = out.mel_out.get(0).narrow(0, 0, t).transpose(0, 1).contiguous(); // [n_mel, T]
        audio::image::write_mel_png(dir.join("mel_predicted.png"), &Mel::from_tensor(&pred.unsqueeze(0))?, 2)?;
        let target = self.val.mel.get(0).narrow(1, 0, t).contiguous();
        audio::image::write_mel_png(dir.join("mel_target.png"), &Mel::from_tensor(&target.unsqueeze(0))?, 2)?;
        Ok(())
    }

    fn write_validation_audio(&self, dir: &Path) -> Result<()> {
        let s = self.val.text_lens.int64_value(&[0]);
        let text = self.val.text.narrow(0, 0, 1).narrow(1, 0, s);
        let controls = Controls::neutral(1, s, text.device());
        let out = self.model.infer(&text, &self.val.text_lens.narrow(0, 0, 1), &controls)?;
        if out.mel.size()[2] > 0 {
            audio::image::write_mel_png(dir.join("mel_inferred.png"), &Mel::from_tensor(&out.mel)?, 2)?;
        }
        let gl = crate::vocoder::griffin_lim::GriffinLim::new(&self.mel, out.mel.device())?;
        let wav = gl.reconstruct(&gl.mel_to_magnitude(&out.mel), 32, 0.99, self.seed);
        let samples = Vec::<f32>::try_from(wav.flatten(0, -1).to_device(Device::Cpu).to_kind(Kind::Float))?;
        audio::write_wav(dir.join("predicted_griffin_lim.wav"), &audio::Audio::new(samples, self.mel.sampling_rate), audio::SampleFormat::Pcm16)
    }
}

impl TrainTask for AcousticTask {
    fn train_step(&mut self, step: u64) -> Result<Losses> {
        let lr = self.cfg.train.learning_rate * self.schedule.factor(step);
        self.opt.set_lr(lr);
        let batch = &self.batches[self.batch_index(step)];
        let (total, mut losses) = self.losses(batch, step, true)?;
        self.opt.zero_grad();
        total.backward();
        let norm = self.opt.clip_grad_norm(self.cfg.train.grad_clip_thresh);
        self.opt.step();
        losses.push("grad_norm", norm);
        losses.push("lr", lr);
        Ok(losses)
    }

    fn validate(&mut self, step: u64, dir: &Path) -> Result<Losses> {
        let (_, mut losses) = self.losses(&self.val, step, false)?;
        // The headline of validation is the mel MSE: the total carries the binarisation term,
        // whose weight ramps with the step (0 before `kl_loss_start_step`), so totals of
        // different steps do not compare, and the recipe exports on the headline.
        losses.0.sort_by_key(|(name, _)| name != "mel");
        self.write_validation_images(dir)?;
        self.write_validation_audio(dir)?;
        Ok(losses)
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts { stores: vec![("model", &mut self.vs)], optimizers: vec![("model", &mut self.opt)] }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "acoustic".into(),
            model: "fastpitch".into(),
            config: serde_json::to_value(&self.cfg.model).unwrap_or(serde_json::Value::Null),
            store: "model".into(),
            symbols: Some(self.symbols.clone()),
        }
    }
}

/// The task `ferry train acoustic` runs: the dataset's text through the English frontend
/// (phoneme ids of `data/tokenizer.json`), features from the cache in `data/cache/`, and
/// the `full` config unless `--config` gives another (`tiny`, or a JSON file with the
/// reference keys and an optional `train` section).
pub fn train_task(setup: &crate::train::TrainSetup) -> Result<Box<dyn TrainTask>> {
    let frontend = crate::text::Frontend::new(crate::text::FrontendOptions::for_voice(None))?;
    let vocab = frontend.tokenizer.len() as i64;
    let symbols = frontend.tokenizer.symbols();
    let cfg = match &setup.config {
        None => AcousticConfig { model: super::Config::full(vocab), train: Default::default() },
        Some(serde_json::Value::String(name)) => AcousticConfig { model: super::Config::preset(name, vocab)?, train: Default::default() },
        Some(v) => AcousticConfig::from_json(v)?,
    };
    if cfg.model.n_symbols < vocab {
        return Err(Error::config(
            "acoustic",
            format!("n_symbols is {} but the tokenizer has {vocab} symbols; set n_symbols to at least {vocab}", cfg.model.n_symbols),
        ));
    }
    let frontend = std::sync::Arc::new(std::sync::Mutex::new(frontend));
    let text: crate::data::TextStep = std::sync::Arc::new(move |s: &str| {
        let fe = frontend.lock().map_err(|_| Error::Text("the frontend failed on an earlier row".into()))?;
        Ok(fe.process(s)?.into_iter().flat_map(|u| u.ids).collect())
    });
    let cache = super::data::default_cache_dir(&setup.data_dir);
    let utterances = super::data::load_utterances(&setup.data_dir, &setup.mel, text, &cache, true)?;
    let task = AcousticTask::new(cfg, utterances, setup.mel.clone(), setup.device, setup.seed, setup.batch_size)?;
    Ok(Box::new(task.with_symbols(symbols)))
}
