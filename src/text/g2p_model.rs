//! Learned letter-to-phoneme model for words that are in no dictionary: a small
//! Transformer encoder–decoder (Vaswani et al. 2017, "Attention Is All You Need"),
//! applied to G2P as in Yolchuyeva, Németh & Gyires-Tóth 2019, "Transformer based
//! Grapheme-to-Phoneme Conversion". Pre-norm layers (PyTorch `norm_first=True`) with
//! PyTorch `nn.Transformer` weight names (`encoder.layers.0.self_attn.in_proj_weight`,
//! `decoder.layers.0.multihead_attn...`, `linear1`, `norm1`, ...), so a model trained
//! with the PyTorch module loads by renaming nothing. Greedy decoding, batched.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{nn, nn::Module, Device, Kind, Tensor};

use crate::error::{Error, Result};

/// Grapheme ids: 0 = padding, 1 = unknown letter, then `graphemes[i]` = i + 2.
pub const G_PAD: i64 = 0;
pub const G_UNK: i64 = 1;
/// Phoneme ids: 0 = padding, 1 = start, 2 = end, then `phonemes[i]` = i + 3.
pub const P_PAD: i64 = 0;
pub const P_BOS: i64 = 1;
pub const P_EOS: i64 = 2;
/// Beam width the frontend decodes with.
pub const DEFAULT_BEAM: usize = 4;

/// Model configuration (`data/g2p/config.json`). Keys follow PyTorch `nn.Transformer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct G2pConfig {
    pub d_model: i64,
    pub nhead: i64,
    pub num_encoder_layers: i64,
    pub num_decoder_layers: i64,
    pub dim_feedforward: i64,
    pub dropout: f64,
    /// Longest word (letters) and pronunciation (phonemes) the model handles.
    pub max_len: i64,
    /// Input alphabet (lower-case letters and a few symbols).
    pub graphemes: Vec<String>,
    /// Output alphabet (ARPAbet with stress).
    pub phonemes: Vec<String>,
}

impl G2pConfig {
    /// The shipped size: about 0.8 M parameters (1.6 MB in fp16).
    pub fn base() -> Self {
        Self {
            d_model: 128,
            nhead: 4,
            num_encoder_layers: 3,
            num_decoder_layers: 2,
            dim_feedforward: 256,
            dropout: 0.05,
            max_len: 40,
            graphemes: "abcdefghijklmnopqrstuvwxyz'-.".chars().map(String::from).collect(),
            phonemes: crate::text::phonemes::all_with_stress(),
        }
    }

    /// A tiny configuration for tests.
    pub fn tiny() -> Self {
        Self { d_model: 32, nhead: 2, num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 64, ..Self::base() }
    }

    pub fn n_graphemes(&self) -> i64 {
        self.graphemes.len() as i64 + 2
    }

    pub fn n_phonemes(&self) -> i64 {
        self.phonemes.len() as i64 + 3
    }

    pub fn check(&self) -> Result<()> {
        if self.d_model <= 0 || self.nhead <= 0 || self.d_model % self.nhead != 0 {
            return Err(Error::config("g2p", format!("d_model {} must be a positive multiple of nhead {}", self.d_model, self.nhead)));
        }
        if self.max_len < 4 || self.graphemes.is_empty() || self.phonemes.is_empty() {
            return Err(Error::config("g2p", "max_len must be >= 4 and the alphabets non-empty"));
        }
        Ok(())
    }
}

/// Multi-head attention with PyTorch's packed `in_proj_weight` [3D, D].
#[derive(Debug)]
struct MultiheadAttention {
    in_proj_weight: Tensor,
    in_proj_bias: Tensor,
    out_proj: nn::Linear,
    nhead: i64,
}

impl MultiheadAttention {
    fn new(p: nn::Path, d: i64, nhead: i64) -> Self {
        let bound = (6.0 / (2 * d) as f64).sqrt();
        Self {
            in_proj_weight: p.var("in_proj_weight", &[3 * d, d], nn::Init::Uniform { lo: -bound, up: bound }),
            in_proj_bias: p.zeros("in_proj_bias", &[3 * d]),
            out_proj: nn::linear(&p / "out_proj", d, d, Default::default()),
            nhead,
        }
    }

