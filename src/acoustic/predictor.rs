//! The per-symbol predictors of FastPitch (duration, pitch, energy): `n_layers` of
//! Conv1d → ReLU → LayerNorm → Dropout, then a linear projection (`TemporalPredictor` in
//! NVIDIA's `fastpitch/model.py`; FastPitch, Łańcucki 2021). Names: `layers.{i}.conv`,
//! `layers.{i}.norm`, `fc`.

use tch::nn::{self, Module};
use tch::Tensor;

#[derive(Debug)]
struct ConvReluNorm {
    conv: nn::Conv1D,
    norm: nn::LayerNorm,
}

#[derive(Debug)]
pub struct TemporalPredictor {
    layers: Vec<ConvReluNorm>,
    fc: nn::Linear,
    dropout: f64,
}

impl TemporalPredictor {
    pub fn new(p: nn::Path, input_size: i64, filter_size: i64, kernel_size: i64, dropout: f64, n_layers: i64, n_predictions: i64) -> Self {
        let layers = (0..n_layers)
            .map(|i| {
                let lp = &p / "layers" / i;
                let cin = if i == 0 { input_size } else { filter_size };
                ConvReluNorm {
                    conv: nn::conv1d(&lp / "conv", cin, filter_size, kernel_size, nn::ConvConfig { padding: kernel_size / 2, ..Default::default() }),
                    norm: nn::layer_norm(&lp / "norm", vec![filter_size], Default::default()),
                }
            })
            .collect();
        TemporalPredictor { layers, fc: nn::linear(&p / "fc", filter_size, n_predictions, Default::default()), dropout }
    }

    /// `enc`: [B, T, D], `mask`: [B, T, 1] → [B, T, n_predictions] (zero on padding).
    pub fn forward(&self, enc: &Tensor, mask: &Tensor, train: bool) -> Tensor {
        let mask_t = mask.transpose(1, 2); // [B, 1, T]
        let mut x = (enc * mask).transpose(1, 2); // [B, D, T]
        for l in &self.layers {
            // Masked after each layer (the reference is not) so padding never leaks in.
            let y = l.conv.forward(&x).relu() * &mask_t; // [B, F, T]
            x = l.norm.forward(&y.transpose(1, 2)).transpose(1, 2).dropout(self.dropout, train) * &mask_t;
        }
        self.fc.forward(&x.transpose(1, 2)) * mask
    }
}
