//! Training and evaluating the learned G2P model on CMUdict.
//!
//! Split (deterministic, by an FNV-1a hash of the word): hash % 20 == 0 is the held-out
//! 5 % test set (never trained on); of the rest, (hash / 20) % 100 == 0 is a 1 %
//! validation set used to pick the best weights; everything else is training data (every
//! pronunciation of a word is a training pair). Word error rate counts a word wrong when
//! its prediction matches none of its dictionary pronunciations; phoneme error rate is
//! the edit distance to the closest pronunciation over that pronunciation's length.
//!
//! This loop is not [`crate::train::Trainer`]'s, on purpose. The Trainer keeps the latest
//! weights, counts CPU-hours across resumes and exports into a voice pack; the G2P model
//! instead keeps the weights with the best validation word error (scored by beam search,
//! not by the loss), averages snapshots of the last part of the run and keeps the average
//! only if it beats them, reshuffles length-bucketed epochs of word pairs, and trains in
//! minutes into `data/g2p/`, outside any voice — none of which the Trainer does, and none of
//! which the vocoders or the acoustic model need.

use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{nn, nn::OptimizerConfig, Device, Tensor};

use crate::error::{Error, Result};
use crate::text::g2p_model::{G2pConfig, G2pModel, LoadedG2p, G_PAD, P_BOS, P_EOS, P_PAD};
use crate::text::lexicon::Lexicon;

/// Which part of the split a word belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Valid,
    Test,
}

/// FNV-1a 64-bit hash (stable across platforms and versions).
pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

pub fn split_of(word: &str) -> Split {
    let h = fnv1a(word);
    if h.is_multiple_of(20) {
        Split::Test
    } else if (h / 20).is_multiple_of(100) {
        Split::Valid
    } else {
        Split::Train
    }
}

/// (word, pronunciations) for one part of the split, sorted by word; only words whose
/// letters are all in the model's alphabet.
pub fn dataset(lex: &Lexicon, cfg: &G2pConfig, which: Split) -> Vec<(String, Vec<Vec<String>>)> {
    let mut v: Vec<(String, Vec<Vec<String>>)> = lex
        .iter()
        .filter(|(w, p)| {
            w.chars().all(|c| cfg.graphemes.iter().any(|g| g.starts_with(c)))
                && w.chars().any(|c| c.is_ascii_alphabetic())
                && (w.chars().count() as i64) < cfg.max_len
                && p.iter().all(|q| (q.len() as i64) < cfg.max_len - 1)
        })
        .filter(|(w, _)| split_of(w) == which)
        .map(|(w, p)| (w.clone(), p.clone()))
        .collect();
    v.sort();
    v
}

