//! The acoustic model (phonemes → log-mel) and its learned aligner: FastPitch with the
//! unsupervised alignment of FastPitch 1.1 (see [`model`]).

pub mod aligner;
pub mod config;
pub mod data;
pub mod infer;
pub mod length_regulator;
pub mod loss;
pub mod mas;
pub mod model;
pub mod predictor;
pub mod train;
pub mod transformer;

pub use config::{AcousticConfig, Config, TrainConfig};
pub use infer::{AcousticModel, MelOutput, Prosody, Symbol};
pub use model::{Batch, Controls, FastPitch, InferOutput};
