//! The report of `bench/requests.sh`: reads what it collected (`wrk`'s outputs, the server's
//! counters and allocation counts, its lines) and prints the markdown tables; with `--svg PATH`
//! it also draws the chart.

use std::path::Path;

use crate::VARIANTS;
use crate::common::chart::{self, Bar, Caption, Chart, Unit};
use crate::common::machine;
use crate::common::timing::median;

/// What one `wrk --latency` run printed.
struct Run {
    requests_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    requests: f64,
    seconds: f64,
}

fn parse_wrk(path: &Path) -> Run {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {prefix:?} in {}", path.display()))
    };
    if text.contains("Non-2xx") {
        panic!("{} has refused requests: not a valid run", path.display());
    }
    // "  123456 requests in 5.00s, 14.30MB read"
    let (requests, seconds) = text
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| {
            let mut words = line.split_whitespace();
            let requests = words.next()?.parse().ok()?;
            let duration = words.nth(2)?.trim_end_matches(',');
            Some((requests, micros(duration) / 1e6))
        })
        .unwrap_or_else(|| panic!("no request count in {}", path.display()));
    Run {
        requests_per_s: field("Requests/sec:").parse().expect("a number"),
        p50_us: micros(field("50%")),
        p99_us: micros(field("99%")),
        requests,
        seconds,
    }
}

/// One of `wrk`'s durations (`812.00us`, `1.20ms`, `1.00s`) in microseconds.
fn micros(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .unwrap_or_else(|_| panic!("a duration: {text}"));
    let scale = match unit {
        "ns" => 1e-3,
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        _ => panic!("unknown unit in {text}"),
    };
    number * scale
}

struct Row {
    label: &'static str,
    key: &'static str,
    requests_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    us_per_request: f64,
    /// Half the range of µs/request over the rounds.
    spread_us: f64,
    /// Median over rounds of this variant's µs/request minus the no-auth run's of that round.
    added_us: f64,
    allocations: Option<f64>,
    /// The server's CPU time per request, median over rounds.
    cpu_us: Option<f64>,
    /// Median over rounds of this variant's CPU µs/request minus the no-auth run's.
    added_cpu_us: Option<f64>,
    /// The shares of the run the server spent on its core and waiting for it, medians over
    /// rounds.
    busy: Option<f64>,
    waited: Option<f64>,
    /// The length of the cookie's value, as the server handed it out.
    cookie_bytes: Option<usize>,
}

pub fn report(dir: &Path, svg: Option<&Path>) {
    let meta = std::fs::read_to_string(dir.join("meta")).unwrap_or_default();
    let meta = |key: &str| {
        meta.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or("?")
            .to_owned()
    };
    let round_file = |round: usize, key: &str| dir.join(format!("round-{round}-{key}.wrk"));
    let rounds = (1..)
        .take_while(|&r| VARIANTS.iter().all(|v| round_file(r, v.0).exists()))
        .count();
    assert!(rounds > 0, "no complete round in {}", dir.display());

    let per_request =
        |round: usize, key: &str| 1e6 / parse_wrk(&round_file(round, key)).requests_per_s;
    let rows: Vec<Row> = VARIANTS
        .iter()
        .map(|&(key, _, label)| {
            let runs: Vec<Run> = (1..=rounds)
                .map(|r| parse_wrk(&round_file(r, key)))
                .collect();
            let us: Vec<f64> = runs.iter().map(|r| 1e6 / r.requests_per_s).collect();
            let (lo, hi) = us
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), &u| (lo.min(u), hi.max(u)));
            let added: Vec<f64> = (1..=rounds)
                .map(|r| per_request(r, key) - per_request(r, "none"))
                .collect();
            let cpu: Option<Vec<[f64; 3]>> = (1..=rounds)
                .map(|r| server_time(dir, r, key, &runs[r - 1]))
                .collect();
            let none_cpu: Option<Vec<[f64; 3]>> = (1..=rounds)
                .map(|r| server_time(dir, r, "none", &parse_wrk(&round_file(r, "none"))))
                .collect();
            let (cpu_us, added_cpu_us, busy, waited) = match (cpu, none_cpu) {
                (Some(cpu), Some(none)) => (
                    Some(median(cpu.iter().map(|c| c[0]))),
                    Some(median(cpu.iter().zip(&none).map(|(c, n)| c[0] - n[0]))),
                    Some(median(cpu.iter().map(|c| c[1]))),
                    Some(median(cpu.iter().map(|c| c[2]))),
                ),
                _ => (None, None, None, None),
            };
            Row {
                label,
                key,
                requests_per_s: median(runs.iter().map(|r| r.requests_per_s)),
                p50_us: median(runs.iter().map(|r| r.p50_us)),
                p99_us: median(runs.iter().map(|r| r.p99_us)),
                us_per_request: median(us),
                spread_us: (hi - lo) / 2.0,
                added_us: median(added),
                allocations: allocations(dir, key),
                cpu_us,
                added_cpu_us,
                busy,
                waited,
                cookie_bytes: cookie_bytes(dir, key),
            }
        })
        .collect();

    let machine = machine(&meta("server_cpu"), &meta("load_cpu"), &meta("wrk"));
    let machine_line = machine.join("; ");
    let sigcookie_added = rows
        .iter()
        .find(|r| r.key == "sigcookie")
        .map_or(0.0, |r| r.added_us);

    println!("{machine_line}");
    println!();
    println!(
        "{rounds} round{} of {} s per variant, the variants taking turns (after a {} s warm-up \
         each), `wrk -t{} -c{} --latency`; medians over the rounds.",
        if rounds == 1 { "" } else { "s" },
        meta("seconds"),
        meta("warmup"),
        meta("threads"),
        meta("connections"),
    );
    println!();
    println!(
        "| variant | requests/s | p50 µs | p99 µs | µs/request | ± µs | added µs/request | \
         added ÷ sigcookie's | allocations/request | cookie bytes |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let (added, ratio) = if row.key == "none" {
            (String::new(), String::new())
        } else {
            let ratio = if sigcookie_added > 0.0 {
                format!("{:.1}", row.added_us / sigcookie_added)
            } else {
                "n/a".into()
            };
            (format!("{:.2}", row.added_us), ratio)
        };
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {added} | {ratio} | {} | {} |",
            row.label,
            row.requests_per_s,
            row.p50_us,
            row.p99_us,
            row.us_per_request,
            row.spread_us,
            row.allocations.map_or("?".into(), |a| format!("{a:.1}")),
            row.cookie_bytes.map_or(String::new(), |b| b.to_string()),
        );
    }
    if sigcookie_added <= 0.0 {
        println!();
        println!(
            "sigcookie's added time is not above zero in this run: it is within the noise, and \
             the ratios to it are not given."
        );
    }
    cpu_table(&rows);

    if let Some(path) = svg {
        chart(&rows, &machine).write(path);
    }
}

