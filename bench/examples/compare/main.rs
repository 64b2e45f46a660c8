//! The performance summary in the README: sigcookie against `jsonwebtoken` and `cookie`'s
//! `SignedJar`, as one markdown table and an SVG bar chart, in well under a minute; then
//! sigcookie's Ed25519 values against `jsonwebtoken`'s EdDSA and `ed25519-dalek` alone, as a
//! second table (not in the chart).
//!
//! ```text
//! cargo run --release -p sigcookie-bench [--features force-soft] --example compare \
//!     [-- [--svg PATH] [--other-run FILE] [--device-svg PATH]]
//! ```
//!
//! It prints the tables and writes nothing, so that running a benchmark leaves the repository
//! clean; with `--svg PATH` it also writes the chart there (the README's is
//! `docs/performance.svg`).
//!
//! The machine line says which SHA-256 code ran: the CPU's SHA-NI instructions, or sha2's
//! portable code, which the package's `force-soft` feature forces for every contender at once,
//! as on a device without SHA instructions (`devices.md`). A last table gives the ratios such a
//! device is about ([`devices`]). One build holds one sha2, so one process times one backend:
//! `--other-run FILE` reads the saved output of a run with the other backend and puts its ratios
//! beside this run's, and `--device-svg PATH` draws them.
//!
//! It times the same operations as `cargo bench -p sigcookie-bench --bench sigcookie` (the
//! fixtures are shared), but with a plain loop ([`common::timing`]): every operation is timed
//! in short batches, the operations take turns batch by batch so that a burst of load elsewhere
//! on the machine hits them all alike, each batch runs at another depth on the stack
//! ([`common::at_depth`]), and each operation reports its median batch. Ratios within one run
//! are what to compare across machines.

#[path = "../../benches/common/mod.rs"]
mod common;
mod devices;
mod tables;

use std::hint::black_box;
use std::path::PathBuf;

use common::timing::{self, BATCH, ROUNDS, calibrate, time};
use common::{Bare, Contender, Depths, Floor, Forged, Sigcookie, machine};
use devices::Run;
use tables::Table;

/// Verifies per thread in one run of the thread-scaling check.
const THREAD_ITERS: u64 = 200_000;

fn main() {
    let args = Args::parse();
    // Read before timing, so that a wrong file fails at once.
    let other_run = args.other_run.as_ref().map(|path| {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("compare: cannot read {}: {e}", path.display());
            std::process::exit(2);
        });
        Run::parse(&text).unwrap_or_else(|e| {
            eprintln!("compare: {}: {e}", path.display());
            std::process::exit(2);
        })
    });
    let now = common::now();
    let mut contenders = common::contenders(now);
    contenders.extend(common::ed25519_contenders(now));
    let bare = common::bare_ed25519(now);
    let forged = Forged::new();
    let mut floor = Floor::new();
    let reference = Sigcookie::reference(now);

    let ops = ops(&contenders, &bare);
    let mut samples = vec![Vec::with_capacity(ROUNDS); ops.len()];
    let mut iters: Vec<u64> = Vec::new();
    let mut depths = Depths::new();
    for round in 0..=ROUNDS {
        for (i, op) in ops.iter().enumerate() {
            let mut run = |n: u64| match *op {
                Op::Floor => time(n, || floor.run()),
                Op::FloorChained => time(n, || floor.run_chained()),
                Op::Hmac => time(n, || floor.run_hmac()),
                Op::Sign(c) => time(n, || contenders[c].sign()),
                Op::Verify(c) => time(n, || contenders[c].verify()),
                Op::BareSign(b) => time(n, || bare[b].sign()),
                Op::BareVerify(b) => time(n, || bare[b].verify()),
                Op::Forged => time(n, || forged.run()),
                Op::ForgedBare => time(n, || forged.bare().verify()),
            };
            if round == 0 {
                // Warm-up round: also sizes each operation's batch.
                iters.push(calibrate(&mut run, BATCH));
            } else {
                let ns = common::at_depth(depths.next_depth(), &mut || run(iters[i]));
                samples[i].push(ns / iters[i] as f64);
            }
        }
    }
    let ns: Vec<f64> = samples
        .iter()
        .map(|s| timing::median(s.iter().copied()))
        .collect();
    let scaling = thread_scaling(&reference);

    let table = Table::new(&ops, &ns, &contenders, &bare, &forged);
    let machine = machine_line();
    println!("{machine}");
    println!("{}", versions());
    println!();
    print!("{}", table.markdown());
    println!();
    print!("{}", table.ed25519_markdown());
    println!();
    print!("{}", table.ratios(scaling));
    if let Some(path) = args.svg {
        table.chart(&machine).write(&path);
    }

    let runs = devices::side_by_side(Run::of(&table, machine), other_run);
    println!();
    print!("{}", devices::markdown(&runs));
    if let Some(path) = args.device_svg {
        devices::chart(&runs).write(&path);
    }
}