    /// `q_in` [B, Tq, D], `kv` [B, Tk, D], additive `mask` broadcastable to [B, H, Tq, Tk].
    fn forward(&self, q_in: &Tensor, kv: &Tensor, mask: Option<&Tensor>, dropout: f64, train: bool) -> Tensor {
        let (b, tq, d) = q_in.size3().unwrap_or((1, 1, 1));
        let tk = kv.size()[1];
        let (h, dh) = (self.nhead, d / self.nhead);
        let w = self.in_proj_weight.chunk(3, 0);
        let bias = self.in_proj_bias.chunk(3, 0);
        let q = q_in.linear(&w[0], Some(&bias[0])).view([b, tq, h, dh]).transpose(1, 2); // [B, H, Tq, Dh]
        let k = kv.linear(&w[1], Some(&bias[1])).view([b, tk, h, dh]).transpose(1, 2); // [B, H, Tk, Dh]
        let v = kv.linear(&w[2], Some(&bias[2])).view([b, tk, h, dh]).transpose(1, 2);
        let mut scores = q.matmul(&k.transpose(-2, -1)) * (1.0 / (dh as f64).sqrt()); // [B, H, Tq, Tk]
        if let Some(m) = mask {
            scores += m;
        }
        let att = scores.softmax(-1, Kind::Float).dropout(dropout, train);
        let out = att.matmul(&v).transpose(1, 2).contiguous().view([b, tq, d]); // [B, Tq, D]
        self.out_proj.forward(&out)
    }
}

#[derive(Debug)]
struct FeedForward {
    linear1: nn::Linear,
    linear2: nn::Linear,
}

impl FeedForward {
    fn new(p: &nn::Path, d: i64, ff: i64) -> Self {
        Self { linear1: nn::linear(p / "linear1", d, ff, Default::default()), linear2: nn::linear(p / "linear2", ff, d, Default::default()) }
    }
    fn forward(&self, x: &Tensor, dropout: f64, train: bool) -> Tensor {
        self.linear2.forward(&self.linear1.forward(x).relu().dropout(dropout, train))
    }
}

#[derive(Debug)]
struct EncoderLayer {
    self_attn: MultiheadAttention,
    ff: FeedForward,
    norm1: nn::LayerNorm,
    norm2: nn::LayerNorm,
}

impl EncoderLayer {
    fn new(p: nn::Path, c: &G2pConfig) -> Self {
        Self {
            self_attn: MultiheadAttention::new(&p / "self_attn", c.d_model, c.nhead),
            ff: FeedForward::new(&p, c.d_model, c.dim_feedforward),
            norm1: nn::layer_norm(&p / "norm1", vec![c.d_model], Default::default()),
            norm2: nn::layer_norm(&p / "norm2", vec![c.d_model], Default::default()),
        }
    }
    fn forward(&self, x: &Tensor, mask: &Tensor, dp: f64, train: bool) -> Tensor {
        let h = self.norm1.forward(x);
        let x = x + self.self_attn.forward(&h, &h, Some(mask), dp, train).dropout(dp, train);
        let h = self.norm2.forward(&x);
        &x + self.ff.forward(&h, dp, train).dropout(dp, train)
    }
}

#[derive(Debug)]
struct DecoderLayer {
    self_attn: MultiheadAttention,
    multihead_attn: MultiheadAttention,
    ff: FeedForward,
    norm1: nn::LayerNorm,
    norm2: nn::LayerNorm,
    norm3: nn::LayerNorm,
}

