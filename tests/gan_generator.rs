//! HiFi-GAN generator: shapes and sizes of every config, reference weight names, folded
//! inference equal to the trainable forward, fp16 voice-pack round trip, determinism.

use ferry::audio::MelConfig;
use ferry::nn::parameter_count;
use ferry::nn::safetensors::{load_var_store, save_var_store};
use ferry::vocoder::gan::{self, Config, FastGenerator, Generator, HifiGan};
use ferry::vocoder::{Family, Precision, VocodeOptions, Vocoder};
use ferry::voice::{ModelEntry, TrainingInfo, Voice, VoiceConfig};
use tch::{nn::VarStore, Device, Kind, Tensor};

fn mel_input(frames: i64) -> Tensor {
    tch::manual_seed(7);
    Tensor::randn([1, 80, frames], (Kind::Float, Device::Cpu)) - 5.0
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

#[test]
fn every_config_has_the_paper_size_and_upsamples_by_the_hop() {
    // (preset, parameters in millions as the paper / Ferry's budget says)
    for (name, lo, hi) in [("v1", 13.8, 14.0), ("v2", 0.90, 0.94), ("v3", 1.45, 1.47), ("compact", 1.2, 1.55), ("tiny", 0.0, 0.05)] {
        let cfg = Config::preset(name).unwrap();
        let vs = VarStore::new(Device::Cpu);
        let g = Generator::new(vs.root(), &cfg, 80);
        let m = parameter_count(&vs) as f64 / 1e6;
        assert!((lo..=hi).contains(&m), "{name}: {m:.3} M parameters");
        let y = tch::no_grad(|| g.forward(&mel_input(3)));
        assert_eq!(y.size(), [1, 1, 3 * 256], "{name}");
        let fast = FastGenerator::new(&g).forward(&mel_input(3));
        assert_eq!(fast.size(), [1, 3 * 256], "{name}");
        assert!(fast.abs().max().double_value(&[]) < 1.0);
    }
    // The voice-pack preset fits 3 MiB in fp16.
    let vs = VarStore::new(Device::Cpu);
    let _g = Generator::new(vs.root(), &Config::compact(), 80);
    assert!(parameter_count(&vs) * 2 <= 3 * 1024 * 1024);
}

#[test]
fn weight_names_match_the_reference() {
    let vs = VarStore::new(Device::Cpu);
    let _g = Generator::new(vs.root(), &Config::v1(), 80);
    let names = vs.variables();
    for n in [
        "conv_pre.weight_g",
        "conv_pre.weight_v",
        "conv_pre.bias",
        "ups.3.weight_v",
        "resblocks.11.convs1.2.weight_g",
        "resblocks.0.convs2.0.bias",
        "conv_post.weight_v",
    ] {
        assert!(names.contains_key(n), "missing {n}");
    }
    assert_eq!(names["ups.0.weight_v"].size(), [512, 256, 16]);
    assert_eq!(names.len(), 3 * (2 + 4 + 12 * 6));
    let vs = VarStore::new(Device::Cpu);
    let _g = Generator::new(vs.root(), &Config::v3(), 80);
    assert!(vs.variables().contains_key("resblocks.8.convs.1.weight_v"));
}

#[test]
fn folded_inference_equals_the_weight_normed_forward() {
    for name in ["v2", "v3", "tiny"] {
        tch::manual_seed(1);
        let vs = VarStore::new(Device::Cpu);
        let mut g = Generator::new(vs.root(), &Config::preset(name).unwrap(), 80);
        // Move g away from ‖v‖ so the norm matters.
        tch::no_grad(|| {
            for (n, mut t) in vs.variables() {
                if n.ends_with("weight_g") {
                    let _ = t.g_mul_scalar_(1.7);
                }
            }
        });
        let mel = mel_input(20);
        let reference = tch::no_grad(|| g.forward(&mel)).view([1, -1]);
        let fast = FastGenerator::new(&g).forward(&mel);
        let d = max_diff(&reference, &fast);
        assert!(d <= 1e-5, "{name}: folded channels-last differs by {d}");
        g.set_folded(true);
        let d = max_diff(&reference, &tch::no_grad(|| g.forward(&mel)).view([1, -1]));
        assert!(d <= 1e-5, "{name}: folded weight norm differs by {d}");
    }
}

#[test]
fn inference_is_deterministic() {
    let mel_cfg = MelConfig::default();
    let voc = gan::build_random("v2", &mel_cfg, Device::Cpu).unwrap();
    let mel = mel_input(12);
    let a = voc.vocode(&mel, &VocodeOptions::default()).unwrap();
    let b = voc.vocode(&mel, &VocodeOptions { seed: Some(99), ..Default::default() }).unwrap();
    assert_eq!(a.size(), [1, 12 * 256]);
    assert!(a.equal(&b));
    // Batched inference equals one item at a time.
    let batch = Tensor::cat(&[&mel, &(mel.shallow_clone() * 0.5)], 0);
    let ab = voc.vocode(&batch, &VocodeOptions::default()).unwrap();
    assert!(max_diff(&ab.get(0), &a.get(0)) < 1e-5);
    assert_eq!(voc.family(), Family::Gan);
    assert!(Family::Gan.is_deterministic());
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mel_cfg = MelConfig::default();
    let voc = gan::build_random("tiny", &mel_cfg, Device::Cpu).unwrap();
    let err = voc.vocode(&Tensor::zeros([1, 40, 5], (Kind::Float, Device::Cpu)), &VocodeOptions::default()).unwrap_err();
    assert!(err.to_string().contains("[batch, 80, frames]"), "{err}");
    let empty = voc.vocode(&Tensor::zeros([1, 80, 0], (Kind::Float, Device::Cpu)), &VocodeOptions::default()).unwrap();
    assert_eq!(empty.size(), [1, 0]);
    let err = gan::build_random("v9", &mel_cfg, Device::Cpu).err().unwrap().to_string();
    assert!(err.contains("neither a preset"), "{err}");
    let odd_hop = MelConfig { hop_size: 200, ..MelConfig::default() };
    let err = gan::build_random("v2", &odd_hop, Device::Cpu).err().unwrap().to_string();
    assert!(err.contains("hop size is 200"), "{err}");
}

#[test]
fn fp16_voice_pack_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::tiny();
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let g = Generator::new(vs.root(), &cfg, 80);
    let file = dir.path().join("gan.safetensors");
    save_var_store(&vs, &file, Some(Kind::Half)).unwrap();
    // What fp16 storage keeps: the same weights rounded to half precision.
    tch::no_grad(|| {
        for (_, mut t) in vs.variables() {
            let r = t.to_kind(Kind::Half).to_kind(Kind::Float);
            t.copy_(&r);
        }
    });
    let mel = mel_input(10);
    let expected = FastGenerator::new(&g).forward(&mel);

    // Into a fresh store: identical weights.
    let mut vs2 = VarStore::new(Device::Cpu);
    let g2 = Generator::new(vs2.root(), &cfg, 80);
    load_var_store(&mut vs2, &file).unwrap();
    assert!(max_diff(&expected, &FastGenerator::new(&g2).forward(&mel)) < 1e-6);

    // Through a voice pack and the registry.
    let voice_cfg = VoiceConfig {
        format_version: 1,
        name: "gan-test".into(),
        language: "en-US".into(),
        sample_rate: 22050,
        mel: MelConfig::default(),
        tokenizer: "tokenizer.json".into(),
        acoustic: None,
        vocoders: [(
            "gan".to_string(),
            ModelEntry {
                model: gan::MODEL_NAME.into(),
                file: "gan.safetensors".into(),
                config: serde_json::to_value(&cfg).unwrap(),
                parameters: parameter_count(&vs) as u64,
                training: TrainingInfo::default(),
            },
        )]
        .into_iter()
        .collect(),
        default_vocoder: Some("gan".into()),
    };
    std::fs::write(dir.path().join("voice.json"), serde_json::to_string(&voice_cfg).unwrap()).unwrap();
    let voice = Voice::open(dir.path()).unwrap();
    let voc = ferry::vocoder::load(&voice, Family::Gan, Device::Cpu).unwrap();
    let y = voc.vocode(&mel, &VocodeOptions::default()).unwrap();
    assert!(max_diff(&expected, &y) < 1e-6);

    // A truncated file is a clear error naming it.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let err = ferry::vocoder::load(&voice, Family::Gan, Device::Cpu).err().unwrap().to_string();
    assert!(err.contains("gan.safetensors"), "{err}");
}

