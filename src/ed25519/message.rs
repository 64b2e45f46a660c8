//! The message an Ed25519 value's signature covers: `PAE(label, purpose, shape, body)`
//! (`docs/format.md`, "Ed25519 values"), assembled on the stack.

use crate::format::{ID_MAX_LEN, KEY_ID_DIGITS, Kind, TS_MAX_DIGITS};

/// The first piece of every message: this format and its version. A signature made with the same
/// key for anything else (a JWT, an SSH signature, a document) never begins with its encoding.
const LABEL: &[u8] = b"sigcookie-ed25519-v1";

/// The longest purpose: it goes into every message, which lives on the stack.
pub(crate) const PURPOSE_MAX: usize = 255;

/// The longest body: the longest session value before its signature.
const BODY_MAX: usize = ID_MAX_LEN + 2 * (1 + TS_MAX_DIGITS) + 1 + KEY_ID_DIGITS;

/// The longest shape name, `timestamped`.
const SHAPE_MAX: usize = 11;

/// Four pieces, each after its 8-byte length, after the 8-byte count.
const MAX_LEN: usize = 8 + 4 * 8 + LABEL.len() + PURPOSE_MAX + SHAPE_MAX + BODY_MAX;

/// A message ready to sign or verify; about 630 bytes at most, on the stack.
pub(crate) struct Message {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl Message {
    /// `PAE(LABEL, purpose, shape, body)`: every piece after its length, so that no two lists of
    /// pieces encode to the same bytes (PASETO's pre-authentication encoding).
    ///
    /// The callers bound `purpose` (a verifier refuses a longer one when it is made) and `body`
    /// (the parser's length cap, or the signer's checked id and times); a longer piece is cut
    /// short rather than indexed past the buffer, so the message could only fail to verify.
    pub(crate) fn new(purpose: &[u8], kind: Kind, body: &[u8]) -> Message {
        let mut message = Message {
            buf: [0; MAX_LEN],
            len: 0,
        };
        let pieces: [&[u8]; 4] = [LABEL, purpose, kind.name().as_bytes(), body];
        message.push(&(pieces.len() as u64).to_le_bytes());
        for piece in pieces {
            message.push(&(piece.len() as u64).to_le_bytes());
            message.push(piece);
        }
        message
    }

    fn push(&mut self, bytes: &[u8]) {
        let free = &mut self.buf[self.len..];
        let n = bytes.len().min(free.len());
        free[..n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_message_fits() {
        let purpose = [b'p'; PURPOSE_MAX];
        let body = [b'1'; BODY_MAX];
        for kind in [Kind::Untimed, Kind::Timestamped, Kind::Session] {
            let message = Message::new(&purpose, kind, &body);
            let expected = 8 + 32 + LABEL.len() + PURPOSE_MAX + kind.name().len() + BODY_MAX;
            assert_eq!(message.as_bytes().len(), expected);
        }
    }

    #[test]
    fn the_message_begins_with_the_count_and_the_label() {
        let message = Message::new(b"session", Kind::Session, b"7.1.2.0badc0de");
        let bytes = message.as_bytes();
        assert_eq!(&bytes[..8], &4u64.to_le_bytes());
        assert_eq!(&bytes[8..16], &20u64.to_le_bytes());
        assert_eq!(&bytes[16..36], b"sigcookie-ed25519-v1");
        assert_eq!(&bytes[36..44], &7u64.to_le_bytes());
        assert_eq!(&bytes[44..51], b"session");
        assert_eq!(&bytes[51..59], &7u64.to_le_bytes());
        assert_eq!(&bytes[59..66], b"session");
        assert_eq!(&bytes[66..74], &14u64.to_le_bytes());
        assert_eq!(&bytes[74..], b"7.1.2.0badc0de");
    }
}
