//! "Log out" on the server: one session ends, in the store and for every copy of its value,
//! while the user's other sessions stay; logouts expire with their sessions' lifetime and are
//! capped per user, failing closed. The file store keeps them across a restart; the Redis store
//! shares them (tests/redis.rs).

mod common;

use std::sync::Arc;

use common::ManualClock;
use sigcookie::store::{CutoffStore, FileStore, LOGOUTS_PER_USER, MemoryStore};
use sigcookie::web::{Duration, SessionCookie};
use sigcookie::{Cutoffs, Error, Key, Revocations};

const T0: u64 = 1_764_000_000;
const LIFETIME: u64 = 8 * 3_600;

fn cookie(clock: &ManualClock, store: Arc<dyn CutoffStore>) -> SessionCookie {
    SessionCookie::builder(&Key::from_bytes(&[9; 32]).expect("key"), "__Host-s")
        .max_age(Duration::hours(1))
        .lifetime(Duration::hours(8))
        .clock(clock.clone())
        .store(store)
        .build()
        .expect("valid")
}

#[test]
fn a_logout_ends_that_session_and_every_copy_of_it_but_no_other() {
    let clock = ManualClock::new(T0);
    let store = Arc::new(MemoryStore::new());
    let cookie = cookie(&clock, store.clone());
    let phone = cookie.issue("42").expect("login");
    clock.advance(90);
    let laptop = cookie.issue("42").expect("login");
    let theirs = cookie.issue("7").expect("login");

    let removal = cookie
        .verify(phone.value())
        .expect("valid")
        .log_out()
        .expect("stored");
    assert_eq!(removal.value(), "");
    assert_eq!(removal.max_age(), Some(Duration::ZERO));
    // The copy a thief kept is refused, renewed or not; the other sessions stay.
    assert_eq!(
        cookie.verify(phone.value()).err(),
        Some(Error::LoggedOut { logged_in_at: T0 })
    );
    assert!(cookie.verify(laptop.value()).is_ok());
    assert!(cookie.verify(theirs.value()).is_ok());
    // A session verified before the logout cannot be renewed after it either.
    let stale = cookie.verify(laptop.value()).expect("valid");
    stale.log_out().expect("stored");
    assert!(matches!(stale.renewal(0.0), Err(Error::LoggedOut { .. })));
    // Logging out twice is no error, and changes nothing.
    stale.log_out().expect("again");
    assert_eq!(store.users(), 1);
    assert!(store.session_cutoffs("42", T0).is_logged_out());
    assert!(!store.session_cutoffs("42", T0 + 1).is_logged_out());
    assert!(
        !store.cutoffs("42").is_logged_out(),
        "the user is not revoked"
    );
}

#[test]
fn two_logins_in_one_second_are_one_session_and_a_login_after_the_logout_is_not() {
    let clock = ManualClock::new(T0);
    let cookie = cookie(&clock, Arc::new(MemoryStore::new()));
    let (first, second) = (
        cookie.issue("42").expect("login"),
        cookie.issue("42").expect("login"),
    );
    cookie
        .verify(first.value())
        .expect("valid")
        .log_out()
        .expect("stored");
    // Both carry login time T0: the logout names the session by id and login second.
    assert!(matches!(
        cookie.verify(second.value()),
        Err(Error::LoggedOut { logged_in_at: T0 })
    ));
    // A login later in that same second gets the next second, so it is not born logged out.
    let third = cookie.issue("42").expect("login");
    let session = cookie.verify(third.value()).expect("valid");
    assert_eq!(session.logged_in_at().unix_timestamp() as u64, T0 + 1);
}

#[test]
fn a_full_list_turns_the_oldest_logout_into_a_cut_off_and_forgets_none() {
    let store = MemoryStore::new();
    let until = T0 + 10 * LIFETIME;
    let logins: Vec<u64> = (0..=LOGOUTS_PER_USER as u64).map(|i| T0 + 10 * i).collect();
    for &login in &logins[..LOGOUTS_PER_USER] {
        store.revoke_session("42", login, until).expect("stored");
    }
    assert_eq!(
        store.cutoffs("42"),
        Cutoffs::NONE,
        "within the cap: no cut-off"
    );
    store
        .revoke_session("42", logins[LOGOUTS_PER_USER], until)
        .expect("stored");
    // One over the cap: the oldest logout is now a cut-off just past it, and every logout is
    // still in force, by the cut-off or by the list.
    assert_eq!(store.cutoffs("42"), Cutoffs::at(T0 + 1));
    for &login in &logins {
        let cutoffs = store.session_cutoffs("42", login);
        let refused = cutoffs.is_logged_out() || cutoffs.not_before().is_some_and(|c| login < c);
        assert!(refused, "the logout of {login} was forgotten");
    }
    // A session between two logouts, older than none of the cut-off, stays.
    assert!(!store.session_cutoffs("42", T0 + 5).is_logged_out());
    assert_eq!(store.cutoffs("42").not_before(), Some(T0 + 1));
}

