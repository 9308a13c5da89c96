//! The acoustic model (phonemes → log-mel) and its learned aligner.
