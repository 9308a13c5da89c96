//! DiffWave's noise schedules and fast-sampling step alignment against the paper's numbers
//! (Kong et al., ICLR 2021: T = 50, β linear 1e-4..0.05; fast schedule
//! [0.0001, 0.001, 0.01, 0.05, 0.2, 0.5]; aligned steps from appendix B's formula as the
//! reference `inference.py` computes them).

use ferry::vocoder::diffusion::config::{base_noise_schedule, fast_inference_schedule, Config};
use ferry::vocoder::diffusion::schedule::{aligned_steps, plan, reverse_coefficients, Schedule};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn training_schedule_is_the_papers_linear_beta() {
    let s = Schedule::new(&base_noise_schedule());
    assert_eq!(s.len(), 50);
    assert!(close(s.beta[0], 1e-4, 1e-15) && close(s.beta[49], 0.05, 1e-15));
    // β_t − β_{t−1} = (0.05 − 1e-4) / 49 everywhere.
    for t in 1..50 {
        assert!(close(s.beta[t] - s.beta[t - 1], (0.05 - 1e-4) / 49.0, 1e-12));
    }
    // ᾱ_T = ∏(1 − β_t) (NumPy: 0.27967250019288403).
    assert!(close(s.alpha_cum[49], 0.279_672_500_192_884, 1e-12), "{}", s.alpha_cum[49]);
    let large = Schedule::new(&Config::large().noise_schedule);
    assert_eq!(large.len(), 200);
    assert!(close(large.beta[199], 0.02, 1e-15));
}

#[test]
fn fast_schedule_aligns_to_the_papers_steps() {
    let train = Schedule::new(&base_noise_schedule());
    let fast = Schedule::new(&fast_inference_schedule());
    // η̄ of the fast schedule (NumPy cumprod).
    let want_cum = [0.9999, 0.9989001, 0.988911099, 0.93946554405, 0.75157243524, 0.37578621762];
    for (a, b) in fast.alpha_cum.iter().zip(want_cum) {
        assert!(close(*a, b, 1e-10), "{a} vs {b}");
    }
    // t_s^align = t + (√ᾱ_t − √η̄_s) / (√ᾱ_t − √ᾱ_{t+1}), 0-based steps as in the reference.
    let want = [0.0, 0.894_134_103_441_654_9, 4.086_654_023_014_474, 10.451_816_523_911_088, 22.992_493_307_367_457, 42.918_643_059_932_2];
    let got = aligned_steps(&train, &fast);
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, w, 1e-9), "aligned {got:?}");
    }
    let p = plan(&base_noise_schedule(), &fast_inference_schedule(), 6).unwrap();
    assert_eq!(p.schedule, fast);
    assert_eq!(p.t, got);
}

#[test]
fn full_step_count_is_the_training_schedule() {
    let p = plan(&base_noise_schedule(), &fast_inference_schedule(), 50).unwrap();
    assert_eq!(p.schedule, Schedule::new(&base_noise_schedule()));
    for (i, t) in p.t.iter().enumerate() {
        assert!(close(*t, i as f64, 1e-9), "step {i} aligned to {t}");
    }
}

#[test]
fn other_step_counts_are_evenly_spaced_continuous_steps() {
    let train = Schedule::new(&base_noise_schedule());
    for n in [2usize, 12, 25, 100] {
        let p = plan(&base_noise_schedule(), &fast_inference_schedule(), n).unwrap();
        assert_eq!(p.schedule.len(), n);
        for (s, t) in p.t.iter().enumerate() {
            let want = 49.0 * s as f64 / (n - 1) as f64;
            assert!(close(*t, want, 1e-9), "n {n}: step {s} aligned to {t}, want {want}");
            // Its noise level is the training level interpolated at t.
            assert!(close(p.schedule.alpha_cum[s].sqrt(), train.sqrt_alpha_cum_at(want), 1e-12));
        }
        // Same end noise level as training; every β in (0, 1).
        assert!(close(p.schedule.alpha_cum[n - 1], train.alpha_cum[49], 1e-12));
        assert!(p.schedule.beta.iter().all(|b| *b > 0.0 && *b < 1.0));
    }
    assert!(plan(&base_noise_schedule(), &fast_inference_schedule(), 0).is_err());
    assert!(plan(&base_noise_schedule(), &fast_inference_schedule(), 100_000).unwrap_err().to_string().contains("--steps"));
}

#[test]
fn reverse_coefficients_follow_ddpm() {
    let s = Schedule::new(&fast_inference_schedule());
    let (c1, c2, sigma) = reverse_coefficients(&s, 5);
    assert!(close(c1, 1.0 / 0.5f64.sqrt(), 1e-12));
    assert!(close(c2, 0.5 / (1.0 - 0.37578621762f64).sqrt(), 1e-9));
    assert!(close(sigma, ((1.0 - 0.75157243524) / (1.0 - 0.37578621762) * 0.5f64).sqrt(), 1e-9));
    assert_eq!(reverse_coefficients(&s, 0).2, 0.0);
}
