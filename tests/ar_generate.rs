//! WaveRNN (ar) generation: μ-law round trip, upsampler and output lengths, folding,
//! seeded reproducibility, and parity of the plain-Rust sampling loop with libtorch.

use ferry::audio::MelConfig;
use ferry::vocoder::ar::fold::Folds;
use ferry::vocoder::ar::noise::Noise;
use ferry::vocoder::ar::{generate, mol, mulaw, Config, Engine, GenerateOptions, Mode, WaveRnnVocoder};
use ferry::vocoder::{VocodeOptions, Vocoder};
use tch::{Device, Kind, Tensor};

fn mel_of(frames: i64) -> Tensor {
    // A smooth, speech-like log-mel: low bands loud, a slow sweep over time.
    let t = Tensor::arange(frames, (Kind::Float, Device::Cpu)).view([1, 1, frames]);
    let m = Tensor::arange(80, (Kind::Float, Device::Cpu)).view([1, 80, 1]);
    (-&m * 0.08 + (t * 0.3).sin() * 1.5) - 2.0
}

fn tiny(mode: Mode) -> (Config, MelConfig) {
    let mel = MelConfig::default();
    (Config { mode, ..Config::tiny(&mel) }, mel)
}

fn vocoder(mode: Mode, seed: i64) -> WaveRnnVocoder {
    let (cfg, mel) = tiny(mode);
    tch::manual_seed(seed);
    WaveRnnVocoder::random(&cfg, &mel, Device::Cpu).unwrap()
}

/// A random tiny MOL vocoder whose output layer is scaled down and whose components' scales
/// are e⁻³, so that its samples spread over (-1, 1) instead of sticking at the clamp as
/// random weights' do.
fn unsaturated(seed: i64, device: Device) -> WaveRnnVocoder {
    let (cfg, mel) = tiny(Mode::Mol);
    tch::manual_seed(seed);
    let vs = tch::nn::VarStore::new(device);
    let model = ferry::vocoder::ar::WaveRnn::new(vs.root(), &cfg, mel.num_mels);
    tch::no_grad(|| {
        let _ = model.fc3.ws.shallow_clone().g_mul_scalar_(0.1);
        let bias = model.fc3.bs.as_ref().unwrap();
        let k = bias.size()[0] / 3;
        let _ = bias.narrow(0, 2 * k, k).fill_(-3.0); // log-scales
    });
    WaveRnnVocoder::from_parts(vs, model, &mel).unwrap()
}

fn samples(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()
}

#[test]
fn mu_law_round_trips() {
    for classes in [512usize, 1024] {
        for label in 0..classes {
            assert_eq!(mulaw::encode(mulaw::decode(label, classes), classes), label, "{classes} classes, label {label}");
        }
        // Values come back within half a companded step (fine near 0, coarse near ±1).
        for i in -1000..=1000 {
            let x = i as f32 / 1000.0;
            let back = mulaw::decode(mulaw::encode(x, classes), classes);
            let step = mulaw::decode(mulaw::encode(x.abs(), classes).min(classes - 2) + 1, classes)
                - mulaw::decode(mulaw::encode(x.abs(), classes).min(classes - 2), classes);
            assert!((back - x).abs() <= step.abs() * 0.51 + 1e-6, "{x} -> {back} ({classes} classes)");
        }
    }
}

