//! Password hashing with argon2id (its default parameters, stored in the PHC string so that they
//! can be raised later without breaking old hashes).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The shortest password EMAS accepts.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longer input is refused before hashing, so no one can make the server hash megabytes.
pub const MAX_PASSWORD_LEN: usize = 256;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password too short")]
    TooShort,
    #[error("password too long")]
    TooLong,
    #[error("password hashing failed")]
    Hashing,
}

/// Checks a new password against the rules before it is hashed.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        Err(PasswordError::TooShort)
    } else if password.len() > MAX_PASSWORD_LEN {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// True when `password` matches the stored hash. A malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone can type, verified against when a user name is unknown so that the
/// answer takes as long as for a known one.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&crate::secret::random_token()).expect("hashing a short random string")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("kata sandi rahasia").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("kata sandi rahasia", &h));
        assert!(!verify_password("kata sandi rahasiA", &h));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn new_passwords_have_sane_lengths() {
        assert_eq!(check_new_password("pendek"), Err(PasswordError::TooShort));
        assert_eq!(
            check_new_password(&"x".repeat(300)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(check_new_password("cukup panjang sekali"), Ok(()));
    }
}
