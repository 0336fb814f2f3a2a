//! Timing, interleaving and statistics; the output lives in [`report`],
//! [`plot`] and [`callgrind`].
//!
//! A [`Scenario`] is one workload (say, 4 producer threads and 1 consumer
//! thread on a `bounded(1)` channel of `usize`) with one [`Impl`] per
//! library that offers it. Each repetition times one whole run of N
//! messages; ns per message is the elapsed time over N. The
//! implementations of a scenario take turns, repetition by repetition
//! (A B C A B C ...), so that the machine's drift hits all of them alike.

pub mod callgrind;
pub mod plot;
pub mod report;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// What to run and where to write it, from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--quick`: a tenth of the messages, 3 repetitions, fewer counts.
    pub quick: bool,
    /// `--messages N`: the message count of every scenario.
    pub messages: Option<usize>,
    /// Repetitions per implementation and scenario.
    pub reps: usize,
    /// `--filter SUBSTR` (repeatable): scenarios whose name contains one.
    pub filters: Vec<String>,
    /// The CSV's path; the plots and the summary go next to it.
    pub out: PathBuf,
    /// Whether to count instructions with callgrind.
    pub callgrind: bool,
}

impl Config {
    /// A scenario's message count: `default` in the default mode, a tenth
    /// of it with `--quick`, or `--messages`; rounded up to a multiple of
    /// 4 so that 4 producers or consumers share it evenly.
    pub fn messages(&self, default: usize) -> usize {
        let n = match self.messages {
            Some(n) => n,
            None if self.quick => default / 10,
            None => default,
        };
        n.max(1).div_ceil(4) * 4
    }
}

/// One library's run of a scenario: given N, it runs N messages (or N
/// rounds) and returns the elapsed time.
pub struct Impl {
    pub name: &'static str,
    pub run: Box<dyn Fn(usize) -> Duration>,
}

impl Impl {
    pub fn new(name: &'static str, run: impl Fn(usize) -> Duration + 'static) -> Self {
        Impl {
            name,
            run: Box::new(run),
        }
    }
}

/// tidings' own entries (`tidings`, `tidings Slot`, ...) are not peers.
pub fn is_tidings(name: &str) -> bool {
    name.starts_with("tidings")
}

/// One workload and the implementations that can run it.
pub struct Scenario {
    /// `mpmc-blocking`, `mpmc-async`, `mpmc-batch`, `mixed`, `select`,
    /// `oneshot`, `broadcast` or `watch`.
    pub family: &'static str,
    /// The workload within the family, like `spsc/bounded(1)/usize`.
    pub name: String,
    /// Messages (or rounds) per run.
    pub messages: usize,
    /// Runs on one thread start to end: instruction counts apply.
    pub single_thread: bool,
    pub impls: Vec<Impl>,
}

impl Scenario {
    pub fn new(family: &'static str, name: String, messages: usize) -> Self {
        Scenario {
            family,
            name,
            messages,
            single_thread: false,
            impls: Vec::new(),
        }
    }

    pub fn single_thread(mut self) -> Self {
        self.single_thread = true;
        self
    }

    pub fn with(mut self, imp: Impl) -> Self {
        self.impls.push(imp);
        self
    }

    /// `family/name`, what `--filter` matches.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.family, self.name)
    }
}

/// One implementation's result in one scenario.
#[derive(Debug, Clone)]
pub struct Row {
    pub family: &'static str,
    pub scenario: String,
    pub implementation: &'static str,
    pub messages: usize,
    pub reps: usize,
    pub median_ns: f64,
    pub min_ns: f64,
    /// Median over the fastest peer's median; `None` without peers.
    pub ratio: Option<f64>,
    /// Instructions per message under callgrind (single-thread only).
    pub instructions: Option<f64>,
}

