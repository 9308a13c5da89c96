//! WaveGlow is exactly invertible and its log-determinants are right: forward then inverse
//! reconstructs audio (plain and the streamed inference path), the 1x1 convolution's and
//! the whole flow's log|det J| equal brute-force values, fp16 weights round-trip.

use tch::{nn::VarStore, Device, Kind, Tensor};

use ferry::vocoder::flow::model::{nll_loss, Invertible1x1Conv};
use ferry::vocoder::flow::{Config, WaveGlow, WaveGlowVocoder};
use ferry::vocoder::{Precision, VocodeOptions, Vocoder};

/// The tiny config with its zero-initialised `end` layers randomised, so every coupling
/// actually transforms.
fn tiny(seed: i64, kind: Kind) -> (VarStore, WaveGlow) {
    tch::manual_seed(seed);
    let mut vs = VarStore::new(Device::Cpu);
    let model = WaveGlow::new(vs.root(), &Config::tiny());
    tch::no_grad(|| {
        for wn in &model.wn {
            let mut w = wn.end.ws.shallow_clone();
            w.copy_(&(Tensor::randn(w.size(), (Kind::Float, Device::Cpu)) * 0.05));
            if let Some(b) = &wn.end.bs {
                let mut b = b.shallow_clone();
                b.copy_(&(Tensor::randn(b.size(), (Kind::Float, Device::Cpu)) * 0.1));
            }
        }
    });
    if kind == Kind::Double {
        vs.double();
    }
    (vs, model)
}

fn relative(a: &Tensor, b: &Tensor) -> f64 {
    ((a - b).norm() / b.norm()).double_value(&[])
}

#[test]
fn forward_then_inverse_reconstructs_audio() {
    let (vs, model) = tiny(1, Kind::Float);
    let frames = 6;
    let audio = (Tensor::rand([2, frames * 256], (Kind::Float, Device::Cpu)) - 0.5) * 0.8;
    let mel = Tensor::randn([2, 80, frames], (Kind::Float, Device::Cpu)) - 4.0;
    let (z, back) = tch::no_grad(|| {
        let out = model.forward(&mel, &audio);
        let back = model.inverse(&mel, &out.z);
        (out.z, back)
    });
    assert_eq!(z.size(), vec![2, 8, frames * 32]);
    let err = relative(&back, &audio);
    assert!(err < 1e-4, "plain inverse: relative error {err}");
    // The streamed inference path (folded weights, inverses computed once), every block size.
    let mut voc = WaveGlowVocoder::from_parts(vs, model);
    for block in [3i64, 50, 10_000] {
        voc.inverse_mut().block = block;
        let fast = voc.decode(&mel, &z);
        let err = relative(&fast, &audio);
        assert!(err < 1e-4, "streamed inverse (block {block}): relative error {err}");
    }
}

/// bfloat16 inference (the WNs in bf16; audio, couplings and the 1x1 inverses in fp32)
/// still inverts the forward pass, to bf16's precision; back in fp32 it is exact again.
#[test]
fn bf16_inference_inverts_to_bf16_precision() {
    let (vs, model) = tiny(1, Kind::Float);
    let frames = 6;
    let audio = (Tensor::rand([1, frames * 256], (Kind::Float, Device::Cpu)) - 0.5) * 0.8;
    let mel = Tensor::randn([1, 80, frames], (Kind::Float, Device::Cpu)) - 4.0;
    let z = tch::no_grad(|| model.forward(&mel, &audio).z);
    let mut voc = WaveGlowVocoder::from_parts(vs, model);
    voc.set_precision(Precision::Bf16).unwrap();
    let half = voc.decode(&mel, &z);
    assert_eq!(half.kind(), Kind::Float);
    let err = relative(&half, &audio);
    // bf16 keeps 8 bits of mantissa (relative rounding 2^-9 ≈ 0.2 %); above 1e-5 it did run.
    assert!((1e-5..2e-2).contains(&err), "bf16 inverse: relative error {err}");
    voc.set_precision(Precision::Fp32).unwrap();
    let err = relative(&voc.decode(&mel, &z), &audio);
    assert!(err < 1e-4, "fp32 again: relative error {err}");
}

