//! Trials of each test mode, and what one listener sees: the trials in a random order, the
//! stimuli of a trial in a random order, and every audio file under an opaque handle.
//!
//! Everything a listener sees is derived from the study's secret and the listener id, so it
//! is the same after a reload or a server restart (resume needs no stored plan), differs
//! between listeners, and reveals nothing about conditions: handles are 128-bit values of a
//! ChaCha generator keyed by (secret, listener, stimulus), and the labelled and hidden
//! references have different handles.

use std::fmt;
use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::manifest::{ConditionKind, Study};
use crate::error::{Error, Result};

/// The kind of listening test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// ITU-R BS.1534 MUSHRA: 0–100 sliders, labelled and hidden reference, anchors.
    Mushra,
    /// Pairwise A/B preference.
    Ab,
    /// ITU-T P.800 absolute category rating, 5-point MOS.
    Mos,
}

impl Mode {
    pub fn key(self) -> &'static str {
        match self {
            Mode::Mushra => "mushra",
            Mode::Ab => "ab",
            Mode::Mos => "mos",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mushra" => Ok(Mode::Mushra),
            "ab" | "a/b" | "pairwise" => Ok(Mode::Ab),
            "mos" | "acr" => Ok(Mode::Mos),
            o => Err(Error::arg(format!("unknown test mode '{o}'; choose mushra, ab or mos"))),
        }
    }
}

/// One trial, before any per-listener shuffling.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Stable key stored with the ratings, e.g. `mushra:3`, `ab:3:<id>:<id>`, `mos:<id>`.
    pub key: String,
    /// `Sentence::index`.
    pub sentence: usize,
    /// MUSHRA: the labelled reference (a stimulus id).
    pub reference: Option<String>,
    /// Stimulus ids to rate (MUSHRA: including the hidden reference).
    pub stimuli: Vec<String>,
}

/// The trials of `mode` in canonical order.
pub fn trials(study: &Study, mode: Mode) -> Result<Vec<Trial>> {
    let mut out = Vec::new();
    for s in &study.sentences {
        let of_sentence: Vec<_> = study.conditions.iter().filter_map(|c| study.stimulus_for(s.index, &c.key).map(|st| (c, st))).collect();
        match mode {
            Mode::Mushra => {
                let reference = study.reference_key().and_then(|k| study.stimulus_for(s.index, k)).ok_or_else(|| {
                    Error::arg("this study has no reference recordings, and MUSHRA needs a reference; rebuild it with `ferry compare --reference DIR`, or use --mode ab or --mode mos")
                })?;
                out.push(Trial {
                    key: format!("mushra:{}", s.index),
                    sentence: s.index,
                    reference: Some(reference.id.clone()),
                    stimuli: of_sentence.iter().map(|(_, st)| st.id.clone()).collect(),
                });
            }
            Mode::Ab => {
                let systems: Vec<_> = of_sentence.iter().filter(|(c, _)| c.kind != ConditionKind::Anchor).collect();
                for i in 0..systems.len() {
                    for j in i + 1..systems.len() {
                        let (a, b) = (&systems[i].1.id, &systems[j].1.id);
                        out.push(Trial { key: format!("ab:{}:{a}:{b}", s.index), sentence: s.index, reference: None, stimuli: vec![a.clone(), b.clone()] });
                    }
                }
            }
            Mode::Mos => {
                for (_, st) in &of_sentence {
                    out.push(Trial { key: format!("mos:{}", st.id), sentence: s.index, reference: None, stimuli: vec![st.id.clone()] });
                }
            }
        }
    }
    if out.is_empty() {
        return Err(Error::arg(format!("this study has no {mode} trials (an A/B test needs at least two non-anchor conditions)")));
    }
    Ok(out)
}

/// A generator keyed by the study secret, the listener and a purpose.
fn keyed_rng(secret: &str, listener: &str, purpose: &str) -> rand::rngs::StdRng {
    // FNV-1a over the three strings, each folded into its own 64-bit lane of the seed.
    let fnv = |s: &str, basis: u64| s.bytes().fold(basis, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
    let mut seed = [0u8; 32];
    let lanes = [
        fnv(secret, 0xcbf2_9ce4_8422_2325),
        fnv(&secret.chars().rev().collect::<String>(), 0x8422_2325_cbf2_9ce4),
        fnv(listener, 0xcbf2_9ce4_8422_2325),
        fnv(purpose, 0xcbf2_9ce4_8422_2325),
    ];
    for (i, l) in lanes.iter().enumerate() {
        seed[i * 8..(i + 1) * 8].copy_from_slice(&l.to_le_bytes());
    }
    rand::rngs::StdRng::from_seed(seed)
}

/// The opaque handle under which `listener` fetches stimulus `id` (`variant` tells the
/// labelled reference, "ref", from the same file rated as hidden reference, "").
pub fn handle(secret: &str, listener: &str, id: &str, variant: &str) -> String {
    format!("{:032x}", keyed_rng(secret, listener, &format!("stimulus:{id}:{variant}")).gen::<u128>())
}

/// One trial as a listener sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTrial {
    pub trial: Trial,
    /// Opaque token the page sends back with the ratings.
    pub token: String,
    /// Handle of the labelled reference (MUSHRA).
    pub reference: Option<String>,
    /// (handle, stimulus id) in the order shown.
    pub stimuli: Vec<(String, String)>,
}

/// The trials of `mode` for `listener`, shuffled, with shuffled stimuli and handles.
pub fn listener_plan(study: &Study, mode: Mode, listener: &str) -> Result<Vec<PlannedTrial>> {
    let mut all = trials(study, mode)?;
    let mut rng = keyed_rng(&study.secret, listener, &format!("order:{mode}"));
    all.shuffle(&mut rng);
    Ok(all
        .into_iter()
        .map(|t| {
            let mut stimuli: Vec<(String, String)> = t.stimuli.iter().map(|id| (handle(&study.secret, listener, id, ""), id.clone())).collect();
            stimuli.shuffle(&mut rng);
            PlannedTrial {
                token: handle(&study.secret, listener, &t.key, "trial"),
                reference: t.reference.as_ref().map(|id| handle(&study.secret, listener, id, "ref")),
                stimuli,
                trial: t,
            }
        })
        .collect())
}

/// Whether a listener id is acceptable: 8–64 characters of `[A-Za-z0-9_-]`.
pub fn valid_listener(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
