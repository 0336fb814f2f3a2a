//! Instructions per message under callgrind, for the single-thread
//! scenarios: unlike times, they repeat exactly on a noisy machine.
//!
//! The binary runs itself, once per implementation and scenario, as
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     --collect-atstart=no --toggle-collect=tidings_bench_measured \
//!     tidings-bench --callgrind-child SCENARIO IMPLEMENTATION N
//! ```
//!
//! The child makes one warm-up run, then runs N messages inside
//! [`tidings_bench_measured`], the only code whose instructions are
//! collected (so start-up and warm-up are left out); the parent reads the
//! `Collected` line and divides by N.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

use super::{progress_bar, Impl, Row, Scenario};

/// The flag that makes the binary a callgrind child.
pub const CHILD_FLAG: &str = "--callgrind-child";

/// Messages per counted run (fewer if the scenario has fewer).
const MESSAGES: usize = 10_000;

/// Whether `valgrind` can be run.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Runs `run`; callgrind collects instructions only in here.
#[no_mangle]
#[inline(never)]
pub fn tidings_bench_measured(run: &mut dyn FnMut()) {
    run();
}

/// The child's side: a warm-up run, then `n` messages counted.
pub fn child(imp: &Impl, n: usize) {
    (imp.run)((n / 10).max(1));
    tidings_bench_measured(&mut || {
        (imp.run)(n);
    });
}

/// Counts instructions per message for the rows of `scenarios` (single-
/// thread ones), running a valgrind per core at once (the counts do not
/// depend on the load).
pub fn count(exe: &Path, scenarios: &[&Scenario], rows: &mut [Row]) {
    let jobs: Vec<(usize, String, &'static str, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let s = scenarios
                .iter()
                .find(|s| s.family == row.family && s.name == row.scenario)?;
            s.single_thread.then(|| {
                (
                    i,
                    s.full_name(),
                    row.implementation,
                    s.messages.min(MESSAGES),
                )
            })
        })
        .collect();
    let bar = progress_bar(jobs.len(), "callgrind");
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(&(i, ref scenario, imp, n)) =
                    jobs.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    bar.set_message(format!("{scenario} {imp}"));
                    let count = run_child(exe, scenario, imp, n);
                    if count.is_none() {
                        bar.println(format!("callgrind: no count for {scenario} {imp}"));
                    }
                    results
                        .lock()
                        .unwrap()
                        .push((i, count.map(|c| c as f64 / n as f64)));
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    for (i, per_message) in results.into_inner().unwrap() {
        rows[i].instructions = per_message;
    }
}

/// Runs one child under callgrind and returns the instructions it collected.
fn run_child(exe: &Path, scenario: &str, imp: &str, n: usize) -> Option<u64> {
    let out = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            "--collect-atstart=no",
            "--toggle-collect=tidings_bench_measured",
        ])
        .arg(exe)
        .args([CHILD_FLAG, scenario, imp, &n.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_collected(&String::from_utf8_lossy(&out.stderr))
}

/// The count on callgrind's `==PID== Collected : 12345` line.
pub fn parse_collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, rest) = line.split_once("Collected :")?;
        rest.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_collected_line() {
        let stderr = "==42== Events    : Ir\n==42== Collected : 1234567\n==42==\n==42== I   refs:      1,234,567\n";
        assert_eq!(parse_collected(stderr), Some(1234567));
        assert_eq!(parse_collected("no such line"), None);
    }
}
