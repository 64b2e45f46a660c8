//! The Rust rows of the cross-language benchmark (`bench/languages/run.sh`): sigcookie's verify
//! of the values in `values.json` against `jsonwebtoken`'s decode of its tokens, the same values
//! and tokens that the Python and Node scripts verify.
//!
//! ```text
//! cargo run --release -p sigcookie-bench --example languages [-- --quick] [--json PATH]
//! ```
//!
//! Timed as `compare` times its rows, with the same loop's parts (`benches/common/timing.rs`):
//! short batches, the operations taking turns batch by batch, each reporting its median batch.
//! Unlike `compare`, both sides read the system clock at every verify
//! (`TimestampSigner::verify`, `jsonwebtoken::decode`), as the Python and Node rows do.

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "values.rs"]
mod values;

use std::hint::black_box;
use std::time::Duration;

use common::timing::{BATCH, ROUNDS, calibrate, median, time};
use serde::Serialize;
use values::{Claims, Values};

/// Turns each operation gets, and the length of one batch, under `--quick`: a smoke test.
const QUICK_ROUNDS: usize = 3;
const QUICK_BATCH: Duration = Duration::from_micros(200);

#[derive(Serialize)]
struct Results {
    language: &'static str,
    /// What the chart calls this side's verify.
    format: &'static str,
    jwt: &'static str,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    name: String,
    id: String,
    kind: &'static str,
    chart: bool,
    us: f64,
    bytes: usize,
}

fn main() {
    let (quick, json_path) = args();
    let (rounds, batch) = if quick {
        (QUICK_ROUNDS, QUICK_BATCH)
    } else {
        (ROUNDS, BATCH)
    };
    let data = Values::load();
    let (signer, timed) = data.signers();
    let (key, validation) = data.jwt();

    // Each verify answers whether it read the expected id: a comparison the same for all, so
    // that sigcookie's borrowed id is not copied into a String the way a JWT's claims are.
    let mut ops: Vec<(Row, Box<dyn Fn() -> bool + '_>)> = Vec::new();
    for entry in &data.values {
        let label = format!("id{}", entry.id.len());
        let row = |name: &str, kind, bytes| Row {
            name: format!("{name} {label}"),
            id: label.clone(),
            kind,
            chart: true,
            us: 0.0,
            bytes,
        };
        ops.push((
            row("sigcookie untimed", "untimed", entry.untimed.len()),
            Box::new(|| signer.verify(black_box(&entry.untimed)) == Ok(entry.id.as_str())),
        ));
        ops.push((
            row("sigcookie timed", "timed", entry.timed.len()),
            Box::new(|| {
                let verified = timed.verify(black_box(&entry.timed));
                verified.is_ok_and(|verified| verified.id() == entry.id)
            }),
        ));
        ops.push((
            row("jsonwebtoken HS256", "jwt", entry.jwt.len()),
            Box::new(|| {
                let token =
                    jsonwebtoken::decode::<Claims>(black_box(&entry.jwt), &key, &validation);
                token.is_ok_and(|token| token.claims.sub == entry.id)
            }),
        ));
    }
    for (row, verify) in &ops {
        assert!(verify(), "{} verifies to its id", row.name);
    }

    let mut samples = vec![Vec::with_capacity(rounds); ops.len()];
    let mut iters = Vec::with_capacity(ops.len());
    for round in 0..=rounds {
        for (i, (_, verify)) in ops.iter().enumerate() {
            let mut run = |n: u64| {
                time(n, || {
                    black_box(verify());
                })
            };
            if round == 0 {
                // Warm-up round: also sizes each operation's batch.
                iters.push(calibrate(&mut run, batch));
            } else {
                samples[i].push(run(iters[i]) / iters[i] as f64);
            }
        }
    }
    let mut rows: Vec<Row> = ops.into_iter().map(|(row, _)| row).collect();
    for (row, samples) in rows.iter_mut().zip(&mut samples) {
        row.us = median(samples.iter().copied()) / 1000.0;
    }

    println!("| Rust verify | µs/verify | jsonwebtoken ÷ this | bytes |");
    println!("|---|---:|---:|---:|");
    for row in &rows {
        let jwt = rows
            .iter()
            .find(|other| other.kind == "jwt" && other.id == row.id)
            .map_or(f64::NAN, |jwt| jwt.us);
        println!(
            "| {} | {} | {:.*} | {} |",
            row.name,
            fmt_us(row.us),
            if jwt >= row.us { 1 } else { 2 },
            jwt / row.us,
            row.bytes
        );
    }
    if let Some(path) = json_path {
        let results = Results {
            language: "Rust",
            format: "sigcookie",
            jwt: "jsonwebtoken",
            rows,
        };
        let json = serde_json::to_string(&results).expect("results serialize");
        std::fs::write(&path, json).expect("write the results");
    }
}

/// `--quick` and `--json PATH`; anything else is refused, so that a mistyped flag is not
/// silently ignored.
fn args() -> (bool, Option<std::path::PathBuf>) {
    let mut args = std::env::args_os().skip(1);
    let (mut quick, mut json) = (false, None);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--quick") => quick = true,
            Some("--json") if json.is_none() => match args.next() {
                Some(path) => json = Some(path.into()),
                None => usage(),
            },
            _ => usage(),
        }
    }
    (quick, json)
}

fn usage() -> ! {
    eprintln!(
        "usage: cargo run --release -p sigcookie-bench --example languages \
         [-- --quick] [--json PATH]"
    );
    std::process::exit(2);
}

/// Three significant digits or so, at most three decimals, as the Python and Node tables print.
fn fmt_us(us: f64) -> String {
    let decimals = match us {
        10.0.. => 1,
        1.0.. => 2,
        _ => 3,
    };
    format!("{us:.decimals$}")
}
