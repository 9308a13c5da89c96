//! Listening tests: building, serving and scoring blinded MUSHRA / A-B / MOS studies.
