//! `tidings-bench`: tidings against its peers, scenario by scenario.
//!
//! ```text
//! cargo run --release -p tidings-bench               # default mode, under 3 minutes
//! cargo run --release -p tidings-bench -- --quick    # under 30 seconds
//! cargo run --release -p tidings-bench -- --help
//! ```
//!
//! Families: [`mpmc_blocking`], [`mpmc_async`], [`mpmc_batch`], [`mixed`],
//! [`select`], [`oneshot`], [`broadcast`] and [`watch`]. The harness
//! ([`harness`]) times them, interleaving the implementations, and writes
//! a table, a CSV, a markdown summary and one SVG plot per family.

mod broadcast;
mod channels;
mod harness;
mod mixed;
mod mpmc_async;
mod mpmc_batch;
mod mpmc_blocking;
mod oneshot;
mod select;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use std::{env, fs};

use harness::{callgrind, plot, report, Config, Scenario};

const USAGE: &str = "\
tidings-bench: tidings' channels against their peers

usage: tidings-bench [OPTIONS]

  --quick            a tenth of the messages, 3 repetitions, and instruction
                     counts for the usize scenarios only (under 30 s)
  --messages N       messages (or rounds) per run, for every scenario
  --reps N           repetitions per implementation (default 9, quick 3)
  --filter SUBSTR    only scenarios whose name (family/scenario) contains
                     SUBSTR; repeatable
  --out PATH         the CSV (default bench/results/results.csv); the
                     summary and the SVG plots go next to it
  --no-callgrind     skip the instruction counts
  --list             list the scenarios and exit
  -h, --help         this text
";

