//! Culture data shared by the date and number functions: month and day names, standard
//! date/time patterns, and number symbols and patterns, as .NET 5+ reports them from ICU
//! (CLDR) data, which is what Logic Apps formats and parses with.
//!
//! Only a fixed set of cultures is embedded (see [`locales`]); a locale name is matched
//! case-insensitively, and a bare language (`fr`) resolves to its main country culture, as a
//! .NET neutral culture formats like its default specific culture.

mod locales;

use super::{Args, FnError};

/// The order of day, month and year in a culture's numeric short date, used to read dates
/// such as `01/02/2018` when no format is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    MonthDayYear,
    DayMonthYear,
    YearMonthDay,
}

/// One culture's data; the field names follow .NET's `DateTimeFormatInfo` and
/// `NumberFormatInfo`.
#[derive(Debug)]
pub(crate) struct Culture {
    pub name: &'static str,
    pub month_names: [&'static str; 12],
    pub abbreviated_month_names: [&'static str; 12],
    /// Month names as they read inside a date ("d MMMM"); .NET uses them when a day number
    /// sits next to the month in the pattern.
    pub month_genitive_names: [&'static str; 12],
    pub abbreviated_month_genitive_names: [&'static str; 12],
    /// Sunday first, as .NET's `DayOfWeek`.
    pub day_names: [&'static str; 7],
    pub abbreviated_day_names: [&'static str; 7],
    pub am_designator: &'static str,
    pub pm_designator: &'static str,
    pub date_separator: &'static str,
    pub time_separator: &'static str,
    pub short_date_pattern: &'static str,
    pub long_date_pattern: &'static str,
    pub short_time_pattern: &'static str,
    pub long_time_pattern: &'static str,
    pub month_day_pattern: &'static str,
    pub year_month_pattern: &'static str,
    pub era_name: &'static str,
    pub date_order: DateOrder,
    /// Words that may appear between date parts in free-form dates ("20 de octubre de 2020").
    pub date_words: &'static [&'static str],

    pub decimal_separator: &'static str,
    pub group_separator: &'static str,
    pub currency_symbol: &'static str,
    pub currency_decimal_digits: usize,
    /// .NET `CurrencyPositivePattern` (0 `$n`, 1 `n$`, 2 `$ n`, 3 `n $`).
    pub currency_positive_pattern: u8,
    /// .NET `CurrencyNegativePattern` (0..=16).
    pub currency_negative_pattern: u8,
    /// .NET `PercentPositivePattern` (0 `n %`, 1 `n%`, 2 `%n`, 3 `% n`).
    pub percent_positive_pattern: u8,
    /// .NET `PercentNegativePattern` (0..=11).
    pub percent_negative_pattern: u8,
    /// .NET `NumberNegativePattern` (0 `(n)`, 1 `-n`, 2 `- n`, 3 `n-`, 4 `n -`).
    pub number_negative_pattern: u8,
    pub negative_sign: &'static str,
    pub positive_sign: &'static str,
    pub percent_symbol: &'static str,
    pub per_mille_symbol: &'static str,
    pub nan_symbol: &'static str,
    pub positive_infinity_symbol: &'static str,
    pub negative_infinity_symbol: &'static str,
}

/// .NET's defaults: `NumberDecimalDigits` and `PercentDecimalDigits` are 2 in every
/// embedded culture, and digits are grouped by three.
pub(crate) const NUMBER_DECIMAL_DIGITS: usize = 2;
pub(crate) const PERCENT_DECIMAL_DIGITS: usize = 2;
pub(crate) const GROUP_SIZE: usize = 3;

impl Culture {
    /// Whether month names change form next to a day number (.NET's `UseGenitiveMonth`).
    pub(crate) fn uses_genitive_months(&self) -> bool {
        self.month_names != self.month_genitive_names
            || self.abbreviated_month_names != self.abbreviated_month_genitive_names
    }
}

/// The invariant culture (`CultureInfo.InvariantCulture`).
pub(crate) fn invariant() -> &'static Culture {
    &locales::INVARIANT
}

/// en-US, the Logic Apps default for formatting.
pub(crate) fn en_us() -> &'static Culture {
    &locales::EN_US
}

/// Finds a culture by name (`en-US`, `fr-fr`, `de`), ignoring case.
pub(crate) fn find(name: &str) -> Option<&'static Culture> {
    let name = name.trim();
    locales::ALL
        .iter()
        .copied()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .or_else(|| {
            // A neutral culture name formats like its main specific culture.
            locales::NEUTRAL
                .iter()
                .find(|(language, _)| language.eq_ignore_ascii_case(name))
                .map(|(_, culture)| *culture)
        })
}

/// The culture named by optional argument `i`; absent, null or empty means `default`.
pub(crate) fn from_arg(
    args: &Args<'_>,
    i: usize,
    default: &'static Culture,
) -> Result<&'static Culture, FnError> {
    match args.opt_str(i)? {
        None => Ok(default),
        Some(name) if name.trim().is_empty() => Ok(default),
        Some(name) => find(name).ok_or_else(|| {
            FnError::arg(
                i,
                format!(
                    "the locale '{name}' is not supported; supported locales are {}",
                    supported_names()
                ),
            )
        }),
    }
}

fn supported_names() -> String {
    let names: Vec<&str> = locales::ALL
        .iter()
        .map(|c| c.name)
        .filter(|n| !n.is_empty())
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_neutral_names_resolve() {
        assert_eq!(find("EN-us").map(|c| c.name), Some("en-US"));
        assert_eq!(find("fr").map(|c| c.name), Some("fr-FR"));
        assert_eq!(find("is-is").map(|c| c.name), Some("is-IS"));
        assert!(find("xx-YY").is_none());
    }

    #[test]
    fn genitive_months_only_where_they_differ() {
        assert!(find("de-DE").is_some_and(Culture::uses_genitive_months));
        assert!(!en_us().uses_genitive_months());
    }
}
