//! AdamW with state that can be saved and restored (so a resumed run continues exactly).
//!
//! I. Loshchilov and F. Hutter, "Decoupled weight decay regularization", ICLR 2019, on
//! top of D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.

use tch::{nn::VarStore, Kind, Tensor};

use crate::error::{Error, Result};

/// AdamW hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamWConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
    }
}

/// AdamW over the trainable variables of a var store.
pub struct AdamW {
    cfg: AdamWConfig,
    lr: f64,
    step: i64,
    /// Updates over which the learning rate ramps up linearly from 0 (see [`Self::warm_up`]).
    warmup: i64,
    params: Vec<(String, Tensor)>,
    exp_avg: Vec<Tensor>,
    exp_avg_sq: Vec<Tensor>,
}

impl AdamW {
    pub fn new(vs: &VarStore, cfg: AdamWConfig) -> Self {
        let mut params: Vec<(String, Tensor)> = vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let exp_avg = params.iter().map(|(_, p)| p.zeros_like().detach()).collect();
        let exp_avg_sq = params.iter().map(|(_, p)| p.zeros_like().detach()).collect();
        Self { cfg, lr: cfg.lr, step: 0, warmup: 0, params, exp_avg, exp_avg_sq }
    }

    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate of the next steps (schedules call this).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// Base learning rate from the config (schedules multiply it).
    pub fn base_lr(&self) -> f64 {
        self.cfg.lr
    }

    /// Ramps the learning rate linearly from 0 over the next `steps` updates of a fresh
    /// optimiser: its first Adam steps are as large as the learning rate in every weight,
    /// which knocks trained weights (`--init-from`) off their minimum.
    pub fn warm_up(&mut self, steps: i64) {
        self.warmup = self.step + steps.max(0);
    }