/// log|det A| by Gaussian elimination with partial pivoting, in f64.
fn brute_logdet(mut a: Vec<Vec<f64>>) -> f64 {
    let n = a.len();
    let mut total = 0.0;
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap();
        a.swap(col, piv);
        let p = a[col][col];
        total += p.abs().ln();
        for r in col + 1..n {
            let f = a[r][col] / p;
            let pivot_row = a[col].clone();
            for (x, p) in a[r][col..n].iter_mut().zip(&pivot_row[col..n]) {
                *x -= f * p;
            }
        }
    }
    total
}

/// The Jacobian of `f` at `x` (flattened) by central differences.
fn jacobian(f: impl Fn(&Tensor) -> Tensor, x: &Tensor) -> Vec<Vec<f64>> {
    let n = x.numel() as i64;
    let flat = x.reshape([-1]);
    let h = 1e-6;
    let mut cols = Vec::new();
    for i in 0..n {
        let e = Tensor::zeros([n], (Kind::Double, Device::Cpu));
        let _ = e.get(i).fill_(h);
        let d = (f(&(&flat + &e).view(x.size().as_slice())) - f(&(&flat - &e).view(x.size().as_slice()))).reshape([-1]) / (2.0 * h);
        cols.push(Vec::<f64>::try_from(&d).unwrap());
    }
    (0..cols[0].len()).map(|r| cols.iter().map(|c| c[r]).collect()).collect()
}

#[test]
fn invertible_conv_logdet_equals_brute_force() {
    tch::manual_seed(4);
    let mut vs = VarStore::new(Device::Cpu);
    let conv = Invertible1x1Conv::new(vs.root(), 4);
    vs.double();
    tch::no_grad(|| {
        let mut w = conv.weight.shallow_clone();
        let skew = Tensor::randn([4, 4, 1], (Kind::Double, Device::Cpu)) * 0.5; // not a rotation any more
        w += skew;
    });
    let x = Tensor::randn([1, 4, 3], (Kind::Double, Device::Cpu));
    let (_, logdet) = tch::no_grad(|| conv.forward(&x));
    let want = brute_logdet(jacobian(|x| tch::no_grad(|| conv.forward(x).0), &x));
    let got = logdet.double_value(&[]);
    assert!((got - want).abs() < 1e-6, "log|det| {got} vs brute force {want}");
    // The initial rotation has determinant +1.
    let fresh = Invertible1x1Conv::new(VarStore::new(Device::Cpu).root(), 6);
    let det = fresh.weight.squeeze_dim(2).det().double_value(&[]);
    assert!((det - 1.0).abs() < 1e-5, "initial det {det}");
}

#[test]
fn whole_flow_logdet_equals_brute_force() {
    let (_vs, model) = tiny(2, Kind::Double);
    let mel = Tensor::randn([1, 80, 1], (Kind::Double, Device::Cpu)) - 4.0;
    let audio = (Tensor::rand([1, 256], (Kind::Double, Device::Cpu)) - 0.5) * 0.5;
    // The full 256 x 256 Jacobian of audio -> z.
    let out = tch::no_grad(|| model.forward(&mel, &audio));
    let j = jacobian(|x| tch::no_grad(|| model.forward(&mel, x).z), &audio);
    let want = brute_logdet(j);
    let log_s: f64 = out.log_s.iter().map(|s| s.sum(Kind::Double).double_value(&[])).sum();
    let log_w: f64 = out.log_det_w.iter().map(|d| d.double_value(&[])).sum();
    let got = log_s + log_w;
    assert!((got - want).abs() < 1e-6 * want.abs().max(1.0), "flow log|det| {got} vs brute force {want}");
    // The loss uses exactly these terms.
    let loss = nll_loss(&out, 1.0).double_value(&[]);
    let z = &out.z;
    let manual = ((z * z).sum(Kind::Double).double_value(&[]) / 2.0
        - out.log_s.iter().map(|s| s.sum(Kind::Double).double_value(&[])).sum::<f64>()
        - out.log_det_w.iter().map(|d| d.double_value(&[])).sum::<f64>())
        / z.numel() as f64;
    assert!((loss - manual).abs() < 1e-9 * manual.abs().max(1.0));
}

