//! HMAC-SHA256 from precomputed midstates, on `sha2`'s compression function.
//!
//! HMAC (RFC 2104, FIPS 198-1) is `H((K0 ^ opad) || H((K0 ^ ipad) || message))`, where `K0` is
//! the key padded to SHA-256's 64-byte block. `K0 ^ ipad` and `K0 ^ opad` are each exactly one
//! block, so SHA-256's state after that first block depends on the key alone: RFC 2104, section
//! 4, suggests computing these two *midstates* once per key. A MAC is then one compression per
//! 64-byte block of the padded inner message and one for the outer hash, nothing more.
//!
//! The `hmac` crate (0.12) does the same, but its keyed states cannot be wiped, and it buffers
//! the message on its way to the compressions, which makes a signer's MAC of a short id slower.
//! Here the midstates live in [`MacKey`], which zeroes them on drop. SHA-256 itself is
//! `sha2::compress256` (feature `compress`): this file only lays out the blocks HMAC hashes, and
//! its tests check it against the `hmac` crate and the RFC 4231 vectors.

use core::slice;

use sha2::digest::core_api::Block as BlockOf;
use sha2::{Sha256VarCore, compress256};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SHA-256's block size in bytes, and so the size of HMAC's padded key `K0`.
pub(crate) const BLOCK_LEN: usize = 64;

/// SHA-256's output size in bytes: the full tag.
pub(crate) const TAG_LEN: usize = 32;

/// SHA-256's initial hash value H(0), FIPS 180-4, section 5.3.3. `sha2` 0.10 keeps its copy
/// private; a wrong word here would change every tag, which the tests against the `hmac` crate
/// and RFC 4231 would catch.
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// HMAC's inner and outer pad bytes (RFC 2104, section 2).
const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;

/// Where SHA-256 padding puts the message length: the last 8 bytes of the last block, as a
/// big-endian count of bits (FIPS 180-4, section 5.1.1).
const LEN_AT: usize = BLOCK_LEN - 8;

/// The outer hash's one block after `K0 ^ opad`, less the inner digest that goes in its first
/// 32 bytes: that digest's padding (FIPS 180-4, 5.1.1) for 64 + 32 bytes hashed, 768 bits. It is
/// the same for every MAC, so it is a constant copied whole (a little faster, measured, than
/// writing the 0x80 and length bytes into a zeroed block each time).
const OUTER_PADDING: [u8; BLOCK_LEN] = {
    let mut block = [0; BLOCK_LEN];
    block[TAG_LEN] = 0x80;
    let bits = ((BLOCK_LEN + TAG_LEN) as u64 * 8).to_be_bytes();
    let mut i = 0;
    while i < bits.len() {
        block[LEN_AT + i] = bits[i];
        i += 1;
    }
    block
};

/// One 64-byte block, the unit `compress256` works on. Named through `digest`'s alias, and built
/// with `Default` and `From` only: `generic-array` 0.14, underneath, deprecates its own names
/// and methods in favour of a 1.x that `sha2` 0.10 does not use.
type Block = BlockOf<Sha256VarCore>;

/// An HMAC-SHA256 key, kept as SHA-256's state after the block `K0 ^ ipad` and after the block
/// `K0 ^ opad`. Both are as secret as the key: either one lets anyone continue the hash. They are
/// zeroed on drop and never printed (there is no `Debug`).
#[derive(Clone)]
pub(crate) struct MacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl MacKey {
    /// The midstates of the padded key `k0`: the secret zero-padded to a block, or its SHA-256
    /// digest zero-padded when longer than a block (FIPS 198-1, section 4, steps 1 to 3), which
    /// is how [`crate::Key`] stores it.
    pub(crate) fn new(k0: &[u8; BLOCK_LEN]) -> MacKey {
        let mut key = MacKey {
            inner: SHA256_IV,
            outer: SHA256_IV,
        };
        let mut block = Block::default();
        for (state, pad) in [(&mut key.inner, IPAD), (&mut key.outer, OPAD)] {
            for (b, k) in block.iter_mut().zip(k0) {
                *b = k ^ pad;
            }
            compress256(state, slice::from_ref(&block));
        }
        // The padded key itself, as good as the key.
        block[..].zeroize();
        key
    }

    /// The full HMAC-SHA256 tag of `msg`.
    pub(crate) fn tag(&self, msg: &[u8]) -> [u8; TAG_LEN] {
        let mut words = self.tag_words(msg);
        let mut tag = [0; TAG_LEN];
        write_digest(&words, &mut tag);
        // The state is the tag itself: a derived key's (`csrf::token_key`) as much as a value's.
        words.as_mut_slice().zeroize();
        tag
    }