/// Levenshtein distance between two phoneme sequences.
pub fn edit_distance(a: &[String], b: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Error rates of a model on a word list.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct G2pScores {
    pub words: usize,
    /// Word error rate with stress, in [0, 1].
    pub wer: f64,
    /// Phoneme error rate with stress.
    pub per: f64,
    /// The same ignoring stress digits.
    pub wer_no_stress: f64,
    pub per_no_stress: f64,
}

fn strip(p: &[String]) -> Vec<String> {
    p.iter().map(|s| crate::text::phonemes::strip_stress(s).to_string()).collect()
}

/// Scores one prediction against its references: (word wrong, edits, reference length).
fn score_one(pred: &[String], refs: &[Vec<String>]) -> (bool, usize, usize) {
    let best = refs.iter().map(|r| (edit_distance(pred, r), r.len())).min_by_key(|x| x.0).unwrap_or((pred.len(), 0));
    (best.0 != 0, best.0, best.1.max(1))
}

/// Predicts every word of `data` (beam search of width `beam`; 1 = greedy), in batches.
pub fn predict_all(
    model: &G2pModel,
    data: &[(String, Vec<Vec<String>>)],
    batch: usize,
    beam: usize,
    progress: Option<&indicatif::ProgressBar>,
) -> Vec<Vec<String>> {
    let mut preds = Vec::with_capacity(data.len());
    for chunk in data.chunks(batch.max(1)) {
        let words: Vec<&str> = chunk.iter().map(|(w, _)| w.as_str()).collect();
        preds.extend(model.predict_beam(&words, beam));
        if let Some(pb) = progress {
            pb.inc(chunk.len() as u64);
        }
    }
    preds
}

/// Scores predictions (one per word of `data`, in order) against the dictionary.
pub fn score(preds: &[Vec<String>], data: &[(String, Vec<Vec<String>>)]) -> G2pScores {
    let (mut wrong, mut edits, mut len) = (0usize, 0usize, 0usize);
    let (mut wrong_ns, mut edits_ns, mut len_ns) = (0usize, 0usize, 0usize);
    for (pred, (_, refs)) in preds.iter().zip(data) {
        let (w, e, l) = score_one(pred, refs);
        wrong += usize::from(w);
        edits += e;
        len += l;
        let refs_ns: Vec<Vec<String>> = refs.iter().map(|r| strip(r)).collect();
        let (w, e, l) = score_one(&strip(pred), &refs_ns);
        wrong_ns += usize::from(w);
        edits_ns += e;
        len_ns += l;
    }
    let n = data.len().max(1) as f64;
    G2pScores {
        words: data.len(),
        wer: wrong as f64 / n,
        per: edits as f64 / len.max(1) as f64,
        wer_no_stress: wrong_ns as f64 / n,
        per_no_stress: edits_ns as f64 / len_ns.max(1) as f64,
    }
}

/// Whether a prediction matches none of the word's pronunciations.
pub fn is_wrong(pred: &[String], refs: &[Vec<String>]) -> bool {
    score_one(pred, refs).0
}

/// Predicts and scores `data` (see [`predict_all`] and [`score`]).
pub fn evaluate(model: &G2pModel, data: &[(String, Vec<Vec<String>>)], batch: usize, beam: usize, progress: Option<&indicatif::ProgressBar>) -> G2pScores {
    score(&predict_all(model, data, batch, beam, progress), data)
}

/// Options of `ferry g2p-train`.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub out_dir: std::path::PathBuf,
    pub minutes: f64,
    pub max_steps: u64,
    pub batch: usize,
    pub lr: f64,
    pub warmup: u64,
    pub eval_every: u64,
    pub seed: u64,
    pub device: Device,
    pub config: G2pConfig,
    /// Start from these weights (a model directory) instead of random ones.
    pub init: Option<std::path::PathBuf>,
    /// Cosine decay of the learning rate over the time budget (to 10 %) instead of 1/sqrt(step).
    pub cosine: bool,
    /// Average the weights over the run from this fraction of the budget on (stochastic
    /// weight averaging, a snapshot every 100 steps); the average is validated at the end
    /// and kept if it beats the best single checkpoint.
    pub average_from: Option<f64>,
}

/// The mean of the weights of G2P models with one config (a "model soup", Wortsman et al.
/// 2022: models fine-tuned from one starting point average into one that is usually better
/// than each), given with the directories they came from. Errors name a directory whose
/// config differs.
pub fn average_models(models: &[(std::path::PathBuf, LoadedG2p)], device: Device) -> Result<LoadedG2p> {
    let Some((first_dir, first)) = models.first() else {
        return Err(Error::arg("no G2P models to average"));
    };
    let mut average = WeightAverage::new();
    for (dir, m) in models {
        if m.model.cfg != first.model.cfg {
            return Err(Error::arg(format!(
                "{}: its config.json differs from {}'s; only models of one config can be averaged",
                dir.display(),
                first_dir.display()
            )));
        }
        average.add(&m.vs);
    }
    let vs = nn::VarStore::new(device);
    let model = G2pModel::new(vs.root(), &first.model.cfg);
    average.copy_into(&vs);
    Ok(LoadedG2p { vs, model })
}

