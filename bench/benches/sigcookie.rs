//! The full comparison with criterion: sign and verify for sigcookie, `jsonwebtoken` and
//! `cookie`'s `SignedJar`, the two-compression floor, and verify on two threads.
//!
//! `cargo bench -p sigcookie-bench --bench sigcookie`; HTML report in
//! `target/criterion/report/index.html`. Each group runs in one process, so ratios within a run
//! share the machine's conditions.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{Floor, Sigcookie};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

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

criterion_group!(benches, floor, sign_and_verify, verify_threads);
criterion_main!(benches);
