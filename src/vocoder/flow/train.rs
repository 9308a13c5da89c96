//! Training WaveGlow by maximum likelihood (Prenger et al., ICASSP 2019, section 2.1):
//! random audio segments with their mels, the NLL of [`super::model::nll_loss`] at the
//! training σ (1.0 in the reference), Adam.

use std::path::Path;

use tch::{nn::VarStore, Kind, Tensor};

use super::config::Config;
use super::model::{nll_loss, WaveGlow};
use super::WaveGlowVocoder;
use crate::data::{Level, Segments};
use crate::error::Result;
use crate::train::validation::{render_validation, ValidationPlan};
use crate::train::{AdamW, AdamWConfig, CheckpointParts, ExportInfo, Losses, TrainSetup, TrainTask};
use crate::vocoder::{VocodeOptions, Vocoder};

/// The likelihood training task.
pub struct WaveGlowTask {
    cfg: Config,
    vs: VarStore,
    model: WaveGlow,
    opt: AdamW,
    data: Segments,
    batch_size: usize,
}

impl WaveGlowTask {
    pub fn new(cfg: Config, data: Segments, seed: u64, batch_size: Option<usize>) -> Result<Self> {
        cfg.validate()?;
        tch::manual_seed(seed as i64);
        let vs = VarStore::new(data.device());
        let model = WaveGlow::new(vs.root(), &cfg);
        let opt = AdamW::new(&vs, AdamWConfig { lr: cfg.learning_rate, ..Default::default() });
        let batch_size = batch_size.unwrap_or(cfg.batch_size).max(1);
        Ok(Self { cfg, vs, model, opt, data, batch_size })
    }

    pub fn model(&self) -> &WaveGlow {
        &self.model
    }

    /// An inference vocoder holding a copy of the current weights.
    pub fn inference(&self) -> Result<WaveGlowVocoder> {
        let (vs, model) = crate::nn::copy_of(&self.vs, |p| WaveGlow::new(p, &self.cfg))?;
        Ok(WaveGlowVocoder::from_parts(vs, model))
    }

    /// Mel frames per training segment (`segment_length` rounded down to whole hops).
    fn frames(&self) -> usize {
        (self.cfg.segment_length / self.cfg.hop_length).max(1)
    }

    /// The NLL of a batch without updating anything.
    pub fn nll(&self, audio: &Tensor, mel: &Tensor) -> f64 {
        tch::no_grad(|| nll_loss(&self.model.forward(mel, audio), self.cfg.sigma)).double_value(&[])
    }
}

/// `ferry train flow`: WaveGlow on `setup`'s dataset (default config: the registry's, `cpu`).
pub fn train_task(setup: &TrainSetup) -> Result<Box<dyn TrainTask>> {
    let cfg = setup.vocoder_config("waveglow")?;
    let data = Segments::open(&setup.data_dir, &setup.mel, Level::AsRecorded, setup.seed, setup.device)?;
    Ok(Box::new(WaveGlowTask::new(cfg, data, setup.seed, setup.batch_size)?))
}

impl TrainTask for WaveGlowTask {
    fn train_step(&mut self, _step: u64) -> Result<Losses> {
        let (audio, mel) = self.data.batch(self.batch_size, self.frames())?;
        let out = self.model.forward(&mel, &audio);
        let loss = nll_loss(&out, self.cfg.sigma);
        self.opt.backward_step(&loss);
        let log_s: f64 = out.log_s.iter().map(|s| s.mean(Kind::Float).double_value(&[])).sum();
        Ok(Losses::new().with("nll", loss.double_value(&[])).with("mean_log_s", log_s))
    }

    fn validate(&mut self, _step: u64, dir: &Path) -> Result<Losses> {
        let frames = 2 * self.cfg.sampling_rate as usize / self.cfg.hop_length;
        let (audio, mel) = self.data.first(frames)?;
        let nll = self.nll(&audio, &mel);
        // The held-out clips through the inference path users run, on a copy of the weights.
        let voc = self.inference()?;
        let scores = render_validation(&self.data, ValidationPlan::SHORT, dir, "waveglow", |mel| voc.vocode(mel, &VocodeOptions::default()))?;
        Ok(scores.with("val_nll", nll))
    }

    fn checkpoint_parts(&mut self) -> CheckpointParts<'_> {
        CheckpointParts { stores: vec![("waveglow", &mut self.vs)], optimizers: vec![("waveglow", &mut self.opt)] }
    }

    fn export_info(&self) -> ExportInfo {
        ExportInfo {
            role: "flow".into(),
            model: "waveglow".into(),
            config: serde_json::to_value(&self.cfg).unwrap_or(serde_json::Value::Null),
            store: "waveglow".into(),
            symbols: None,
        }
    }
}
