//! Objective evaluation: word error rate by an offline ASR judge, predicted MOS, and
//! distances to reference audio (log-mel L1, mel-cepstral distortion with DTW, F0 RMSE
//! and voicing error). The metrics are plain functions with hand-checked tests; the
//! Python judges run through [`judges`]; [`run::evaluate`] ties them together for
//! `ferry eval` and [`report`] writes the table, JSON and plot.

pub mod corpus;
pub mod dtw;
pub mod f0;
pub mod judges;
pub mod mcd;
pub mod mel_l1;
pub mod normalize;
pub mod report;
pub mod run;
pub mod wer;
