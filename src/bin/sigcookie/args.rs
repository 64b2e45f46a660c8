//! The command line: what each subcommand takes, and how a parse failure is reported.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand};

use crate::library::{DEFAULT_LEEWAY, TAG_LEN_DEFAULT};

/// A finite default, so that forgetting `--max-age` never means "valid forever".
pub const DEFAULT_MAX_AGE: u64 = 24 * 60 * 60;
/// The web layer's default session lifetime, for the same reason.
pub const DEFAULT_LIFETIME: u64 = 12 * 60 * 60;

#[derive(Parser)]
#[command(
    name = "sigcookie",
    version,
    about = "Sign, verify and inspect sigcookie values (id.sig / id.ts.sig / id.auth.ts.sig, \
             and Ed25519's id.kid.sig / id.ts.kid.sig / id.auth.ts.kid.sig)",
    after_help = "An id or value that starts with '-' and is not a number (-42) goes after \
                  '--': sigcookie sign --purpose session -- -a1"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print a fresh random 32-byte secret as 64 hex characters; with --ed25519, write a
    /// signing key to a file and print its public key.
    Keygen(KeygenArgs),
    /// Sign an id and print the value.
    Sign(SignArgs),
    /// Verify a value; print its id (and issued_at) or exit 1 with the reason.
    Verify(VerifyArgs),
    /// Show the parts of a value WITHOUT verifying it.
    Inspect(InspectArgs),
}

/// The flags of HMAC signing that mean nothing for Ed25519 values: each is a usage error beside
/// an Ed25519 key rather than silently ignored.
const HMAC_SIGN_FLAGS: [&str; 3] = ["secret_file", "tag_bytes", "unbound"];
/// As [`HMAC_SIGN_FLAGS`], with the previous secrets of `verify`.
const HMAC_VERIFY_FLAGS: [&str; 4] = [
    "secret_file",
    "previous_secret_file",
    "tag_bytes",
    "unbound",
];

#[derive(Args)]
pub struct KeygenArgs {
    /// Make an Ed25519 signing key instead: write it to --out, print its public key (64 hex
    /// digits) for the services that only verify.
    // The HMAC secret goes to standard output, where `export SIGCOOKIE_SECRET=$(sigcookie
    // keygen)` takes it. Here standard output carries the public key, the half meant to be
    // copied to other services; the signing key printed beside it would be one paste away from
    // going with it, so it goes to a file only, and `--out` is required.
    #[arg(long, requires = "out")]
    pub ed25519: bool,
    /// The new file the Ed25519 signing key is written to, as a PKCS#8 PEM block, readable by
    /// its owner only (mode 600). An existing file is never overwritten.
    #[arg(long, value_name = "PATH", requires = "ed25519")]
    pub out: Option<PathBuf>,
    /// Print JSON: the public key and its key id (with --ed25519 only: an HMAC secret is
    /// printed alone, for `$(...)`).
    #[arg(long, requires = "ed25519")]
    pub json: bool,
}

