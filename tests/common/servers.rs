//! Where a server of a test's own runs: whether it is installed, a folder and a free port.
//! Only the standard library, so that the panel's tests share it (and `postgres.rs`) too.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether a test that needs a server program can run: `found` says whether it is installed.
/// Without it the test says so and passes, except under `CI=true`, where CI has installed it
/// and its absence is a failure.
pub fn server_installed(what: &str, found: bool) -> bool {
    if found {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is required under CI=true"
    );
    eprintln!("skipping: {what} is not installed");
    false
}

/// A fresh, empty folder for one server of this test process: `kind` names it, a counter keeps
/// two servers of one process apart.
pub fn server_folder(kind: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sigcookie-{kind}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

/// A loopback port free when asked for (another process may take it before the server binds it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
