//! Bounded attacks on loopback: held and half-sent connections against the connection loop,
//! and password guessing against the login throttle. Each stops by itself: counts and
//! durations are fixed, and every wait has a timeout.

use std::time::{Duration as StdDuration, Instant};

use sigcookie::web::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::Limits;
use crate::support::{
    LOGIN, NEW_LOGIN, Options, Panel, PanelProcess, T0, TempDir, change_password, client,
    connect_from, request_from,
};
use crate::throttle::{CLIENT_CHECKS, GLOBAL_CHECKS, USER_SUCCESSES};

const WRONG: &str = "user=admin&password=wrong";

/// A login from `source`: the redirect's error (`wrong`, `throttled`, `busy`), or `ok`.
async fn try_login(panel: &Panel, source: u8, form: &str) -> String {
    let response = request_from(
        Some(client(source)),
        panel.addr,
        "POST",
        "/login",
        &[],
        form,
    )
    .await;
    assert_eq!(response.status, 303);
    match response.login_error() {
        Some(error) => {
            if error != "wrong" {
                assert!(response.header("retry-after").is_some(), "{error}");
            }
            error.to_owned()
        }
        None => {
            assert_eq!(response.header("location"), Some("/status"));
            "ok".to_owned()
        }
    }
}

fn count(results: &[String], what: &str) -> usize {
    results.iter().filter(|r| *r == what).count()
}

#[tokio::test]
async fn guesses_per_client_are_bounded_per_window() {
    let panel = Panel::start().await;
    let mut results = Vec::new();
    for _ in 0..3 * CLIENT_CHECKS {
        results.push(try_login(&panel, 2, WRONG).await);
    }
    // Exactly the bound is checked; the rest are refused before any hash.
    assert_eq!(count(&results, "wrong"), CLIENT_CHECKS, "{results:?}");
    assert_eq!(count(&results, "throttled"), 2 * CLIENT_CHECKS);
    assert!(results[..CLIENT_CHECKS].iter().all(|r| r == "wrong"));
    // The right password waits too: otherwise the limit would not slow guessing at all.
    assert_eq!(try_login(&panel, 2, LOGIN).await, "throttled");

    // The window slides: a minute after the first checks, as many again, and no more.
    panel.advance(Duration::seconds(59));
    assert_eq!(try_login(&panel, 2, WRONG).await, "throttled");
    panel.advance(Duration::seconds(1));
    let again: Vec<_> = sequence(&panel, 2, WRONG, 2 * CLIENT_CHECKS).await;
    assert_eq!(count(&again, "wrong"), CLIENT_CHECKS, "{again:?}");

    // Another client is not affected.
    assert_eq!(try_login(&panel, 3, LOGIN).await, "ok");
}

async fn sequence(panel: &Panel, source: u8, form: &str, n: usize) -> Vec<String> {
    let mut results = Vec::new();
    for _ in 0..n {
        results.push(try_login(panel, source, form).await);
    }
    results
}

#[tokio::test]
async fn successful_logins_are_not_counted() {
    let panel = Panel::start().await;
    for _ in 0..2 * CLIENT_CHECKS {
        assert_eq!(try_login(&panel, 2, LOGIN).await, "ok");
    }
    let guesses = sequence(&panel, 2, WRONG, CLIENT_CHECKS + 1).await;
    assert_eq!(count(&guesses, "wrong"), CLIENT_CHECKS, "{guesses:?}");
    assert_eq!(guesses.last().map(String::as_str), Some("throttled"));
}

