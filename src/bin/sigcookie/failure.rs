//! Why a command failed, and the exit status that says so.

use std::process::ExitCode;

use sigcookie::{ConfigError, Error};

use crate::library::{TAG_LEN_MAX, TAG_LEN_MIN};

/// Bytes of an Ed25519 signature: the format fixes it, and the library does not export it.
const ED25519_SIGNATURE_LEN: usize = 64;

/// Why the command failed, mapped to the exit status.
#[derive(Debug)]
pub enum Failure {
    /// The value was rejected: exit 1. `message` is the core's, or the command line's own where
    /// the core's would mislead (an empty value; `inspect`, which has no signer).
    Rejected { error: Error, message: String },
    /// Bad usage or configuration (secret, tag length, ...): exit 2. `name` is the core's error
    /// name, or one of the command line's own (`Usage`, `SecretFile...`).
    Config { name: &'static str, message: String },
}

impl Failure {
    pub fn rejected(error: Error) -> Failure {
        Failure::Rejected {
            error,
            message: error.to_string(),
        }
    }

    pub fn config(name: &'static str, message: impl Into<String>) -> Failure {
        Failure::Config {
            name,
            message: message.into(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Failure::Rejected { error, .. } => error.name(),
            Failure::Config { name, .. } => name,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Rejected { message, .. } | Failure::Config { message, .. } => message,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Rejected { .. } => ExitCode::from(1),
            Failure::Config { .. } => ExitCode::from(2),
        }
    }

    /// A failure to write the output.
    pub fn output(e: &std::io::Error) -> Failure {
        Failure::config("OutputUnwritable", format!("cannot write output: {e}"))
    }
}

/// A refusal of the core while signing (an id, the clock): exit 2.
impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::config(e.name(), e.to_string())
    }
}

/// A configuration error of the core (key, signer, durations): exit 2.
impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::config(e.name(), e.to_string())
    }
}

/// The core's error for an empty value is the part count (`""` is one part with no dot); the
/// command line says plainly what happened, since an empty value is usually an unset variable.
pub fn explain_empty(value: &str, error: Error) -> Failure {
    if value.is_empty() {
        Failure::Rejected {
            error,
            message: "the value is empty".to_owned(),
        }
    } else {
        Failure::rejected(error)
    }
}

/// A value of the other scheme (an Ed25519 value given to an HMAC secret, or the reverse) is
/// refused by its shape alone, and the core's guess at why (a value of another shape) is wrong:
/// `reason` says what the value is and what verifies it.
pub fn explain_scheme(error: Error, reason: String) -> Failure {
    Failure::Rejected {
        error,
        message: reason,
    }
}

/// `inspect` has no signer, so the core's messages that compare with "this signer" are replaced
/// by what any signer's values look like.
pub fn explain_inspect(value: &str, error: Error) -> Failure {
    let message = match error {
        _ if value.is_empty() => "the value is empty".to_owned(),
        Error::SignatureLength { found, .. } => format!(
            "signature has {found} hex digits; a signature has an even number from {} to {}, \
             or {} for an Ed25519 value",
            2 * TAG_LEN_MIN,
            2 * TAG_LEN_MAX,
            2 * ED25519_SIGNATURE_LEN
        ),
        Error::PartCount { found, .. } => format!(
            "value has {found} dot-separated part{}; a value has 2 (id.sig), 3 (id.ts.sig) or 4 \
             (id.auth.ts.sig), and an Ed25519 value one more, its key id (id.kid.sig)",
            if found == 1 { "" } else { "s" }
        ),
        Error::TooLong { len, max } => {
            format!("value is {len} bytes; no sigcookie value is longer than {max}")
        }
        other => other.to_string(),
    };
    Failure::Rejected { error, message }
}
