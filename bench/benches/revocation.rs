//! What revocation costs a verify: a session value verified with no cut-offs, and verified
//! against a store holding 100,000 users' cut-offs, a store holding 100,000 sessions logged
//! out on their own, or one global cut-off.
//!
//! `cargo bench -p sigcookie-bench --bench revocation`. The file and Redis stores answer from
//! the same in-memory table as [`MemoryStore`] (they touch disk or network only to revoke), so
//! this is their verify cost too.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sigcookie::store::{CutoffStore, LOGOUTS_PER_USER, MemoryStore};
use sigcookie::{Cutoffs, Key, Revocations, SessionSigner, Signer};

/// Sessions logged out on their own in the second store.
const LOGGED_OUT: u64 = 100_000;
const NOW: u64 = 1_764_000_000;

fn revocation(c: &mut Criterion) {
    let key = Key::from_bytes(&[7; 32]).expect("key");
    let signer = SessionSigner::new(Signer::new(&key, "session").expect("signer"), 3600, 43_200);
    let store = MemoryStore::new();
    common::store::fill(&store, NOW);
    // Logged in ten minutes ago, renewed a minute ago: a session value whose two times differ.
    let session = |id: &str| {
        let login = signer
            .login_at(id, NOW - 600, &Cutoffs::NONE)
            .expect("login");
        let verified = signer
            .verify_at(&login, NOW - 60, &Cutoffs::NONE)
            .expect("valid login");
        signer
            .renew_at(&verified, NOW - 60, &Cutoffs::NONE)
            .expect("renew")
    };
    let value = session("12345");
    let stranger = session("54321");

    let mut group = c.benchmark_group("revocation");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("session verify", |b| {
        b.iter(|| {
            signer
                .verify_at(black_box(&value), NOW, &Cutoffs::NONE)
                .is_ok()
        })
    });
    group.bench_function(
        "session verify + store of 100k users (id has an entry)",
        |b| b.iter(|| signer.verify_at(black_box(&value), NOW, &store).is_ok()),
    );
    group.bench_function("session verify + store of 100k users (id has none)", |b| {
        b.iter(|| signer.verify_at(black_box(&stranger), NOW, &store).is_ok())
    });
    // 100,000 sessions logged out on their own: 10,000 users with 10 each, and the id under
    // test with the most a user can have short of the cap, none of them its own session.
    let logouts = MemoryStore::new();
    for n in 0..LOGGED_OUT / 10 {
        for i in 0..10 {
            logouts
                .revoke_session(&format!("user-{n}"), NOW - 7_200 + i, NOW + 43_200)
                .expect("log out");
        }
    }
    // Every other second, so that a session can begin between two of them.
    for i in 0..LOGOUTS_PER_USER as u64 - 1 {
        logouts
            .revoke_session("12345", NOW - 3_600 + 2 * i, NOW + 43_200)
            .expect("log out");
    }
    assert!(!logouts.session_cutoffs("12345", NOW - 600).is_logged_out());
    // A session that began between two of its user's logouts: the lookup searches the list.
    let between_at = NOW - 3_599;
    let between = signer
        .login_at("12345", between_at, &Cutoffs::NONE)
        .expect("login");
    assert!(!logouts.session_cutoffs("12345", between_at).is_logged_out());
    group.bench_function(
        "session verify + store of 100k logged-out sessions (id has 31)",
        |b| b.iter(|| signer.verify_at(black_box(&value), NOW, &logouts).is_ok()),
    );
    group.bench_function(
        "session verify + store of 100k logged-out sessions (id has 31, session among them)",
        |b| {
            b.iter(|| {
                signer
                    .verify_at(black_box(&between), NOW - 3_000, &logouts)
                    .is_ok()
            })
        },
    );
    group.bench_function(
        "session verify + store of 100k logged-out sessions (id has none)",
        |b| {
            b.iter(|| {
                signer
                    .verify_at(black_box(&stranger), NOW, &logouts)
                    .is_ok()
            })
        },
    );
    group.bench_function("lookup alone, the id has 31, session newer", |b| {
        b.iter(|| logouts.session_cutoffs(black_box("12345"), black_box(NOW - 600)))
    });
    group.bench_function("lookup alone, the id has 31, session among them", |b| {
        b.iter(|| logouts.session_cutoffs(black_box("12345"), black_box(between_at)))
    });
    group.bench_function("session verify + one global cut-off", |b| {
        let global = Cutoffs::at(NOW - 86_400);
        b.iter(|| {
            signer
                .verify_at(black_box(&value), NOW, black_box(&global))
                .is_ok()
        })
    });
    group.finish();
}

criterion_group!(benches, revocation);
criterion_main!(benches);
