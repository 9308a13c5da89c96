//! Shared neural-network pieces: weight files and layers used by several models.

pub mod cuda_graph;
pub mod dilated_stream;
pub mod fast_conv;
pub mod noise;
pub mod safetensors;
pub mod weight_norm;

pub use weight_norm::{same_padding, ConvCfg, WnConv1d, WnConvTranspose1d};

/// Trainable parameters of a var store (BatchNorm statistics are not parameters).
pub fn parameter_count(vs: &tch::nn::VarStore) -> u64 {
    vs.trainable_variables().iter().map(|t| t.numel() as u64).sum()
}
