//! dudect-style check that `Signer::verify` does not leak how much of a forged signature is right.
//!
//! Two classes of forgeries of the same id, interleaved at random: *left* matches the correct
//! tag in its first byte only, *right* in all but its last byte. A comparison that stops at the
//! first differing byte takes measurably longer on the right class; Welch's t-test over the two
//! timing distributions shows it as a large |t| (above 5 is the usual "leaks" verdict).
//!
//! The `naive_eq_control` bench does the same with an early-exit comparison, to show that this
//! machine and sample count can see a leak of that size at all; `parse_only` parses the same
//! forgeries without any MAC, to tell effects of reading the (public) signature apart from
//! effects of comparing it with the secret tag.
//!
//! `cargo bench -p sigcookie-bench --bench ct_verify` runs each check once with a bounded number
//! of samples; `cargo bench -p sigcookie-bench --bench ct_verify -- --continuous verify` keeps
//! sampling until interrupted.

mod common;

use std::hint::black_box;

use common::Sigcookie;
use dudect_bencher::ctbench::{BenchMetadata, BenchName, BenchOpts, run_benches_console};
use dudect_bencher::rand::RngExt;
use dudect_bencher::{BenchRng, Class, CtRunner};
use sigcookie::Error;

/// Timings per run: about two seconds of verifying on a 2-core machine.
const SAMPLES: usize = 2_000_000;

/// Distinct forgeries per class, cycled through.
const POOL: usize = 1024;

/// The correct value's id and tag, and forgeries of the two classes.
struct Forgeries {
    reference: Sigcookie,
    left: Vec<String>,
    right: Vec<String>,
}

impl Forgeries {
    fn new(rng: &mut BenchRng) -> Forgeries {
        let reference = Sigcookie::reference(common::now());
        let (id, sig) = reference.value().split_once('.').expect("id.sig");
        let tag = hex_decode(sig);
        let last = tag.len() - 1;
        // XOR with a non-zero byte changes a byte for sure.
        let mut forge = |keep: std::ops::Range<usize>| {
            let mut forged = tag.clone();
            for (i, byte) in forged.iter_mut().enumerate() {
                if !keep.contains(&i) {
                    *byte ^= rng.random_range(1..=255u8);
                }
            }
            format!("{id}.{}", hex_encode(&forged))
        };
        let left = (0..POOL).map(|_| forge(0..1)).collect();
        let right = (0..POOL).map(|_| forge(0..last)).collect();
        Forgeries {
            reference,
            left,
            right,
        }
    }

    /// Runs `check` on a random class's forgery `SAMPLES` times.
    ///
    /// Each forgery is first copied into one buffer, so every timed call reads the same address.
    /// Read in place, each string's offset within its cache lines (a 16-byte load that straddles
    /// two lines is slower) made one class a little faster than the other: |t| up to 100 whose
    /// sign changed with each run's allocations, a property of the heap rather than of `verify`.
    fn run(&self, runner: &mut CtRunner, rng: &mut BenchRng, check: impl Fn(&str) -> bool) {
        let mut slot = String::with_capacity(sigcookie::MAX_VALUE_LEN);
        for i in 0..SAMPLES {
            let (class, pool) = if rng.random::<bool>() {
                (Class::Left, &self.left)
            } else {
                (Class::Right, &self.right)
            };
            slot.clear();
            slot.push_str(&pool[i % POOL]);
            runner.run_one(class, || check(black_box(&slot)));
        }
    }
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn verify(runner: &mut CtRunner, rng: &mut BenchRng) {
    let forgeries = Forgeries::new(rng);
    let signer = forgeries.reference.signer();
    forgeries.run(runner, rng, |value| {
        signer.verify(value) == Err(Error::BadSignature)
    });
}

/// Parsing alone, no MAC and no comparison: what reading the two classes' (public) signatures
/// costs. Whatever difference shows here has nothing to do with the secret tag.
fn parse_only(runner: &mut CtRunner, rng: &mut BenchRng) {
    let forgeries = Forgeries::new(rng);
    forgeries.run(runner, rng, |value| {
        sigcookie::format::inspect(value).is_ok()
    });
}

/// Positive control: the correct value compared byte by byte with an early exit, as a naive
/// `==` on the signatures would. Its |t| shows the size of leak this run could detect.
fn naive_eq_control(runner: &mut CtRunner, rng: &mut BenchRng) {
    let forgeries = Forgeries::new(rng);
    let correct = forgeries.reference.value().as_bytes();
    forgeries.run(runner, rng, |value| {
        let value = value.as_bytes();
        // `black_box` on each byte keeps the loop from becoming a vectorised `memcmp`, which
        // compares 16 or 32 bytes at a time and would hide the early exit.
        value.len() == correct.len()
            && value
                .iter()
                .zip(correct)
                .all(|(a, b)| black_box(*a) == black_box(*b))
    });
}

/// Instead of `ctbench_main!`: its argument parser rejects the `--bench` flag that `cargo bench`
/// passes to every bench binary, so plain `cargo bench` would fail.
fn main() {
    let mut opts = BenchOpts::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--continuous" => {
                opts.continuous = true;
                opts.filter = args.next();
            }
            "--filter" => opts.filter = args.next(),
            "--out" => opts.file_out = args.next().map(Into::into),
            _ => {}
        }
    }
    let benches = vec![
        BenchMetadata {
            name: BenchName("verify"),
            seed: None,
            benchfn: verify,
        },
        BenchMetadata {
            name: BenchName("parse_only"),
            seed: None,
            benchfn: parse_only,
        },
        BenchMetadata {
            name: BenchName("naive_eq_control"),
            seed: None,
            benchfn: naive_eq_control,
        },
    ];
    run_benches_console(opts, benches).expect("write results");
}
