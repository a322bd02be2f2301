//! Indonesian phone numbers brought to one form, the international digits without a plus:
//! `0812-3456-789`, `62812…`, `+62 812…` and `812…` all become `628123456789`.

/// The number in `62…` form, or `None` when the cell holds no plausible phone number. When a
/// cell lists several numbers ("0812… / 0813…") the first is taken.
pub fn normalise(cell: &str) -> Option<String> {
    let first = cell
        .split(['/', ',', ';', '|'])
        .map(str::trim)
        .find(|p| p.bytes().any(|b| b.is_ascii_digit()))?;
    let first = first.trim_start_matches(['\'', '`']);
    // A number read from a numeric cell may come as "6281234567890.0".
    let first = first.strip_suffix(".0").unwrap_or(first);
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0062") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix("62") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_owned()
    } else {
        digits
    };
    let national = national.trim_start_matches('0');
    (8..=12)
        .contains(&national.len())
        .then(|| format!("62{national}"))
}

/// True for a mobile number (the 8xx prefixes), which belongs to a person rather than a household.
pub fn is_mobile(normalised: &str) -> bool {
    normalised.starts_with("628")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_one_number() {
        for s in [
            "0812-3456-789",
            "62812 3456 789",
            "+62 812 3456 789",
            "812 3456 789",
            "'081234567 89",
            "0062812345678 9",
        ] {
            assert_eq!(normalise(s).as_deref(), Some("628123456789"), "{s}");
        }
        assert!(is_mobile("628123456789"));
    }

    #[test]
    fn first_of_several_and_junk() {
        assert_eq!(
            normalise("0812345678 / 0813999888").as_deref(),
            Some("62812345678")
        );
        assert_eq!(normalise("-"), None);
        assert_eq!(normalise("123"), None);
        assert_eq!(normalise("tidak ada"), None);
    }
}