#[derive(Args)]
pub struct SignArgs {
    /// The id to sign: an opaque user ID, 1-255 cookie-safe characters without dots. An id
    /// that starts with '-' and is not a number (-42) goes after '--': `sign --purpose p -- -a1`.
    // A number cannot be a flag, so `sign -42` is unambiguous; `-a1` may be a mistyped flag.
    #[arg(allow_negative_numbers = true)]
    pub id: String,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Sign an Ed25519 value with the signing key in $SIGCOOKIE_ED25519_KEY (the PEM block
    /// `keygen --ed25519` wrote, or the seed in hex) instead of an HMAC secret.
    // A flag of its own rather than whichever variable is set: a shell may well have both
    // secrets, and which scheme signs must not depend on that.
    #[arg(long, conflicts_with_all = HMAC_SIGN_FLAGS)]
    pub ed25519: bool,
    /// Sign an Ed25519 value with the signing key in this file (from `keygen --ed25519`)
    /// instead of $SIGCOOKIE_ED25519_KEY or an HMAC secret. It must not be writable by group or
    /// others (chmod 600).
    #[arg(long, value_name = "PATH", conflicts_with_all = HMAC_SIGN_FLAGS)]
    pub ed25519_key_file: Option<PathBuf>,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Issue time in unix seconds (default: now).
    #[arg(long, requires = "timed", value_name = "UNIX")]
    pub at: Option<u64>,
    /// Login time of a session value in unix seconds (default: the issue time).
    #[arg(long, requires = "sessions", value_name = "UNIX")]
    pub logged_in_at: Option<u64>,
    /// Print JSON (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The value to verify, or `-` to read it from standard input (a value is a credential:
    /// as an argument it shows up in `ps` and shell history). A value that starts with '-'
    /// goes after '--'.
    #[arg(allow_negative_numbers = true)]
    pub value: String,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// A previous secret (hex) still accepted when verifying; repeat for several, newest first.
    #[arg(long, value_name = "PATH")]
    pub previous_secret_file: Vec<PathBuf>,
    #[command(flatten)]
    pub public_keys: PublicKeyArgs,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Maximum age in seconds since the value was issued, at least 1 [default: 86400, one day]
    #[arg(
        long,
        requires = "timed",
        value_name = "SECS",
        default_value_t = DEFAULT_MAX_AGE,
        hide_default_value = true,
        value_parser = positive_seconds,
    )]
    pub max_age: u64,
    /// Lifetime of a session in seconds since the login, at least the maximum age [default:
    /// 43200, 12 hours, or the maximum age if that is longer, as in the web layer]
    #[arg(
        long,
        requires = "sessions",
        value_name = "SECS",
        value_parser = positive_seconds,
    )]
    pub lifetime: Option<u64>,
    /// Tolerated clock skew in seconds.
    #[arg(long, requires = "timed", value_name = "SECS", default_value_t = DEFAULT_LEEWAY)]
    pub leeway: u64,
    /// The time to verify at, in unix seconds (default: now).
    #[arg(long, requires = "timed", value_name = "UNIX")]
    pub now: Option<u64>,
    /// Revocation cut-off in unix seconds: reject sessions that began (values issued,
    /// for --timestamp) before it.
    #[arg(long, requires = "timed", value_name = "UNIX")]
    pub not_before: Option<u64>,
    /// Print JSON (errors too).
    #[arg(long)]
    pub json: bool,
}

/// The Ed25519 public keys `verify` checks with, instead of an HMAC secret.
#[derive(Args)]
pub struct PublicKeyArgs {
    #[command(flatten)]
    pub current: CurrentPublicKey,
    /// A previous Ed25519 public key (hex) still accepted; repeat for several. The value's key
    /// id picks the key, so the order does not matter.
    #[arg(long, value_name = "HEX", requires = "public_key_given")]
    pub previous_public_key: Vec<String>,
    /// As --previous-public-key, from a file (hex or PEM).
    #[arg(long, value_name = "PATH", requires = "public_key_given")]
    pub previous_public_key_file: Vec<PathBuf>,
}

