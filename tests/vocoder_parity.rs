//! Numerical parity of the vocoders with their reference implementations, with seeded random
//! weights made at test time by the reference side (no binary fixtures):
//!
//! - HiFi-GAN V1 and V3 at 32 channels (J. Kong, J. Kim and J. Bae, NeurIPS 2020; jik876/hifi-gan
//!   `models.py`, rebuilt in scripts/bench_hifigan_reference.py): mel → audio, the trainable
//!   generator and the folded inference form;
//! - WaveGlow (R. Prenger, R. Valle and B. Catanzaro, ICASSP 2019; NVIDIA/waveglow `glow.py`,
//!   rebuilt in scripts/bench_waveglow_reference.py): the forward pass (z, log s, log|det W|)
//!   and the inverse from a fixed latent, plain and as inference prepares it;
//! - DiffWave (Z. Kong et al., ICLR 2021; PyPI `diffwave`, LMNT's own package, through
//!   scripts/bench_diffwave_reference.py): one ε prediction at integer and continuous steps,
//!   plain and streamed, and the package's 6-step fast sampler replayed with its own noise;
//! - WaveRNN (N. Kalchbrenner et al., ICML 2018; fatchord/WaveRNN `models/fatchord_version.py`,
//!   rebuilt in scripts/bench_wavernn_reference.py): teacher-forced outputs, MOL and RAW.
//!
//! Each reference state dict loads into Ferry's model under its own names (a strict load:
//! nothing missing, nothing left over, apart from WaveRNN's step and batch counters), and each
//! test also shows that a 1 % change of one weight moves the output well past the tolerance.

use std::collections::BTreeMap;
use std::path::Path;

use ferry::nn::safetensors::{assign_var_store, load_var_store, read};
use tch::{nn::VarStore, Device, Kind, Tensor};

/// Relative tolerance: max |Ferry − reference| ≤ REL · max |reference| (as tests/gan_vocos.rs).
const REL: f64 = 1e-4;

/// Runs `scripts/<script> --dump DIR args...` into a fresh temporary directory.
fn dump(script: &str, args: &[&str]) -> (tempfile::TempDir, BTreeMap<String, Tensor>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mut all = vec!["--dump", out];
    all.extend_from_slice(args);
    let said = ferry::python::run_script(script, &all).unwrap_or_else(|e| panic!("{e} (needs `make venv`)"));
    eprint!("{said}");
    let io = read(dir.path().join("io.safetensors")).unwrap().into_iter().collect();
    (dir, io)
}

fn get<'a>(io: &'a BTreeMap<String, Tensor>, name: &str) -> &'a Tensor {
    io.get(name).unwrap_or_else(|| panic!("io.safetensors has no {name}"))
}

fn weights(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("weights.safetensors")
}

/// max |got − want| and max |want|.
fn diff(got: &Tensor, want: &Tensor) -> (f64, f64) {
    assert_eq!(got.size(), want.size(), "shapes differ");
    let want = want.to_kind(Kind::Double);
    ((got.to_kind(Kind::Double) - &want).abs().max().double_value(&[]), want.abs().max().double_value(&[]))
}

/// Asserts `got` matches the reference output `want` and that `want` is not trivial.
fn assert_matches(what: &str, got: &Tensor, want: &Tensor) {
    let (err, peak) = diff(got, want);
    eprintln!("{what}: max |diff| {err:.3e} at peak {peak:.3e}");
    assert!(peak > 1e-2, "{what}: the reference output is near zero ({peak:e}): the test would prove nothing");
    assert!(err <= REL * peak, "{what}: max |diff| {err:e} (peak {peak:e})");
}

/// Asserts `got` (from perturbed weights) is far outside the tolerance around `want`.
fn assert_departs(what: &str, got: &Tensor, want: &Tensor) {
    let (err, peak) = diff(got, want);
    eprintln!("{what} with one weight off by 1 %: max |diff| {err:.3e}");
    assert!(err > 10.0 * REL * peak, "{what}: a 1 % change of one weight moved the output only {err:e} (peak {peak:e})");
}

/// Multiplies variable `name` of `vs` by `factor` in place.
fn scale(vs: &VarStore, name: &str, factor: f64) {
    let mut v = vs.variables().remove(name).unwrap_or_else(|| panic!("no variable {name}"));
    tch::no_grad(|| {
        let _ = v.f_mul_scalar_(factor).unwrap();
    });
}

fn reload(vs: &mut VarStore, path: &Path) {
    load_var_store(vs, path).unwrap();
}

