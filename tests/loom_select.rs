//! loom models of the select (`src/select/`): written in the next commit.
#![cfg(tidings_loom)]
