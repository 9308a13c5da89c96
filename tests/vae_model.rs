//! VAE vocoder: sizes, the two priors, temperature semantics, fp16 voice-pack round trip.

use ferry::audio::MelConfig;
use ferry::nn::safetensors::save_var_store;
use ferry::vocoder::vae::{self, Config, PriorKind, VaeDecoder};
use ferry::vocoder::{Family, VocodeOptions, Vocoder};
use ferry::voice::{ModelEntry, TrainingInfo, Voice, VoiceConfig};
use tch::{nn::VarStore, Device, Kind, Tensor};

fn mel_input(frames: i64) -> Tensor {
    tch::manual_seed(11);
    Tensor::randn([1, 80, frames], (Kind::Float, Device::Cpu)) - 5.0
}

fn opts(temperature: f64, seed: u64) -> VocodeOptions {
    VocodeOptions { temperature: Some(temperature), seed: Some(seed), ..Default::default() }
}

fn params(vs: &VarStore) -> i64 {
    vs.variables().values().map(|t| t.numel() as i64).sum()
}

#[test]
fn default_config_fits_the_voice_pack_budget() {
    let vs = VarStore::new(Device::Cpu);
    let _m = VaeDecoder::new(vs.root(), &Config::base(), 80);
    let n = params(&vs);
    assert!(n * 2 <= 4 * 1024 * 1024, "{n} parameters = {:.2} MiB in fp16", n as f64 * 2.0 / 1048576.0);
    assert!(vs.variables().contains_key("dec.resblocks.11.convs1.2.weight_v"));
    assert!(vs.variables().contains_key("prior.proj.weight"));
    assert_eq!(vs.variables()["dec.conv_pre.weight_v"].size(), [160, 80 + 16, 7]);
}

#[test]
fn both_priors_vocode_with_the_right_shape() {
    let mel_cfg = MelConfig::default();
    for prior in [PriorKind::Learned, PriorKind::Standard] {
        let cfg = Config { prior, ..Config::tiny() };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, serde_json::to_string(&cfg).unwrap()).unwrap();
        let voc = vae::build_random(path.to_str().unwrap(), &mel_cfg, Device::Cpu).unwrap();
        let y = voc.vocode(&mel_input(9), &opts(1.0, 0)).unwrap();
        assert_eq!(y.size(), [1, 9 * 256]);
        assert!(y.abs().max().double_value(&[]) <= 1.0);
        assert_eq!(voc.family(), Family::Vae);
    }
    let vs = VarStore::new(Device::Cpu);
    let _m = VaeDecoder::new(vs.root(), &Config { prior: PriorKind::Standard, ..Config::tiny() }, 80);
    assert!(!vs.variables().keys().any(|k| k.starts_with("prior.")));
}

#[test]
fn temperature_zero_is_deterministic_and_sampling_follows_the_seed() {
    let voc = vae::random("tiny", &MelConfig::default(), Device::Cpu).unwrap();
    let mel = mel_input(12);
    let a = voc.vocode(&mel, &opts(0.0, 1)).unwrap();
    let b = voc.vocode(&mel, &opts(0.0, 2)).unwrap();
    assert!(a.equal(&b), "temperature 0 must ignore the seed");
    let s1 = voc.vocode(&mel, &opts(1.0, 1)).unwrap();
    let s1b = voc.vocode(&mel, &opts(1.0, 1)).unwrap();
    let s2 = voc.vocode(&mel, &opts(1.0, 2)).unwrap();
    assert!(s1.equal(&s1b), "same seed, same sample");
    assert!(!s1.equal(&s2), "different seeds must give different samples");
    // The latent's spread scales with the temperature; 0 gives the prior mean (zero at init).
    let z0 = voc.sample_z(&mel, 0.0, 3);
    assert_eq!(z0.abs().max().double_value(&[]), 0.0);
    let z = voc.sample_z(&Tensor::zeros([1, 80, 4000], (Kind::Float, Device::Cpu)), 0.5, 3);
    assert!((z.std(true).double_value(&[]) - 0.5).abs() < 0.02);
    let err = voc.vocode(&mel, &opts(-1.0, 0)).unwrap_err().to_string();
    assert!(err.contains("--temperature"), "{err}");
    let err = voc.vocode(&Tensor::zeros([1, 20, 3], (Kind::Float, Device::Cpu)), &opts(0.0, 0)).unwrap_err().to_string();
    assert!(err.contains("[batch, 80, frames]"), "{err}");
}

#[test]
fn fp16_voice_pack_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::tiny();
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let model = VaeDecoder::new(vs.root(), &cfg, 80);
    // Give the prior's zero-initialised projection some weight so it matters.
    tch::no_grad(|| {
        for (n, mut t) in vs.variables() {
            if n.starts_with("prior.proj") {
                t.copy_(&(t.randn_like() * 0.1));
            }
        }
    });
    save_var_store(&vs, dir.path().join("vae.safetensors"), Some(Kind::Half)).unwrap();
    tch::no_grad(|| {
        for (_, mut t) in vs.variables() {
            let r = t.to_kind(Kind::Half).to_kind(Kind::Float);
            t.copy_(&r);
        }
    });
    let mel = mel_input(10);
    let mel_cfg = MelConfig::default();
    // The model over the rounded weights is what the fp16 file must reproduce.
    let in_memory = vae::Cvae::new(vs, model, &cfg, &mel_cfg).unwrap();
    let expected = in_memory.vocode(&mel, &opts(0.7, 4)).unwrap();

    let voice_cfg = VoiceConfig {
        format_version: 1,
        name: "vae-test".into(),
        language: "en-US".into(),
        sample_rate: 22050,
        mel: mel_cfg,
        tokenizer: "tokenizer.json".into(),
        acoustic: None,
        vocoders: [(
            "vae".to_string(),
            ModelEntry {
                model: vae::MODEL_NAME.into(),
                file: "vae.safetensors".into(),
                config: serde_json::to_value(&cfg).unwrap(),
                parameters: 0,
                training: TrainingInfo::default(),
            },
        )]
        .into_iter()
        .collect(),
        default_vocoder: Some("vae".into()),
    };
    std::fs::write(dir.path().join("voice.json"), serde_json::to_string(&voice_cfg).unwrap()).unwrap();
    let voice = Voice::open(dir.path()).unwrap();
    let voc = ferry::vocoder::load(&voice, Family::Vae, Device::Cpu).unwrap();
    let got = voc.vocode(&mel, &opts(0.7, 4)).unwrap();
    let d = (&expected - &got).abs().max().double_value(&[]);
    assert!(d < 1e-6, "fp16 round trip differs by {d}");
}