impl DecoderLayer {
    fn new(p: nn::Path, c: &G2pConfig) -> Self {
        Self {
            self_attn: MultiheadAttention::new(&p / "self_attn", c.d_model, c.nhead),
            multihead_attn: MultiheadAttention::new(&p / "multihead_attn", c.d_model, c.nhead),
            ff: FeedForward::new(&p, c.d_model, c.dim_feedforward),
            norm1: nn::layer_norm(&p / "norm1", vec![c.d_model], Default::default()),
            norm2: nn::layer_norm(&p / "norm2", vec![c.d_model], Default::default()),
            norm3: nn::layer_norm(&p / "norm3", vec![c.d_model], Default::default()),
        }
    }
    fn forward(&self, x: &Tensor, mem: &Tensor, causal: &Tensor, mem_mask: &Tensor, dp: f64, train: bool) -> Tensor {
        let h = self.norm1.forward(x);
        let x = x + self.self_attn.forward(&h, &h, Some(causal), dp, train).dropout(dp, train);
        let h = self.norm2.forward(&x);
        let x = &x + self.multihead_attn.forward(&h, mem, Some(mem_mask), dp, train).dropout(dp, train);
        let h = self.norm3.forward(&x);
        &x + self.ff.forward(&h, dp, train).dropout(dp, train)
    }
}

/// The letter-to-phoneme Transformer.
#[derive(Debug)]
pub struct G2pModel {
    pub cfg: G2pConfig,
    src_embed: nn::Embedding,
    tgt_embed: nn::Embedding,
    encoder: Vec<EncoderLayer>,
    encoder_norm: nn::LayerNorm,
    decoder: Vec<DecoderLayer>,
    decoder_norm: nn::LayerNorm,
    generator: nn::Linear,
    pos: Tensor, // [max_len + 2, D] sinusoidal positions
    device: Device,
}

