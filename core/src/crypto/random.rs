//! Randomness from the operating system (`rand`'s `OsRng`), for keys, salts, nonces and ids.

use rand::RngCore;
use rand::rngs::OsRng;

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}