#[derive(Args)]
#[group(id = "public_key_given", multiple = false, conflicts_with_all = HMAC_VERIFY_FLAGS)]
pub struct CurrentPublicKey {
    /// Verify Ed25519 values with this public key (64 lowercase hex digits, as `keygen
    /// --ed25519` prints) instead of an HMAC secret: no secret is needed, nor read.
    #[arg(long, value_name = "HEX")]
    pub public_key: Option<String>,
    /// As --public-key, from a file: 64 hex digits, or an SPKI PEM block (`-----BEGIN PUBLIC
    /// KEY-----`). It must not be writable by group or others, who could choose which values
    /// verify.
    #[arg(long, value_name = "PATH")]
    pub public_key_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct InspectArgs {
    /// The value to inspect, or `-` to read it from standard input. A value that starts
    /// with '-' goes after '--'.
    #[arg(allow_negative_numbers = true)]
    pub value: String,
    /// The time the ages are counted to, in unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
    /// Print JSON (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[group(id = "binding", required = true, multiple = false)]
pub struct Binding {
    /// The purpose the signing key is bound to (normally the cookie name).
    #[arg(long, value_name = "P")]
    pub purpose: Option<String>,
    /// Use the unbound scheme, HMAC(secret, id), instead of a purpose (HMAC values only).
    #[arg(long)]
    pub unbound: bool,
}

/// The three shapes of value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `id.sig`
    Untimed,
    /// `id.ts.sig`
    Timestamped,
    /// `id.auth.ts.sig`
    Session,
}

#[derive(Args)]
#[group(id = "timed", multiple = false)]
pub struct ShapeArgs {
    /// A timestamped value (id.ts.sig).
    #[arg(long)]
    timestamp: bool,
    /// A session value (id.auth.ts.sig): login time and issue time.
    // In a group of its own as well: `requires` on a plain flag is always met, since the flag
    // has a default value; a group counts only when given.
    #[arg(long, group = "sessions")]
    session: bool,
}

impl ShapeArgs {
    pub fn shape(&self) -> Shape {
        match (self.timestamp, self.session) {
            (_, true) => Shape::Session,
            (true, false) => Shape::Timestamped,
            (false, false) => Shape::Untimed,
        }
    }
}

#[derive(Args)]
pub struct SignerArgs {
    #[command(flatten)]
    pub binding: Binding,
    /// Tag length in bytes (16-32; HMAC values only: an Ed25519 signature has 64).
    #[arg(long, value_name = "N", default_value_t = TAG_LEN_DEFAULT)]
    pub tag_bytes: usize,
    /// Read the secret (hex) from this file instead of $SIGCOOKIE_SECRET. It must not be
    /// writable by group or others (chmod 600).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

/// A maximum age or lifetime: zero would refuse every value (or, with the leeway, accept only
/// values from the future), so it is a mistake, not a setting.
fn positive_seconds(arg: &str) -> Result<u64, String> {
    match arg.parse::<u64>() {
        Ok(0) => Err("must be at least 1 second; 0 would refuse every value".to_owned()),
        Ok(secs) => Ok(secs),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether `--json` was asked for, read from the raw arguments: a usage error comes before the
/// arguments are parsed, and is JSON too then. Arguments after `--` are ids and values.
pub fn json_requested(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--json")
}

/// Whether the raw arguments run `verify`, whose JSON failures carry `"valid": false` even when
/// the arguments do not parse.
pub fn verify_requested(args: &[OsString]) -> bool {
    args.get(1).is_some_and(|a| a == "verify")
}

/// Replaces clap's tip for an unknown short flag, which is wrong for an id or value that starts
/// with '-' (for `-4x2` it says `-- -4`), by the whole command that passes the argument.
///
/// Only numbers are taken as ids and values without `--`: anything else that starts with '-'
/// may be a mistyped flag, which must not be signed as an id.
pub fn explain_hyphen(e: &mut clap::Error, args: &[OsString]) {
    if e.kind() != ErrorKind::UnknownArgument {
        return;
    }
    let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
        return;
    };
    if flag.starts_with("--") {
        // A long flag: clap's "a similar argument exists" is the right tip.
        return;
    }
    let before_escape = args.iter().take_while(|a| *a != "--").count();
    let Some(position) = args[..before_escape].iter().skip(2).position(|a| {
        a.to_str()
            .is_some_and(|a| a.starts_with(flag.as_str()) && !a.starts_with("--"))
    }) else {
        return;
    };
    let position = position + 2;
    let what = if verify_requested(args) || args.get(1).is_some_and(|a| a == "inspect") {
        "value"
    } else {
        "id"
    };
    let shown = args[position].to_string_lossy();
    let tip = if before_escape == args.len() {
        let mut command = vec!["sigcookie".to_owned()];
        command.extend(
            args.iter()
                .enumerate()
                .skip(1)
                .filter(|&(i, _)| i != position)
                .map(|(_, a)| shell_word(&a.to_string_lossy())),
        );
        command.push("--".to_owned());
        command.push(shell_word(&shown));
        format!(
            "to pass '{shown}' as the {what}, write it after '--': {}",
            command.join(" ")
        )
    } else {
        format!("to pass '{shown}' as the {what}, write it after '--'")
    };
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![StyledStr::from(tip)]),
    );
}

/// Adds the reason to clap's "cannot be used with" when an HMAC flag meets an Ed25519 one:
/// clap says only that the two clash.
pub fn explain_ed25519_conflict(e: &mut clap::Error) {
    if e.kind() != ErrorKind::ArgumentConflict {
        return;
    }
    let mut flags = Vec::new();
    for kind in [ContextKind::InvalidArg, ContextKind::PriorArg] {
        match e.get(kind) {
            Some(ContextValue::String(flag)) => flags.push(flag.clone()),
            Some(ContextValue::Strings(more)) => flags.extend(more.iter().cloned()),
            _ => {}
        }
    }
    // clap names a flag with its value's placeholder: `--secret-file <PATH>`.
    let given = |name: &str| {
        flags
            .iter()
            .any(|flag| flag.split(' ').next() == Some(name))
    };
    if ![
        "--ed25519",
        "--ed25519-key-file",
        "--public-key",
        "--public-key-file",
    ]
    .iter()
    .any(|name| given(name))
    {
        return;
    }
    let tip = if given("--tag-bytes") {
        "an Ed25519 signature always has 64 bytes: --tag-bytes is for HMAC values only"
    } else if given("--unbound") {
        "Ed25519 values are always bound to a purpose: give --purpose instead of --unbound"
    } else if given("--secret-file") || given("--previous-secret-file") {
        "a value is signed with an HMAC secret or with an Ed25519 key, never both: leave out \
         the secret files for Ed25519 values"
    } else {
        return;
    };
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![StyledStr::from(tip)]),
    );
}

/// `word` as the shell reads it back: as it is when it has no special characters, otherwise
/// in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,:/=@%+".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