fn main() -> ExitCode {
    // crossfire's docs advise this at start-up: with a single core (a small
    // VM) it yields instead of spinning; with more (as of crossfire 3.1)
    // it changes nothing. Before the callgrind child's branch: for both.
    crossfire::detect_backoff_cfg();
    let args: Vec<String> = env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(callgrind::CHILD_FLAG) {
        return callgrind_child(&args[1..]);
    }
    let (cfg, list) = match parse(&args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let scenarios: Vec<Scenario> = all_scenarios(&cfg)
        .into_iter()
        .filter(|s| cfg.filters.is_empty() || cfg.filters.iter().any(|f| s.full_name().contains(f)))
        .collect();
    if list {
        for s in &scenarios {
            let impls: Vec<&str> = s.impls.iter().map(|i| i.name).collect();
            println!(
                "{}  [{}]  {} messages",
                s.full_name(),
                impls.join(", "),
                s.messages
            );
        }
        return ExitCode::SUCCESS;
    }
    if scenarios.is_empty() {
        eprintln!("error: no scenario matches the filters");
        return ExitCode::from(2);
    }
    match run(&cfg, &scenarios) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn all_scenarios(cfg: &Config) -> Vec<Scenario> {
    let families = [
        mpmc_blocking::scenarios,
        mpmc_async::scenarios,
        mpmc_batch::scenarios,
        mixed::scenarios,
        select::scenarios,
        oneshot::scenarios,
        broadcast::scenarios,
        watch::scenarios,
    ];
    families.iter().flat_map(|family| family(cfg)).collect()
}

fn run(cfg: &Config, scenarios: &[Scenario]) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let runs: usize = scenarios.iter().map(|s| s.impls.len()).sum();
    let mode = match (cfg.messages, cfg.quick) {
        (Some(n), _) => format!("--messages {n}"),
        (None, true) => "quick".into(),
        (None, false) => "default".into(),
    };
    println!(
        "tidings-bench: {} scenarios, {runs} implementation runs x {} repetitions ({mode} mode), {} cores",
        scenarios.len(),
        cfg.reps,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let mut rows = harness::run_all(scenarios, cfg.reps);
    let timed = start.elapsed();

    let callgrind_note = if !cfg.callgrind {
        "callgrind: skipped (--no-callgrind)".to_string()
    } else if !scenarios.iter().any(|s| s.single_thread) {
        "callgrind: no single-thread scenario selected".to_string()
    } else if !callgrind::available() {
        "callgrind: SKIPPED, valgrind is not installed: no instruction counts".to_string()
    } else {
        // Each count starts a valgrind (about half a second): `--quick`
        // counts the `usize` scenarios only.
        let counted: Vec<&Scenario> = scenarios
            .iter()
            .filter(|s| s.single_thread && !(cfg.quick && s.name.ends_with("/64B")))
            .collect();
        callgrind::count(&env::current_exe()?, &counted, &mut rows);
        format!(
            "callgrind: instruction counts in {:.1} s",
            (start.elapsed() - timed).as_secs_f64()
        )
    };

    print!("{}", report::table(&rows));
    println!();
    let dir = cfg.out.parent().unwrap_or(std::path::Path::new("."));
    fs::create_dir_all(dir)?;
    report::write_csv(&cfg.out, &rows)?;
    let summary = dir.join("summary.md");
    fs::write(&summary, report::summary(&rows))?;
    let mut written = vec![cfg.out.clone(), summary];
    let mut families: Vec<&str> = rows.iter().map(|r| r.family).collect();
    families.dedup();
    for family in families {
        let path = dir.join(format!("{family}.svg"));
        let family_rows: Vec<_> = rows
            .iter()
            .filter(|r| r.family == family)
            .cloned()
            .collect();
        plot::family(&path, family, &family_rows)?;
        written.push(path);
    }
    println!("{callgrind_note}");
    for path in written {
        println!("wrote {}", path.display());
    }
    println!(
        "wall time: {:.1} s (timing {:.1} s)",
        start.elapsed().as_secs_f64(),
        timed.as_secs_f64()
    );
    Ok(())
}

/// The options, and whether `--list` was given; `None` for `--help`.
fn parse(args: &[String]) -> Result<Option<(Config, bool)>, String> {
    let mut cfg = Config {
        quick: false,
        messages: None,
        reps: 0,
        filters: Vec::new(),
        out: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/results/results.csv")),
        callgrind: true,
    };
    let mut list = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| match v.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{name} needs a positive number, not {v:?}")),
        };
        match arg.as_str() {
            "--quick" => cfg.quick = true,
            "--messages" => cfg.messages = Some(number(arg, value(arg)?)?),
            "--reps" => cfg.reps = number(arg, value(arg)?)?,
            "--filter" => cfg.filters.push(value(arg)?),
            "--out" => cfg.out = PathBuf::from(value(arg)?),
            "--no-callgrind" => cfg.callgrind = false,
            "--list" => list = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if cfg.reps == 0 {
        cfg.reps = if cfg.quick { 3 } else { 9 };
    }
    Ok(Some((cfg, list)))
}

/// `--callgrind-child SCENARIO IMPLEMENTATION N`, under valgrind.
fn callgrind_child(args: &[String]) -> ExitCode {
    let [scenario, imp, n] = args else {
        eprintln!(
            "usage: tidings-bench {} SCENARIO IMPLEMENTATION N",
            callgrind::CHILD_FLAG
        );
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("error: N must be a number, not {n:?}");
        return ExitCode::from(2);
    };
    let cfg = parse(&[]).ok().flatten().expect("the defaults").0;
    let scenarios = all_scenarios(&cfg);
    let found = scenarios
        .iter()
        .find(|s| s.full_name() == *scenario)
        .and_then(|s| s.impls.iter().find(|i| i.name == imp));
    match found {
        Some(imp) => {
            callgrind::child(imp, n);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no implementation {imp:?} in a scenario {scenario:?}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Config {
        let args = ["--messages", "8"].map(String::from);
        parse(&args).unwrap().unwrap().0
    }

    /// Every implementation of every scenario runs (a few messages, so
    /// the suite stays quick in debug builds): the benchmark cannot rot.
    ///
    /// Except flume's async tasks on tokio's multi-thread runtime: in a
    /// debug build they once hung for good with every task asleep (a CI
    /// run on 2026-12-06: `tasks::<Flume>` parked in `block_on`, both
    /// workers idle), a lost wake-up of flume's own (its tracker lists
    /// several async races); a peer's hang must not stop tidings' checks.
    /// The release runs of the benchmark still run it.
    #[test]
    fn every_scenario_runs() {
        for s in all_scenarios(&tiny()) {
            for imp in &s.impls {
                if imp.name == "flume" && s.full_name().starts_with("mpmc-async/multi-thread/") {
                    continue;
                }
                (imp.run)(s.messages);
            }
        }
    }

    /// Each scenario has tidings and a peer to compare it with, and a
    /// unique name (what `--filter` and the callgrind child match).
    #[test]
    fn every_scenario_compares_tidings_with_a_peer() {
        let scenarios = all_scenarios(&tiny());
        for s in &scenarios {
            assert!(
                s.impls.iter().any(|i| harness::is_tidings(i.name)),
                "{}",
                s.full_name()
            );
            assert!(
                s.impls.iter().any(|i| !harness::is_tidings(i.name)),
                "{}",
                s.full_name()
            );
            let same = scenarios.iter().filter(|t| t.full_name() == s.full_name());
            assert_eq!(same.count(), 1, "{}", s.full_name());
        }
    }

    /// crossfire has no rendezvous; every other channel scenario has one
    /// crossfire entry, its type for the shape (see `channels`).
    #[test]
    fn crossfire_enters_each_channel_scenario_once() {
        for s in all_scenarios(&tiny()) {
            if !["mpmc-blocking", "mpmc-async", "mixed"].contains(&s.family) {
                continue;
            }
            let entries: Vec<&str> = s
                .impls
                .iter()
                .map(|i| i.name)
                .filter(|name| name.starts_with("crossfire"))
                .collect();
            let expected: &[&str] = if s.name.contains("rendezvous") {
                &[]
            } else if s.name.contains("mpmc/") || s.name.starts_with("16x16/") {
                &["crossfire"]
            } else if s.name.contains("mpsc/") || s.name.starts_with("4 ") {
                &["crossfire mpsc"]
            } else {
                &["crossfire spsc"]
            };
            assert_eq!(entries, expected, "{}", s.full_name());
        }
    }

    #[test]
    fn options() {
        let args = ["--quick", "--filter", "seq", "--out", "x/y.csv"].map(String::from);
        let (cfg, list) = parse(&args).unwrap().unwrap();
        assert!(cfg.quick && !list);
        assert_eq!(cfg.reps, 3);
        assert_eq!(cfg.filters, ["seq"]);
        assert_eq!(cfg.out, PathBuf::from("x/y.csv"));
        assert!(parse(&["--bogus".into()]).is_err());
        assert!(parse(&["--messages".into(), "0".into()]).is_err());
        assert!(parse(&["--help".into()]).unwrap().is_none());
    }
}
