//! The subcommands: each turns its arguments into the output to print.

use std::fmt::Write;
use std::path::PathBuf;

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::{
    Command, DEFAULT_LIFETIME, InspectArgs, KeygenArgs, PublicKeyArgs, SignArgs, SignerArgs,
    VerifyArgs,
};
use crate::failure::Failure;
use crate::input::value_arg;
use crate::library::{self, Ed25519PublicKey, Issuer, Limits, Times, Verifier};
use crate::output::{Success, describe, utc, with_times};
use crate::secret;

/// Runs `command`; warnings (a secret file others can read) are added to `warnings`.
pub fn run(command: Command, warnings: &mut Vec<String>) -> Result<Success, Failure> {
    match command {
        Command::Keygen(args) => keygen(&args),
        Command::Sign(args) => sign(args, warnings),
        Command::Verify(args) => verify(args, warnings),
        Command::Inspect(args) => inspect(args),
    }
}

fn keygen(args: &KeygenArgs) -> Result<Success, Failure> {
    if !args.ed25519 {
        let secret = library::keygen()?;
        // Sized up front, as the secret file buffer is: a `String` that grows moves, and leaves
        // an unwiped copy of the secret behind.
        let mut text = Zeroizing::new(String::with_capacity(secret.len() + 1));
        text.push_str(&secret);
        text.push('\n');
        return Ok(Success::text(text));
    }
    // clap takes --ed25519 only with --out.
    let Some(path) = &args.out else {
        return Err(Failure::config(
            "Usage",
            "--ed25519 writes the signing key to a file: give --out PATH",
        ));
    };
    let (key_file, public) = library::ed25519_keygen()?;
    secret::write_new_secret(path, key_file.as_bytes())?;
    Ok(Success {
        json: json!({ "public_key": public.to_string(), "key_id": public.key_id() }),
        text: Zeroizing::new(format!("{public}\n")),
    })
}

fn sign(args: SignArgs, warnings: &mut Vec<String>) -> Result<Success, Failure> {
    let purpose = args.signer.binding.purpose.as_deref();
    // The file replaces the variable, as --secret-file replaces SIGCOOKIE_SECRET.
    let ed25519_key = match (&args.ed25519_key_file, args.ed25519) {
        (Some(path), _) => Some(secret::read_ed25519_key(path, warnings)?),
        (None, true) => Some(library::ed25519_key_from_env()?),
        (None, false) => None,
    };
    let issuer = match ed25519_key {
        Some(key) => Issuer::Ed25519(library::ed25519_signer(&key, purpose)?),
        None => Issuer::Hmac(signer(&args.signer, &[], warnings)?),
    };
    let (value, times) = library::sign(
        issuer,
        args.shape.shape(),
        &args.id,
        args.at,
        args.logged_in_at,
    )?;
    Ok(Success {
        json: with_times(json!({ "value": value, "id": args.id }), times),
        text: Zeroizing::new(format!("{value}\n")),
    })
}

fn verify(args: VerifyArgs, warnings: &mut Vec<String>) -> Result<Success, Failure> {
    let limits = limits(&args)?;
    let value = value_arg(args.value)?;
    let purpose = args.signer.binding.purpose.as_deref();
    // With public keys, no secret is read: not the variable, which may well be set for the
    // HMAC values of the same service, nor any file.
    let verifier = match public_keys(&args.public_keys)? {
        Some((current, previous)) => {
            Verifier::Ed25519(library::ed25519_verifier(current, &previous, purpose)?)
        }
        None => Verifier::Hmac(signer(&args.signer, &args.previous_secret_file, warnings)?),
    };
    let (id, times) = library::verify(verifier, args.shape.shape(), &value, &limits)?;
    let mut text = format!("{id}\n");
    if let Some(at) = times.logged_in_at {
        text.push_str(&format!("logged_in_at={at}\n"));
    }
    if let Some(ts) = times.issued_at {
        text.push_str(&format!("issued_at={ts}\n"));
    }
    Ok(Success {
        json: with_times(json!({ "valid": true, "id": id }), times),
        text: Zeroizing::new(text),
    })
}

