//! broadcast: every receiver sees every message. A placeholder: tidings
//! has no broadcast channel yet.
//!
//! Once `tidings::broadcast` exists, this family compares it with
//! `async-broadcast` (then add `async-broadcast = "0.7"` to
//! `bench/Cargo.toml`; it is deliberately not a dependency before) and
//! `tokio::sync::broadcast`: 1 sender and 1 or 4 receivers, threads and
//! tasks, `usize` messages, each receiver counting every message. The
//! scenarios go in [`scenarios`], which `main.rs` already lists among the
//! families, so they need no other wiring.

use crate::harness::{Config, Scenario};

pub fn scenarios(_cfg: &Config) -> Vec<Scenario> {
    Vec::new()
}
