//! The results as a table on the terminal, a CSV, and a markdown summary
//! (tidings against the fastest peer, scenario by scenario).

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use super::{is_tidings, Row};

/// The full table: every implementation of every scenario.
pub fn table(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|r| r.scenario.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = String::new();
    let mut family = "";
    let mut scenario = "";
    for row in rows {
        if row.family != family {
            family = row.family;
            scenario = "";
            let _ = writeln!(
                out,
                "\n{family}\n{:width$}  {:18} {:>10} {:>10} {:>7} {:>10}",
                "scenario", "implementation", "median ns", "min ns", "ratio", "instr/msg"
            );
        }
        // The scenario's name on its first row only.
        let name = if row.scenario == scenario {
            ""
        } else {
            &row.scenario
        };
        scenario = &row.scenario;
        let _ = writeln!(
            out,
            "{name:width$}  {:18} {:>10} {:>10} {:>7} {:>10}",
            row.implementation,
            ns(row.median_ns),
            ns(row.min_ns),
            row.ratio.map_or("-".into(), |r| format!("{r:.2}")),
            row.instructions.map_or("".into(), |i| format!("{i:.0}")),
        );
    }
    out
}

/// Writes every row as CSV.
pub fn write_csv(path: &Path, rows: &[Row]) -> io::Result<()> {
    let mut out = String::from(
        "family,scenario,implementation,messages,reps,median_ns,min_ns,ratio_to_fastest_peer,instructions_per_message\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.2},{:.2},{},{}",
            csv_field(r.family),
            csv_field(&r.scenario),
            csv_field(r.implementation),
            r.messages,
            r.reps,
            r.median_ns,
            r.min_ns,
            r.ratio.map_or(String::new(), |x| format!("{x:.3}")),
            r.instructions.map_or(String::new(), |x| format!("{x:.1}")),
        );
    }
    fs::write(path, out)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Markdown: per family, each tidings implementation of each scenario
/// against the fastest peer; then the instruction counts.
pub fn summary(rows: &[Row]) -> String {
    let mut out = String::new();
    let mut family = "";
    for scenario in rows.chunk_by(|a, b| a.family == b.family && a.scenario == b.scenario) {
        if scenario[0].family != family {
            family = scenario[0].family;
            let _ = write!(
                out,
                "\n**{family}**\n\n| scenario | tidings | ns/msg | fastest peer | ns/msg | ratio |\n|---|---|---:|---|---:|---:|\n"
            );
        }
        let peer = scenario
            .iter()
            .filter(|r| !is_tidings(r.implementation))
            .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
        let (peer_name, peer_ns) =
            peer.map_or(("-", "-".into()), |p| (p.implementation, ns(p.median_ns)));
        for row in scenario.iter().filter(|r| is_tidings(r.implementation)) {
            // Bold where tidings is behind.
            let ratio = match row.ratio {
                Some(r) if r > 1.0 => format!("**{r:.2}**"),
                Some(r) => format!("{r:.2}"),
                None => "-".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {peer_name} | {peer_ns} | {ratio} |",
                row.scenario,
                row.implementation,
                ns(row.median_ns),
            );
        }
    }
    let counted: Vec<&Row> = rows.iter().filter(|r| r.instructions.is_some()).collect();
    if !counted.is_empty() {
        out.push_str("\n**instructions per message** (callgrind, single-thread scenarios)\n\n");
        out.push_str("| scenario | implementation | instructions |\n|---|---|---:|\n");
        for r in counted {
            let _ = writeln!(
                out,
                "| {}/{} | {} | {:.0} |",
                r.family,
                r.scenario,
                r.implementation,
                r.instructions.unwrap_or_default()
            );
        }
    }
    out
}

/// Nanoseconds with about three significant digits.
fn ns(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_field("spsc/bounded(1)"), "spsc/bounded(1)");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\", ok"), "\"say \"\"hi\"\", ok\"");
    }
}
