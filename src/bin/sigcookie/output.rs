//! What a command prints: text, or under `--json` one JSON document.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::library::Times;

/// How a command's outcome is printed.
#[derive(Clone, Copy)]
pub struct Mode {
    /// One JSON document on standard output instead of text.
    pub json: bool,
    /// `verify`, whose documents always carry `valid`.
    pub verify: bool,
}

/// A command's output: its text, and its JSON document for `--json`.
pub struct Success {
    /// Wiped when dropped: `keygen`'s text is a secret.
    pub text: Zeroizing<String>,
    pub json: serde_json::Value,
}

impl Success {
    /// Output that has no JSON form (`keygen`, which takes no `--json`).
    pub fn text(text: Zeroizing<String>) -> Success {
        Success {
            text,
            json: serde_json::Value::Null,
        }
    }
}

/// `doc` with `issued_at` (null for untimed values, as before sessions existed) and, for
/// session values only, `logged_in_at`.
pub fn with_times(mut doc: serde_json::Value, times: Times) -> serde_json::Value {
    doc["issued_at"] = json!(times.issued_at);
    if let Some(at) = times.logged_in_at {
        doc["logged_in_at"] = json!(at);
    }
    doc
}

/// Prints the outcome of a command, with the warnings met on the way, and returns the exit
/// status. Under `--json` the outcome is one document on standard output and nothing else:
/// the warnings go into it as `warnings`, and nothing goes to standard error.
pub fn finish(mode: Mode, outcome: Result<Success, Failure>, warnings: &[String]) -> ExitCode {
    let success = match outcome {
        Ok(success) => success,
        Err(failure) => return report(mode, &failure, warnings),
    };
    let mut out = std::io::stdout().lock();
    let written = if mode.json {
        writeln!(out, "{}", with_warnings(success.json, warnings))
    } else {
        print_warnings(warnings);
        out.write_all(success.text.as_bytes())
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(mode, &Failure::output(&e), &[]),
    }
}

/// Prints a failure: a line on standard error, or under `--json` a JSON document on standard
/// output instead (`"valid": false` for `verify`, like an accepted value's `"valid": true`).
pub fn report(mode: Mode, failure: &Failure, warnings: &[String]) -> ExitCode {
    let (message, name) = (failure.message(), failure.name());
    if mode.json {
        let mut doc = json!({ "error": name, "message": message });
        if mode.verify {
            doc["valid"] = json!(false);
        }
        println!("{}", with_warnings(doc, warnings));
    } else {
        print_warnings(warnings);
        match failure {
            Failure::Rejected { .. } => eprintln!("sigcookie: rejected: {message} [{name}]"),
            Failure::Config { .. } => eprintln!("sigcookie: error: {message}"),
        }
    }
    failure.exit_code()
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("sigcookie: warning: {warning}");
    }
}

/// `doc` with the `warnings`, if there are any: a document has no `warnings` otherwise.
fn with_warnings(mut doc: serde_json::Value, warnings: &[String]) -> serde_json::Value {
    if !warnings.is_empty() {
        doc["warnings"] = json!(warnings);
    }
    doc
}

/// A unix time as an RFC 3339 UTC date, e.g. `2025-11-24T16:00:00Z`; `None` past the year 9999.
pub fn utc(unix: u64) -> Option<String> {
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
pub fn describe(unix: u64, now: u64) -> String {
    match utc(unix) {
        Some(date) => format!("{unix} ({date}, {})", relative(unix, now)),
        None => format!("{unix} (after the year 9999)"),
    }
}
