//! `sigcookie`: issue, verify and inspect sigcookie values from the shell.
//!
//! Exit status: 0 success, 1 the value was rejected, 2 usage or configuration error. The secret
//! comes from `SIGCOOKIE_SECRET` or `--secret-file`, never from an argument (arguments end up in
//! shell history and `ps`), and is never printed.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use sigcookie::format::Kind;
use sigcookie::{
    Cutoffs, Error, Key, SessionSigner, Signer, TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN,
    TimestampSigner, format,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

const SECRET_ENV: &str = "SIGCOOKIE_SECRET";
/// A finite default, so that forgetting `--max-age` never means "valid forever".
const DEFAULT_MAX_AGE: u64 = 24 * 60 * 60;
/// The web layer's default session lifetime, for the same reason.
const DEFAULT_LIFETIME: u64 = 12 * 60 * 60;
/// The largest secret file read. A secret file holds one line of hex (`keygen` prints 65 bytes);
/// this leaves room for a secret of 2 KiB, and stops a wrong path such as `/dev/zero` or a
/// large file from being read until memory runs out.
const SECRET_FILE_LIMIT: usize = 4096;

#[derive(Parser)]
#[command(
    name = "sigcookie",
    version,
    about = "Sign, verify and inspect sigcookie values (id.sig / id.ts.sig / id.auth.ts.sig)",
    after_help = "An id or value that starts with '-' goes after '--': \
                  sigcookie sign --purpose session -- -42"
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
        /// The id to sign: an opaque user ID, 1-255 cookie-safe characters without dots. An id
        /// that starts with '-' goes after '--': `sign --purpose p -- -42`.
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
        /// Print JSON (errors too).
        #[arg(long)]
        json: bool,
    },
    /// Verify a value; print its id (and issued_at) or exit 1 with the reason.
    Verify {
        /// The value to verify, or `-` to read it from standard input (a value is a credential:
        /// as an argument it shows up in `ps` and shell history). A value that starts with '-'
        /// goes after '--'.
        value: String,
        #[command(flatten)]
        signer: SignerArgs,
        /// A previous secret (hex) still accepted when verifying; repeat for several, newest first.
        #[arg(long, value_name = "PATH")]
        previous_secret_file: Vec<PathBuf>,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Maximum age in seconds since the value was issued, at least 1 [default: 86400, one day]
        #[arg(
            long,
            requires = "timed",
            value_name = "SECS",
            default_value_t = DEFAULT_MAX_AGE,
            hide_default_value = true,
            value_parser = positive_seconds,
        )]
        max_age: u64,
        /// Lifetime of a session in seconds since the login, at least 1 [default: 43200, 12 hours,
        /// or the maximum age if that is longer, as in the web layer]
        #[arg(
            long,
            requires = "sessions",
            value_name = "SECS",
            value_parser = positive_seconds,
        )]
        lifetime: Option<u64>,
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
        /// Print JSON (errors too).
        #[arg(long)]
        json: bool,
    },
    /// Show the parts of a value WITHOUT verifying it.
    Inspect {
        /// The value to inspect, or `-` to read it from standard input. A value that starts
        /// with '-' goes after '--'.
        value: String,
        /// The time the ages are counted to, in unix seconds (default: now).
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
        /// Print JSON (errors too).
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
    /// Read the secret (hex) from this file instead of $SIGCOOKIE_SECRET. It must not be
    /// writable by group or others (chmod 600).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
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

/// Why the command failed, mapped to the exit status.
#[derive(Debug)]
enum Failure {
    /// The value was rejected: exit 1. `message` is the core's, or the command line's own where
    /// the core's would mislead (an empty value; `inspect`, which has no signer).
    Rejected { error: Error, message: String },
    /// Bad usage or configuration (secret, tag length, ...): exit 2. `name` is the core's error
    /// name, or one of the command line's own (`Usage`, `SecretFile...`).
    Config { name: &'static str, message: String },
}

impl Failure {
    fn rejected(error: Error) -> Failure {
        Failure::Rejected {
            error,
            message: error.to_string(),
        }
    }

    fn config(name: &'static str, message: impl Into<String>) -> Failure {
        Failure::Config {
            name,
            message: message.into(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Failure::Rejected { error, .. } => error.name(),
            Failure::Config { name, .. } => name,
        }
    }

    fn message(&self) -> &str {
        match self {
            Failure::Rejected { message, .. } | Failure::Config { message, .. } => message,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::config(e.name(), e.to_string())
    }
}

/// Reads a key from a secret file: refused if others may write it, warned about if others may
/// read it, and never more than [`SECRET_FILE_LIMIT`] bytes of it read.
fn read_key(path: &Path) -> Result<Key, Failure> {
    let shown = path.display();
    let unreadable = |e: std::io::Error| {
        Failure::config(
            "SecretFileUnreadable",
            format!("cannot read secret file {shown}: {e}"),
        )
    };
    let file = File::open(path).map_err(unreadable)?;
    // The permissions of the file that was opened, not of whatever the path names by now.
    check_permissions(&file, path)?;
    // Sized up front, so the buffer never moves and leaves an unwiped copy of the secret behind;
    // one byte over the limit tells a file at the limit from a longer one.
    let mut bytes = Zeroizing::new(Vec::with_capacity(SECRET_FILE_LIMIT + 1));
    file.take(SECRET_FILE_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > SECRET_FILE_LIMIT {
        return Err(Failure::config(
            "SecretFileTooLarge",
            format!(
                "secret file {shown} is larger than {SECRET_FILE_LIMIT} bytes; it should hold one \
                 line of hex, as `sigcookie keygen` prints"
            ),
        ));
    }
    // Bytes, not `read_to_string`: its error for a non-UTF-8 file would drop an unwiped copy.
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::KeyNotHex);
    text.and_then(Key::from_hex)
        .map_err(|e| Failure::config(e.name(), format!("secret file {shown}: {e}")))
}

/// Group or world write permission on a secret file is an error (whoever can write it chooses
/// the key); read permission is a warning, since the file may be shared on purpose.
#[cfg(unix)]
fn check_permissions(file: &File, path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;

    let shown = path.display();
    let mode = file
        .metadata()
        .map_err(|e| {
            Failure::config(
                "SecretFileUnreadable",
                format!("cannot read secret file {shown}: {e}"),
            )
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o022 != 0 {
        return Err(Failure::config(
            "SecretFileWritableByOthers",
            format!(
                "secret file {shown} can be written by other users (mode {mode:03o}), who could \
                 replace the key; run `chmod 600 {shown}`"
            ),
        ));
    }
    if mode & 0o044 != 0 {
        eprintln!(
            "sigcookie: warning: secret file {shown} can be read by other users (mode {mode:03o}); \
             run `chmod 600 {shown}`"
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_file: &File, _path: &Path) -> Result<(), Failure> {
    Ok(())
}

impl SignerArgs {
    fn current_key(&self) -> Result<Key, Failure> {
        match &self.secret_file {
            Some(path) => read_key(path),
            None => Key::from_env(SECRET_ENV).map_err(|e| match e.error() {
                Error::KeyEnvMissing => Failure::config(
                    e.error().name(),
                    format!(
                        "no secret: set {SECRET_ENV} to a hex secret (see `sigcookie keygen`) or \
                         pass --secret-file"
                    ),
                ),
                error => Failure::config(error.name(), e.to_string()),
            }),
        }
    }

    /// The signer, with the keys of `previous` (secret files) as previous keys.
    fn signer(&self, previous: &[PathBuf]) -> Result<Signer, Failure> {
        let current = self.current_key()?;
        let previous = previous
            .iter()
            .map(|path| read_key(path))
            .collect::<Result<Vec<_>, _>>()?;
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
        .map_err(|e| {
            Failure::config(
                "StdinUnreadable",
                format!("cannot read the value from standard input: {e}"),
            )
        })?;
    // Only the line ending goes: any other whitespace is part of the value, and refused by it.
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|e| {
        Failure::rejected(Error::NonAscii {
            position: e.utf8_error().valid_up_to(),
        })
    })
}

/// The core's error for an empty value is the part count (`""` is one part with no dot); the
/// command line says plainly what happened, since an empty value is usually an unset variable.
fn explain_empty(value: &str, error: Error) -> Failure {
    if value.is_empty() {
        Failure::Rejected {
            error,
            message: "the value is empty".to_owned(),
        }
    } else {
        Failure::rejected(error)
    }
}

/// `inspect` has no signer, so the core's messages that compare with "this signer" are replaced
/// by what any signer's values look like.
fn explain_inspect(value: &str, error: Error) -> Failure {
    let message = match error {
        _ if value.is_empty() => "the value is empty".to_owned(),
        Error::SignatureLength { found, .. } => format!(
            "signature has {found} hex digits; a signature has an even number from {} to {}",
            2 * TAG_LEN_MIN,
            2 * TAG_LEN_MAX
        ),
        Error::PartCount { found, .. } => format!(
            "value has {found} dot-separated part{}; a value has 2 (id.sig), 3 (id.ts.sig) or 4 \
             (id.auth.ts.sig)",
            if found == 1 { "" } else { "s" }
        ),
        Error::TooLong { len, max } => {
            format!("value is {len} bytes; no sigcookie value is longer than {max}")
        }
        other => other.to_string(),
    };
    Failure::Rejected { error, message }
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

/// A unix time as an RFC 3339 UTC date, e.g. `2025-11-24T16:00:00Z`; `None` past the year 9999.
fn utc(unix: u64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(unix).ok()?).ok()?;
    at.format(&Rfc3339).ok()
}

/// How long before or after `now` a time is, in its two largest units: `3 h 12 min ago`,
/// `in 5 s`, `now`.
fn relative(unix: u64, now: u64) -> String {
    let (seconds, past) = if unix <= now {
        (now - unix, true)
    } else {
        (unix - now, false)
    };
    if seconds == 0 {
        return "now".to_owned();
    }
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let first = UNITS
        .iter()
        .position(|&(size, _)| seconds >= size)
        .unwrap_or(UNITS.len() - 1);
    let (size, unit) = UNITS[first];
    let mut text = format!("{} {unit}", seconds / size);
    if let Some(&(next_size, next_unit)) = UNITS.get(first + 1) {
        let rest = seconds % size / next_size;
        if rest > 0 {
            text.push_str(&format!(" {rest} {next_unit}"));
        }
    }
    if past {
        text.push_str(" ago");
        text
    } else {
        format!("in {text}")
    }
}

/// A time for `inspect`: the number, its UTC date and how long ago it was.
fn describe(unix: u64, now: u64) -> String {
    match utc(unix) {
        Some(date) => format!("{unix} ({date}, {})", relative(unix, now)),
        None => format!("{unix} (after the year 9999)"),
    }
}

fn now_or(at: Option<u64>) -> Result<u64, Failure> {
    match at {
        Some(at) => Ok(at),
        None => Ok(sigcookie::unix_now()?),
    }
}

fn run(command: Command, out: &mut impl Write) -> Result<(), Failure> {
    let io = |e: std::io::Error| {
        Failure::config("OutputUnwritable", format!("cannot write output: {e}"))
    };
    match command {
        Command::Keygen => {
            let mut secret = Zeroizing::new([0u8; Key::MIN_LEN]);
            getrandom::fill(&mut *secret).map_err(|_| Error::RandomUnavailable)?;
            let mut hex = Zeroizing::new([0u8; 2 * Key::MIN_LEN]);
            let hex = base16ct::lower::encode_str(secret.as_slice(), &mut *hex)
                .map_err(|_| Failure::config("Encoding", "cannot encode the secret"))?;
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
            let signer = signer.signer(&[])?;
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
            previous_secret_file,
            shape,
            max_age,
            lifetime,
            leeway,
            now,
            not_before,
            json,
        } => {
            let value = value_arg(value)?;
            let signer = signer.signer(&previous_secret_file)?;
            let cutoffs = not_before.map_or(Cutoffs::NONE, Cutoffs::at);
            let verified = match shape.kind() {
                Kind::Untimed => signer.verify(&value).map(|id| (id, Times::default())),
                Kind::Timestamped => TimestampSigner::new(signer, max_age)
                    .with_leeway(leeway)
                    .verify_at(&value, now_or(now)?)
                    .and_then(|v| v.check_revocation(&cutoffs))
                    .map(|v| (v.id(), Times::issued(v.issued_at()))),
                Kind::Session => SessionSigner::new(
                    signer,
                    max_age,
                    lifetime.unwrap_or(DEFAULT_LIFETIME.max(max_age)),
                )
                .with_leeway(leeway)
                .verify_at(&value, now_or(now)?)
                .and_then(|v| v.check_revocation(&cutoffs))
                .map(|v| (v.id(), Times::session(v.auth(), v.issued_at()))),
            };
            let (id, times) = verified.map_err(|e| explain_empty(&value, e))?;
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
        Command::Inspect { value, now, json } => {
            let value = value_arg(value)?;
            let parts = format::inspect(&value).map_err(|e| explain_inspect(&value, e))?;
            if json {
                let times = Times {
                    auth: parts.auth(),
                    issued_at: parts.issued_at(),
                };
                let mut doc = times.json(json!({
                    "verified": false,
                    "id": parts.id(),
                    "tag_bytes": parts.tag_len(),
                    "signature": parts.signature(),
                }));
                if let Some(date) = parts.issued_at().and_then(utc) {
                    doc["issued_at_utc"] = json!(date);
                }
                if let Some(date) = parts.auth().and_then(utc) {
                    doc["auth_utc"] = json!(date);
                }
                writeln!(out, "{doc}").map_err(io)
            } else {
                // The clock is read only when there is a time to compare with it.
                let now = match (parts.auth(), parts.issued_at()) {
                    (None, None) => 0,
                    _ => now_or(now)?,
                };
                writeln!(
                    out,
                    "UNVERIFIED: the signature has not been checked; do not trust these parts"
                )
                .map_err(io)?;
                writeln!(out, "id:        {}", parts.id()).map_err(io)?;
                if let Some(auth) = parts.auth() {
                    writeln!(out, "auth:      {}", describe(auth, now)).map_err(io)?;
                }
                if let Some(ts) = parts.issued_at() {
                    writeln!(out, "issued_at: {}", describe(ts, now)).map_err(io)?;
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

/// Whether `--json` was asked for, read from the raw arguments: a usage error comes before the
/// arguments are parsed, and is JSON too then. Arguments after `--` are ids and values.
fn json_requested(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--json")
}

/// Prints a failure: a line on standard error always, and under `--json` a JSON document on
/// standard output as well (`"valid": false` for `verify`, like an accepted value's `"valid":
/// true`).
fn report(failure: &Failure, json: bool, verify: bool) -> ExitCode {
    let (message, name) = (failure.message(), failure.name());
    let code = match failure {
        Failure::Rejected { .. } => {
            eprintln!("sigcookie: rejected: {message} [{name}]");
            1
        }
        Failure::Config { .. } => {
            eprintln!("sigcookie: error: {message}");
            2
        }
    };
    if json {
        let mut doc = json!({ "error": name, "message": message });
        if verify {
            doc["valid"] = json!(false);
        }
        println!("{doc}");
    }
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let json = json_requested(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are output, not errors; other usage errors exit 2.
            let usage = !matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if !(json && usage) {
                e.exit();
            }
            // clap's own text, without its `error: ` prefix (and plain: `Display` has no colours).
            let text = e.to_string();
            let message = text.trim().trim_start_matches("error: ");
            let verify = args.get(1).is_some_and(|a| a == "verify");
            return report(&Failure::config("Usage", message), true, verify);
        }
    };
    let verify = matches!(cli.command, Command::Verify { .. });
    let json = match &cli.command {
        Command::Keygen => false,
        Command::Sign { json, .. }
        | Command::Verify { json, .. }
        | Command::Inspect { json, .. } => *json,
    };
    match run(cli.command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(&failure, json, verify),
    }
}