/// The server's own CPU time per request in µs, and the shares of the run it was on its core and
/// waited for it, from the counters read around a timed run; `None` without them.
fn server_time(dir: &Path, round: usize, key: &str, run: &Run) -> Option<[f64; 3]> {
    let text = std::fs::read_to_string(dir.join(format!("round-{round}-{key}.counters"))).ok()?;
    let counts: Vec<[f64; 2]> = text
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace().map(|f| f.parse::<f64>().ok());
            Some([fields.next()??, fields.next()??])
        })
        .collect::<Option<_>>()?;
    let [before, after] = counts[..] else {
        return None;
    };
    let cpu_ns = after[0] - before[0];
    let waited = (after[1] - before[1]) / 1e9 / run.seconds;
    Some([
        cpu_ns / 1e3 / run.requests,
        cpu_ns / 1e9 / run.seconds,
        waited,
    ])
}

/// The same runs seen from the server's CPU time: what a request costs the server whatever else
/// ran on its core.
fn cpu_table(rows: &[Row]) {
    if rows.iter().any(|r| r.cpu_us.is_none()) {
        return;
    }
    let sigcookie = rows
        .iter()
        .find(|r| r.key == "sigcookie")
        .and_then(|r| r.added_cpu_us)
        .unwrap_or(0.0);
    println!();
    println!(
        "| variant | server CPU µs/request | added CPU µs/request | added ÷ sigcookie's | \
         server busy | server waited for its core |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let added = row.added_cpu_us.unwrap_or(0.0);
        let (added, ratio) = match row.key {
            "none" => (String::new(), String::new()),
            _ if sigcookie > 0.0 => (format!("{added:.2}"), format!("{:.1}", added / sigcookie)),
            _ => (format!("{added:.2}"), "n/a".into()),
        };
        println!(
            "| {} | {:.2} | {added} | {ratio} | {:.0} % | {:.1} % |",
            row.label,
            row.cpu_us.unwrap_or(0.0),
            100.0 * row.busy.unwrap_or(0.0),
            100.0 * row.waited.unwrap_or(0.0),
        );
    }
}

/// Allocations per request of the variant's warm-up run, if it was counted.
fn allocations(dir: &Path, key: &str) -> Option<f64> {
    let count: f64 = std::fs::read_to_string(dir.join(format!("warmup-{key}.allocations")))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let run = parse_wrk(&dir.join(format!("warmup-{key}.wrk")));
    Some(count / run.requests)
}

/// The length of the variant's cookie value, from the server's lines (none for no cookie).
fn cookie_bytes(dir: &Path, key: &str) -> Option<usize> {
    let lines = std::fs::read_to_string(dir.join("server.out")).ok()?;
    lines.lines().find_map(|line| {
        let mut fields = line.split('\t');
        if (fields.next(), fields.next()) != (Some("variant"), Some(key)) {
            return None;
        }
        let (_, value) = fields.nth(1)?.split_once('=')?;
        Some(value.len())
    })
}

/// What the numbers were measured on, as the chart's three lines of caption: the CPU, which
/// cores server and load had, then the compiler and the versions of the crates compared.
fn machine(server_cpu: &str, load_cpu: &str, wrk: &str) -> [String; 3] {
    let versions = machine::versions(&[
        "sigcookie",
        "axum",
        "axum-extra",
        "tower-sessions",
        "jsonwebtoken",
        "hyper",
        "tokio",
    ]);
    [
        machine::hardware(),
        format!(
            "server on core {server_cpu} (one thread, tokio current-thread runtime), {wrk} on \
             core {load_cpu}"
        ),
        format!("{}; {versions}", machine::rustc()),
    ]
}

/// A horizontal bar chart of the time each kind of authentication adds to a request.
fn chart(rows: &[Row], machine: &[String; 3]) -> Chart {
    let rows = rows.iter().filter(|row| row.key != "none").map(|row| {
        let colour = match row.key {
            "jwt" => chart::JSONWEBTOKEN,
            "signed-jar" => chart::SIGNED_JAR,
            "tower-sessions" => chart::TOWER_SESSIONS,
            _ => chart::SIGCOOKIE,
        };
        chart::Row {
            label: row.label.to_owned(),
            bars: vec![Bar {
                value: row.added_us,
                colour,
            }],
        }
    });
    Chart {
        title: "Time authentication adds to a whole request: µs per request (shorter is faster)"
            .into(),
        caption: machine.iter().map(Caption::line).collect(),
        unit: Unit {
            decimals: 2,
            suffix: "",
        },
        rows: rows.collect(),
        mark: None,
    }
}