impl G2pModel {
    pub fn new(p: nn::Path, cfg: &G2pConfig) -> Self {
        let d = cfg.d_model;
        let emb = nn::EmbeddingConfig { ws_init: nn::Init::Randn { mean: 0.0, stdev: (d as f64).powf(-0.5) }, ..Default::default() };
        let enc = &p / "encoder";
        let dec = &p / "decoder";
        Self {
            cfg: cfg.clone(),
            src_embed: nn::embedding(&p / "src_embed", cfg.n_graphemes(), d, emb),
            tgt_embed: nn::embedding(&p / "tgt_embed", cfg.n_phonemes(), d, emb),
            encoder: (0..cfg.num_encoder_layers).map(|i| EncoderLayer::new(&enc / "layers" / i, cfg)).collect(),
            encoder_norm: nn::layer_norm(&enc / "norm", vec![d], Default::default()),
            decoder: (0..cfg.num_decoder_layers).map(|i| DecoderLayer::new(&dec / "layers" / i, cfg)).collect(),
            decoder_norm: nn::layer_norm(&dec / "norm", vec![d], Default::default()),
            generator: nn::linear(&p / "generator", d, cfg.n_phonemes(), Default::default()),
            pos: sinusoid(cfg.max_len + 2, d).to_device(p.device()),
            device: p.device(),
        }
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// Letters → ids (unknown letters map to [`G_UNK`]); lower-cases; truncates at `max_len`.
    pub fn encode_word(&self, word: &str) -> Vec<i64> {
        word.chars()
            .flat_map(char::to_lowercase)
            .take(self.cfg.max_len as usize)
            .map(|c| {
                let mut buf = [0u8; 4];
                let s: &str = c.encode_utf8(&mut buf);
                self.cfg.graphemes.iter().position(|g| g == s).map_or(G_UNK, |i| i as i64 + 2)
            })
            .collect()
    }

    /// Phoneme symbol → id (None for unknown symbols).
    pub fn phoneme_id(&self, p: &str) -> Option<i64> {
        self.cfg.phonemes.iter().position(|q| q == p).map(|i| i as i64 + 3)
    }

    /// `src` [B, Ts] grapheme ids → (memory [B, Ts, D], additive key mask [B, 1, 1, Ts]).
    pub fn encode(&self, src: &Tensor, train: bool) -> (Tensor, Tensor) {
        let ts = src.size()[1];
        let d = self.cfg.d_model as f64;
        let mask = (src.eq(G_PAD).to_kind(Kind::Float) * -1e9).unsqueeze(1).unsqueeze(1);
        let mut x = (self.src_embed.forward(src) * d.sqrt() + self.pos.narrow(0, 0, ts)).dropout(self.cfg.dropout, train);
        for l in &self.encoder {
            x = l.forward(&x, &mask, self.cfg.dropout, train);
        }
        (self.encoder_norm.forward(&x), mask)
    }

    /// Teacher-forced decoder: `tgt_in` [B, Tt] → logits [B, Tt, V].
    pub fn decode(&self, tgt_in: &Tensor, mem: &Tensor, mem_mask: &Tensor, train: bool) -> Tensor {
        let tt = tgt_in.size()[1];
        let d = self.cfg.d_model as f64;
        let causal = (Tensor::ones([tt, tt], (Kind::Float, self.device)).triu(1) * -1e9).view([1, 1, tt, tt]);
        let mut x = (self.tgt_embed.forward(tgt_in) * d.sqrt() + self.pos.narrow(0, 0, tt)).dropout(self.cfg.dropout, train);
        for l in &self.decoder {
            x = l.forward(&x, mem, &causal, mem_mask, self.cfg.dropout, train);
        }
        self.generator.forward(&self.decoder_norm.forward(&x))
    }

    /// Training loss: label-smoothed cross entropy over non-padding targets.
    pub fn loss(&self, src: &Tensor, tgt_in: &Tensor, tgt_out: &Tensor, smoothing: f64) -> Tensor {
        let (mem, mask) = self.encode(src, true);
        let logits = self.decode(tgt_in, &mem, &mask, true);
        let v = logits.size()[2];
        logits.view([-1, v]).cross_entropy_loss::<Tensor>(&tgt_out.view([-1]), None, tch::Reduction::Mean, P_PAD, smoothing)
    }

    /// Padded grapheme ids of a batch of words: `[B, Ts]` and `Ts`.
    fn batch_src(&self, words: &[&str]) -> (Tensor, usize) {
        let ids: Vec<Vec<i64>> = words.iter().map(|w| self.encode_word(w)).collect();
        let ts = ids.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut flat = vec![G_PAD; ids.len() * ts];
        for (i, w) in ids.iter().enumerate() {
            flat[i * ts..i * ts + w.len()].copy_from_slice(w);
        }
        (Tensor::from_slice(&flat).view([ids.len() as i64, ts as i64]).to_device(self.device), ts)
    }

    /// The phoneme symbols of output ids (specials dropped).
    fn symbols(&self, ids: &[i64]) -> Vec<String> {
        ids.iter().filter(|&&t| t >= 3).filter_map(|&t| self.cfg.phonemes.get((t - 3) as usize).cloned()).collect()
    }

    /// Greedy decoding of a batch of words; returns phoneme symbols per word.
    pub fn predict(&self, words: &[&str]) -> Vec<Vec<String>> {
        if words.is_empty() {
            return Vec::new();
        }
        let _guard = tch::no_grad_guard();
        let (src, ts) = self.batch_src(words);
        let b = words.len() as i64;
        let (mem, mask) = self.encode(&src, false);
        let mut ys = Tensor::full([b, 1], P_BOS, (Kind::Int64, self.device));
        let mut done = vec![false; words.len()];
        let mut out: Vec<Vec<String>> = vec![Vec::new(); words.len()];
        let limit = (ts as i64 * 2 + 4).min(self.cfg.max_len);
        for _ in 0..limit {
            let logits = self.decode(&ys, &mem, &mask, false); // [B, t, V]
            let next = logits.select(1, -1).argmax(-1, false); // [B]
            let next_v: Vec<i64> = Vec::<i64>::try_from(&next.to_device(Device::Cpu)).unwrap_or_default();
            for (i, &t) in next_v.iter().enumerate() {
                if done[i] {
                    continue;
                }
                if t == P_EOS || t < 3 {
                    done[i] = true;
                } else if let Some(p) = self.cfg.phonemes.get((t - 3) as usize) {
                    out[i].push(p.clone());
                }
            }
            if done.iter().all(|&d| d) {
                break;
            }
            ys = Tensor::cat(&[ys, next.unsqueeze(1)], 1);
        }
        out
    }
    /// Beam-search decoding of a batch of words with `beam` hypotheses per word (1 =
    /// greedy): the finished hypothesis with the best mean log-probability per output
    /// symbol (end mark included) wins.
    pub fn predict_beam(&self, words: &[&str], beam: usize) -> Vec<Vec<String>> {
        if beam <= 1 || words.is_empty() {
            return self.predict(words);
        }
        let _guard = tch::no_grad_guard();
        let (src, ts) = self.batch_src(words);
        let (b, k) = (words.len(), beam);
        let (mem, mask) = self.encode(&src, false);
        let mem = mem.repeat_interleave_self_int(k as i64, Some(0), None); // [B·K, Ts, D]
        let mask = mask.repeat_interleave_self_int(k as i64, Some(0), None);
        let mut ys = Tensor::full([(b * k) as i64, 1], P_BOS, (Kind::Int64, self.device));
        // Row i·K + j is hypothesis j of word i; only one live hypothesis per word at first.
        let mut scores: Vec<f64> = (0..b * k).map(|r| if r % k == 0 { 0.0 } else { f64::NEG_INFINITY }).collect();
        let mut finished: Vec<Vec<(f64, Vec<i64>)>> = vec![Vec::new(); b];
        let mut searching = vec![true; b];
        let limit = (ts as i64 * 2 + 4).min(self.cfg.max_len);
        for _ in 0..limit {
            let logp = self.decode(&ys, &mem, &mask, false).select(1, -1).log_softmax(-1, Kind::Float); // [B·K, V]
            let v = logp.size()[1] as usize;
            let logp = Vec::<f32>::try_from(logp.to_device(Device::Cpu).flatten(0, -1)).unwrap_or_default();
            let t = ys.size()[1] as usize;
            let prev = Vec::<i64>::try_from(ys.to_device(Device::Cpu).flatten(0, -1)).unwrap_or_default();
            let (mut rows, mut tokens, mut next) = (Vec::with_capacity(b * k), Vec::with_capacity(b * k), Vec::with_capacity(b * k));
            for i in 0..b {
                let mut cands: Vec<(f64, usize, i64)> = Vec::new(); // (score, row, token)
                if searching[i] {
                    for r in i * k..(i + 1) * k {
                        if scores[r].is_finite() {
                            cands.extend((0..v).map(|c| (scores[r] + logp[r * v + c] as f64, r, c as i64)));
                        }
                    }
                    cands.sort_by(|x, y| y.0.total_cmp(&x.0));
                }
                let mut kept = 0;
                for (score, r, c) in cands {
                    if kept == k || finished[i].len() >= k {
                        break;
                    }
                    if c < 3 {
                        // The end mark (or a special that means the same): one finished hypothesis.
                        let hyp = prev[r * t + 1..(r + 1) * t].to_vec();
                        finished[i].push((score / (hyp.len() + 1) as f64, hyp));
                    } else {
                        rows.push(r as i64);
                        tokens.push(c);
                        next.push(score);
                        kept += 1;
                    }
                }
                if finished[i].len() >= k {
                    // Done: K finished hypotheses; its rows go on as dead padding.
                    searching[i] = false;
                    rows.truncate(i * k);
                    tokens.truncate(i * k);
                    next.truncate(i * k);
                }
                // Pad to K rows per word with dead hypotheses.
                while rows.len() < (i + 1) * k {
                    rows.push((i * k) as i64);
                    tokens.push(P_PAD);
                    next.push(f64::NEG_INFINITY);
                }
                rows.truncate((i + 1) * k);
                tokens.truncate((i + 1) * k);
                next.truncate((i + 1) * k);
            }
            if !searching.iter().any(|&s| s) {
                break;
            }
            let rows_t = Tensor::from_slice(&rows).to_device(self.device);
            let tok_t = Tensor::from_slice(&tokens).view([-1, 1]).to_device(self.device);
            ys = Tensor::cat(&[ys.index_select(0, &rows_t), tok_t], 1);
            scores = next;
        }
        // Words still searching at the length limit: their live hypotheses count as finished.
        let t = ys.size()[1] as usize;
        let last = Vec::<i64>::try_from(ys.to_device(Device::Cpu).flatten(0, -1)).unwrap_or_default();
        (0..b)
            .map(|i| {
                let mut all = std::mem::take(&mut finished[i]);
                for r in i * k..(i + 1) * k {
                    if scores[r].is_finite() && searching[i] {
                        let hyp = last[r * t + 1..(r + 1) * t].to_vec();
                        all.push((scores[r] / (hyp.len() + 1) as f64, hyp));
                    }
                }
                all.into_iter().max_by(|x, y| x.0.total_cmp(&y.0)).map(|(_, h)| self.symbols(&h)).unwrap_or_default()
            })
            .collect()
    }
}

/// Sinusoidal position table [n, d] (Vaswani et al. 2017, section 3.5).
fn sinusoid(n: i64, d: i64) -> Tensor {
    let mut v = vec![0f32; (n * d) as usize];
    for pos in 0..n {
        for i in 0..d / 2 {
            let angle = pos as f64 / 10000f64.powf(2.0 * i as f64 / d as f64);
            v[(pos * d + 2 * i) as usize] = angle.sin() as f32;
            v[(pos * d + 2 * i + 1) as usize] = angle.cos() as f32;
        }
    }
    Tensor::from_slice(&v).view([n, d])
}

/// A trained model with its var store, loaded from `dir/config.json` + `dir/model.safetensors`.
pub struct LoadedG2p {
    pub vs: nn::VarStore,
    pub model: G2pModel,
}

impl LoadedG2p {
    /// Loads the model from a directory (fp16 weights are converted to fp32).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let cfg_path = dir.join("config.json");
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::config(
                cfg_path.display().to_string(),
                "the G2P model is missing; train it with `ferry g2p-train` or set FERRY_DATA to a data/ folder that has g2p/",
            ),
            _ => Error::io(&cfg_path, e),
        })?;
        let cfg: G2pConfig = serde_json::from_str(&text).map_err(|e| Error::config(cfg_path.display().to_string(), e.to_string()))?;
        cfg.check()?;
        let mut vs = nn::VarStore::new(device);
        let model = G2pModel::new(vs.root(), &cfg);
        crate::nn::safetensors::load_var_store(&mut vs, dir.join("model.safetensors"))?;
        vs.float();
        Ok(Self { vs, model })
    }

    /// Saves config + fp16 weights into `dir`.
    pub fn save(vs: &nn::VarStore, cfg: &G2pConfig, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let cfg_path = dir.join("config.json");
        std::fs::write(&cfg_path, serde_json::to_string_pretty(cfg)?).map_err(|e| Error::io(&cfg_path, e))?;
        let tmp = dir.join("model.safetensors.tmp");
        crate::nn::safetensors::save_var_store(vs, &tmp, Some(Kind::Half))?;
        let fin = dir.join("model.safetensors");
        std::fs::rename(&tmp, &fin).map_err(|e| Error::io(&fin, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_decode_terminate() {
        let vs = nn::VarStore::new(Device::Cpu);
        let m = G2pModel::new(vs.root(), &G2pConfig::tiny());
        let src = Tensor::from_slice(&[3i64, 4, 5, 0, 6, 7, 0, 0]).view([2, 4]);
        let (mem, mask) = m.encode(&src, false);
        assert_eq!(mem.size(), [2, 4, 32]);
        let logits = m.decode(&Tensor::from_slice(&[1i64, 5, 1, 6]).view([2, 2]), &mem, &mask, false);
        assert_eq!(logits.size(), [2, 2, m.cfg.n_phonemes()]);
        let out = m.predict(&["cat", "", "zebra"]);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|p| p.len() <= 40));
        let out = m.predict_beam(&["cat", "", "zebra"], 3);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|p| p.len() <= 40));
    }

    #[test]
    fn beam_search_is_batch_independent_and_width_one_is_greedy() {
        let m = LoadedG2p::load(&crate::text::lexicon::data_dir().join("g2p"), Device::Cpu).unwrap();
        let words = ["cat", "zyxomma", "photosynthesis", "a"];
        assert_eq!(m.model.predict_beam(&words, 1), m.model.predict(&words));
        let batch = m.model.predict_beam(&words, 4);
        for (w, p) in words.iter().zip(&batch) {
            assert_eq!(&m.model.predict_beam(&[w], 4)[0], p, "{w} decodes differently alone");
        }
        assert_eq!(batch[0].join(" "), "K AE1 T");
        assert!(batch[2].len() >= 10, "{:?}", batch[2]);
    }
}