/// Runs every scenario: one warm-up run per implementation with a tenth
/// of the messages, then `reps` interleaved repetitions, each starting
/// with the next implementation.
pub fn run_all(scenarios: &[Scenario], reps: usize) -> Vec<Row> {
    let total = scenarios
        .iter()
        .map(|s| s.impls.len() * (reps + 1))
        .sum::<usize>();
    let bar = progress_bar(total, "timing");
    let mut rows = Vec::new();
    for s in scenarios {
        bar.set_message(s.full_name());
        let warm_up = (s.messages / 10).max(1).div_ceil(4) * 4;
        for imp in &s.impls {
            (imp.run)(warm_up);
            bar.inc(1);
        }
        let mut samples = vec![Vec::with_capacity(reps); s.impls.len()];
        for rep in 0..reps {
            // Each repetition starts one implementation later, so that none
            // always runs first, or always after the same peer (what one
            // left behind, a heap grown or given back, moves the next one's
            // time).
            let n = s.impls.len();
            for i in (0..n).map(|i| (i + rep) % n) {
                let elapsed = (s.impls[i].run)(s.messages);
                samples[i].push(elapsed.as_nanos() as f64 / s.messages as f64);
                bar.inc(1);
            }
        }
        rows.extend(rows_of(s, reps, &samples));
    }
    bar.finish_and_clear();
    rows
}

/// A scenario's rows, with each implementation's ratio to the fastest peer.
fn rows_of(s: &Scenario, reps: usize, samples: &[Vec<f64>]) -> Vec<Row> {
    let mut rows: Vec<Row> = s
        .impls
        .iter()
        .zip(samples)
        .map(|(imp, samples)| Row {
            family: s.family,
            scenario: s.name.clone(),
            implementation: imp.name,
            messages: s.messages,
            reps,
            median_ns: median(samples),
            min_ns: samples.iter().copied().fold(f64::INFINITY, f64::min),
            ratio: None,
            instructions: None,
        })
        .collect();
    set_ratios(&mut rows);
    rows
}

/// Sets each row's ratio to the fastest non-tidings median among `rows`
/// (one scenario's rows).
pub fn set_ratios(rows: &mut [Row]) {
    let fastest_peer = rows
        .iter()
        .filter(|r| !is_tidings(r.implementation))
        .map(|r| r.median_ns)
        .fold(f64::INFINITY, f64::min);
    for row in rows {
        row.ratio = fastest_peer
            .is_finite()
            .then(|| row.median_ns / fastest_peer);
    }
}

/// The median (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.is_empty() {
        f64::NAN
    } else if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

pub fn progress_bar(len: usize, what: &str) -> ProgressBar {
    let template = format!("{what} {{elapsed_precise}} [{{bar:30}}] {{pos}}/{{len}} {{msg}}");
    ProgressBar::new(len as u64).with_style(
        ProgressStyle::default_bar()
            .template(&template)
            .expect("a valid template")
            .progress_chars("=> "),
    )
}

/// The tokio runtimes the async scenarios share, made on first use so that
/// a run that needs none starts none. The multi-thread one has a worker per
/// core.
pub fn current_thread() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
    })
}

pub fn multi_thread() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .build()
            .expect("a multi-thread runtime")
    })
}

/// Which runtime an async scenario runs under.
#[derive(Clone, Copy, Debug)]
pub enum Runtime {
    CurrentThread,
    MultiThread,
}

impl Runtime {
    pub const ALL: [Runtime; 2] = [Runtime::CurrentThread, Runtime::MultiThread];

    pub fn name(self) -> &'static str {
        match self {
            Runtime::CurrentThread => "current-thread",
            Runtime::MultiThread => "multi-thread",
        }
    }

    /// Runs `fut` to completion on this runtime (from outside it).
    pub fn block_on<F: std::future::Future>(self, fut: F) -> F::Output {
        match self {
            Runtime::CurrentThread => current_thread().block_on(fut),
            Runtime::MultiThread => multi_thread().block_on(fut),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn ratios_are_to_the_fastest_peer_not_to_tidings() {
        let row = |implementation, median_ns| Row {
            family: "f",
            scenario: "s".into(),
            implementation,
            messages: 1,
            reps: 1,
            median_ns,
            min_ns: median_ns,
            ratio: None,
            instructions: None,
        };
        let mut rows = [row("tidings", 5.0), row("a", 20.0), row("b", 10.0)];
        set_ratios(&mut rows);
        let ratios: Vec<_> = rows.iter().map(|r| r.ratio.unwrap()).collect();
        assert_eq!(ratios, [0.5, 2.0, 1.0]);
    }

    #[test]
    fn message_counts_round_up_to_a_multiple_of_4() {
        let cfg = Config {
            quick: false,
            messages: Some(10),
            reps: 1,
            filters: vec![],
            out: PathBuf::new(),
            callgrind: false,
        };
        assert_eq!(cfg.messages(1000), 12);
    }
}
