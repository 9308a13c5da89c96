//! English text frontend: normalisation, G2P, SSML, phoneme tokenizer.
