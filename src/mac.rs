//! HMAC-SHA256 of a value's message, from the key's two padded states computed once per signer.
//!
//! The `hmac` crate does the same arithmetic, but through a cloned generic wrapper with its own
//! block buffer: for a short value that bookkeeping cost as much as one of the two SHA-256
//! compressions. Here a MAC is the message's padded blocks under the inner state, then one block
//! under the outer state, and nothing else. The tests check it against the `hmac` crate for
//! every message length a signer can produce.

use sha2::compress256;
use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;
use zeroize::Zeroize;

/// SHA-256's block size, in bytes.
const BLOCK_LEN: usize = 64;

/// SHA-256's initial hash value (FIPS 180-4, section 5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The SHA-256 states after absorbing `key ^ ipad` and `key ^ opad` (RFC 2104): all a MAC needs
/// of the key. Secret, so wiped on drop like the key itself.
#[derive(Clone)]
pub(crate) struct KeyedMac {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl KeyedMac {
    /// The states for `block`, a key already padded to one block as HMAC pads it.
    pub(crate) fn new(block: &[u8; BLOCK_LEN]) -> KeyedMac {
        let state = |pad: u8| {
            let mut padded = [0u8; BLOCK_LEN];
            for (p, k) in padded.iter_mut().zip(block) {
                *p = k ^ pad;
            }
            let mut state = IV;
            compress(&mut state, &padded);
            padded.zeroize();
            state
        };
        KeyedMac {
            inner: state(0x36),
            outer: state(0x5c),
        }
    }

    /// HMAC-SHA256 of `msg`.
    pub(crate) fn tag(&self, msg: &[u8]) -> [u8; 32] {
        let mut inner = self.inner;
        let (blocks, rest) = msg.as_chunks::<BLOCK_LEN>();
        for block in blocks {
            compress(&mut inner, block);
        }
        // The key block counts towards the length that SHA-256 padding encodes.
        finish(&mut inner, rest, BLOCK_LEN + msg.len());
        // The outer message is the inner digest: always one block, padding known in advance.
        let mut block = OUTER_PADDING;
        write_digest(&inner, &mut block);
        let mut outer = self.outer;
        compress(&mut outer, &block);
        let mut tag = [0u8; 32];
        write_digest(&outer, &mut tag);
        tag
    }
}

/// The outer hash's only block after the key block: 32 digest bytes (zero here), the `0x80`
/// that ends a message, and its length in bits, (64 + 32) * 8 = 768 = 0x0300.
const OUTER_PADDING: [u8; BLOCK_LEN] = {
    let mut block = [0u8; BLOCK_LEN];
    block[32] = 0x80;
    block[BLOCK_LEN - 2] = 0x03;
    block
};

impl Drop for KeyedMac {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// Pads `rest`, the last partial block of a message `total` bytes long, and compresses it.
fn finish(state: &mut [u32; 8], rest: &[u8], total: usize) {
    let mut block = [0u8; BLOCK_LEN];
    block[..rest.len()].copy_from_slice(rest);
    block[rest.len()] = 0x80;
    // The 8-byte length must fit after the 0x80: otherwise it goes in a block of its own.
    if rest.len() >= BLOCK_LEN - 8 {
        compress(state, &block);
        block = [0; BLOCK_LEN];
    }
    let bits = (total as u64) * 8;
    block[BLOCK_LEN - 8..].copy_from_slice(&bits.to_be_bytes());
    compress(state, &block);
}

fn compress(state: &mut [u32; 8], block: &[u8; BLOCK_LEN]) {
    compress256(
        state,
        core::slice::from_ref(GenericArray::<u8, U64>::from_slice(block)),
    );
}

/// Writes the big-endian digest of `state` into the start of `out`.
fn write_digest(state: &[u32; 8], out: &mut [u8]) {
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    #[test]
    fn matches_the_hmac_crate_for_every_value_length() {
        let mut block = [0u8; BLOCK_LEN];
        for (i, byte) in block.iter_mut().enumerate().take(40) {
            *byte = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let keyed = KeyedMac::new(&block);
        let msg: [u8; crate::MAX_VALUE_LEN] = core::array::from_fn(|i| b'a' + (i % 26) as u8);
        for len in 0..=msg.len() {
            let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&block).unwrap();
            reference.update(&msg[..len]);
            let expected: [u8; 32] = reference.finalize().into_bytes().into();
            assert_eq!(keyed.tag(&msg[..len]), expected, "message length {len}");
        }
    }
}
