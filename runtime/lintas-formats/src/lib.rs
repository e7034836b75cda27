//! Input formats checkpoints receive.