/// The command line. Charts are written only when asked, and anything unknown is refused, so
/// that a mistyped flag does not silently skip (or write) a chart.
#[derive(Default)]
struct Args {
    /// `--svg PATH`: the chart of this run's HMAC times.
    svg: Option<PathBuf>,
    /// `--device-svg PATH`: the chart of the device ratios, this run's and `--other-run`'s.
    device_svg: Option<PathBuf>,
    /// `--other-run FILE`: the saved output of a run with the other SHA-256 backend.
    other_run: Option<PathBuf>,
}

impl Args {
    fn parse() -> Args {
        let mut parsed = Args::default();
        let mut args = std::env::args_os().skip(1);
        while let Some(arg) = args.next() {
            let slot = match arg.to_str() {
                Some("--svg") => &mut parsed.svg,
                Some("--device-svg") => &mut parsed.device_svg,
                Some("--other-run") => &mut parsed.other_run,
                _ => Args::usage(),
            };
            match args.next() {
                Some(path) if slot.is_none() => *slot = Some(path.into()),
                _ => Args::usage(),
            }
        }
        parsed
    }

    fn usage() -> ! {
        eprintln!(
            "usage: cargo run --release -p sigcookie-bench [--features force-soft] --example compare \\\n    \
             [-- [--svg PATH] [--other-run FILE] [--device-svg PATH]]"
        );
        std::process::exit(2);
    }
}

#[derive(Clone, Copy)]
enum Op {
    Floor,
    FloorChained,
    Hmac,
    Sign(usize),
    Verify(usize),
    /// `ed25519-dalek` alone on a sigcookie Ed25519 value's message.
    BareSign(usize),
    BareVerify(usize),
    /// A forged Ed25519 value against four keys, and `verify_strict` of it alone.
    Forged,
    ForgedBare,
}

/// Table order: the floor, its chained form and the `hmac` crate's MAC, every sign, then every
/// verify, contenders in [`common::contenders`] then [`common::ed25519_contenders`] order, each
/// group of Ed25519 rows followed by `ed25519-dalek` alone; the forged value and its
/// `verify_strict` alone last. Each table shows its own family's rows in this order.
fn ops(contenders: &[Box<dyn Contender>], bare: &[Bare]) -> Vec<Op> {
    let mut ops = vec![Op::Floor, Op::FloorChained, Op::Hmac];
    ops.extend((0..contenders.len()).map(Op::Sign));
    ops.extend((0..bare.len()).map(Op::BareSign));
    ops.extend((0..contenders.len()).map(Op::Verify));
    ops.extend((0..bare.len()).map(Op::BareVerify));
    ops.extend([Op::Forged, Op::ForgedBare]);
    ops
}

/// Throughput of verify on two threads sharing one signer, over one thread: median of
/// alternating runs.
fn thread_scaling(reference: &Sigcookie) -> f64 {
    timing::median((0..11).map(|_| {
        let one = reference.verify_on_threads(1, black_box(THREAD_ITERS));
        let two = reference.verify_on_threads(2, black_box(THREAD_ITERS));
        2.0 * one.as_secs_f64() / two.as_secs_f64()
    }))
}

/// What the numbers were measured on, for the table and the chart, ending with the SHA-256 code
/// that ran (which `--other-run` reads back).
fn machine_line() -> String {
    format!(
        "{}; {}; SHA-256: {}",
        machine::hardware(),
        machine::rustc(),
        devices::sha256_backend()
    )
}

/// The versions of the libraries measured.
fn versions() -> String {
    let crates = machine::versions(&[
        "sigcookie",
        "sha2",
        "hmac",
        "jsonwebtoken",
        "cookie",
        "ed25519-dalek",
        "curve25519-dalek",
    ]);
    format!("Versions: {crates}")
}
