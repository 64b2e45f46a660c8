//! `sigcookie`: issue, verify and inspect sigcookie values from the shell.
//!
//! Exit status: 0 success, 1 the value was rejected, 2 usage or configuration error. The secret
//! comes from `SIGCOOKIE_SECRET` or `--secret-file` (Ed25519: `SIGCOOKIE_ED25519_KEY` or
//! `--ed25519-key-file`), never from an argument (arguments end up in shell history and `ps`),
//! and is never printed. Ed25519 values verify with a public key alone (`--public-key`), which
//! may be an argument.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod failure;
mod input;
mod library;
mod output;
mod secret;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use args::{Cli, Command};
use failure::Failure;
use output::Mode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(mut e) => {
            args::explain_hyphen(&mut e, &args);
            args::explain_ed25519_conflict(&mut e);
            return usage_error(&e, &args);
        }
    };
    let mode = match &cli.command {
        Command::Keygen(a) => Mode {
            json: a.json,
            verify: false,
        },
        Command::Sign(a) => Mode {
            json: a.json,
            verify: false,
        },
        Command::Verify(a) => Mode {
            json: a.json,
            verify: true,
        },
        Command::Inspect(a) => Mode {
            json: a.json,
            verify: false,
        },
    };
    let mut warnings = Vec::new();
    let outcome = commands::run(cli.command, &mut warnings);
    output::finish(mode, outcome, &warnings)
}

/// Help and version are output, not errors; other usage errors exit 2, as JSON under `--json`.
fn usage_error(e: &clap::Error, args: &[OsString]) -> ExitCode {
    let usage = !matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let mode = Mode {
        json: args::json_requested(args),
        verify: args::verify_requested(args),
    };
    if !(mode.json && usage) {
        e.exit();
    }
    // clap's own text, without its `error: ` prefix (and plain: `Display` has no colours).
    let text = e.to_string();
    let message = text.trim().trim_start_matches("error: ");
    output::report(mode, &Failure::config("Usage", message), &[])
}
