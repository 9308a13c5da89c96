//! Objective evaluation: WER, predicted MOS, mel distances, F0 error.
