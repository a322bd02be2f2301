//! The words of EMAS (see DOMAIN.md) as types. Parsing happens here, once: the rest of the
//! application only ever holds valid values. This crate does no I/O.

pub mod access;
pub mod address;
pub mod business;
pub mod date;
pub mod disclosure;
pub mod emas_index;
pub mod import;
pub mod name;
pub mod nik;
pub mod person;
pub mod phone;
pub mod pipeline;
pub mod programme;
pub mod referral;
pub mod region_names;
pub mod regions;
pub mod survey;
