//! A received HMAC tag and its constant-time comparison with ours: the one place where a
//! signature or a CSRF token from a client meets the tag we compute.
//!
//! What is secret and what is not decides how each side is handled:
//! - The *received* hex is the client's: whoever sent it chose it, so it is public, and it is
//!   decoded to bytes with `const-hex`, whose decoder may take time that depends on it
//!   (table lookups, SIMD with early exits on bad digits). The callers' parsers have already
//!   refused anything but lowercase hex of the right length, with their own errors.
//! - *Our* tag is secret until sent: it is never encoded, never indexed into a table, and is
//!   compared as SHA-256's final state words straight from the compression function, so no
//!   hex encoder and no byte-by-byte stores stand between the hash and the comparison.
//! - The comparison looks at every word whatever the first difference is, OR-ing the
//!   differences in a register and letting `subtle` judge only that one result.
//!
//! Against comparing as hex (our tag encoded with `base16ct`, the received hex as sent) this
//! spares a verify its slowest work after the two compressions: bench/README.md, "What verify
//! costs", has the figures and the command that measures them.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::format::{TAG_LEN_MAX, TAG_LEN_MIN};
use crate::mac::TAG_LEN;

/// Machine words of a full tag: the comparison works on these, one barrier in all.
const WORDS: usize = TAG_LEN / 8;

/// A tag a client sent, decoded, zero-padded to a full tag, with the mask of the bytes it has.
pub(crate) struct ReceivedTag {
    words: [u64; WORDS],
    masks: [u64; WORDS],
}

impl ReceivedTag {
    /// Decodes `hex`, the received tag of a verifier whose tags are `tag_len` bytes. `None`
    /// unless `hex` has exactly `2 * tag_len` hex digits and `tag_len` is one a signer can
    /// have: a shorter tag would be a weaker comparison, an empty one no comparison at all.
    /// Case is the grammar's rule, checked once, by the callers' parsers (which refuse
    /// uppercase with its own error) before this is called.
    pub(crate) fn decode(hex: &str, tag_len: usize) -> Option<ReceivedTag> {
        if !(TAG_LEN_MIN..=TAG_LEN_MAX).contains(&tag_len) || hex.len() != 2 * tag_len {
            return None;
        }
        let mut bytes = [0u8; TAG_LEN];
        const_hex::decode_to_slice(hex, bytes.get_mut(..tag_len)?).ok()?;
        // Big-endian, as SHA-256 writes its state words out as a digest (FIPS 180-4, 6.2.2):
        // the first byte of the tag is the top byte of the first word.
        let words = core::array::from_fn(|i| {
            let mut word = [0; 8];
            word.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            u64::from_be_bytes(word)
        });
        // The leading `tag_len - 8i` bytes of word `i` (none, some, or all eight) are compared;
        // the tag length is public, so computing the masks may branch on it.
        let masks = core::array::from_fn(|i| {
            let kept = tag_len.saturating_sub(8 * i).min(8);
            let dropped = 8 * (8 - kept) as u32;
            u64::MAX.checked_shl(dropped).unwrap_or(0)
        });
        Some(ReceivedTag { words, masks })
    }

    /// Whether our tag, SHA-256's final state `ours` of the HMAC (`MacKey::tag_words`), begins
    /// with the received bytes, in time that does not depend on where they first differ. `ours`
    /// is wiped before returning: for a forged value it is the very tag the forger lacks.
    pub(crate) fn matches(&self, mut ours: [u32; 8]) -> bool {
        let mut diff = 0;
        for ((pair, theirs), mask) in ours
            .as_chunks::<2>()
            .0
            .iter()
            .zip(&self.words)
            .zip(&self.masks)
        {
            let word = (u64::from(pair[0]) << 32 | u64::from(pair[1])) & mask;
            diff |= word ^ theirs;
        }
        ours.as_mut_slice().zeroize();
        // Comparing word by word through `subtle` would store one 0-or-1 per word, and a
        // dudect run once showed the pattern of those stores (all 0 for a wrong first byte,
        // 1,1,1,0 for a wrong last byte) in the timing, about one cycle: hence one judgement.
        bool::from(diff.ct_eq(&0))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// SHA-256 state words whose digest is `tag`.
    fn state_of(tag: &[u8; TAG_LEN]) -> [u32; 8] {
        core::array::from_fn(|i| {
            u32::from_be_bytes([tag[4 * i], tag[4 * i + 1], tag[4 * i + 2], tag[4 * i + 3]])
        })
    }

    proptest! {
        /// Equal exactly when the received bytes are the tag's first bytes, for every tag
        /// length a signer or a CSRF token uses, and whichever byte differs.
        #[test]
        fn matches_exactly_the_tags_prefix(
            tag in any::<[u8; TAG_LEN]>(),
            len in 16usize..=TAG_LEN,
            flip in any::<(usize, u8)>(),
        ) {
            let hex = hex::encode(&tag[..len]);
            let received = ReceivedTag::decode(&hex, len).expect("lowercase hex");
            prop_assert!(received.matches(state_of(&tag)));
            // Bytes past the received length do not count.
            let mut longer = tag;
            if len < TAG_LEN {
                longer[len] ^= 1;
                prop_assert!(received.matches(state_of(&longer)));
            }
            let (at, bits) = (flip.0 % len, flip.1.max(1));
            let mut other = tag;
            other[at] ^= bits;
            prop_assert!(!received.matches(state_of(&other)));
        }
    }

    /// Whatever a parser lets through, the comparison never becomes weaker than the
    /// verifier's tag length: no empty, short or mismatched tag decodes.
    #[test]
    fn refuses_any_length_but_the_verifiers() {
        for (hex, tag_len) in [
            ("", 16),
            ("", 0),
            ("00", 1),
            ("00", 16),
            (&*"0".repeat(30), 15),
            (&*"0".repeat(32), 32),
            (&*"0".repeat(64), 16),
            (&*"0".repeat(66), 33),
            (&*"g".repeat(32), 16),
        ] {
            assert!(
                ReceivedTag::decode(hex, tag_len).is_none(),
                "{hex:?} for {tag_len}"
            );
        }
        assert!(ReceivedTag::decode(&"0".repeat(32), 16).is_some());
    }
}
