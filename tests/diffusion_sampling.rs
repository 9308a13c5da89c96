//! DiffWave sampling: the streamed inference path equals the plain network, seeded
//! sampling is reproducible, every step count runs, bf16 inference stays close to fp32, and
//! fp16 weights round-trip.

use rand::SeedableRng;
use tch::{Device, Kind, Tensor};

use ferry::audio::MelConfig;
use ferry::vocoder::diffusion::sampler::gaussian;
use ferry::vocoder::diffusion::schedule::{plan, reverse_coefficients};
use ferry::vocoder::diffusion::{Config, DiffWave, DiffWaveVocoder};
use ferry::vocoder::{Precision, VocodeOptions, Vocoder};

/// A tiny DiffWave whose zero-initialised output layer is randomised, so ε is not constant.
fn tiny(seed: i64) -> DiffWaveVocoder {
    tch::manual_seed(seed);
    let cfg = Config { residual_layers: 5, residual_channels: 6, dilation_cycle_length: 3, ..Config::tiny() };
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let model = DiffWave::new(vs.root(), &cfg);
    tch::no_grad(|| {
        let mut w = model.output_projection.ws.shallow_clone();
        w.copy_(&(Tensor::randn(w.size(), (Kind::Float, Device::Cpu)) * 0.3));
    });
    DiffWaveVocoder::from_parts(vs, model, cfg)
}

fn mel(frames: i64) -> Tensor {
    Tensor::randn([1, 80, frames], (Kind::Float, Device::Cpu)) - 4.0
}

#[test]
fn streamed_sampler_equals_plain_network() {
    let mut voc = tiny(1);
    let m = mel(7);
    let p = plan(&voc.config().noise_schedule, &voc.config().inference_noise_schedule, 6).unwrap();
    // Plain reverse process with the full-length network and the same noise stream.
    let want = tch::no_grad(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let total = 7 * 256;
        let mut audio = gaussian(&mut rng, &[1, total], Device::Cpu);
        for n in (0..6).rev() {
            let (c1, c2, sigma) = reverse_coefficients(&p.schedule, n);
            let eps = voc.model().forward(&audio, &Tensor::from_slice(&[p.t[n] as f32]), &m).squeeze_dim(1);
            audio = (&audio - eps * c2) * c1;
            if n > 0 {
                audio += gaussian(&mut rng, &[1, total], Device::Cpu) * sigma;
            }
            audio = audio.clamp(-1.0, 1.0);
        }
        audio
    });
    for block in [5i64, 300, 100_000] {
        voc.sampler_mut().block = block;
        let got = voc.vocode(&m, &VocodeOptions { seed: Some(9), steps: Some(6), ..Default::default() }).unwrap();
        let err = (&got - &want).abs().max().double_value(&[]);
        assert!(err < 1e-4, "block {block}: max difference {err}");
    }
}

/// bfloat16 inference (the network in bf16, the audio and the update in fp32) follows the
/// fp32 reverse process to within bf16's rounding over six steps; back in fp32 it is exact.
#[test]
fn bf16_sampling_stays_close_to_fp32() {
    let mut voc = tiny(2);
    let m = mel(7);
    let opts = VocodeOptions { seed: Some(4), steps: Some(6), ..Default::default() };
    let want = voc.vocode(&m, &opts).unwrap();
    voc.set_precision(Precision::Bf16).unwrap();
    let got = voc.vocode(&m, &opts).unwrap();
    assert_eq!(got.kind(), Kind::Float);
    let err = ((&got - &want).norm() / want.norm()).double_value(&[]);
    assert!((1e-5..2e-2).contains(&err), "bf16 vs fp32: relative error {err}");
    voc.set_precision(Precision::Fp32).unwrap();
    assert!(voc.vocode(&m, &opts).unwrap().equal(&want));
}

