//! Micro-benchmark of WaveRNN's packed matrix kernel: GMAC/s by batch rows (best of
//! many single calls, which filters out time slices lost to other processes).
use ferry::vocoder::ar::kernels::Packed;
fn main() {
    for &(n, k) in &[(768usize, 256usize), (1536, 512)] {
        let w: Vec<f32> = (0..n * k).map(|i| (i % 13) as f32 * 0.01).collect();
        let p = Packed::new(&w, None, n, k);
        for rows in [1usize, 2, 3, 4, 5, 8, 10] {
            let x = vec![0.5f32; rows * k];
            let mut out = vec![0f32; rows * p.n_padded()];
            let t = ferry::bench::best_of(400, || p.matmul(&x, k, rows, &mut out, p.n_padded()));
            let gmac = (rows * n * k) as f64 / t / 1e9;
            println!("{n}x{k} rows {rows:2}: {gmac:6.2} GMAC/s ({:.2} us/call)", t * 1e6);
        }
    }
}
