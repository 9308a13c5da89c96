//! The length regulator of FastSpeech / FastPitch: repeats each symbol's encoding for its
//! number of frames (`regulate_len` in NVIDIA's `fastpitch/model.py`), with a per-symbol
//! pace so SSML rate marks and `--rate` change only the symbols they cover.

use tch::{Kind, Tensor};

/// `[B, S]` integer durations → `[B, T, S]` float 0/1 map: frame t belongs to symbol j.
pub fn durations_to_map(durs: &Tensor, t_out: i64) -> Tensor {
    let durs = durs.to_kind(Kind::Int64);
    let ends = durs.cumsum(1, Kind::Int64); // [B, S]
    let starts = &ends - &durs;
    let t = Tensor::arange(t_out, (Kind::Int64, durs.device())).view([1, t_out, 1]);
    t.ge_tensor(&starts.unsqueeze(1)).logical_and(&t.lt_tensor(&ends.unsqueeze(1))).to_kind(Kind::Float)
}

/// Frames per symbol after dividing by `pace` (> 1 = faster). Rounding is done on the
/// running total so the length of the whole utterance is as exact as one frame allows:
/// `durs`, `pace`: [B, S] float → [B, S] int64.
pub fn paced_frames(durs: &Tensor, pace: &Tensor) -> Tensor {
    round_frames(&(durs / pace.clamp_min(1e-3)))
}

/// Real-valued frames per symbol `[B, S]` → integers whose running total is the rounded
/// running total of the input.
pub fn round_frames(frames: &Tensor) -> Tensor {
    let scaled = frames.clamp_min(0.0);
    let ends = (scaled.cumsum(1, Kind::Float) + 0.5).floor().to_kind(Kind::Int64); // [B, S]
    let starts = ends.constant_pad_nd([1, 0]).narrow(1, 0, ends.size()[1]);
    (ends - starts).clamp_min(0)
}

/// Expands `enc` [B, S, D] by integer `frames` [B, S] → ([B, T, D], lengths `[B]` int64),
/// T being the longest total (shorter ones are zero-padded).
pub fn regulate_len(frames: &Tensor, enc: &Tensor) -> (Tensor, Tensor) {
    let lens = frames.sum_dim_intlist(1, false, Kind::Int64); // [B]
    let t_out = lens.max().int64_value(&[]).max(1);
    let map = durations_to_map(frames, t_out).to_kind(enc.kind()); // [B, T, S]
    (map.matmul(enc), lens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_each_symbol_for_its_frames() {
        let enc = Tensor::from_slice(&[1f32, 2.0, 3.0]).view([1, 3, 1]);
        let (out, lens) = regulate_len(&Tensor::from_slice(&[2i64, 0, 3]).view([1, 3]), &enc);
        assert_eq!(lens.int64_value(&[0]), 5);
        assert_eq!(Vec::<f32>::try_from(out.flatten(0, -1)).unwrap(), vec![1.0, 1.0, 3.0, 3.0, 3.0]);
    }

    #[test]
    fn pace_scales_the_total_and_only_where_asked() {
        let d = Tensor::from_slice(&[3f32, 3.0, 4.0, 2.0]).view([1, 4]);
        let total = |p: &[f32]| paced_frames(&d, &Tensor::from_slice(p).view([1, 4])).sum(Kind::Int64).int64_value(&[]);
        assert_eq!(total(&[1.0; 4]), 12);
        assert_eq!(total(&[2.0; 4]), 6);
        assert_eq!(total(&[0.5; 4]), 24);
        let f = paced_frames(&d, &Tensor::from_slice(&[1f32, 1.0, 2.0, 2.0]).view([1, 4]));
        assert_eq!(Vec::<i64>::try_from(f.flatten(0, -1)).unwrap(), vec![3, 3, 2, 1]);
    }
}