/// Snapshots taken into the running mean every this many steps.
const AVERAGE_EVERY: u64 = 100;

/// Running mean of a VarStore's variables (Izmailov et al. 2018, "Averaging Weights Leads
/// to Wider Optima and Better Generalization"), kept in fp32 beside the live weights.
pub struct WeightAverage {
    means: std::collections::HashMap<String, Tensor>,
    count: i64,
}

impl WeightAverage {
    pub fn new() -> WeightAverage {
        WeightAverage { means: std::collections::HashMap::new(), count: 0 }
    }

    pub fn count(&self) -> i64 {
        self.count
    }

    /// Folds the current weights into the mean: m += (w − m) / n.
    pub fn add(&mut self, vs: &nn::VarStore) {
        let _guard = tch::no_grad_guard();
        self.count += 1;
        if self.means.is_empty() {
            self.means = vs.variables().into_iter().map(|(k, v)| (k, v.detach().copy())).collect();
            return;
        }
        let vars = vs.variables();
        for (name, mean) in &mut self.means {
            if let Some(w) = vars.get(name) {
                let delta = (w - &*mean) / self.count as f64;
                let _ = mean.g_add_(&delta);
            }
        }
    }

    /// Overwrites the VarStore's variables with the mean.
    pub fn copy_into(&self, vs: &nn::VarStore) {
        let _guard = tch::no_grad_guard();
        let vars = vs.variables();
        for (name, mean) in &self.means {
            if let Some(w) = vars.get(name) {
                w.shallow_clone().copy_(mean);
            }
        }
    }
}

impl Default for WeightAverage {
    fn default() -> Self {
        Self::new()
    }
}

/// One padded training batch.
struct Batch {
    src: Tensor,     // [B, Ts]
    tgt_in: Tensor,  // [B, Tt]  BOS + phonemes
    tgt_out: Tensor, // [B, Tt]  phonemes + EOS
}

fn make_batch(pairs: &[(Vec<i64>, Vec<i64>)], device: Device) -> Batch {
    let b = pairs.len();
    let ts = pairs.iter().map(|p| p.0.len()).max().unwrap_or(1).max(1);
    let tt = pairs.iter().map(|p| p.1.len()).max().unwrap_or(0) + 1;
    let mut src = vec![G_PAD; b * ts];
    let mut tin = vec![P_PAD; b * tt];
    let mut tout = vec![P_PAD; b * tt];
    for (i, (g, p)) in pairs.iter().enumerate() {
        src[i * ts..i * ts + g.len()].copy_from_slice(g);
        tin[i * tt] = P_BOS;
        tin[i * tt + 1..i * tt + 1 + p.len()].copy_from_slice(p);
        tout[i * tt..i * tt + p.len()].copy_from_slice(p);
        tout[i * tt + p.len()] = P_EOS;
    }
    let t = |v: Vec<i64>, n: usize| Tensor::from_slice(&v).view([b as i64, n as i64]).to_device(device);
    Batch { src: t(src, ts), tgt_in: t(tin, tt), tgt_out: t(tout, tt) }
}

/// Scores the current weights on the validation words (greedy), prints a line headed
/// `label`, and saves them when their word error (then phoneme error) is the best so far.
fn validate_and_keep(
    label: &str,
    model: &G2pModel,
    vs: &nn::VarStore,
    valid: &[(String, Vec<Vec<String>>)],
    best: &mut G2pScores,
    o: &TrainOptions,
) -> Result<()> {
    let s = evaluate(model, valid, 512, 1, None);
    let better = s.wer < best.wer || (s.wer == best.wer && s.per < best.per);
    eprintln!(
        "{label}  valid WER {:.2} %  PER {:.2} %  (no stress {:.2} / {:.2})  {}",
        s.wer * 100.0,
        s.per * 100.0,
        s.wer_no_stress * 100.0,
        s.per_no_stress * 100.0,
        if better { "best: saved" } else { "" }
    );
    if better {
        *best = s;
        LoadedG2p::save(vs, &o.config, &o.out_dir)?;
    }
    Ok(())
}

