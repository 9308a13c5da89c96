//! Pitch (F0) and energy tracking for acoustic-model targets and evaluation.