/// A successful check costs an Argon2 run as a failed one does: a user's successful checks are
/// bounded per window (a password change counting two runs: its check and the new hash), so
/// knowing a password is no way past the work bound. Once they are spent, every check of that
/// user waits, from any address; other users are not affected.
#[tokio::test]
async fn successful_checks_are_bounded_per_user() {
    let panel = Panel::start().await;
    let results = sequence(&panel, 2, LOGIN, USER_SUCCESSES + 10).await;
    assert_eq!(count(&results, "ok"), USER_SUCCESSES, "{results:?}");
    assert_eq!(count(&results, "throttled"), 10, "{results:?}");
    assert_eq!(try_login(&panel, 3, LOGIN).await, "throttled");
    assert_eq!(try_login(&panel, 3, WRONG).await, "throttled");
    // The address itself kept its guesses: successes are not counted there.
    assert_eq!(
        try_login(&panel, 2, "user=nobody&password=x").await,
        "wrong"
    );

    // A minute later: a login and a password change are three runs, leaving the rest.
    panel.advance(Duration::minutes(1));
    let session = panel.login().await;
    change_password(panel.addr, panel.cookie_name, &session).await;
    let rest = sequence(&panel, 2, NEW_LOGIN, USER_SUCCESSES).await;
    assert_eq!(count(&rest, "ok"), USER_SUCCESSES - 3, "{rest:?}");
}

#[tokio::test]
async fn guesses_of_all_clients_are_bounded_per_window() {
    let panel = Panel::start().await;
    let mut results = Vec::new();
    // Five clients, each within its own bound, together over the panel's.
    for source in 10..15 {
        results.extend(sequence(&panel, source, WRONG, CLIENT_CHECKS).await);
    }
    assert_eq!(count(&results, "wrong"), GLOBAL_CHECKS, "{results:?}");
    assert_eq!(
        count(&results, "throttled"),
        5 * CLIENT_CHECKS - GLOBAL_CHECKS
    );
    panel.advance(Duration::minutes(1));
    assert_eq!(try_login(&panel, 20, LOGIN).await, "ok");
}

#[tokio::test]
async fn concurrent_guesses_cannot_pass_the_count() {
    let panel = Panel::start().await;
    // All at once: a check is counted before it hashes, so no two requests can both take the
    // last free one.
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let addr = panel.addr;
            tokio::spawn(async move {
                let response =
                    request_from(Some(client(2)), addr, "POST", "/login", &[], WRONG).await;
                response.login_error().map(str::to_owned)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("the task").expect("a refusal"));
    }
    let checked = count(&results, "wrong");
    assert!(checked <= CLIENT_CHECKS, "{checked} checks: {results:?}");
    assert_eq!(
        checked + count(&results, "throttled") + count(&results, "busy"),
        40
    );
    // Busy ones were not counted: the client still has exactly the rest of its checks.
    let rest = sequence(&panel, 2, WRONG, CLIENT_CHECKS).await;
    assert_eq!(count(&rest, "wrong"), CLIENT_CHECKS - checked, "{rest:?}");
}

