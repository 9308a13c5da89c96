//! FastPitch as a voice-pack model: the full config fits the 8 MiB fp16 budget, the
//! weights round-trip through fp16 safetensors, and inference runs at batch 1 and 16.

use ferry::acoustic::{Config, Controls, FastPitch};
use ferry::nn::parameter_count;
use tch::{nn, Device, Kind, Tensor};

#[test]
fn full_config_fits_the_voice_pack_budget() {
    // 256 symbols is more than any phoneme tokenizer Ferry ships.
    let vs = nn::VarStore::new(Device::Cpu);
    let _model = FastPitch::new(vs.root(), &Config::full(256)).unwrap();
    let params = parameter_count(&vs);
    let stored: i64 = vs.variables().values().map(|t| t.numel() as i64).sum();
    eprintln!("full FastPitch: {params} trainable parameters, {stored} stored values, {:.2} MiB in fp16", stored as f64 * 2.0 / 1048576.0);
    assert!(params > 1_000_000, "the full model should not be a toy ({params})");
    assert!(stored * 2 <= 8 * 1024 * 1024, "{stored} values are over 8 MiB in fp16");

    // fp16 safetensors round trip gives the same store (names and shapes).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acoustic.safetensors");
    ferry::nn::safetensors::save_var_store(&vs, &path, Some(Kind::Half)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() <= 8 * 1024 * 1024);
    let mut vs2 = nn::VarStore::new(Device::Cpu);
    let _m2 = FastPitch::new(vs2.root(), &Config::full(256)).unwrap();
    ferry::nn::safetensors::load_var_store(&mut vs2, &path).unwrap();
}

#[test]
fn batched_inference_matches_one_by_one() {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = FastPitch::new(vs.root(), &Config::tiny(20)).unwrap();
    // Random weights predict ~0 frames per symbol; make it e² − 1 ≈ 6 for every symbol so
    // there is a mel to compare (whatever the random init, which tests running in parallel
    // threads can reorder: they share libtorch's generator).
    let vars = vs.variables();
    let (mut w, mut bias) = (vars["duration_predictor.fc.weight"].shallow_clone(), vars["duration_predictor.fc.bias"].shallow_clone());
    tch::no_grad(|| {
        let _ = w.zero_();
        let _ = bias.fill_(2.0);
    });
    let a = [3i64, 7, 1, 9, 4];
    let b = [5i64, 2, 8];
    let text = Tensor::from_slice(&[3i64, 7, 1, 9, 4, 5, 2, 8, 0, 0]).view([2, 5]);
    let lens = Tensor::from_slice(&[5i64, 3]);
    tch::no_grad(|| {
        let both = model.infer(&text, &lens, &Controls::neutral(2, 5, Device::Cpu)).unwrap();
        for (k, ids) in [&a[..], &b[..]].iter().enumerate() {
            let one = model
                .infer(&Tensor::from_slice(ids).view([1, -1]), &Tensor::from_slice(&[ids.len() as i64]), &Controls::neutral(1, ids.len() as i64, Device::Cpu))
                .unwrap();
            let n = one.mel_lens.int64_value(&[0]);
            assert_eq!(both.mel_lens.int64_value(&[k as i64]), n);
            let diff = (both.mel.get(k as i64).narrow(1, 0, n) - one.mel.get(0)).abs().max().double_value(&[]);
            assert!(diff < 1e-4, "utterance {k} differs by {diff} in a batch");
        }
    });
}
