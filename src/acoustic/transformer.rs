//! The feed-forward Transformer (FFT) stack of FastSpeech / FastPitch ("FastSpeech: Fast,
//! Robust and Controllable Text to Speech", Ren et al. 2019; FastPitch, Łańcucki 2021):
//! post-norm self-attention followed by a 1-D convolutional feed-forward block.
//! Weight names follow NVIDIA's `fastpitch/transformer.py` (`layers.{i}.dec_attn.qkv_net`,
//! `layers.{i}.pos_ff.CoreNet.0`, ...).

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

/// Sinusoidal positions (`PositionalEmbedding`: sin half then cos half).
fn positional_embedding(len: i64, d_model: i64, device: tch::Device, kind: Kind) -> Tensor {
    let inv_freq = (Tensor::arange_start_step(0.0, d_model as f64, 2.0, (Kind::Float, device)) / d_model as f64 * -(10000f64.ln())).exp(); // [D/2]
    let pos = Tensor::arange(len, (Kind::Float, device)); // [T]
    let sinusoid = pos.unsqueeze(-1) * inv_freq.unsqueeze(0); // [T, D/2]
    Tensor::cat(&[sinusoid.sin(), sinusoid.cos()], 1).unsqueeze(0).to_kind(kind)
    // [1, T, D]
}

/// Multi-head self-attention with residual and post layer norm (`MultiHeadAttn`).
#[derive(Debug)]
struct MultiHeadAttn {
    qkv_net: nn::Linear,
    o_net: nn::Linear,
    layer_norm: nn::LayerNorm,
    n_head: i64,
    d_head: i64,
    dropout: f64,
    dropatt: f64,
}

impl MultiHeadAttn {
    fn new(p: nn::Path, n_head: i64, d_model: i64, d_head: i64, dropout: f64, dropatt: f64) -> Self {
        MultiHeadAttn {
            qkv_net: nn::linear(&p / "qkv_net", d_model, 3 * n_head * d_head, Default::default()),
            o_net: nn::linear(&p / "o_net", n_head * d_head, d_model, nn::LinearConfig { bias: false, ..Default::default() }),
            layer_norm: nn::layer_norm(&p / "layer_norm", vec![d_model], Default::default()),
            n_head,
            d_head,
            dropout,
            dropatt,
        }
    }

    /// `x`: [B, T, D]; `key_pad`: [B, T] true where padded.
    fn forward(&self, x: &Tensor, key_pad: &Tensor, train: bool) -> Tensor {
        let (b, t, _) = x.size3().unwrap_or((0, 0, 0));
        let (h, dh) = (self.n_head, self.d_head);
        let qkv = self.qkv_net.forward(x).view([b, t, 3, h, dh]).permute([2, 0, 3, 1, 4]); // [3, B, H, T, Dh]
        let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
        let score = q.matmul(&k.transpose(-1, -2)) * (1.0 / (dh as f64).sqrt()); // [B, H, T, T]
        let score = score.masked_fill(&key_pad.view([b, 1, 1, t]), f64::NEG_INFINITY);
        let prob = score.softmax(-1, score.kind()).dropout(self.dropatt, train);
        let vec = prob.matmul(&v).permute([0, 2, 1, 3]).reshape([b, t, h * dh]); // [B, T, H*Dh]
        let out = self.o_net.forward(&vec).dropout(self.dropout, train);
        self.layer_norm.forward(&(x + out))
    }
}

/// Conv1d → ReLU → Conv1d with residual and post layer norm (`PositionwiseConvFF`).
#[derive(Debug)]
struct PositionwiseConvFF {
    conv1: nn::Conv1D,
    conv2: nn::Conv1D,
    layer_norm: nn::LayerNorm,
    dropout: f64,
}

impl PositionwiseConvFF {
    fn new(p: nn::Path, d_model: i64, d_inner: i64, kernel: i64, dropout: f64) -> Self {
        let cfg = nn::ConvConfig { padding: kernel / 2, ..Default::default() };
        let core = &p / "CoreNet";
        PositionwiseConvFF {
            conv1: nn::conv1d(&core / 0, d_model, d_inner, kernel, cfg),
            conv2: nn::conv1d(&core / 2, d_inner, d_model, kernel, cfg),
            layer_norm: nn::layer_norm(&p / "layer_norm", vec![d_model], Default::default()),
            dropout,
        }
    }

