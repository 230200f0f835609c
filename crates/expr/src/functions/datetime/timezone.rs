//! Time zones by Windows ID (as Logic Apps takes them), converted with the IANA rules of
//! `chrono-tz` so daylight saving is applied for the date in question.

use super::timestamp::{Kind, Timestamp, TICKS_PER_SECOND};
use super::windows_zones::WINDOWS_ZONES;
use chrono::{NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A Windows ID with case, dots, commas and parentheses ignored: the docs warn that names
/// may have to be written without punctuation ("W Europe Standard Time").
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '.' | ',' | '(' | ')'))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn index() -> &'static HashMap<String, Tz> {
    static INDEX: OnceLock<HashMap<String, Tz>> = OnceLock::new();
    INDEX.get_or_init(|| {
        WINDOWS_ZONES
            .iter()
            .filter_map(|(windows, iana)| Some((normalize(windows), iana.parse::<Tz>().ok()?)))
            .collect()
    })
}

/// Finds a zone by Windows ID; an IANA name (`Europe/Berlin`) is accepted too.
pub(crate) fn find(name: &str) -> Option<Tz> {
    index()
        .get(&normalize(name))
        .copied()
        .or_else(|| name.trim().parse::<Tz>().ok())
}

fn is_utc(tz: Tz) -> bool {
    matches!(
        tz,
        Tz::Etc__UTC | Tz::UTC | Tz::Etc__UCT | Tz::Etc__GMT | Tz::GMT
    )
}

/// The clock reading in `tz` at the UTC instant `ts`; the result has no zone, except that a
/// UTC destination gives a UTC value, as .NET's `ConvertTimeFromUtc` does.
pub(crate) fn from_utc(ts: Timestamp, tz: Tz) -> Result<Timestamp, String> {
    let utc = ts.naive();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    let kind = if is_utc(tz) {
        Kind::Utc
    } else {
        Kind::Unspecified
    };
    ts.with_kind(kind)
        .add_ticks(i64::from(offset) * TICKS_PER_SECOND)
        .map_err(str::to_string)
}

/// The UTC instant of the clock reading `ts` in `tz`. A reading that occurs twice (when
/// clocks go back) is taken as standard time, as .NET does; one that never occurs (when
/// clocks go forward) is an error.
pub(crate) fn to_utc(ts: Timestamp, tz: Tz, zone_name: &str) -> Result<Timestamp, String> {
    let local: NaiveDateTime = ts.naive();
    let resolved = tz.from_local_datetime(&local);
    let Some(at) = resolved.latest() else {
        return Err(format!(
            "{} does not exist in the time zone '{zone_name}' (the clocks skip it)",
            local.format("%Y-%m-%dT%H:%M:%S")
        ));
    };
    let offset = at.offset().fix().local_minus_utc();
    ts.with_kind(Kind::Utc)
        .add_ticks(-i64::from(offset) * TICKS_PER_SECOND)
        .map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_windows_zone_maps_to_a_known_iana_zone() {
        for (windows, iana) in WINDOWS_ZONES {
            assert!(iana.parse::<Tz>().is_ok(), "{windows} -> {iana}");
            assert!(find(windows).is_some(), "{windows}");
        }
        assert_eq!(index().len(), WINDOWS_ZONES.len());
    }

    #[test]
    fn names_are_forgiving() {
        assert_eq!(
            find("pacific standard time"),
            Some(Tz::America__Los_Angeles)
        );
        assert_eq!(find("W Europe Standard Time"), Some(Tz::Europe__Berlin));
        assert_eq!(
            find("Pacific Standard Time (Mexico)"),
            Some(Tz::America__Tijuana)
        );
        assert_eq!(find("Europe/Paris"), Some(Tz::Europe__Paris));
        assert_eq!(find("Mars Standard Time"), None);
    }
}
