//! The subcommands: each turns its arguments into the output to print.

use std::fmt::Write;
use std::path::PathBuf;

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::{Command, DEFAULT_LIFETIME, InspectArgs, SignArgs, SignerArgs, VerifyArgs};
use crate::failure::Failure;
use crate::input::value_arg;
use crate::library::{self, Limits, Times};
use crate::output::{Success, describe, utc, with_times};
use crate::secret;

/// Runs `command`; warnings (a secret file others can read) are added to `warnings`.
pub fn run(command: Command, warnings: &mut Vec<String>) -> Result<Success, Failure> {
    match command {
        Command::Keygen => Ok(Success::text(Zeroizing::new(format!(
            "{}\n",
            *library::keygen()?
        )))),
        Command::Sign(args) => sign(args, warnings),
        Command::Verify(args) => verify(args, warnings),
        Command::Inspect(args) => inspect(args),
    }
}

fn sign(args: SignArgs, warnings: &mut Vec<String>) -> Result<Success, Failure> {
    let signer = signer(&args.signer, &[], warnings)?;
    let (value, times) = library::sign(
        signer,
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
    let signer = signer(&args.signer, &args.previous_secret_file, warnings)?;
    let (id, times) = library::verify(signer, args.shape.shape(), &value, &limits)?;
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
