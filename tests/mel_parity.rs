//! The rustfft mel, the tch mel and librosa agree (DESIGN.md: max |Δ| ≤ 1e-3 on log-mel).
//! Reference numbers come from `scripts/make_mel_fixtures.py` (committed fixtures).

use std::path::Path;

use ferry::audio::{mel_tch::MelTch, npy, MelConfig, MelExtractor};
use tch::{Device, Tensor};

fn fixture(name: &str) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures/mel");
    let (wav, _) = npy::read_f32(dir.join(format!("{name}.wav.npy"))).expect("signal fixture");
    let (mel, shape) = npy::read_f32(dir.join(format!("{name}.librosa.npy"))).expect("librosa fixture");
    (wav, mel, shape)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn rustfft_tch_and_librosa_agree() {
    let cfg = MelConfig::default();
    let ex = MelExtractor::new(&cfg).unwrap();
    let tch_mel = MelTch::new(&cfg, Device::Cpu).unwrap();
    for name in ["chirp", "speech"] {
        let (wav, reference, shape) = fixture(name);
        let ours = ex.compute(&wav);
        assert_eq!([ours.n_mels, ours.frames], [shape[0], shape[1]], "{name}: shape");
        let d_rust = max_abs_diff(&ours.data, &reference);
        let t = tch_mel.forward(&Tensor::from_slice(&wav).unsqueeze(0));
        assert_eq!(t.size(), [1, shape[0] as i64, shape[1] as i64]);
        let tch_data = Vec::<f32>::try_from(t.flatten(0, -1)).unwrap();
        let d_tch = max_abs_diff(&tch_data, &reference);
        let d_pair = max_abs_diff(&tch_data, &ours.data);
        assert!(d_rust <= 1e-3, "{name}: rustfft vs librosa {d_rust}");
        assert!(d_tch <= 1e-3, "{name}: tch vs librosa {d_tch}");
        assert!(d_pair <= 1e-3, "{name}: rustfft vs tch {d_pair}");
    }
}

#[test]
fn tch_mel_is_differentiable_and_batched() {
    let cfg = MelConfig::default();
    let m = MelTch::new(&cfg, Device::Cpu).unwrap();
    let (wav, _, _) = fixture("chirp");
    let x = Tensor::from_slice(&wav[..256 * 12]).view([2, 256 * 6]).set_requires_grad(true);
    let y = m.forward(&x);
    assert_eq!(y.size(), [2, 80, 6]);
    y.sum(tch::Kind::Float).backward();
    assert!(x.grad().abs().sum(tch::Kind::Float).double_value(&[]) > 0.0);
}
