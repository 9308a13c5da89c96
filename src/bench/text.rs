//! Text-frontend throughput: sentence splitting, normalisation, G2P and tokenization of
//! about 1 MB of mixed English (prose, numbers, money, dates, times, units, URLs, acronyms,
//! out-of-vocabulary words). The frontend is loaded before the clock starts.

use std::time::Instant;

use crate::error::Result;
use crate::text::{Frontend, FrontendOptions};

const SAMPLE: &str = "Dr. Smith paid $5.50 for 3 books at 3:45 pm on Jan. 5, 2024. \
The U.S.A. has 50 states; NASA and the FBI were founded in 1958 and 1908. \
Call (555) 123-4567 or e-mail info@example.com, or visit https://www.example.org/docs. \
It was -5°C and the car went 100 km/h for 2.5 hours, about 12% of the 10-20 km trip! \
Chapter XIV tells how Henry VIII read the record of 1,234,567 people in the 1990s. \
Would you like 1/2 or 3/4 of the £3.20 pie? The 21st century began on 2001-01-01. \
Zorbleflax and quintessimo are made-up words the learned model must pronounce. ";

/// Builds about `bytes` of text by repeating the sample with varied numbers and made-up words.
pub fn mixed_text(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + SAMPLE.len());
    let mut k = 0u64;
    while s.len() < bytes {
        s.push_str(SAMPLE);
        k += 1;
        // a few distinct numbers and out-of-vocabulary words per block
        s.push_str(&format!("In {} there were {} visitors and word blix{} appeared. \n", 1800 + k % 200, k * 37, k % 500));
    }
    s
}

/// CPU seconds used by this process so far (user + system, from /proc; 0 elsewhere).
/// Reported next to wall time because a shared machine can stretch wall time a lot.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // fields after the ")" of the command name: state is field 3; utime, stime are 14, 15
    let Some(rest) = stat.rfind(')').map(|k| &stat[k + 2..]) else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

pub fn run(megabytes: f64) -> Result<()> {
    let t0 = Instant::now();
    let fe = Frontend::new(FrontendOptions::default())?;
    let load_s = t0.elapsed().as_secs_f64();
    let text = mixed_text((megabytes * 1e6) as usize);
    let (t, c) = (Instant::now(), cpu_seconds());
    let utts = fe.process(&text)?;
    let (first, first_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let (t, c) = (Instant::now(), cpu_seconds());
    let utts2 = fe.process(&text)?;
    let (second, second_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let tokens: usize = utts.iter().map(|u| u.ids.len()).sum();
    let learned: usize = utts.iter().flat_map(|u| &u.words).filter(|w| w.source == crate::text::Source::Learned).count();
    println!("text frontend on {:.2} MB of mixed English (revision {})", text.len() as f64 / 1e6, crate::provenance::git_revision());
    println!("  load (CMUdict + learned G2P): {load_s:.2} s");
    println!("  sentences {}, tokens {tokens}, words from the learned model {learned}", utts.len());
    let mb = text.len() as f64 / 1e6;
    println!("  first pass (cold G2P cache):  {first:.3} s wall, {first_cpu:.2} s CPU  ({:.2} MB/s wall)", mb / first);
    println!("  second pass (warm cache):     {second:.3} s wall, {second_cpu:.2} s CPU  ({:.2} MB/s wall)", mb / second);
    println!("  threads for libtorch: {} (the G2P model runs only for out-of-vocabulary words)", tch::get_num_threads());
    std::hint::black_box(utts2);
    Ok(())
}
