//! Text to speech end to end: frontend → acoustic model → vocoder (the `Synthesizer`).