#[test]
fn seeded_sampling_is_reproducible_for_every_step_count() {
    let voc = tiny(2);
    let m = mel(4);
    for steps in [1usize, 6, 12, 50] {
        let opts = VocodeOptions { seed: Some(5), steps: Some(steps), ..Default::default() };
        let a = voc.vocode(&m, &opts).unwrap();
        let b = voc.vocode(&m, &opts).unwrap();
        assert_eq!(a.size(), vec![1, 4 * 256]);
        assert!(a.equal(&b), "{steps} steps not reproducible");
        assert!(a.abs().max().double_value(&[]) <= 1.0);
        let c = voc.vocode(&m, &VocodeOptions { seed: Some(6), ..opts }).unwrap();
        assert!(!a.equal(&c), "different seeds gave the same audio");
    }
    assert!(voc.vocode(&m, &VocodeOptions { steps: Some(0), ..Default::default() }).is_err());
    assert!(voc.vocode(&Tensor::zeros([1, 79, 4], (Kind::Float, Device::Cpu)), &VocodeOptions::default()).is_err());
    // An empty mel gives empty audio, as in every family.
    assert_eq!(voc.vocode(&Tensor::zeros([1, 80, 0], (Kind::Float, Device::Cpu)), &VocodeOptions::default()).unwrap().size(), [1, 0]);
}

#[test]
fn fp16_weights_round_trip() {
    let voc = tiny(3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diffusion.safetensors");
    ferry::nn::safetensors::save_var_store(voc.var_store(), &path, Some(Kind::Half)).unwrap();
    let back = DiffWaveVocoder::from_file(voc.config(), &path, Device::Cpu).unwrap();
    let names: Vec<String> = back.var_store().variables().into_keys().collect();
    for want in [
        "input_projection.weight",
        "diffusion_embedding.projection1.weight",
        "diffusion_embedding.projection2.bias",
        "spectrogram_upsampler.conv1.weight",
        "spectrogram_upsampler.conv2.bias",
        "residual_layers.4.dilated_conv.weight",
        "residual_layers.0.diffusion_projection.weight",
        "residual_layers.0.conditioner_projection.weight",
        "residual_layers.0.output_projection.bias",
        "skip_projection.weight",
        "output_projection.weight",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}");
    }
    let back_vars = back.var_store().variables();
    for (name, t) in voc.var_store().variables() {
        let u = &back_vars[&name];
        let err = (&t - u).abs().max().double_value(&[]);
        let scale = t.abs().max().double_value(&[]).max(1e-3);
        assert!(err <= scale * 1e-3, "{name}: fp16 error {err}");
    }
    let m = mel(3);
    let opts = VocodeOptions { seed: Some(1), steps: Some(6), ..Default::default() };
    let (a, b) = (voc.vocode(&m, &opts).unwrap(), back.vocode(&m, &opts).unwrap());
    let err = (&a - &b).abs().max().double_value(&[]);
    assert!(err < 2e-2, "fp16 weights changed the audio by {err}");
    // A truncated file is a clear error, not a panic.
    std::fs::write(&path, b"\x08\x00\x00").unwrap();
    assert!(DiffWaveVocoder::from_file(voc.config(), &path, Device::Cpu).is_err());
}

#[test]
fn presets_build_through_the_registry() {
    let mel_cfg = MelConfig::default();
    let v = ferry::vocoder::build_random(ferry::vocoder::Family::Diffusion, "tiny", &mel_cfg, Device::Cpu).unwrap();
    assert_eq!(v.hop_size(), 256);
    let base = DiffWaveVocoder::random(&Config::base(), Device::Cpu).unwrap();
    let params = base.parameters();
    assert!((2_600_000..2_660_000).contains(&params), "BASE has {params} parameters (paper: 2.64 M)");
    let large = DiffWaveVocoder::random(&Config::large(), Device::Cpu).unwrap();
    assert!((6_850_000..6_950_000).contains(&large.parameters()), "LARGE has {} (paper: 6.91 M)", large.parameters());
    assert!(ferry::vocoder::build_random(ferry::vocoder::Family::Diffusion, "nope", &mel_cfg, Device::Cpu).is_err());
}
