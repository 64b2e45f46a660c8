//! Sign and verify a session value, then watch tampering, expiry and revocation get rejected.
//!
//! Run with `cargo run --example quickstart`. The secret comes from `SIGCOOKIE_SECRET` (hex) when
//! set; otherwise this demo uses the README's example secret.

use sigcookie::{Error, Key, Signer, TimestampSigner};

fn main() -> Result<(), Error> {
    let key = match Key::from_env("SIGCOOKIE_SECRET") {
        Err(Error::KeyEnvMissing) => {
            println!("SIGCOOKIE_SECRET is not set: using the README's example secret 00..1f");
            Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?
        }
        key => key?,
    };
    let signer = TimestampSigner::new(Signer::new(&key, "session")?, 3600);
    let now = sigcookie::unix_now()?;

    let value = signer.sign_at("12345", now)?;
    println!("signed:     {value}  ({} bytes)", value.len());
    let verified = signer.verify_at(&value, now)?;
    println!(
        "verified:   id={} issued_at={}",
        verified.id(),
        verified.issued_at()
    );

    let tampered = value.replacen("12345", "12346", 1);
    let checks = [
        ("tampered id", signer.verify_at(&tampered, now)),
        (
            "an hour and a second later",
            signer.verify_at(&value, now + 3601),
        ),
        (
            "after log-out-everywhere",
            signer
                .clone()
                .with_not_before(Some(now + 1))
                .verify_at(&value, now + 2),
        ),
        (
            "other purpose",
            TimestampSigner::new(Signer::new(&key, "csrf")?, 3600).verify_at(&value, now),
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