#[test]
fn hifigan_matches_the_reference_generator() {
    use ferry::vocoder::gan::config::Config;
    use ferry::vocoder::gan::fast::FastGenerator;
    use ferry::vocoder::gan::generator::Generator;

    // V1 has ResBlock1 (convs1, convs2), V3 ResBlock2 (convs).
    for (name, base, perturbed) in [("v1", Config::v1(), "resblocks.4.convs1.0.weight_g"), ("v3", Config::v3(), "resblocks.4.convs.0.weight_g")] {
        let (dir, io) = dump("bench_hifigan_reference.py", &["--config", name, "--channels", "32", "--frames", "8", "--seed", "1"]);
        let cfg = Config { upsample_initial_channel: 32, ..base };
        let mut vs = VarStore::new(Device::Cpu);
        let gen = Generator::new(vs.root(), &cfg, 80);
        // conv_pre, ups, resblocks and conv_post with weight norm live (weight_g, weight_v,
        // bias): the reference's state dict as its training saves it loads as it is.
        reload(&mut vs, &weights(&dir));
        let (mel, want) = (get(&io, "mel"), get(&io, "audio"));
        assert_matches(&format!("hifigan {name} generator"), &tch::no_grad(|| gen.forward(mel)), want);
        // The inference form: weight norm folded, fusion mean moved into the next layer, channels-last.
        let fast = FastGenerator::new(&gen).forward(mel);
        assert_matches(&format!("hifigan {name} folded"), &fast, &want.squeeze_dim(1));

        scale(&vs, perturbed, 1.01);
        assert_departs(&format!("hifigan {name}"), &tch::no_grad(|| gen.forward(mel)), want);
    }
}

#[test]
fn waveglow_matches_the_reference_flows() {
    use ferry::vocoder::flow::config::{Config, WnConfig};
    use ferry::vocoder::flow::infer::Inverse;
    use ferry::vocoder::flow::model::WaveGlow;

    let (dir, io) =
        dump("bench_waveglow_reference.py", &["--n-mels", "8", "--flows", "6", "--early-every", "2", "--layers", "2", "--channels", "8", "--frames", "6"]);
    let cfg = Config {
        n_mel_channels: 8,
        n_flows: 6,
        n_group: 8,
        n_early_every: 2,
        n_early_size: 2,
        wn_config: WnConfig { n_layers: 2, n_channels: 8, kernel_size: 3 },
        hop_length: 256,
        upsample_kernel_size: 1024,
        ..Config::paper()
    };
    cfg.validate().unwrap();
    let mut vs = VarStore::new(Device::Cpu);
    let model = WaveGlow::new(vs.root(), &cfg);
    reload(&mut vs, &weights(&dir));
    let (mel, audio) = (get(&io, "mel"), get(&io, "audio"));

    // Audio → latent: z, every coupling's log s and every 1x1 convolution's log|det W|.
    let out = tch::no_grad(|| model.forward(mel, audio));
    assert_matches("waveglow forward z", &out.z, get(&io, "z"));
    for (k, s) in out.log_s.iter().enumerate() {
        assert_matches(&format!("waveglow forward log_s.{k}"), s, get(&io, &format!("log_s.{k}")));
    }
    assert_matches("waveglow forward log|det W|", &Tensor::stack(&out.log_det_w, 0), get(&io, "log_det_w"));

    // Latent → audio (the reference's infer with the latent given), plain and as inference runs it.
    let (z_in, want) = (get(&io, "z_in"), get(&io, "audio_inv"));
    assert_matches("waveglow inverse", &tch::no_grad(|| model.inverse(mel, z_in)), want);
    let samples = z_in.size()[2] * cfg.n_group as i64;
    let spect = tch::no_grad(|| model.condition(mel, samples));
    let got = Inverse::new(&model).run(&model, &spect, z_in, || {});
    assert_matches("waveglow inference (folded, streamed)", &got, want);

    scale(&vs, "WN.3.res_skip_layers.0.weight_g", 1.01);
    assert_departs("waveglow forward z", &tch::no_grad(|| model.forward(mel, audio)).z, get(&io, "z"));
    assert_departs("waveglow inverse", &tch::no_grad(|| model.inverse(mel, z_in)), want);
}