#[test]
fn bf16_inference_stays_close() {
    let mel_cfg = MelConfig::default();
    let mut voc: HifiGan = gan::random("tiny", &mel_cfg, Device::Cpu).unwrap();
    let mel = mel_input(8);
    let a = voc.vocode(&mel, &VocodeOptions::default()).unwrap();
    voc.set_precision(Precision::Bf16).unwrap();
    let b = voc.vocode(&mel, &VocodeOptions::default()).unwrap();
    assert_eq!(b.kind(), Kind::Float);
    let scale = a.abs().max().double_value(&[]).max(1e-6);
    let rel = max_diff(&a, &b) / scale;
    assert!(rel > 0.0, "bf16 gave bit-identical output: the switch did nothing");
    assert!(rel < 0.1, "bf16 is {rel} (relative) away from fp32");
    // Back to fp32: exactly the fp32 output again (converted from the fp32 weights).
    voc.set_precision(Precision::Fp32).unwrap();
    let c = voc.vocode(&mel, &VocodeOptions::default()).unwrap();
    assert_eq!(max_diff(&a, &c), 0.0);
}

#[test]
fn bf16_is_refused_by_families_without_it() {
    let mut voc = ferry::vocoder::build_random(Family::Ar, "tiny", &MelConfig::default(), Device::Cpu).unwrap();
    voc.set_precision(Precision::Fp32).unwrap();
    let err = voc.set_precision(Precision::Bf16).unwrap_err().to_string();
    assert!(err.contains("gan, flow and diffusion run in bf16"), "{err}");
    assert_eq!("BF16".parse::<Precision>().unwrap(), Precision::Bf16);
    assert!("fp8".parse::<Precision>().unwrap_err().to_string().contains("choose fp32 or bf16"));
}