    /// The HMAC-SHA256 tag of `msg` as the outer hash's final state, whose eight words written
    /// big-endian are the tag: what a verifier compares (`crate::tag`), with no bytes written
    /// and read back in between. No heap: whole blocks are hashed straight from `msg`, and
    /// only the last, padded, block is assembled on the stack.
    pub(crate) fn tag_words(&self, msg: &[u8]) -> [u32; 8] {
        // Inner hash, continuing after the block `K0 ^ ipad`.
        let mut inner = self.inner;
        let (blocks, rest) = msg.as_chunks::<BLOCK_LEN>();
        for block in blocks {
            // A view of the message's own bytes, not a copy (the length is a block's, so the
            // conversion cannot panic).
            let block: &Block = block.as_slice().into();
            compress256(&mut inner, slice::from_ref(block));
        }
        // FIPS 180-4, 5.1.1: the rest of the message, a 1 bit, zeros, then the length of
        // everything hashed (the key block and the message) in bits. The 0x80 byte and the 8 length
        // bytes fit after at most 55 bytes; otherwise they spill into a second block.
        let mut last = [Block::default(); 2];
        last[0][..rest.len()].copy_from_slice(rest);
        last[0][rest.len()] = 0x80;
        let used = if rest.len() < LEN_AT { 1 } else { 2 };
        let bits = (BLOCK_LEN as u64 + msg.len() as u64) * 8;
        last[used - 1][LEN_AT..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut inner, &last[..used]);

        // Outer hash, continuing after the block `K0 ^ opad`: the inner digest padded as above,
        // always one block, whose padding is the same every time.
        let mut outer_block = Block::from(OUTER_PADDING);
        write_digest(&inner, &mut outer_block[..TAG_LEN]);
        let mut outer = self.outer;
        compress256(&mut outer, slice::from_ref(&outer_block));

        // What is left on the stack is wiped: the copy of the inner midstate, the inner digest,
        // and the last message block (public for a signed value, but this function does not know
        // what it is given). As slices, not arrays: `zeroize` 1.9 clears a slice with plain
        // stores and one optimisation barrier, an array with one volatile store per element.
        // `compress256`'s own registers and stack are out of reach, as in any Rust SHA-256. The
        // returned state is the tag, the caller's to keep or to send.
        inner.as_mut_slice().zeroize();
        outer_block[..].zeroize();
        for block in &mut last[..used] {
            block[..].zeroize();
        }
        outer
    }
}

/// A SHA-256 state as its digest: the eight words in order, each big-endian (FIPS 180-4,
/// sections 3.1 and 6.2.2).
fn write_digest(state: &[u32; 8], out: &mut [u8]) {
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
}

impl Drop for MacKey {
    fn drop(&mut self) {
        self.inner.as_mut_slice().zeroize();
        self.outer.as_mut_slice().zeroize();
    }
}

impl ZeroizeOnDrop for MacKey {}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use proptest::prelude::*;
    use sha2::Sha256;

    use super::*;
    use crate::Key;

    /// The oracle: the `hmac` crate, keyed with the secret as given.
    fn oracle(secret: &[u8], msg: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
        mac.update(msg);
        mac.finalize().into_bytes().into()
    }

    /// Ours, keyed the way a signer is: through [`Key`], which makes `K0`.
    fn ours(secret: &[u8], msg: &[u8]) -> [u8; TAG_LEN] {
        Key::from_bytes(secret).expect("long enough").mac().tag(msg)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Every message length from empty to several blocks, across every padding boundary
        /// (55, 56, 63, 64, ...), with secrets from the minimum to past two blocks.
        #[test]
        fn agrees_with_the_hmac_crate_for_repeated_byte_secrets(
            byte in any::<u8>(),
            secret_len in 32usize..=200,
            msg in prop::collection::vec(any::<u8>(), 0..=300),
        ) {
            let secret = vec![byte; secret_len];
            prop_assert_eq!(ours(&secret, &msg), oracle(&secret, &msg));
        }

        #[test]
        fn agrees_with_the_hmac_crate_for_random_secrets(
            secret in prop::collection::vec(any::<u8>(), 32..=200),
            msg in prop::collection::vec(any::<u8>(), 0..=300),
        ) {
            prop_assert_eq!(ours(&secret, &msg), oracle(&secret, &msg));
        }
    }

    /// Every length exhaustively, not by chance, for one secret per way `K0` is made (padded,
    /// exactly a block, hashed).
    #[test]
    fn agrees_with_the_hmac_crate_at_every_message_length() {
        let msg: Vec<u8> = (0..=300u16).map(|i| (i * 7) as u8).collect();
        for secret_len in [32, 64, 65, 200] {
            let secret: Vec<u8> = (0..secret_len).map(|i| (i * 13 + 1) as u8).collect();
            for len in 0..=msg.len() {
                assert_eq!(
                    ours(&secret, &msg[..len]),
                    oracle(&secret, &msg[..len]),
                    "secret {secret_len} bytes, message {len} bytes"
                );
            }
        }
    }

    #[derive(serde::Deserialize)]
    struct Rfc4231 {
        cases: Vec<Rfc4231Case>,
    }

    #[derive(serde::Deserialize)]
    struct Rfc4231Case {
        case: u8,
        key: String,
        data: String,
        mac: String,
    }

    /// RFC 4231, section 4, HMAC-SHA-256, cases 1 to 7 (case 5's MAC truncated to 128 bits, as
    /// the RFC gives it). The keys of cases 1 to 5 are shorter than [`Key::MIN_LEN`], so `K0` is
    /// made here by zero-padding, as FIPS 198-1 says for keys shorter than a block.
    #[test]
    fn rfc_4231_sha256_vectors() {
        let Rfc4231 { cases } =
            serde_json::from_str(include_str!("../tests/vectors/rfc4231.json")).expect("json");
        assert_eq!(
            cases.iter().map(|c| c.case).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7]
        );
        for case in cases {
            let key = hex::decode(&case.key).expect("hex key");
            let data = hex::decode(&case.data).expect("hex data");
            let tag = if key.len() >= Key::MIN_LEN {
                ours(&key, &data)
            } else {
                let mut k0 = [0; BLOCK_LEN];
                k0[..key.len()].copy_from_slice(&key);
                MacKey::new(&k0).tag(&data)
            };
            let expected = hex::decode(&case.mac).expect("hex mac");
            assert_eq!(
                &tag[..expected.len()],
                expected,
                "RFC 4231 case {}",
                case.case
            );
            assert_eq!(tag, oracle(&key, &data), "RFC 4231 case {}", case.case);
        }
    }
}