/// Trains on CMUdict until the time or step budget runs out, saving the weights with the
/// best validation word error into `out_dir` (fp16). Progress lines go to stderr.
pub fn train(lex: &Lexicon, o: &TrainOptions) -> Result<G2pScores> {
    o.config.check()?;
    tch::manual_seed(o.seed as i64);
    let mut rng = rand::rngs::StdRng::seed_from_u64(o.seed);
    let mut vs = nn::VarStore::new(o.device);
    let model = G2pModel::new(vs.root(), &o.config);
    if let Some(dir) = &o.init {
        crate::nn::safetensors::load_var_store(&mut vs, dir.join("model.safetensors"))?;
        eprintln!("g2p-train: starting from {}", dir.display());
    }
    let n_params = crate::nn::parameter_count(&vs);
    let train_set = dataset(lex, &o.config, Split::Train);
    let valid = dataset(lex, &o.config, Split::Valid);
    let mut pairs: Vec<(Vec<i64>, Vec<i64>)> = Vec::new();
    for (w, prons) in &train_set {
        let g = model.encode_word(w);
        for p in prons {
            let ids: Option<Vec<i64>> = p.iter().map(|s| model.phoneme_id(s)).collect();
            if let Some(ids) = ids {
                pairs.push((g.clone(), ids));
            }
        }
    }
    if pairs.is_empty() {
        return Err(Error::Training("no training pairs: is CMUdict loaded?".into()));
    }
    eprintln!(
        "g2p-train: {} params ({:.2} MB fp16), {} train words / {} pairs, {} validation words",
        n_params,
        n_params as f64 * 2.0 / 1e6,
        train_set.len(),
        pairs.len(),
        valid.len()
    );
    let mut opt = nn::AdamW { beta1: 0.9, beta2: 0.98, wd: 0.01, eps: 1e-9, amsgrad: false }.build(&vs, o.lr)?;
    let start = Instant::now();
    let mut best = G2pScores { wer: f64::INFINITY, ..Default::default() };
    let mut step = 0u64;
    let mut ema_loss = f64::NAN;
    let mut average = WeightAverage::new();
    'outer: loop {
        // Length-bucketed batches: shuffle, sort within windows of 50 batches, shuffle batches.
        pairs.shuffle(&mut rng);
        let mut batches: Vec<Vec<(Vec<i64>, Vec<i64>)>> = Vec::new();
        for window in pairs.chunks(o.batch * 50) {
            let mut w = window.to_vec();
            w.sort_by_key(|p| (p.0.len(), p.1.len()));
            batches.extend(w.chunks(o.batch).map(|c| c.to_vec()));
        }
        batches.shuffle(&mut rng);
        for chunk in batches {
            step += 1;
            let warm = (step as f64 / o.warmup as f64).min(1.0);
            let lr = if o.cosine {
                let frac = (start.elapsed().as_secs_f64() / (o.minutes * 60.0)).min(1.0);
                o.lr * warm * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()))
            } else {
                o.lr * warm.min((o.warmup as f64 / step as f64).sqrt())
            };
            opt.set_lr(lr);
            let b = make_batch(&chunk, o.device);
            let loss = model.loss(&b.src, &b.tgt_in, &b.tgt_out, 0.1);
            let lv = loss.double_value(&[]);
            if !lv.is_finite() {
                return Err(Error::Training(format!("g2p loss is {lv} at step {step}; lower --lr")));
            }
            opt.zero_grad();
            loss.backward();
            opt.clip_grad_norm(1.0);
            opt.step();
            ema_loss = if ema_loss.is_nan() { lv } else { 0.98 * ema_loss + 0.02 * lv };
            let elapsed = start.elapsed().as_secs_f64();
            let out_of_time = elapsed > o.minutes * 60.0 || step >= o.max_steps;
            let progress = (elapsed / (o.minutes * 60.0)).max(step as f64 / o.max_steps as f64);
            if o.average_from.is_some_and(|f| progress >= f) && step.is_multiple_of(AVERAGE_EVERY) {
                average.add(&vs);
            }
            if step.is_multiple_of(50) {
                eprintln!("step {step:6}  loss {ema_loss:.4}  lr {lr:.2e}  {:.0} s", elapsed);
            }
            if step.is_multiple_of(o.eval_every) || out_of_time {
                validate_and_keep(&format!("step {step:6}"), &model, &vs, &valid, &mut best, o)?;
            }
            if out_of_time {
                break 'outer;
            }
        }
    }
    if average.count() > 1 {
        average.copy_into(&vs);
        validate_and_keep(&format!("average of {} snapshots", average.count()), &model, &vs, &valid, &mut best, o)?;
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_deterministic_and_about_five_percent() {
        let words: Vec<String> = (0..20000).map(|i| format!("w{i}")).collect();
        let test = words.iter().filter(|w| split_of(w) == Split::Test).count();
        assert!((800..1200).contains(&test), "{test}");
        assert_eq!(split_of("hello"), split_of("hello"));
    }

    #[test]
    fn weight_average_is_the_mean_of_the_snapshots() {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().zeros("w", &[3]);
        let mut avg = WeightAverage::new();
        for v in [1.0, 2.0, 6.0] {
            let _ = tch::no_grad(|| w.shallow_clone().fill_(v));
            avg.add(&vs);
        }
        let _ = tch::no_grad(|| w.shallow_clone().fill_(-5.0));
        avg.copy_into(&vs);
        assert_eq!(avg.count(), 3);
        assert_eq!(Vec::<f64>::try_from(&w).unwrap(), vec![3.0, 3.0, 3.0]);
    }

    #[test]
    fn averaged_models_have_the_mean_weights() {
        let root = std::env::temp_dir().join(format!("ferry-g2p-soup-{}", std::process::id()));
        let cfg = G2pConfig::tiny();
        let mut models = Vec::new();
        let mut weights = Vec::new();
        for seed in [1, 2] {
            tch::manual_seed(seed);
            let vs = nn::VarStore::new(Device::Cpu);
            let _model = G2pModel::new(vs.root(), &cfg);
            let dir = root.join(format!("m{seed}"));
            LoadedG2p::save(&vs, &cfg, &dir).unwrap();
            // What was saved (fp16), read back.
            let m = LoadedG2p::load(&dir, Device::Cpu).unwrap();
            weights.push(m.vs.variables());
            models.push((dir, m));
        }
        let soup = average_models(&models, Device::Cpu).unwrap();
        for (name, w) in soup.vs.variables() {
            let mean = (&weights[0][&name] + &weights[1][&name]) / 2.0;
            let diff = (&w - &mean).abs().max().double_value(&[]);
            assert!(diff < 1e-6, "{name}: {diff}");
        }
        let mut other = G2pConfig::tiny();
        other.dim_feedforward *= 2;
        let vs = nn::VarStore::new(Device::Cpu);
        let _model = G2pModel::new(vs.root(), &other);
        LoadedG2p::save(&vs, &other, &root.join("other")).unwrap();
        let first = models.swap_remove(0);
        let other = (root.join("other"), LoadedG2p::load(&root.join("other"), Device::Cpu).unwrap());
        let err = average_models(&[first, other], Device::Cpu).err().unwrap().to_string();
        assert!(err.contains("differs"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn edit_distance_counts() {
        let s = |x: &str| x.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(edit_distance(&s("K AE1 T"), &s("K AE1 T")), 0);
        assert_eq!(edit_distance(&s("K AE1 T"), &s("K AH0 T S")), 2);
    }
}