    /// `x`: [B, T, D]; `mask_t`: [B, 1, T]. The hidden activations are masked too (the
    /// reference does not), so a padded batch gives the same outputs as one utterance.
    fn forward(&self, x: &Tensor, mask_t: &Tensor, train: bool) -> Tensor {
        let hidden = self.conv1.forward(&x.transpose(1, 2)).relu() * mask_t; // [B, F, T]
        let core = self.conv2.forward(&hidden); // [B, D, T]
        let core = core.transpose(1, 2).dropout(self.dropout, train);
        self.layer_norm.forward(&(x + core))
    }
}

#[derive(Debug)]
struct TransformerLayer {
    dec_attn: MultiHeadAttn,
    pos_ff: PositionwiseConvFF,
}

/// Sizes of one FFT stack (the `in_fft_*` or `out_fft_*` keys).
#[derive(Debug, Clone, Copy)]
pub struct FftDims {
    pub n_layer: i64,
    pub n_head: i64,
    pub d_model: i64,
    pub d_head: i64,
    pub d_inner: i64,
    pub kernel_size: i64,
    pub dropout: f64,
    pub dropatt: f64,
    pub dropemb: f64,
}

/// A stack of FFT blocks over a padded batch (`FFTransformer` without the embedding,
/// which FastPitch keeps in the encoder as `word_emb`).
#[derive(Debug)]
pub struct FFTransformer {
    layers: Vec<TransformerLayer>,
    d_model: i64,
    dropemb: f64,
}

impl FFTransformer {
    pub fn new(p: nn::Path, d: FftDims) -> Self {
        let layers = (0..d.n_layer)
            .map(|i| {
                let lp = &p / "layers" / i;
                TransformerLayer {
                    dec_attn: MultiHeadAttn::new(&lp / "dec_attn", d.n_head, d.d_model, d.d_head, d.dropout, d.dropatt),
                    pos_ff: PositionwiseConvFF::new(&lp / "pos_ff", d.d_model, d.d_inner, d.kernel_size, d.dropout),
                }
            })
            .collect();
        FFTransformer { layers, d_model: d.d_model, dropemb: d.dropemb }
    }

    /// `x`: [B, T, D] inputs; `mask`: [B, T, 1] float, 1 on valid steps → [B, T, D].
    pub fn forward(&self, x: &Tensor, mask: &Tensor, train: bool) -> Tensor {
        let t = x.size()[1];
        let pos = positional_embedding(t, self.d_model, x.device(), x.kind()) * mask;
        let key_pad = mask.squeeze_dim(2).eq(0.0); // [B, T]
        let mask_t = mask.transpose(1, 2); // [B, 1, T]
        let mut out = (x + pos).dropout(self.dropemb, train);
        for layer in &self.layers {
            out = layer.dec_attn.forward(&out, &key_pad, train) * mask;
            out = layer.pos_ff.forward(&out, &mask_t, train) * mask;
        }
        out
    }
}

/// `[B, T, 1]` float mask (1 where `t < len`) from lengths `[B]` (int64).
pub fn mask_from_lens(lens: &Tensor, max_len: i64) -> Tensor {
    let range = Tensor::arange(max_len, (Kind::Int64, lens.device())).unsqueeze(0); // [1, T]
    range.lt_tensor(&lens.unsqueeze(1)).to_kind(Kind::Float).unsqueeze(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_does_not_leak_into_valid_steps() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let d = FftDims { n_layer: 2, n_head: 2, d_model: 16, d_head: 8, d_inner: 32, kernel_size: 3, dropout: 0.0, dropatt: 0.0, dropemb: 0.0 };
        let fft = FFTransformer::new(vs.root(), d);
        tch::manual_seed(1);
        let x = Tensor::randn([1, 5, 16], (Kind::Float, tch::Device::Cpu));
        let short = fft.forward(&x, &mask_from_lens(&Tensor::from_slice(&[5i64]), 5), false);
        // Same sequence padded with garbage to 9 steps: the first 5 outputs must not change
        // (the kernel-3 convolutions see zeros beyond the end, as the masked input gives).
        let pad = Tensor::randn([1, 4, 16], (Kind::Float, tch::Device::Cpu)) * 100.0;
        let long = fft.forward(&Tensor::cat(&[&x, &pad], 1), &mask_from_lens(&Tensor::from_slice(&[5i64]), 9), false);
        let diff = (long.narrow(1, 0, 5) - &short).abs().max().double_value(&[]);
        assert!(diff < 1e-4, "padding changed valid outputs by {diff}");
        assert_eq!(long.narrow(1, 5, 4).abs().max().double_value(&[]), 0.0);
        let names: Vec<String> = vs.variables().into_keys().collect();
        assert!(names.contains(&"layers.1.pos_ff.CoreNet.2.weight".to_string()), "{names:?}");
        assert!(names.contains(&"layers.0.dec_attn.qkv_net.weight".to_string()));
    }
}
