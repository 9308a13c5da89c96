//! Training: the shared Trainer, optimiser with saveable state, checkpoints, LR schedules.
