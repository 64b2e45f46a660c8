//! Sign and verify a session value, renew it, then watch tampering, expiry, the absolute lifetime
//! and revocation get rejected.
//!
//! Run with `cargo run --example quickstart`. The secret comes from `SIGCOOKIE_SECRET` (hex) when
//! set; otherwise this demo uses the README's example secret.

use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};

// `Box<dyn Error>` rather than `sigcookie::Error`: `Key::from_env`'s error names the variable,
// and a boxed error keeps the name when `main` prints it.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = match Key::from_env("SIGCOOKIE_SECRET") {
        Err(e) if e.error() == Error::KeyEnvMissing => {
            println!("SIGCOOKIE_SECRET is not set: using the README's example secret 00..1f");
            Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?
        }
        key => key?,
    };
    // Idle after an hour without a renewal; over 8 hours after the login, renewed or not.
    let signer = SessionSigner::new(Signer::new(&key, "session")?, 3600, 8 * 3600);
    let now = sigcookie::unix_now()?;

    let value = signer.login_value_at("12345", now, &Cutoffs::NONE)?;
    println!("signed:     {value}  ({} bytes)", value.len());
    let verified = signer.verify_at(&value, now)?;
    println!(
        "verified:   id={} auth={} issued_at={}",
        verified.id(),
        verified.auth(),
        verified.issued_at()
    );
    let later = now + 40 * 60;
    let renewed =
        signer.renew_value_at(&signer.verify_at(&value, later)?, later, &Cutoffs::NONE)?;
    println!("renewed:    {renewed}  (same login time, new issue time)");

    let tampered = value.replacen("12345", "12346", 1);
    let logged_out = Cutoffs::at(now + 1);
    let checks = [
        ("tampered id", signer.verify_at(&tampered, now)),
        (
            "an hour and a second later",
            signer.verify_at(&value, now + 3601),
        ),
        (
            "renewed, but 8 hours after the login",
            signer.verify_at(&renewed, now + 8 * 3600 + 1),
        ),
        (
            "renewed, after log-out-everywhere",
            signer
                .verify_at(&renewed, later)
                .and_then(|v| v.check_revocation(&logged_out)),
        ),
        (
            "other purpose",
            SessionSigner::new(Signer::new(&key, "csrf")?, 3600, 8 * 3600).verify_at(&value, now),
        ),
    ];
    for (what, result) in checks {
        match result {
            Ok(v) => println!("UNEXPECTED: {what} accepted as {}", v.id()),
            Err(e) => println!("rejected:   {what}: {e}"),
        }
    }
    Ok(())
}
