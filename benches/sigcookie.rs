//! Sign and verify cost of the core signers.

use criterion::{Criterion, criterion_group, criterion_main};
use sigcookie::{Key, Signer, TimestampSigner};
use std::hint::black_box;

fn sign_verify(c: &mut Criterion) {
    let key = Key::from_bytes(&[7; 32]).expect("32-byte key");
    let signer = Signer::new(&key, "session").expect("valid purpose");
    let timed = TimestampSigner::new(signer.clone(), 3600);
    let value = signer.sign("12345").expect("valid id");
    let timed_value = timed.sign_at("12345", 1_764_000_000).expect("valid id");

    let mut group = c.benchmark_group("core");
    group.bench_function("sign_value/untimed", |b| {
        b.iter(|| signer.sign_value(black_box("12345")))
    });
    group.bench_function("verify/untimed", |b| {
        b.iter(|| signer.verify(black_box(&value)))
    });
    group.bench_function("verify/timed", |b| {
        b.iter(|| timed.verify_at(black_box(&timed_value), black_box(1_764_000_100)))
    });
    group.finish();
}

criterion_group!(benches, sign_verify);
criterion_main!(benches);
