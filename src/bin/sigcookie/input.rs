//! The value argument, or one line of standard input for `-`.

use std::io::{BufRead, Read};

use sigcookie::Error;

use crate::failure::Failure;
use crate::library::MAX_VALUE_LEN;

/// `value`, or for `-` one line of standard input.
///
/// At most a few kilobytes are read, far more than any value, so an endless input cannot use up
/// memory; a longer line is then refused by the verifier's length cap like any long value.
pub fn value_arg(value: String) -> Result<String, Failure> {
    const READ_LIMIT: u64 = 4 * MAX_VALUE_LEN as u64;
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
