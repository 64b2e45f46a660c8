//! The full comparison with criterion: sign and verify for sigcookie, `jsonwebtoken` and
//! `cookie`'s `SignedJar`, the two-compression floor, and verify on two threads; then the same
//! for Ed25519 values against `jsonwebtoken`'s EdDSA and `ed25519-dalek` alone, and a forged
//! value against four keys (`-- ed25519` runs only those).
//!
//! `cargo bench -p sigcookie-bench --bench sigcookie`; HTML report in
//! `target/criterion/report/index.html`. Each group runs in one process, so ratios within a run
//! share the machine's conditions.

mod common;

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Depths, Floor, Forged, Sigcookie};
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

/// Short runs: the whole `cargo bench` stays within a few minutes on two cores.
fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    group
}

fn floor(c: &mut Criterion) {
    let mut floor = Floor::new();
    let mut group = group(c, "floor");
    group.bench_function("sha256 2 compressions", |b| b.iter(|| floor.run()));
    group.bench_function("sha256 2 compressions chained", |b| {
        b.iter(|| floor.run_chained())
    });
    group.bench_function("hmac crate id5", |b| b.iter(|| floor.run_hmac()));
    group.finish();
}

fn sign_and_verify(c: &mut Criterion) {
    let mut contenders = common::contenders(common::now());
    println!("value sizes in bytes:");
    for contender in &contenders {
        println!("  {:<40} {:>4}", contender.name(), contender.size());
    }
    let mut sign = group(c, "sign");
    for contender in &mut contenders {
        sign.bench_function(contender.name(), |b| b.iter(|| contender.sign()));
    }
    sign.finish();
    let mut verify = group(c, "verify");
    for contender in &contenders {
        verify.bench_function(contender.name(), |b| b.iter(|| contender.verify()));
    }
    verify.finish();
}

/// Both threads verify with one shared signer; criterion reports elements per second, so the
/// throughput of the two entries is the scaling factor directly.
fn verify_threads(c: &mut Criterion) {
    let reference = Sigcookie::reference(common::now());
    let mut group = group(c, "verify threads");
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(threads as u64));
        group.bench_function(format!("{threads} threads"), |b| {
            b.iter_custom(|iters| reference.verify_on_threads(black_box(threads), iters))
        });
    }
    group.finish();
}

/// Times `f` like `Bencher::iter`, each of criterion's samples spread over 16 depths on the
/// stack ([`common::at_depth`]): the time of an Ed25519 operation depends on where on the stack
/// it runs, and sigcookie and `ed25519-dalek` alone must get the same mix of places.
fn iter_shifted(b: &mut Bencher, depths: &RefCell<Depths>, mut f: impl FnMut()) {
    b.iter_custom(|iters| {
        let chunk = iters.div_ceil(16);
        let mut left = iters;
        let mut total = Duration::ZERO;
        while left > 0 {
            let n = left.min(chunk);
            let depth = depths.borrow_mut().next_depth();
            total += common::at_depth(depth, &mut || {
                let start = Instant::now();
                for _ in 0..n {
                    f();
                }
                start.elapsed()
            });
            left -= n;
        }
        total
    });
}

/// Ed25519 values: sigcookie and `jsonwebtoken` EdDSA, each sigcookie value beside
/// `ed25519-dalek` signing and checking (`verify_strict`) the same message alone, and a forged
/// value against a verifier holding four keys, beside `verify_strict` of it alone.
fn ed25519(c: &mut Criterion) {
    let now = common::now();
    let mut contenders = common::ed25519_contenders(now);
    let bare = common::bare_ed25519(now);
    let forged = Forged::new();
    let depths = RefCell::new(Depths::new());
    println!("Ed25519 value sizes in bytes:");
    for contender in &contenders {
        println!("  {:<40} {:>4}", contender.name(), contender.size());
    }
    let mut sign = group(c, "ed25519 sign");
    for contender in &mut contenders {
        sign.bench_function(contender.name(), |b| {
            iter_shifted(b, &depths, || contender.sign())
        });
    }
    for bare in &bare {
        sign.bench_function(bare.name(), |b| iter_shifted(b, &depths, || bare.sign()));
    }
    sign.finish();
    let mut verify = group(c, "ed25519 verify");
    for contender in &contenders {
        verify.bench_function(contender.name(), |b| {
            iter_shifted(b, &depths, || contender.verify())
        });
    }
    for bare in &bare {
        verify.bench_function(bare.name(), |b| iter_shifted(b, &depths, || bare.verify()));
    }
    verify.bench_function(Forged::NAME, |b| iter_shifted(b, &depths, || forged.run()));
    let forged_bare = forged.bare();
    verify.bench_function(forged_bare.name(), |b| {
        iter_shifted(b, &depths, || forged_bare.verify())
    });
    verify.finish();
}

criterion_group!(benches, floor, sign_and_verify, verify_threads, ed25519);
criterion_main!(benches);