/// The owner logs in from one address while another floods wrong passwords with several
/// connections at once, for a few seconds of real time.
#[tokio::test]
async fn a_flood_from_one_client_does_not_lock_out_the_owner() {
    let panel = Panel::start_with(Options {
        system_clock: true,
        ..Options::default()
    })
    .await;
    let flood_for = StdDuration::from_secs(6);
    let started = Instant::now();
    let flood: Vec<_> = (0..4)
        .map(|_| {
            let addr = panel.addr;
            tokio::spawn(async move {
                let mut results = Vec::new();
                while started.elapsed() < flood_for {
                    let response =
                        request_from(Some(client(2)), addr, "POST", "/login", &[], WRONG).await;
                    results.push(response.login_error().unwrap_or("ok").to_owned());
                }
                results
            })
        })
        .collect();
    let mut owner = Vec::new();
    while started.elapsed() < flood_for {
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        // The browser user submits again when the panel says it is busy.
        let begun = Instant::now();
        let mut outcome = String::new();
        for _ in 0..5 {
            outcome = try_login(&panel, 3, LOGIN).await;
            if outcome != "busy" {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        owner.push((outcome, begun.elapsed()));
    }
    let mut attacker = Vec::new();
    for task in flood {
        attacker.extend(task.await.expect("a flood task"));
    }
    assert!(owner.len() >= 10, "{owner:?}");
    for (outcome, took) in &owner {
        assert_eq!(outcome, "ok", "{owner:?}");
        assert!(*took < StdDuration::from_secs(2), "{owner:?}");
    }
    assert!(attacker.len() > 100, "a real flood: {}", attacker.len());
    assert!(
        count(&attacker, "wrong") <= CLIENT_CHECKS,
        "{} guesses checked",
        count(&attacker, "wrong")
    );
}

/// The wall clock steps back (a device that booted with its clock ahead, then NTP; or a
/// spoofed NTP answer on the LAN): checks counted before the step stay counted for a minute
/// of real time, not until the wall clock catches up. The throttle measures its windows by a
/// monotonic clock, which the test moves with `advance` but not with `set_clock`.
#[tokio::test]
async fn a_wall_clock_stepped_back_does_not_extend_the_window() {
    let panel = Panel::start().await;
    panel.set_clock(T0 + 3600);
    for source in 10..13 {
        let flood = sequence(&panel, source, WRONG, CLIENT_CHECKS).await;
        assert_eq!(count(&flood, "wrong"), CLIENT_CHECKS, "{flood:?}");
    }
    assert_eq!(try_login(&panel, 13, WRONG).await, "throttled");
    panel.set_clock(T0);
    panel.advance(Duration::seconds(30));
    assert_eq!(try_login(&panel, 21, LOGIN).await, "throttled");
    panel.advance(Duration::seconds(30));
    assert_eq!(
        try_login(&panel, 21, LOGIN).await,
        "ok",
        "a minute after the flood, whatever the wall clock says"
    );
    // And forth: the wall clock stepping ahead does not end a window early.
    let guesses = sequence(&panel, 22, WRONG, CLIENT_CHECKS).await;
    assert_eq!(count(&guesses, "wrong"), CLIENT_CHECKS, "{guesses:?}");
    panel.set_clock(T0 + 7200);
    assert_eq!(try_login(&panel, 22, LOGIN).await, "throttled");
}

/// Reads until the server closes the connection (or `within` passes): what it sent.
async fn read_until_closed(stream: &mut TcpStream, within: StdDuration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut out)).await;
    match read {
        Ok(Ok(_)) => Some(out),
        // A reset is a close too.
        Ok(Err(_)) => Some(out),
        Err(_) => None,
    }
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let limits = Limits {
        header_read: StdDuration::from_secs(1),
        body_read: StdDuration::from_secs(1),
        ..Limits::default()
    };
    let panel = Panel::start_with(Options {
        limits: Some(limits),
        ..Options::default()
    })
    .await;
    let host = format!("Host: {}\r\n", panel.addr);
    let started = Instant::now();
    // Nothing sent at all.
    let mut idle = TcpStream::connect(panel.addr).await.expect("connects");
    // Half a request head.
    let mut half_head = TcpStream::connect(panel.addr).await.expect("connects");
    half_head
        .write_all(format!("GET /status HTTP/1.1\r\n{host}").as_bytes())
        .await
        .expect("sends");
    // A whole head, half a body.
    let mut half_body = TcpStream::connect(panel.addr).await.expect("connects");
    let head = format!(
        "POST /login HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100\r\n\r\nuser=ad"
    );
    half_body.write_all(head.as_bytes()).await.expect("sends");
    // A kept-alive connection after one answer.
    let mut kept = TcpStream::connect(panel.addr).await.expect("connects");
    kept.write_all(format!("GET /login HTTP/1.1\r\n{host}\r\n").as_bytes())
        .await
        .expect("sends");

    let within = StdDuration::from_secs(5);
    for (name, stream) in [("idle", &mut idle), ("half head", &mut half_head)] {
        let sent = read_until_closed(stream, within).await;
        assert!(sent.is_some(), "{name}: still open after {within:?}");
    }
    let sent = read_until_closed(&mut half_body, within)
        .await
        .expect("half body: closed");
    assert!(
        String::from_utf8_lossy(&sent).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&sent)
    );
    let sent = read_until_closed(&mut kept, within)
        .await
        .expect("kept-alive: closed");
    assert!(String::from_utf8_lossy(&sent).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() < StdDuration::from_secs(8));
}

