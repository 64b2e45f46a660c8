//! Sign and verify a session value, renew it, then watch tampering, idle expiry, the absolute
//! lifetime and revocation get rejected, each with the library's own message.
//!
//! Run with `cargo run --example quickstart`. The secret comes from `SIGCOOKIE_SECRET` (hex) when
//! set; otherwise a random one is generated for this run.

use std::time::{SystemTime, UNIX_EPOCH};

use sigcookie::{ConfigError, Cutoffs, Key, SessionSigner, Signer};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

// `Box<dyn Error>`: a bad key or signer is a `ConfigError`, a refused value an `Error`, and
// both print their variant and message when `main` returns them.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = match Key::from_env("SIGCOOKIE_SECRET") {
        Err(ConfigError::KeyEnvMissing { .. }) => {
            eprintln!("SIGCOOKIE_SECRET is not set: using a random key for this run");
            Key::generate()?
        }
        key => key?,
    };
    // Idle after an hour without a renewal; over 8 hours after the login, renewed or not.
    let signer = SessionSigner::new(Signer::new(&key, "session")?, HOUR, 8 * HOUR);
    // The core takes the time as an argument; a service reads its clock once per request.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();

    let login = signer.login_at("12345", now, &Cutoffs::NONE)?;
    println!("signed:     {login}  ({} bytes)", login.len());
    let verified = signer.verify_at(&login, now, &Cutoffs::NONE)?;
    println!(
        "verified:   id={} logged_in_at={} issued_at={}",
        verified.id(),
        verified.logged_in_at(),
        verified.issued_at()
    );
    let later = now + 40 * MINUTE;
    let session = signer.verify_at(&login, later, &Cutoffs::NONE)?;
    let renewed = signer.renew_at(&session, later, &Cutoffs::NONE)?;
    println!("renewed:    {renewed}  (same login time, new issue time)");

    // A user who stays active: renewed every 50 minutes, so never idle for an hour, until the
    // last renewal before the 8 hours are up.
    let (mut active, mut renewed_at) = (renewed.clone(), later);
    while renewed_at + 50 * MINUTE <= now + 8 * HOUR {
        renewed_at += 50 * MINUTE;
        let session = signer.verify_at(&active, renewed_at, &Cutoffs::NONE)?;
        active = signer.renew_at(&session, renewed_at, &Cutoffs::NONE)?;
    }

    let tampered = login.replacen("12345", "12346", 1);
    // "Log out everywhere" at `later`: sessions that began before it end, renewed or not.
    let logged_out = Cutoffs::at(later);
    let other_purpose = SessionSigner::new(Signer::new(&key, "csrf")?, HOUR, 8 * HOUR);
    let checks = [
        (
            "tampered id",
            "BadSignature",
            signer.verify_at(&tampered, now, &Cutoffs::NONE),
        ),
        (
            "idle: an hour and a second after the renewal",
            "Expired",
            signer.verify_at(&renewed, later + HOUR + 1, &Cutoffs::NONE),
        ),
        (
            "kept active, but 8 hours and a second after the login",
            "LifetimeExceeded",
            signer.verify_at(&active, now + 8 * HOUR + 1, &Cutoffs::NONE),
        ),
        (
            "renewed, after log-out-everywhere",
            "LoggedInBeforeNotBefore",
            signer.verify_at(&renewed, later, &logged_out),
        ),
        (
            "other purpose",
            "BadSignature",
            other_purpose.verify_at(&login, now, &Cutoffs::NONE),
        ),
    ];
    let mut surprises = 0;
    for (what, expected, result) in checks {
        match result {
            Err(e) if e.name() == expected => println!("rejected:   {what}: {e}"),
            Err(e) => {
                surprises += 1;
                println!("UNEXPECTED: {what}: {e:?}, expected {expected}");
            }
            Ok(v) => {
                surprises += 1;
                println!("UNEXPECTED: {what}: accepted as {}", v.id());
            }
        }
    }
    if surprises > 0 {
        return Err(format!("{surprises} checks were not refused as expected").into());
    }
    Ok(())
}
