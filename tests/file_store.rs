//! The file store of revocation cut-offs: restarts keep every revocation, a broken file is an
//! error at start, and a writer killed in the middle of a write leaves the old or the new state.
#![cfg(feature = "file-store")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sigcookie::store::{CutoffStore, FileStore, StoreError};
use sigcookie::{Cutoffs, Revocations};

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigcookie-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_restart_keeps_every_revocation() {
    let dir = folder("restart");
    let path = dir.join("cutoffs.json");
    {
        let store = FileStore::open(&path).expect("created");
        assert_eq!(store.cutoffs("42"), Cutoffs::NONE);
        store.revoke_user("42", 2_000).expect("revoke");
        store
            .revoke_user("42", 1_000)
            .expect("an earlier time changes nothing");
        store.revoke_user("user-7", 3_000).expect("revoke");
        store.revoke_all(1_500).expect("revoke");
    }
    let store = FileStore::open(&path).expect("reopened");
    assert_eq!(store.cutoffs("42"), Cutoffs::at(2_000));
    assert_eq!(store.cutoffs("user-7"), Cutoffs::at(3_000));
    assert_eq!(store.cutoffs("nobody"), Cutoffs::at(1_500));
    assert_eq!(store.global(), Some(1_500));
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
    drop(store);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_broken_file_is_an_error_at_start_never_no_cut_offs() {
    let dir = folder("broken");
    let path = dir.join("cutoffs.json");
    for (what, text) in [
        (
            "truncated",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 5, "users": {"#,
        ),
        ("empty", ""),
        ("not JSON", "not_before = 5"),
        (
            "another format",
            r#"{"format": "other", "not_before": 5, "users": {}}"#,
        ),
        (
            "an unknown field",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 5, "users": {}, "x": 1}"#,
        ),
        (
            "a negative time",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": -5, "users": {}}"#,
        ),
        (
            "an id no signer signs",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 5, "users": {"a b": 1}}"#,
        ),
        // A hand-edited file: read as a map, the later of two entries would win, and could
        // lower a cut-off. This crate never writes one.
        (
            "a user twice",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 5, "users": {"42": 9, "42": 1}}"#,
        ),
        (
            "a user's logouts twice",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 5, "users": {},
                "logouts": {"7": [[1, 2]], "7": []}}"#,
        ),
        (
            "the global cut-off twice",
            r#"{"format": "sigcookie-cutoffs-v1", "not_before": 9, "not_before": 1, "users": {}}"#,
        ),
    ] {
        std::fs::write(&path, text).expect("write");
        match FileStore::open(&path) {
            Err(StoreError::Corrupt { .. }) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // Unreadable: a folder where the file should be.
    let folder_path = dir.join("a-folder");
    std::fs::create_dir_all(&folder_path).expect("mkdir");
    assert!(matches!(
        FileStore::open(&folder_path),
        Err(StoreError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn one_store_owns_its_file() {
    let dir = folder("owner");
    let path = dir.join("cutoffs.json");
    let first = FileStore::open(&path).expect("opened");
    match FileStore::open(&path) {
        Err(StoreError::Io { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::WouldBlock)
        }
        other => panic!("a second writer was let in: {other:?}"),
    }
    drop(first);
    assert!(FileStore::open(&path).is_ok(), "free again once dropped");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A stale-lock cleaner or a tmp reaper that deletes the lock file must not hand the store to
/// a second process while the first still writes: each would overwrite the other's
/// revocations, and one acknowledged as on disk would be lost.
#[test]
fn a_deleted_lock_file_does_not_hand_the_store_to_a_second_writer() {
    let dir = folder("lock-deleted");
    let path = dir.join("cutoffs.json");
    let first = FileStore::open(&path).expect("opened");
    first.revoke_user("alice", 1_000).expect("revoke");
    std::fs::remove_file(dir.join("cutoffs.json.lock")).expect("delete the lock file");
    let second = FileStore::open(&path).expect("the lock file is gone, so this one opens");
    let mut acknowledged = vec!["alice"];
    match first.revoke_user("bob", 2_000) {
        Err(StoreError::LockLost { .. }) => {}
        Ok(()) => acknowledged.push("bob"),
        Err(other) => panic!("bob: {other:?}"),
    }
    second
        .revoke_user("carol", 3_000)
        .expect("the new owner writes");
    acknowledged.push("carol");
    drop((first, second));
    let reopened = FileStore::open(&path).expect("reopened");
    for id in &acknowledged {
        assert!(
            reopened.cutoffs(id).not_before().is_some(),
            "{id}'s revocation was acknowledged but is not in the file"
        );
    }
    assert_eq!(
        acknowledged,
        ["alice", "carol"],
        "the store that lost its lock went on writing"
    );
    drop(reopened);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_revocation_whose_write_failed_is_written_by_its_retry() {
    let dir = folder("retry");
    let path = dir.join("cutoffs.json");
    let store = FileStore::open(&path).expect("created");
    // A folder where the temporary file goes stands for a full disk or an I/O error.
    let blocker = dir.join("cutoffs.json.tmp");
    std::fs::create_dir(&blocker).expect("mkdir");
    assert!(matches!(
        store.revoke_user("42", 2_000),
        Err(StoreError::Io { ref path, .. }) if path == &blocker
    ));
    // In force in this process all the same.
    assert_eq!(store.cutoffs("42"), Cutoffs::at(2_000));
    std::fs::remove_dir(&blocker).expect("rmdir");
    // The retry changes nothing in memory, but must still reach the file.
    store.revoke_user("42", 2_000).expect("retried");
    drop(store);
    let reopened = FileStore::open(&path).expect("reopened");
    assert_eq!(reopened.cutoffs("42"), Cutoffs::at(2_000));
    drop(reopened);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_at_the_temporary_name_is_not_followed() {
    let dir = folder("symlink");
    let path = dir.join("cutoffs.json");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").expect("victim");
    let store = FileStore::open(&path).expect("created");
    std::os::unix::fs::symlink(&victim, dir.join("cutoffs.json.tmp")).expect("plant");
    store.revoke_all(5).expect("revoked");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    assert!(!std::fs::symlink_metadata(&path).expect("file").is_symlink());
    drop(store);
    assert_eq!(FileStore::open(&path).expect("reopened").global(), Some(5));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_file_missing_after_a_previous_start_is_an_error() {
    let dir = folder("missing");
    let path = dir.join("cutoffs.json");
    drop(FileStore::open(&path).expect("first start"));
    std::fs::remove_file(&path).expect("lose the file");
    match FileStore::open(&path) {
        Err(StoreError::Io { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
        }
        other => panic!("a lost file started as no cut-offs: {other:?}"),
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// The environment variable that turns [`child_writer`] on, naming its file.
const CHILD_ENV: &str = "SIGCOOKIE_TEST_CHILD_STORE";

/// Run by [`a_writer_killed_mid_write_leaves_the_old_or_the_new_state`] in a child process:
/// revokes user after user, saying `ok N` once revocation N returned. Does nothing otherwise.
#[test]
#[ignore = "a child process of the crash test"]
fn child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = FileStore::open(path).expect("child opens the store");
    for n in 1u64.. {
        store.revoke_user(&format!("user-{n}"), n).expect("revoke");
        println!("ok {n}");
    }
}

/// When to kill the writer once it acknowledged enough revocations.
#[derive(Clone, Copy)]
enum Pause {
    /// After this long, wherever the writer is.
    For(Duration),
    /// This long after its next temporary file appears: inside a write.
    UntilWriting(Duration),
}

/// Starts [`child_writer`] on `path` (a file named `cutoffs.json`) and kills it (SIGKILL) once
/// it has acknowledged `after` revocations and `pause` has passed. Returns the last
/// acknowledged revocation.
fn kill_writer_after(path: &Path, after: u64, pause: Pause) -> u64 {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    // The pipe stays open until the child is killed: closed earlier, the child would die of
    // a broken pipe at its next `println`, between writes, and never inside one.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut acknowledged = 0;
    let mut line = String::new();
    while acknowledged < after {
        line.clear();
        let read = stdout.read_line(&mut line).expect("child output");
        assert!(read > 0, "the child writer ended early");
        if let Some(n) = line.trim_end().strip_prefix("ok ") {
            acknowledged = n.parse().expect("a number");
        }
        assert!(Instant::now() < deadline, "the child writer stalled");
    }
    match pause {
        Pause::For(pause) => std::thread::sleep(pause),
        // Wait for the next write to begin, then kill inside it.
        Pause::UntilWriting(then) => {
            let temporary = path.with_file_name("cutoffs.json.tmp");
            while !temporary.exists() && Instant::now() < deadline {
                std::hint::spin_loop();
            }
            std::thread::sleep(then);
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    drop(stdout);
    acknowledged
}

/// A process killed at random points while writing its cut-off file: every restart finds a
/// whole file holding at least every revocation that was acknowledged, and never a broken one.
#[test]
fn a_writer_killed_mid_write_leaves_the_old_or_the_new_state() {
    let dir = folder("crash");
    let path = dir.join("cutoffs.json");
    // A few thousand users make each write take long enough for kills to land inside it.
    let users: Vec<String> = (0..5_000u64)
        .map(|n| format!("\"seed-{n}\": {n}"))
        .collect();
    let seed = format!(
        r#"{{"format": "sigcookie-cutoffs-v1", "not_before": 0, "users": {{{}}}}}"#,
        users.join(", ")
    );
    std::fs::write(&path, seed).expect("seed");
    let mut acknowledged_total = 0;
    let mut killed_mid_write = 0;
    // A write cycle of this file takes some milliseconds (serialising, writing, two flushes):
    // pauses of a fraction of a millisecond up land the kills at varied points of it, and
    // every other round waits for a write to begin and kills inside it.
    for round in 0..12u64 {
        let pause = if round % 2 == 0 {
            Pause::For(Duration::from_micros(round * round * 97))
        } else {
            Pause::UntilWriting(Duration::from_micros(round * 23))
        };
        let acknowledged = kill_writer_after(&path, 1 + round % 3, pause);
        // A temporary file left behind shows the kill landed inside a write.
        killed_mid_write += u32::from(dir.join("cutoffs.json.tmp").exists());
        let store = FileStore::open(&path).expect("a whole file after a kill");
        for n in 1..=acknowledged {
            assert_eq!(
                store.cutoffs(&format!("user-{n}")),
                Cutoffs::at(n),
                "round {round}: acknowledged revocation {n} lost"
            );
        }
        assert_eq!(store.cutoffs("seed-4999"), Cutoffs::at(4_999));
        acknowledged_total += acknowledged;
    }
    assert!(acknowledged_total > 0);
    eprintln!("{killed_mid_write} of 12 kills landed inside a write");
    assert!(killed_mid_write > 0, "no kill landed inside a write");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
