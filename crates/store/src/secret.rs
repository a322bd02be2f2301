//! Random secrets and their stored forms. A session or API token is shown to its holder once and
//! kept only as a SHA-256 hash, so a copy of the database lets no one act as a user.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password a person can type from a printout: 4 groups of 4 letters and digits without the
/// easily confused 0/O, 1/l/I.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let pick = (rng.next_u32() as usize) % ALPHABET.len();
        out.push(char::from(ALPHABET[pick]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash("").len(), 64);
    }

    #[test]
    fn one_time_passwords_are_readable() {
        let p = one_time_password();
        assert_eq!(p.len(), 19);
        assert!(
            p.chars()
                .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"01ilo".contains(c)))
        );
    }
}