#[test]
fn seeded_sampling_sigma_denoise_and_fp16_round_trip() {
    let (vs, model) = tiny(3, Kind::Float);
    let cfg = model.cfg.clone();
    let voc = WaveGlowVocoder::from_parts(vs, model);
    let mel = Tensor::randn([1, 80, 5], (Kind::Float, Device::Cpu)) - 4.0;
    let opts = VocodeOptions { seed: Some(2), sigma: Some(0.6), ..Default::default() };
    let a = voc.vocode(&mel, &opts).unwrap();
    assert_eq!(a.size(), vec![1, 5 * 256]);
    assert!(a.equal(&voc.vocode(&mel, &opts).unwrap()));
    let quiet = voc.vocode(&mel, &VocodeOptions { sigma: Some(0.0), ..opts.clone() }).unwrap();
    assert!(!a.equal(&quiet));
    let den = voc.vocode(&mel, &VocodeOptions { denoise: Some(0.1), ..opts.clone() }).unwrap();
    assert_eq!(den.size(), a.size());
    assert!(!den.equal(&a));
    assert!(voc.vocode(&mel, &VocodeOptions { sigma: Some(-1.0), ..Default::default() }).is_err());
    assert!(voc.vocode(&mel, &VocodeOptions { denoise: Some(2.0), ..Default::default() }).is_err());
    // An empty mel gives empty audio, as in every family.
    assert_eq!(voc.vocode(&Tensor::zeros([1, 80, 0], (Kind::Float, Device::Cpu)), &opts).unwrap().size(), [1, 0]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.safetensors");
    ferry::nn::safetensors::save_var_store(voc.var_store(), &path, Some(Kind::Half)).unwrap();
    let back = WaveGlowVocoder::from_file(&cfg, &path, Device::Cpu).unwrap();
    let names: Vec<String> = back.var_store().variables().into_keys().collect();
    for want in [
        "upsample.weight",
        "convinv.0.conv.weight",
        "WN.0.start.weight_g",
        "WN.0.start.weight_v",
        "WN.1.in_layers.2.weight_v",
        "WN.1.res_skip_layers.0.bias",
        "WN.3.cond_layer.weight_g",
        "WN.3.end.weight",
        "WN.3.end.bias",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}: {names:?}");
    }
    let b = back.vocode(&mel, &opts).unwrap();
    let err = (&a - &b).abs().max().double_value(&[]);
    assert!(err < 2e-2, "fp16 weights changed the audio by {err}");
}

#[test]
fn presets_sizes() {
    let paper = WaveGlowVocoder::random(&Config::paper(), Device::Cpu).unwrap();
    let p = paper.parameters();
    assert!((87_500_000..88_300_000).contains(&p), "paper config has {p} parameters (paper: 87.9 M)");
    let compact = WaveGlowVocoder::random(&Config::compact(), Device::Cpu).unwrap();
    let bytes = compact.parameters() * 2;
    assert!(bytes <= 6 << 20, "compact is {bytes} bytes in fp16 (budget 6 MiB)");
    let mel = ferry::audio::MelConfig::default();
    assert!(ferry::vocoder::build_random(ferry::vocoder::Family::Flow, "tiny", &mel, Device::Cpu).is_ok());
    assert!(ferry::vocoder::build_random(ferry::vocoder::Family::Flow, "nope", &mel, Device::Cpu).is_err());
}
