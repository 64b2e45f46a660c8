//! The store of the revocation and extractor benches: 100,000 users' cut-offs and a global one,
//! the id under test (`12345`) with an entry of its own, so a verify pays for the full lookup.

use sigcookie::store::{CutoffStore, MemoryStore};

/// Users with a cut-off of their own.
pub const USERS: u64 = 100_000;

/// Fills `store` with every cut-off a day or more before `now` (the id under test's two hours
/// before), so none of them refuses a session logged in since.
pub fn fill(store: &MemoryStore, now: u64) {
    for n in 0..USERS {
        store
            .revoke_user(&format!("user-{n}"), now - 86_400 - n)
            .expect("revoke");
    }
    store.revoke_user("12345", now - 7_200).expect("revoke");
    store.revoke_all(now - 86_400).expect("revoke");
    assert_eq!(store.users(), USERS as usize + 1);
}