/// The limits of `verify`. A lifetime shorter than the maximum age is refused, as the web layer
/// refuses it: sessions would end before they go idle, which is almost certainly a mistake.
fn limits(args: &VerifyArgs) -> Result<Limits, Failure> {
    let max_age = args.max_age;
    let lifetime = match args.lifetime {
        Some(lifetime) if lifetime < max_age => {
            return Err(Failure::config(
                "LifetimeShorterThanMaxAge",
                format!(
                    "--lifetime {lifetime} is shorter than --max-age {max_age}: every session \
                     would end before it goes idle; give a --lifetime of at least {max_age}, or \
                     leave it out"
                ),
            ));
        }
        Some(lifetime) => lifetime,
        None => DEFAULT_LIFETIME.max(max_age),
    };
    Ok(Limits {
        max_age,
        lifetime,
        leeway: args.leeway,
        now: args.now,
        not_before: args.not_before,
    })
}

fn inspect(args: InspectArgs) -> Result<Success, Failure> {
    let value = value_arg(args.value)?;
    let parts = library::inspect(&value)?;
    let Times {
        logged_in_at,
        issued_at,
    } = parts.times;
    let mut doc = with_times(
        json!({
            "verified": false,
            "id": parts.id,
            "tag_bytes": parts.tag_len,
            "signature": parts.signature,
        }),
        parts.times,
    );
    if let Some(date) = issued_at.and_then(utc) {
        doc["issued_at_utc"] = json!(date);
    }
    if let Some(date) = logged_in_at.and_then(utc) {
        doc["logged_in_at_utc"] = json!(date);
    }
    if let Some(key_id) = &parts.key_id {
        doc["key_id"] = json!(key_id);
    }
    // The clock is read only when there is a time to compare with it, and only for the text.
    let now = match (logged_in_at, issued_at) {
        (None, None) => 0,
        _ if args.json => 0,
        _ => library::now_or(args.now)?,
    };
    let mut text =
        String::from("UNVERIFIED: the signature has not been checked; do not trust these parts\n");
    // Writing to a `String` cannot fail.
    let _ = writeln!(text, "id:           {}", parts.id);
    if let Some(at) = logged_in_at {
        let _ = writeln!(text, "logged_in_at: {}", describe(at, now));
    }
    if let Some(ts) = issued_at {
        let _ = writeln!(text, "issued_at:    {}", describe(ts, now));
    }
    if let Some(key_id) = &parts.key_id {
        let _ = writeln!(text, "key_id:       {key_id} (Ed25519)");
    }
    let _ = writeln!(
        text,
        "signature:    {} ({} bytes)",
        parts.signature, parts.tag_len
    );
    Ok(Success {
        json: doc,
        text: Zeroizing::new(text),
    })
}

/// The Ed25519 public keys of `args`, the current one and the previous ones; `None` when none
/// is given, for an HMAC secret.
fn public_keys(
    args: &PublicKeyArgs,
) -> Result<Option<(Ed25519PublicKey, Vec<Ed25519PublicKey>)>, Failure> {
    let current = match (&args.current.public_key, &args.current.public_key_file) {
        (Some(hex), _) => library::public_key_from_hex(hex, "--public-key")?,
        (None, Some(path)) => secret::read_public_key(path)?,
        (None, None) => return Ok(None),
    };
    let from_hex = args
        .previous_public_key
        .iter()
        .map(|hex| library::public_key_from_hex(hex, "--previous-public-key"));
    let from_files = args
        .previous_public_key_file
        .iter()
        .map(|path| secret::read_public_key(path));
    let previous = from_hex.chain(from_files).collect::<Result<Vec<_>, _>>()?;
    Ok(Some((current, previous)))
}

/// The signer of `args`, with the keys in `previous` (secret files) as previous keys.
fn signer(
    args: &SignerArgs,
    previous: &[PathBuf],
    warnings: &mut Vec<String>,
) -> Result<library::Signer, Failure> {
    let current = match &args.secret_file {
        Some(path) => secret::read_key(path, warnings)?,
        None => library::key_from_env()?,
    };
    let previous = previous
        .iter()
        .map(|path| secret::read_key(path, warnings))
        .collect::<Result<Vec<_>, _>>()?;
    library::signer(
        &current,
        &previous,
        args.binding.purpose.as_deref(),
        args.tag_bytes,
    )
}