#[test]
fn upsampler_and_vocoder_give_frames_times_hop() {
    let voc = vocoder(Mode::Mol, 0);
    let m = voc.model();
    for frames in [1i64, 7, 30] {
        let mel = Tensor::cat(&[mel_of(frames), mel_of(frames)], 0); // [2, 80, F]
        let (up, aux) = tch::no_grad(|| m.upsample.forward_t(&m.pad_mel(&mel), false));
        assert_eq!(up.size(), [2, frames * 256, 80]);
        assert_eq!(aux.size(), [2, frames * 256, 16]);
    }
    // Sequential, and folded into several segments (target 1000 over 30 frames = 7680 samples).
    for (target, overlap) in [(0, 0), (1000, 100)] {
        let opts = VocodeOptions { seed: Some(1), fold_target: Some(target), fold_overlap: Some(overlap), ..Default::default() };
        let y = voc.vocode(&Tensor::cat(&[mel_of(30), mel_of(30)], 0), &opts).unwrap();
        assert_eq!(y.size(), [2, 30 * 256]);
        let v = samples(&y);
        assert!(v.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
        assert!(v.iter().map(|s| s.abs()).sum::<f32>() > 0.0);
    }
    let bad = voc.vocode(&Tensor::zeros([1, 40, 5], (Kind::Float, Device::Cpu)), &VocodeOptions::default());
    assert!(bad.unwrap_err().to_string().contains("[batch, 80, frames]"));
}

#[test]
fn folding_then_unfolding_reconstructs_a_signal() {
    for (total, target, overlap) in [(10_000usize, 1000usize, 100usize), (12_345, 2000, 551), (5000, 0, 0), (800, 1000, 100), (31_100, 3000, 110)] {
        let x: Vec<f32> = (0..total).map(|i| (i as f32 * 0.01).sin() + 0.001 * i as f32).collect();
        let folds = Folds::new(total, target, overlap);
        let folded = folds.fold(&x, 1);
        assert_eq!(folded.len(), folds.count * folds.len());
        let back = folds.unfold(&folded);
        assert_eq!(back.len(), total);
        let err = x.iter().zip(&back).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(err < 1e-5, "total {total} target {target} overlap {overlap}: max error {err}");
        // Rows of a wider signal stay together.
        let wide: Vec<f32> = x.iter().flat_map(|&v| [v, -v, 2.0 * v]).collect();
        let f3 = folds.fold(&wide, 3);
        for i in 0..folds.count {
            let s = folds.start(i).min(total - 1);
            assert_eq!(f3[i * folds.len() * 3 + 1], -x[s]);
        }
    }
}

#[test]
fn sampling_is_reproducible_with_a_seed_and_any_thread_count() {
    let voc = vocoder(Mode::Mol, 1);
    let mel = mel_of(12);
    let run = |seed, threads| {
        let g = GenerateOptions { seed, target: 600, overlap: 60, engine: Engine::Rust, threads };
        samples(&voc.vocode_with(&mel, &g).unwrap())
    };
    let a = run(7, 2);
    assert_eq!(a, run(7, 2));
    assert_eq!(a, run(7, 1), "thread count changed the samples");
    assert_ne!(a, run(8, 2));
}

/// Teacher forcing the libtorch network (full-sequence GRUs) on the samples the Rust loop
/// drew, with the same noise, must draw the same samples: the two compute the same
/// distribution at every step.
#[test]
fn rust_loop_matches_libtorch_distribution() {
    for mode in [Mode::Mol, Mode::Raw] {
        let voc = vocoder(mode, 2);
        let cfg = &voc.model().cfg;
        let mel = mel_of(6);
        let g = GenerateOptions { seed: 3, target: 0, overlap: 0, engine: Engine::Rust, threads: 1 };
        let mut y = samples(&voc.vocode_with(&mel, &g).unwrap());
        if mode == Mode::Raw {
            // The loop feeds back companded class values; the vocoder returns them expanded.
            let classes = cfg.n_classes();
            y = y.iter().map(|&v| mulaw::label_to_float(mulaw::encode(v, classes), classes)).collect();
        }
        let n = y.len();
        let mut x = vec![0f32; n];
        x[1..].copy_from_slice(&y[..n - 1]);
        let params = tch::no_grad(|| voc.model().forward_t(&Tensor::from_slice(&x).view([1, n as i64]), &voc.model().pad_mel(&mel), false));
        let p = samples(&params); // [n, classes]
        let k = cfg.n_classes();
        let mut noise = Noise::new(3, 1);
        let mut mismatches = 0;
        for t in 0..n {
            let (u1, u2) = noise.next(0);
            let row = &p[t * k..(t + 1) * k];
            let s = match mode {
                Mode::Mol => mol::sample(row, u1, u2),
                Mode::Raw => {
                    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                    let w: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
                    mulaw::label_to_float(mol::pick(&w, w.iter().sum(), u1), k)
                }
            };
            if (s - y[t]).abs() > 1e-3 {
                mismatches += 1;
            }
        }
        assert!(mismatches <= n / 500, "{mode:?}: {mismatches} of {n} steps differ between the Rust loop and libtorch");
    }
}

/// The libtorch sampling loop (what runs on CUDA) and the Rust loop give the same audio
/// for the same weights and seed, folded.
#[test]
fn rust_and_libtorch_loops_agree() {
    let voc = unsaturated(4, Device::Cpu);
    // Folds longer than the libtorch loop's 256-step blocks.
    let mel = mel_of(12);
    let g = GenerateOptions { seed: 5, target: 1400, overlap: 40, engine: Engine::Rust, threads: 2 };
    let rust = samples(&voc.vocode_with(&mel, &g).unwrap());
    let torch = samples(&voc.vocode_with(&mel, &GenerateOptions { engine: Engine::Tch, ..g }).unwrap());
    let close = rust.iter().zip(&torch).filter(|(a, b)| (*a - *b).abs() < 1e-3).count();
    assert!(close as f64 >= 0.99 * rust.len() as f64, "only {close} of {} samples agree", rust.len());
    let inside = rust.iter().filter(|v| v.abs() < 0.9).count();
    assert!(inside as f64 >= 0.5 * rust.len() as f64, "only {inside} samples inside (-0.9, 0.9): a weak comparison");
    // And the conditioning the two share has the expected shape.
    let cond = tch::no_grad(|| generate::conditioning(voc.model(), &mel));
    assert_eq!(cond.size(), [12 * 256, 80 + 16]);
}

/// On a CUDA device the loop replayed as CUDA graphs gives the samples of the loop launched
/// op by op: on the first call (which records the graph), on a second one (which replays the
/// kept graph) and with another number of folds (which records anew). Without a GPU it
/// checks that the graph engine refuses the CPU with a message.
#[test]
fn cuda_graph_loop_matches_the_eager_loop() {
    let g = GenerateOptions { seed: 5, target: 1400, overlap: 40, engine: Engine::Graph, threads: 1 };
    if !tch::Cuda::is_available() {
        let err = unsaturated(4, Device::Cpu).vocode_with(&mel_of(2), &g).unwrap_err().to_string();
        assert!(err.contains("needs a CUDA device"), "{err}");
        return;
    }
    assert!(ferry::nn::cuda_graph::CudaGraph::compiled(), "this build has no CUDA graphs");
    let voc = unsaturated(4, Device::Cuda(0));
    for frames in [12, 12, 30] {
        let mel = mel_of(frames);
        let eager = samples(&voc.vocode_with(&mel, &GenerateOptions { engine: Engine::Tch, ..g }).unwrap().to_device(Device::Cpu));
        let graph = samples(&voc.vocode_with(&mel, &g).unwrap().to_device(Device::Cpu));
        assert_eq!(eager.len(), graph.len());
        let close = eager.iter().zip(&graph).filter(|(a, b)| (*a - *b).abs() < 1e-3).count();
        assert!(close as f64 >= 0.99 * eager.len() as f64, "{frames} frames: only {close} of {} samples agree", eager.len());
    }
}

#[test]
fn presets_fit_the_voice_pack_budget() {
    let mel = MelConfig::default();
    for (preset, max_mib) in [("default", 5.0), ("512", 10.0)] {
        let voc = ferry::vocoder::build_random(ferry::Family::Ar, preset, &mel, Device::Cpu).unwrap();
        assert_eq!(voc.hop_size(), 256);
        let cfg = <Config as ferry::vocoder::model_config::ModelConfig>::from_name_or_file(preset, &mel).unwrap();
        let v = WaveRnnVocoder::random(&cfg, &mel, Device::Cpu).unwrap();
        let fp16_mib = v.parameters() as f64 * 2.0 / (1024.0 * 1024.0);
        assert!(fp16_mib <= max_mib, "{preset}: {fp16_mib:.2} MiB in fp16");
    }
    assert!(ferry::vocoder::build_random(ferry::Family::Ar, "no-such-preset", &mel, Device::Cpu).is_err());
}