    /// Number of updates applied so far.
    pub fn steps_taken(&self) -> i64 {
        self.step
    }

    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// Scales gradients so their global L2 norm is at most `max_norm`; returns the norm
    /// before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let grads: Vec<Tensor> = self.params.iter().map(|(_, p)| p.grad()).filter(|g| g.defined()).collect();
        if grads.is_empty() {
            return 0.0;
        }
        let norms: Vec<Tensor> = grads.iter().map(|g| g.to_kind(Kind::Float).square().sum(Kind::Float)).collect();
        let total = Tensor::stack(&norms, 0).sum(Kind::Float).sqrt().double_value(&[]);
        if total.is_finite() && total > max_norm {
            let scale = max_norm / (total + 1e-6);
            tch::no_grad(|| {
                for mut g in grads {
                    let _ = g.g_mul_scalar_(scale);
                }
            });
        }
        total
    }

    /// Applies one AdamW update to every parameter that has a gradient.
    pub fn step(&mut self) {
        self.step += 1;
        let ramp = if self.step < self.warmup { self.step as f64 / self.warmup as f64 } else { 1.0 };
        let (b1, b2, eps, wd, lr) = (self.cfg.beta1, self.cfg.beta2, self.cfg.eps, self.cfg.weight_decay, self.lr * ramp);
        let bc1 = 1.0 - b1.powi(self.step as i32);
        let bc2 = 1.0 - b2.powi(self.step as i32);
        tch::no_grad(|| {
            for (i, (_, p)) in self.params.iter_mut().enumerate() {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let g = g.to_kind(p.kind());
                if wd != 0.0 {
                    let _ = p.g_mul_scalar_(1.0 - lr * wd);
                }
                let m = &mut self.exp_avg[i];
                let _ = m.g_mul_scalar_(b1);
                let _ = m.g_add_(&(&g * (1.0 - b1)));
                let v = &mut self.exp_avg_sq[i];
                let _ = v.g_mul_scalar_(b2);
                let _ = v.g_add_(&(g.square() * (1.0 - b2)));
                let denom = v.sqrt() / bc2.sqrt() + eps;
                let _ = p.g_sub_(&(&*m / denom * (lr / bc1)));
            }
        });
    }

    /// `zero_grad`, `loss.backward()`, `step` in one call.
    pub fn backward_step(&mut self, loss: &Tensor) {
        self.zero_grad();
        loss.backward();
        self.step();
    }

    /// `zero_grad`, `backward`, clip to `max_norm`, `step`; returns the gradient norm.
    pub fn backward_step_clip(&mut self, loss: &Tensor, max_norm: f64) -> f64 {
        self.zero_grad();
        loss.backward();
        let n = self.clip_grad_norm(max_norm);
        self.step();
        n
    }

    /// The state to checkpoint: moments per parameter, the step count and the current lr.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.params.len() + 2);
        for (i, (name, _)) in self.params.iter().enumerate() {
            out.push((format!("exp_avg/{name}"), self.exp_avg[i].shallow_clone()));
            out.push((format!("exp_avg_sq/{name}"), self.exp_avg_sq[i].shallow_clone()));
        }
        out.push(("step".into(), Tensor::from_slice(&[self.step])));
        out.push(("lr".into(), Tensor::from_slice(&[self.lr])));
        out.push(("warmup".into(), Tensor::from_slice(&[self.warmup])));
        out
    }

    /// Restores [`Self::state`]; every parameter's moments must be present with the right shape.
    pub fn load_state(&mut self, state: &std::collections::BTreeMap<String, Tensor>) -> Result<()> {
        let get = |k: &str| state.get(k).ok_or_else(|| Error::Training(format!("optimiser state lacks '{k}'")));
        tch::no_grad(|| -> Result<()> {
            for (i, (name, p)) in self.params.iter().enumerate() {
                for (slot, key) in [(&mut self.exp_avg[i], format!("exp_avg/{name}")), (&mut self.exp_avg_sq[i], format!("exp_avg_sq/{name}"))] {
                    let src = get(&key)?;
                    if src.size() != p.size() {
                        return Err(Error::Training(format!("optimiser state '{key}' has shape {:?}, expected {:?}", src.size(), p.size())));
                    }
                    slot.copy_(&src.to_kind(slot.kind()).to_device(slot.device()));
                }
            }
            Ok(())
        })?;
        self.step = get("step")?.int64_value(&[0]);
        self.lr = get("lr")?.double_value(&[0]);
        // Checkpoints written before the warm-up existed have none.
        self.warmup = state.get("warmup").map_or(0, |t| t.int64_value(&[0]));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn, Device};

    #[test]
    fn matches_a_hand_computed_first_step() {
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[2], nn::Init::Const(1.0));
        let mut opt = AdamW::new(&vs, AdamWConfig { lr: 0.1, weight_decay: 0.5, ..Default::default() });
        // loss = sum(w * [2, -3]) → grad = [2, -3]
        let loss = (&w * Tensor::from_slice(&[2.0f32, -3.0])).sum(Kind::Float);
        opt.backward_step(&loss);
        // First step: m̂ = g, v̂ = g², update = g/|g| = ±1 (eps negligible); decay 1 - 0.1*0.5.
        let got = Vec::<f32>::try_from(&w).unwrap();
        assert!((got[0] - (0.95 - 0.1)).abs() < 1e-6, "{got:?}");
        assert!((got[1] - (0.95 + 0.1)).abs() < 1e-6, "{got:?}");
    }

    #[test]
    fn clipping_scales_to_the_limit() {
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[2], nn::Init::Const(0.0));
        let mut opt = AdamW::new(&vs, AdamWConfig::default());
        (&w * Tensor::from_slice(&[3.0f32, 4.0])).sum(Kind::Float).backward();
        let n = opt.clip_grad_norm(1.0);
        assert!((n - 5.0).abs() < 1e-6);
        let g = Vec::<f32>::try_from(w.grad()).unwrap();
        assert!((g[0] - 0.6).abs() < 1e-5 && (g[1] - 0.8).abs() < 1e-5, "{g:?}");
    }

    #[test]
    fn warm_up_ramps_the_first_updates() {
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[1], nn::Init::Const(0.0));
        let mut opt = AdamW::new(&vs, AdamWConfig { lr: 0.1, ..Default::default() });
        opt.warm_up(4);
        let mut moved = Vec::new();
        for _ in 0..5 {
            let before = w.double_value(&[0]);
            opt.zero_grad();
            w.sum(Kind::Float).backward(); // gradient 1: Adam moves by lr × ramp
            opt.step();
            moved.push(before - w.double_value(&[0]));
        }
        for (k, expect) in [0.025, 0.05, 0.075, 0.1, 0.1].iter().enumerate() {
            assert!((moved[k] - expect).abs() < 1e-6, "update {k}: {moved:?}");
        }
        let state: std::collections::BTreeMap<String, Tensor> = opt.state().into_iter().collect();
        let mut again = AdamW::new(&vs, AdamWConfig::default());
        again.load_state(&state).unwrap();
        assert_eq!(again.warmup, 4);
    }
}