#[test]
fn logouts_expire_once_a_session_that_began_after_their_end_logs_out() {
    let store = MemoryStore::new();
    store
        .revoke_session("42", T0, T0 + LIFETIME)
        .expect("stored");
    store
        .revoke_session("7", T0, T0 + LIFETIME)
        .expect("stored");
    // Still needed: a later logout that began before their end keeps them.
    store
        .revoke_session("42", T0 + LIFETIME, T0 + 2 * LIFETIME)
        .expect("stored");
    assert!(store.session_cutoffs("42", T0).is_logged_out());
    // Past their end they go, first the user's own list when it changes...
    store
        .revoke_session("42", T0 + LIFETIME + 1, T0 + 3 * LIFETIME)
        .expect("stored");
    assert!(!store.session_cutoffs("42", T0).is_logged_out());
    assert!(store.session_cutoffs("42", T0 + LIFETIME).is_logged_out());
    // ...then every list, in a sweep every few hundred logouts, so a user who never logs out
    // again does not keep an entry for ever.
    for i in 0..300 {
        store
            .revoke_session("99", T0 + 2 * LIFETIME + i, T0 + 3 * LIFETIME)
            .expect("stored");
    }
    assert!(!store.session_cutoffs("7", T0).is_logged_out());
    assert_eq!(store.users(), 2, "7's entry is gone: {store:?}");
}

#[test]
fn an_invalid_id_is_refused_before_anything_is_stored() {
    let store = MemoryStore::new();
    assert!(store.revoke_session("a b", T0, T0 + LIFETIME).is_err());
    assert_eq!(store.users(), 0);
}

#[test]
fn a_file_store_keeps_logouts_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("sigcookie-logout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cutoffs.json");
    let clock = ManualClock::new(T0);
    let (phone, laptop) = {
        let store: Arc<dyn CutoffStore> = Arc::new(FileStore::open(&path).expect("created"));
        let cookie = cookie(&clock, store);
        let phone = cookie.issue("42").expect("login");
        clock.advance(5);
        let laptop = cookie.issue("42").expect("login");
        cookie
            .verify(phone.value())
            .expect("valid")
            .log_out()
            .expect("on disk");
        (phone, laptop)
    };
    let text = std::fs::read_to_string(&path).expect("the file");
    assert!(text.contains("\"logouts\""), "{text}");
    let store: Arc<dyn CutoffStore> = Arc::new(FileStore::open(&path).expect("reopened"));
    let cookie = cookie(&clock, store);
    assert!(matches!(
        cookie.verify(phone.value()),
        Err(Error::LoggedOut { .. })
    ));
    assert!(cookie.verify(laptop.value()).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_login_time_far_ahead_expires_no_one_elses_logouts() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let store = MemoryStore::new();
    store
        .revoke_session("42", now - 60, now + LIFETIME)
        .expect("stored");
    // A logout dated far ahead: a clock that ran ahead, or an entry planted in a shared store.
    store
        .revoke_session("7", u64::MAX - 10, u64::MAX)
        .expect("stored");
    // Enough logouts for a sweep of every list.
    for i in 0..300 {
        store
            .revoke_session("99", now - 1_000 + i, now + LIFETIME)
            .expect("stored");
    }
    assert!(
        store.session_cutoffs("42", now - 60).is_logged_out(),
        "42's logout outlived the planted one"
    );
}

use proptest::prelude::*;

/// One change to a store: a logout of `(user, login)` kept `keep` seconds past its login, or a
/// cut-off for `user`.
#[derive(Clone, Debug)]
enum Change {
    LogOut { user: u8, login: u16, keep: u16 },
    CutOff { user: u8, at: u16 },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (0u8..4, any::<u16>(), 1u16..2_000).prop_map(|(user, login, keep)| Change::LogOut { user, login, keep }),
        1 => (0u8..4, any::<u16>()).prop_map(|(user, at)| Change::CutOff { user, at }),
    ]
}

proptest! {
    /// Whatever the order of logouts and cut-offs, a session logged out is refused until its
    /// logout's end has passed the newest logout's login (the store's only reason to forget
    /// it), by its logout or by a cut-off that the cap or a revocation raised; and no session
    /// is refused that was neither logged out nor below a cut-off.
    #[test]
    fn no_logout_is_forgotten_before_its_end(changes in prop::collection::vec(change(), 1..200)) {
        let store = MemoryStore::new();
        let base = T0;
        let mut logged_out: Vec<(String, u64, u64)> = Vec::new();
        let mut cut: std::collections::HashMap<String, u64> = Default::default();
        let mut newest = 0;
        for change in &changes {
            match *change {
                Change::LogOut { user, login, keep } => {
                    let (id, login) = (format!("u{user}"), base + u64::from(login));
                    let until = login + u64::from(keep);
                    store.revoke_session(&id, login, until).expect("stored");
                    logged_out.push((id, login, until));
                    newest = newest.max(login);
                }
                Change::CutOff { user, at } => {
                    let (id, at) = (format!("u{user}"), base + u64::from(at));
                    store.revoke_user(&id, at).expect("stored");
                    let c = cut.entry(id).or_default();
                    *c = (*c).max(at);
                }
            }
        }
        let refused = |id: &str, login: u64| {
            let cutoffs = store.session_cutoffs(id, login);
            cutoffs.is_logged_out() || cutoffs.not_before().is_some_and(|c| login < c)
        };
        for (id, login, until) in &logged_out {
            if *until >= newest {
                prop_assert!(refused(id, *login), "{id} at {login} (until {until}) forgotten");
            }
        }
        // A session of a user without any logout or cut-off is never refused.
        prop_assert!(!refused("u9", base + 1));
        // Refusals come only from logouts and cut-offs: a cap may raise a user's cut-off, but
        // never past that user's own logouts.
        for user in 0..4u8 {
            let id = format!("u{user}");
            if let Some(c) = store.cutoffs(&id).not_before() {
                let own_cut = cut.get(&id).copied().unwrap_or(0);
                let own_logouts = logged_out.iter().filter(|(i, ..)| *i == id).map(|(_, l, _)| l + 1).max().unwrap_or(0);
                prop_assert!(c <= own_cut.max(own_logouts), "{id}: cut-off {c} from nowhere");
            }
        }
    }
}
