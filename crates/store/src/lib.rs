//! The EMAS database.
