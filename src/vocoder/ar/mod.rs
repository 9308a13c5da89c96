//! The `ar` family: WaveRNN (N. Kalchbrenner et al., "Efficient Neural Audio Synthesis",
//! ICML 2018) with fast batched ("folded") generation.
//!
//! [`config`] holds the hyperparameters, [`model`] the network with the reference's
//! weight names, [`generate`] the generation (plain-Rust sampling loop in [`fast`] on
//! the CPU, the libtorch loop of [`sample_tch`] elsewhere), [`fold`] the segmenting and cross-fading,
//! [`mulaw`] and [`mol`] the two output distributions, [`train`] the training task.

pub mod config;
pub mod fast;
pub mod fold;
pub mod generate;
pub mod kernels;
pub mod model;
pub mod mol;
pub mod mulaw;
pub mod noise;
pub mod sample_tch;
pub mod train;

use tch::{nn, Device, Tensor};

pub use config::{Config, Mode};
pub use generate::{Engine, GenerateOptions};
pub use model::WaveRnn;

use super::{Family, VocodeOptions, Vocoder};
use crate::audio::MelConfig;
use crate::error::Result;
use crate::nn::cuda_graph::CudaGraph;
use crate::vocoder::model_config::ModelConfig;
use crate::voice::{ModelEntry, Voice};

/// A WaveRNN ready to vocode: weights in a VarStore, plus their packed copy for the
/// plain-Rust sampler when the model lives on the CPU.
pub struct WaveRnnVocoder {
    vs: nn::VarStore,
    model: WaveRnn,
    fast: Option<fast::FastWaveRnn>,
    graphs: sample_tch::GraphCache,
    mel: MelConfig,
}

impl std::fmt::Debug for WaveRnnVocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaveRnnVocoder").field("config", &self.model.cfg).field("device", &self.vs.device()).finish()
    }
}

impl WaveRnnVocoder {
    /// Random weights (PyTorch's default initialisation) for `cfg`; seeded by the caller.
    pub fn random(cfg: &Config, mel: &MelConfig, device: Device) -> Result<Self> {
        cfg.validate(mel)?;
        let vs = nn::VarStore::new(device);
        let model = WaveRnn::new(vs.root(), cfg, mel.num_mels);
        Self::finish(vs, model, mel)
    }

    /// Wraps a trained model (e.g. from a training task); packs its weights for the CPU loop.
    pub fn from_parts(vs: nn::VarStore, model: WaveRnn, mel: &MelConfig) -> Result<Self> {
        Self::finish(vs, model, mel)
    }

    fn finish(mut vs: nn::VarStore, model: WaveRnn, mel: &MelConfig) -> Result<Self> {
        vs.freeze();
        let fast = if vs.device() == Device::Cpu { Some(tch::no_grad(|| fast::FastWaveRnn::new(&model, mel.num_mels))?) } else { None };
        Ok(Self { vs, model, fast, graphs: Default::default(), mel: mel.clone() })
    }

    pub fn model(&self) -> &WaveRnn {
        &self.model
    }

    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// Generation options from the vocoder options: the config's fold geometry unless
    /// overridden, the Rust loop on the CPU, the libtorch loop replayed as CUDA graphs on a GPU
    /// (launched op by op where this build has no CUDA graphs).
    pub fn options(&self, opts: &VocodeOptions) -> GenerateOptions {
        GenerateOptions {
            seed: opts.seed.unwrap_or(0),
            target: opts.fold_target.unwrap_or(self.model.cfg.target),
            overlap: opts.fold_overlap.unwrap_or(self.model.cfg.overlap),
            engine: match &self.fast {
                Some(_) => Engine::Rust,
                None if CudaGraph::available(self.vs.device()) => Engine::Graph,
                None => Engine::Tch,
            },
            threads: tch::get_num_threads().max(1) as usize,
        }
    }

    /// Vocodes `[B, n_mels, F]` with explicit generation options → `[B, F·hop]`.
    pub fn vocode_with(&self, mel: &Tensor, g: &GenerateOptions) -> Result<Tensor> {
        if let Some(empty) = super::check_mel(mel, self.mel.num_mels as i64, "WaveRNN", self.vs.device())? {
            return Ok(empty);
        }
        let dims = mel.size();
        tch::no_grad(|| {
            let mel = mel.to_device(self.vs.device()).to_kind(tch::Kind::Float);
            let mut rows = Vec::with_capacity(dims[0] as usize);
            for b in 0..dims[0] {
                let y = generate::generate(&self.model, self.fast.as_ref(), &self.graphs, &mel.narrow(0, b, 1), g)?;
                rows.push(Tensor::from_slice(&y));
            }
            Ok(Tensor::stack(&rows, 0).to_device(self.vs.device()))
        })
    }
}

impl Vocoder for WaveRnnVocoder {
    fn family(&self) -> Family {
        Family::Ar
    }
    fn model_name(&self) -> &str {
        "wavernn"
    }
    fn hop_size(&self) -> usize {
        self.mel.hop_size
    }
    fn sample_rate(&self) -> u32 {
        self.mel.sampling_rate
    }
    fn device(&self) -> Device {
        self.vs.device()
    }
    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor> {
        self.vocode_with(mel, &self.options(opts))
    }
    fn parameters(&self) -> u64 {
        crate::nn::parameter_count(&self.vs)
    }
}

/// Builds WaveRNN from `voice`'s `ar` entry.
pub fn load(voice: &Voice, entry: &ModelEntry, device: Device) -> Result<Box<dyn Vocoder>> {
    let cfg = voice.model_config_for::<Config>(entry)?;
    let mut vs = nn::VarStore::new(device);
    let model = WaveRnn::new(vs.root(), &cfg, voice.config.mel.num_mels);
    voice.load_weights(entry, &mut vs)?;
    Ok(Box::new(WaveRnnVocoder::from_parts(vs, model, &voice.config.mel)?))
}

/// Builds a WaveRNN with random weights from a preset (`default`, `512`, `tiny`, `raw`)
/// or a JSON config file, for benchmarks and tests.
pub fn build_random(config: &str, mel: &MelConfig, device: Device) -> Result<Box<dyn Vocoder>> {
    Ok(Box::new(WaveRnnVocoder::random(&Config::from_name_or_file(config, mel)?, mel, device)?))
}