#[test]
fn diffwave_matches_the_reference_package() {
    use ferry::vocoder::diffusion::config::Config;
    use ferry::vocoder::diffusion::model::DiffWave;
    use ferry::vocoder::diffusion::sampler::Sampler;
    use ferry::vocoder::diffusion::schedule::{plan, reverse_coefficients};

    let (dir, io) = dump("bench_diffwave_reference.py", &["--layers", "4", "--channels", "8", "--cycle", "2", "--frames", "8"]);
    let cfg = Config { residual_layers: 4, residual_channels: 8, dilation_cycle_length: 2, ..Config::base() };
    cfg.validate().unwrap();
    let mut vs = VarStore::new(Device::Cpu);
    let model = DiffWave::new(vs.root(), &cfg);
    // The package's state dict (fp16 on disk; no `diffusion_embedding.embedding`, a
    // non-persistent buffer there and a table here).
    reload(&mut vs, &weights(&dir));
    let (audio, mel) = (get(&io, "audio"), get(&io, "mel"));
    let step = get(&io, "step").to_kind(Kind::Float);
    let eps = get(&io, "eps");

    // One network evaluation: ε at integer steps (table rows) and at a continuous one (interpolated).
    assert_matches("diffwave eps", &tch::no_grad(|| model.forward(audio, &step, mel)), eps);
    let eps_cont = tch::no_grad(|| model.forward(audio, get(&io, "step_cont"), mel));
    assert_matches("diffwave eps (continuous step)", &eps_cont, get(&io, "eps_cont"));

    // The same through the sampler's streamed network.
    let sampler = Sampler::new(&model);
    let mel_up = tch::no_grad(|| model.spectrogram_upsampler.forward(mel));
    let cond = sampler.conditioner(&mel_up);
    let predict = |x: &Tensor, t: &Tensor| {
        tch::no_grad(|| {
            let out = x.zeros_like();
            let emb = model.diffusion_embedding.forward(t);
            sampler.predict_noise(x, &cond, &emb, |e, t0, n| {
                out.narrow(1, t0, n).copy_(e);
            });
            out
        })
    };
    assert_matches("diffwave eps (sampler)", &predict(audio, &step), &eps.squeeze_dim(1));

    // The package's fast sampler (6 steps, aligned continuous steps) with its own noise draws.
    let p = plan(&cfg.noise_schedule, &cfg.inference_noise_schedule, 6).unwrap();
    let noise = get(&io, "noise");
    let b = audio.size()[0];
    let mut x = noise.get(0);
    let mut draw = 1;
    for n in (0..p.schedule.len()).rev() {
        let (c1, c2, sigma) = reverse_coefficients(&p.schedule, n);
        let e = predict(&x, &Tensor::full([b], p.t[n], (Kind::Float, Device::Cpu)));
        x = (&x - e * c2) * c1;
        if n > 0 {
            x += noise.get(draw) * sigma;
            draw += 1;
        }
        x = x.clamp(-1.0, 1.0);
    }
    assert_matches("diffwave fast sampler", &x, get(&io, "audio_fast"));

    scale(&vs, "residual_layers.2.dilated_conv.weight", 1.01);
    assert_departs("diffwave eps", &tch::no_grad(|| model.forward(audio, &step, mel)), eps);
}

#[test]
fn wavernn_matches_the_reference_teacher_forced() {
    use ferry::audio::MelConfig;
    use ferry::vocoder::ar::config::{Config, Mode};
    use ferry::vocoder::ar::model::WaveRnn;

    let mel_cfg = MelConfig::default();
    for (mode, bits) in [(Mode::Mol, "9"), (Mode::Raw, "5")] {
        let name = if mode == Mode::Mol { "MOL" } else { "RAW" };
        let (dir, io) = dump("bench_wavernn_reference.py", &["--mode", name, "--bits", bits, "--rnn-dims", "32", "--fc-dims", "32", "--frames", "4"]);
        let cfg = Config {
            rnn_dims: 32,
            fc_dims: 32,
            bits: bits.parse().unwrap(),
            pad: 2,
            upsample_factors: vec![4, 8, 8],
            compute_dims: 16,
            res_out_dims: 16,
            res_blocks: 2,
            mode,
            ..Config::default_for(&mel_cfg)
        };
        cfg.validate(&mel_cfg).unwrap();
        let mut vs = VarStore::new(Device::Cpu);
        let model = WaveRnn::new(vs.root(), &cfg, 80);
        // The reference's whole state dict; only its training counters (the model's `step`,
        // BatchNorm's `num_batches_tracked`) have no place here.
        let path = weights(&dir);
        let mut file: BTreeMap<String, Tensor> = read(&path).unwrap().into_iter().collect();
        let counters: Vec<String> = file.keys().filter(|k| *k == "step" || k.ends_with(".num_batches_tracked")).cloned().collect();
        assert_eq!(counters.len(), 1 + (1 + 2 * cfg.res_blocks), "{counters:?}");
        counters.iter().for_each(|k| drop(file.remove(k)));
        assign_var_store(&mut vs, file, &path).unwrap();

        let (x, mels, want) = (get(&io, "x"), get(&io, "mels"), get(&io, "y"));
        assert_matches(&format!("wavernn {name} teacher-forced"), &tch::no_grad(|| model.forward_t(x, mels, false)), want);

        scale(&vs, "upsample.resnet.conv_in.weight", 1.01);
        assert_departs(&format!("wavernn {name}"), &tch::no_grad(|| model.forward_t(x, mels, false)), want);
    }
}
