//! Seeded uniform noise for sampling, one independent stream per fold, so that a seed
//! gives the same audio whatever the thread count, and the plain-Rust and libtorch
//! samplers draw identical numbers.

/// SplitMix64 streams (S. Vigna), one per sequence; two uniforms in (0, 1) per step.
#[derive(Debug, Clone)]
pub struct Noise {
    state: Vec<u64>,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl Noise {
    /// `count` streams derived from `seed`.
    pub fn new(seed: u64, count: usize) -> Noise {
        Noise { state: (0..count as u64).map(|i| mix(seed ^ mix(i.wrapping_add(1).wrapping_mul(GOLDEN)))).collect() }
    }

    /// A copy of streams `first..first + n` (for one thread's rows).
    pub fn streams(&self, first: usize, n: usize) -> Noise {
        Noise { state: self.state[first..first + n].to_vec() }
    }

    pub fn len(&self) -> usize {
        self.state.len()
    }

    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// The next two uniforms of stream `i`.
    #[inline]
    pub fn next(&mut self, i: usize) -> (f32, f32) {
        let s = &mut self.state[i];
        *s = s.wrapping_add(GOLDEN);
        let v = mix(*s);
        (unit(v as u32), unit((v >> 32) as u32))
    }

    /// `steps` steps of every stream as `[steps, count, 2]` (for the libtorch sampler).
    pub fn block(&mut self, steps: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(steps * self.len() * 2);
        for _ in 0..steps {
            for i in 0..self.len() {
                let (a, b) = self.next(i);
                out.push(a);
                out.push(b);
            }
        }
        out
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 24 random bits → a uniform strictly inside (0, 1).
fn unit(v: u32) -> f32 {
    ((v >> 8) as f32 + 0.5) * (1.0 / 16_777_216.0)
}
