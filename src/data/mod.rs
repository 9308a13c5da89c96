//! Training data: LJSpeech-layout datasets, validation reports, the feature cache, batching.
