//! Shared neural-network pieces: weight files and layers used by several models.

pub mod cuda_graph;
pub mod dilated_stream;
pub mod fast_conv;
pub mod noise;
pub mod safetensors;
pub mod weight_norm;

pub use weight_norm::{same_padding, ConvCfg, WnConv1d, WnConvTranspose1d};

/// A second model built by `build` in a new var store on `src`'s device, holding a copy of
/// `src`'s current weights (what a training task hands to its inference vocoder to validate).
pub fn copy_of<M>(src: &tch::nn::VarStore, build: impl FnOnce(tch::nn::Path) -> M) -> crate::error::Result<(tch::nn::VarStore, M)> {
    let mut vs = tch::nn::VarStore::new(src.device());
    let model = build(vs.root());
    vs.copy(src).map_err(crate::error::Error::Torch)?;
    Ok((vs, model))
}

/// Trainable parameters of a var store (BatchNorm statistics are not parameters).
pub fn parameter_count(vs: &tch::nn::VarStore) -> u64 {
    vs.trainable_variables().iter().map(|t| t.numel() as u64).sum()
}
