//! The engine's input fields: what a column of a source list can be mapped to.

use std::fmt;
use std::str::FromStr;

/// A field of a person record as the engine understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Nik,
    IdNumber,
    FullName,
    GivenName,
    Surname,
    Sex,
    BirthDate,
    BirthPlace,
    /// The combined "Tempat, Tanggal Lahir" cell.
    BirthPlaceDate,
    Phone,
    Email,
    Address,
    /// The village (desa/kelurahan) or any locality: suburb, town.
    Village,
    District,
    Regency,
    Province,
    Postcode,
    Country,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::Nik,
        Field::IdNumber,
        Field::FullName,
        Field::GivenName,
        Field::Surname,
        Field::Sex,
        Field::BirthDate,
        Field::BirthPlace,
        Field::BirthPlaceDate,
        Field::Phone,
        Field::Email,
        Field::Address,
        Field::Village,
        Field::District,
        Field::Regency,
        Field::Province,
        Field::Postcode,
        Field::Country,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Nik => "nik",
            Field::IdNumber => "id_number",
            Field::FullName => "full_name",
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::BirthPlace => "birth_place",
            Field::BirthPlaceDate => "birth_place_date",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Address => "address",
            Field::Village => "village",
            Field::District => "district",
            Field::Regency => "regency",
            Field::Province => "province",
            Field::Postcode => "postcode",
            Field::Country => "country",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field name that the engine does not know; its message lists the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown field {0:?}; the fields are: {known}", known = known_fields())]
pub struct UnknownField(pub String);

fn known_fields() -> String {
    Field::ALL.map(Field::name).join(", ")
}

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| UnknownField(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_lists_known() {
        for f in Field::ALL {
            assert_eq!(f.name().parse::<Field>(), Ok(f));
        }
        let err = "tanggal".parse::<Field>().expect_err("unknown");
        let msg = err.to_string();
        assert!(
            msg.contains("tanggal") && msg.contains("birth_date") && msg.contains("nik"),
            "{msg}"
        );
    }
}
