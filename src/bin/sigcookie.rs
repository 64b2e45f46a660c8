//! `sigcookie`: issue, verify and inspect sigcookie values from the shell.
//!
//! Exit status: 0 success, 1 the value was rejected, 2 usage or configuration error. The secret
//! comes from `SIGCOOKIE_SECRET` or `--secret-file`, never from an argument (arguments end up in
//! shell history and `ps`), and is never printed.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use sigcookie::format::Kind;
use sigcookie::{
    Cutoffs, Error, Key, SessionSigner, Signer, TAG_LEN_DEFAULT, TimestampSigner, format,
};
use zeroize::Zeroizing;

const SECRET_ENV: &str = "SIGCOOKIE_SECRET";
/// A finite default, so that forgetting `--max-age` never means "valid forever".
const DEFAULT_MAX_AGE: u64 = 24 * 60 * 60;
/// The web layer's default session lifetime, for the same reason.
const DEFAULT_LIFETIME: u64 = 12 * 60 * 60;

#[derive(Parser)]
#[command(
    name = "sigcookie",
    version,
    about = "Sign, verify and inspect sigcookie values (id.sig / id.ts.sig / id.auth.ts.sig)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a fresh random 32-byte secret as 64 hex characters.
    Keygen,
    /// Sign an id and print the value.
    Sign {
        /// The id to sign: an opaque user ID, 1-255 cookie-safe characters without dots.
        // Ids may start with `-` (any cookie-octet but `.`), and so may values.
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Issue time in unix seconds (default: now).
        #[arg(long, requires = "timed", value_name = "UNIX")]
        at: Option<u64>,
        /// Login time of a session value in unix seconds (default: the issue time).
        #[arg(long, requires = "sessions", value_name = "UNIX")]
        auth: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify a value; print its id (and issued_at) or exit 1 with the reason.
    Verify {
        /// The value to verify, or `-` to read it from standard input (a value is a credential:
        /// as an argument it shows up in `ps` and shell history).
        // Ids may start with `-` (any cookie-octet but `.`), and so may values.
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Maximum age in seconds since the value was issued (default: one day).
        #[arg(long, requires = "timed", value_name = "SECS", default_value_t = DEFAULT_MAX_AGE)]
        max_age: u64,
        /// Lifetime of a session in seconds since the login (default: 12 hours).
        #[arg(long, requires = "sessions", value_name = "SECS", default_value_t = DEFAULT_LIFETIME)]
        lifetime: u64,
        /// Tolerated clock skew in seconds.
        #[arg(long, requires = "timed", value_name = "SECS", default_value_t = TimestampSigner::DEFAULT_LEEWAY)]
        leeway: u64,
        /// The time to verify at, in unix seconds (default: now).
        #[arg(long, requires = "timed", value_name = "UNIX")]
        now: Option<u64>,
        /// Revocation cut-off in unix seconds: reject sessions that began (values issued,
        /// for --timestamp) before it.
        #[arg(long, requires = "timed", value_name = "UNIX")]
        not_before: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the parts of a value WITHOUT verifying it.
    Inspect {
        /// The value to inspect, or `-` to read it from standard input.
        // Ids may start with `-` (any cookie-octet but `.`), and so may values.
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
#[group(id = "binding", required = true, multiple = false)]
struct Binding {
    /// The purpose the signing key is bound to (normally the cookie name).
    #[arg(long, value_name = "P")]
    purpose: Option<String>,
    /// Use the unbound scheme, HMAC(secret, id), instead of a purpose.
    #[arg(long)]
    unbound: bool,
}

#[derive(Args)]
#[group(id = "timed", multiple = false)]
struct ShapeArgs {
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
    fn kind(&self) -> Kind {
        match (self.timestamp, self.session) {
            (_, true) => Kind::Session,
            (true, false) => Kind::Timestamped,
            (false, false) => Kind::Untimed,
        }
    }
}

#[derive(Args)]
struct SignerArgs {
    #[command(flatten)]
    binding: Binding,
    /// Tag length in bytes (16-32).
    #[arg(long, value_name = "N", default_value_t = TAG_LEN_DEFAULT)]
    tag_bytes: usize,
    /// Read the secret (hex) from this file instead of $SIGCOOKIE_SECRET.
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// A previous secret (hex) still accepted when verifying; repeat for several, newest first.
    #[arg(long, value_name = "PATH")]
    previous_secret_file: Vec<PathBuf>,
}

/// Why the command failed, mapped to the exit status.
enum Failure {
    /// The value was rejected: exit 1.
    Rejected(Error),
    /// Bad configuration (secret, tag length, ...): exit 2, like a usage error.
    Config(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Config(e.to_string())
    }
}

fn read_key(path: &PathBuf) -> Result<Key, Failure> {
    // Bytes, not `read_to_string`: its error for a non-UTF-8 file would drop an unwiped copy.
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
        Failure::Config(format!("cannot read secret file {}: {e}", path.display()))
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::KeyNotHex)?;
    Ok(Key::from_hex(text.trim())?)
}

impl SignerArgs {
    fn keys(&self) -> Result<(Key, Vec<Key>), Failure> {
        let current = match &self.secret_file {
            Some(path) => read_key(path)?,
            None => Key::from_env(SECRET_ENV).map_err(|e| match e.error() {
                Error::KeyEnvMissing => Failure::Config(format!(
                    "no secret: set {SECRET_ENV} to a hex secret (see `sigcookie keygen`) or pass --secret-file"
                )),
                _ => Failure::Config(e.to_string()),
            })?,
        };
        let previous = self
            .previous_secret_file
            .iter()
            .map(read_key)
            .collect::<Result<_, _>>()?;
        Ok((current, previous))
    }

    fn signer(&self) -> Result<Signer, Failure> {
        let (current, previous) = self.keys()?;
        let builder = match &self.binding.purpose {
            Some(purpose) => Signer::builder(&current, purpose),
            None => Signer::unbound_builder(&current),
        };
        let builder = previous
            .iter()
            .fold(builder.tag_len(self.tag_bytes), |b, k| b.previous_key(k));
        Ok(builder.build()?)
    }
}

/// The value argument, or one line of standard input for `-`.
///
/// At most a few kilobytes are read, far more than any value, so an endless input cannot use up
/// memory; a longer line is then refused by the verifier's length cap like any long value.
fn value_arg(value: String) -> Result<String, Failure> {
    const READ_LIMIT: u64 = 4 * sigcookie::MAX_VALUE_LEN as u64;
    if value != "-" {
        return Ok(value);
    }
    let mut line = Vec::new();
    std::io::stdin()
        .lock()
        .take(READ_LIMIT)
        .read_until(b'\n', &mut line)
        .map_err(|e| Failure::Config(format!("cannot read the value from standard input: {e}")))?;
    // Only the line ending goes: any other whitespace is part of the value, and refused by it.
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|e| {
        Failure::Rejected(Error::NonAscii {
            position: e.utf8_error().valid_up_to(),
        })
    })
}

/// The times a value carries, for output: none, the issue time, or the login and issue times.
#[derive(Default)]
struct Times {
    auth: Option<u64>,
    issued_at: Option<u64>,
}

impl Times {
    fn issued(issued_at: u64) -> Times {
        Times {
            auth: None,
            issued_at: Some(issued_at),
        }
    }

    fn session(auth: u64, issued_at: u64) -> Times {
        Times {
            auth: Some(auth),
            issued_at: Some(issued_at),
        }
    }

    /// `doc` with `issued_at` (null for untimed values, as before sessions existed) and, for
    /// session values only, `auth`.
    fn json(&self, mut doc: serde_json::Value) -> serde_json::Value {
        doc["issued_at"] = json!(self.issued_at);
        if let Some(auth) = self.auth {
            doc["auth"] = json!(auth);
        }
        doc
    }
}

fn now_or(at: Option<u64>) -> Result<u64, Failure> {
    match at {
        Some(at) => Ok(at),
        None => Ok(sigcookie::unix_now()?),
    }
}

fn run(command: Command, out: &mut impl Write) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::Config(format!("cannot write output: {e}"));
    match command {
        Command::Keygen => {
            let mut secret = Zeroizing::new([0u8; Key::MIN_LEN]);
            getrandom::fill(&mut *secret).map_err(|_| Error::RandomUnavailable)?;
            let mut hex = Zeroizing::new([0u8; 2 * Key::MIN_LEN]);
            let hex = base16ct::lower::encode_str(secret.as_slice(), &mut *hex)
                .map_err(|_| Failure::Config("cannot encode the secret".into()))?;
            writeln!(out, "{hex}").map_err(io)
        }
        Command::Sign {
            id,
            signer,
            shape,
            at,
            auth,
            json,
        } => {
            let signer = signer.signer()?;
            let (value, times) = match shape.kind() {
                Kind::Untimed => (signer.sign(&id)?, Times::default()),
                Kind::Timestamped => {
                    let now = now_or(at)?;
                    let value = TimestampSigner::new(signer, 0).sign_at(&id, now)?;
                    (value, Times::issued(now))
                }
                Kind::Session => {
                    let now = now_or(at)?;
                    let auth = auth.unwrap_or(now);
                    let value = SessionSigner::new(signer, 0, 0).sign_at(&id, auth, now)?;
                    (value, Times::session(auth, now))
                }
            };
            if json {
                let doc = times.json(json!({ "value": value, "id": id }));
                writeln!(out, "{doc}").map_err(io)
            } else {
                writeln!(out, "{value}").map_err(io)
            }
        }
        Command::Verify {
            value,
            signer,
            shape,
            max_age,
            lifetime,
            leeway,
            now,
            not_before,
            json,
        } => {
            let value = value_arg(value)?;
            let signer = signer.signer()?;
            let cutoffs = not_before.map_or(Cutoffs::NONE, Cutoffs::at);
            let verified = match shape.kind() {
                Kind::Untimed => signer.verify(&value).map(|id| (id, Times::default())),
                Kind::Timestamped => TimestampSigner::new(signer, max_age)
                    .with_leeway(leeway)
                    .verify_at(&value, now_or(now)?)
                    .and_then(|v| v.check_revocation(&cutoffs))
                    .map(|v| (v.id(), Times::issued(v.issued_at()))),
                Kind::Session => SessionSigner::new(signer, max_age, lifetime)
                    .with_leeway(leeway)
                    .verify_at(&value, now_or(now)?)
                    .and_then(|v| v.check_revocation(&cutoffs))
                    .map(|v| (v.id(), Times::session(v.auth(), v.issued_at()))),
            };
            let (id, times) = match verified {
                Ok(parts) => parts,
                Err(e) => {
                    if json {
                        let doc =
                            json!({ "valid": false, "error": e.name(), "message": e.to_string() });
                        writeln!(out, "{doc}").map_err(io)?;
                    }
                    return Err(Failure::Rejected(e));
                }
            };
            if json {
                writeln!(out, "{}", times.json(json!({ "valid": true, "id": id }))).map_err(io)
            } else {
                writeln!(out, "{id}").map_err(io)?;
                if let Some(auth) = times.auth {
                    writeln!(out, "auth={auth}").map_err(io)?;
                }
                match times.issued_at {
                    Some(ts) => writeln!(out, "issued_at={ts}").map_err(io),
                    None => Ok(()),
                }
            }
        }
        Command::Inspect { value, json } => {
            let value = value_arg(value)?;
            let parts = format::inspect(&value).map_err(Failure::Rejected)?;
            if json {
                let times = Times {
                    auth: parts.auth(),
                    issued_at: parts.issued_at(),
                };
                let doc = json!({
                    "verified": false,
                    "id": parts.id(),
                    "issued_at": parts.issued_at(),
                    "tag_bytes": parts.tag_len(),
                    "signature": parts.signature(),
                });
                let doc = times.json(doc);
                writeln!(out, "{doc}").map_err(io)
            } else {
                writeln!(
                    out,
                    "UNVERIFIED: the signature has not been checked; do not trust these parts"
                )
                .map_err(io)?;
                writeln!(out, "id:        {}", parts.id()).map_err(io)?;
                if let Some(auth) = parts.auth() {
                    writeln!(out, "auth:      {auth}").map_err(io)?;
                }
                if let Some(ts) = parts.issued_at() {
                    writeln!(out, "issued_at: {ts}").map_err(io)?;
                }
                writeln!(
                    out,
                    "signature: {} ({} bytes)",
                    parts.signature(),
                    parts.tag_len()
                )
                .map_err(io)
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(e)) => {
            eprintln!("sigcookie: rejected: {e} [{}]", e.name());
            ExitCode::from(1)
        }
        Err(Failure::Config(message)) => {
            eprintln!("sigcookie: error: {message}");
            ExitCode::from(2)
        }
    }
}