#[tokio::test]
async fn at_the_cap_the_oldest_idle_connection_makes_room() {
    let panel = Panel::start_with(Options {
        limits: Some(Limits {
            max_connections: 4,
            ..Limits::default()
        }),
        ..Options::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(panel.addr).await.expect("connects"));
        // In order, so the first is the oldest.
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    // A fifth connection is served at once: the oldest idle one is closed for it.
    let cookie = panel.login().await;
    let short = StdDuration::from_millis(500);
    assert!(read_until_closed(&mut held[0], short).await.is_some());
    // The login's own connection has ended, so the next one finds a free slot.
    tokio::time::sleep(StdDuration::from_millis(100)).await;
    let status = panel.get("/status", Some(&cookie)).await;
    assert_eq!(status.status, 200);
    for stream in &mut held[1..] {
        assert!(read_until_closed(stream, short).await.is_none());
    }
}

/// `Max open files` of this process: (soft, hard).
fn open_file_limits() -> (u64, u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .expect("a Max open files line");
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// The attack of the issue: 1,100 connections that send nothing, half a head or half a body,
/// held against the panel process with the common limit of 1,024 open files. A logged-in user
/// is still answered within seconds, and the panel says what is happening.
#[tokio::test]
async fn held_connections_do_not_lock_out_a_logged_in_user() {
    const HELD: usize = 1_100;
    let (soft, hard) = open_file_limits();
    if soft < HELD as u64 + 500 {
        // The test needs more sockets than the panel may have; raise this process's soft limit.
        let wanted = hard.min(4_096);
        let status = std::process::Command::new("prlimit")
            .arg(format!("--pid={}", std::process::id()))
            .arg(format!("--nofile={wanted}:"))
            .status();
        assert!(
            status.is_ok_and(|s| s.success()) && open_file_limits().0 >= HELD as u64 + 100,
            "this test needs {HELD} + 100 open files (ulimit -n), and prlimit to raise it"
        );
    }
    let state = TempDir::new("attack");
    let mut panel = PanelProcess::start(&state.0, &[], Some(1_024));
    let cookie = crate::support::login(panel.addr, crate::app::COOKIE_NAME, LOGIN).await;
    let host = format!("Host: {}\r\n", panel.addr);
    let started = Instant::now();
    let mut held = Vec::with_capacity(HELD);
    for i in 0..HELD {
        let connect = connect_from(Some(client(2)), panel.addr);
        let mut stream = tokio::time::timeout(StdDuration::from_secs(5), connect)
            .await
            .expect("connects within 5 s")
            .expect("connects");
        let partial = match i % 3 {
            0 => String::new(),
            1 => format!("GET /status HTTP/1.1\r\n{host}"),
            _ => format!("POST /login HTTP/1.1\r\n{host}Content-Length: 500\r\n\r\nuser=admin"),
        };
        // The panel may already have closed an older one; what matters is that it is held.
        let _ = stream.write_all(partial.as_bytes()).await;
        held.push(stream);
    }
    let opened_in = started.elapsed();
    // The user, from another address, several times while the sockets are held.
    for _ in 0..3 {
        let begun = Instant::now();
        let exchange = crate::support::get(panel.addr, "/status", Some(&cookie));
        let response = tokio::time::timeout(StdDuration::from_secs(5), exchange)
            .await
            .expect("answered within 5 s");
        assert_eq!(response.status, 200);
        assert!(response.body.contains("Signed in as <b>admin</b>"));
        assert!(
            begun.elapsed() < StdDuration::from_secs(3),
            "{:?}",
            begun.elapsed()
        );
    }
    assert!(panel.running(), "the panel is still up");
    let log = panel.log_text();
    assert!(
        log.contains("connection cap reached"),
        "the cap is logged:\n{log}"
    );
    // Rate-limited: one line, not one per connection.
    assert!(log.matches("connection cap reached").count() <= 3, "{log}");
    assert!(opened_in < StdDuration::from_secs(30), "{opened_in:?}");
    drop(held);
}
