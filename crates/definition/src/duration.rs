//! ISO 8601 durations as definitions write them (`PT5S`, `P1D`, `PT1H30M`, `P1Y2M`,
//! `PT0.5S`, `P2W`): retry intervals, `limit.timeout`, Until timeouts.
//!
//! Years and months have no fixed length; [`IsoDuration::approx`] counts a month as 30 days
//! and a year as 365 days, which is what range checks (`PT5S`..`P1D`) need. An engine that
//! adds a duration to a timestamp should use the components.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IsoDuration {
    pub years: u32,
    pub months: u32,
    pub weeks: u32,
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
    /// Seconds including a fractional part (`PT0.5S`).
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not an ISO 8601 duration (like PT30S, PT5M, P1D): {reason}")]
pub struct DurationError {
    pub text: String,
    pub reason: &'static str,
}

impl IsoDuration {
    /// Parses `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`. Letters are accepted in either case;
    /// at least one component is required; only the seconds may carry a fraction; negative
    /// durations are rejected.
    pub fn parse(text: &str) -> Result<IsoDuration, DurationError> {
        let err = |reason| DurationError {
            text: text.chars().take(64).collect(),
            reason,
        };
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper
            .strip_prefix('P')
            .ok_or_else(|| err("it must start with 'P'"))?;
        if rest.is_empty() {
            return Err(err("it has no components"));
        }
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) => {
                if t.is_empty() {
                    return Err(err("'T' must be followed by hours, minutes or seconds"));
                }
                (d, Some(t))
            }
            None => (rest, None),
        };
        let mut out = IsoDuration::default();
        let mut seen_any = false;
        let mut parse_part = |part: &str, designators: &[char], time: bool| {
            let mut number = String::new();
            let mut last_index: Option<usize> = None;
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' || c == ',' {
                    number.push(if c == ',' { '.' } else { c });
                    continue;
                }
                let index = designators
                    .iter()
                    .position(|d| *d == c)
                    .ok_or_else(|| err("it holds an unexpected character"))?;
                if last_index.is_some_and(|last| index <= last) {
                    return Err(err("its components are out of order or repeated"));
                }
                last_index = Some(index);
                if number.is_empty() {
                    return Err(err("a component has no number"));
                }
                let is_seconds = time && c == 'S';
                if number.contains('.') {
                    if !is_seconds {
                        return Err(err("only seconds may have a fraction"));
                    }
                    let value: f64 = number.parse().map_err(|_| err("a number is invalid"))?;
                    out.seconds = value;
                } else {
                    let value: u32 = number
                        .parse()
                        .map_err(|_| err("a number is too large or invalid"))?;
                    match (time, c) {
                        (false, 'Y') => out.years = value,
                        (false, 'M') => out.months = value,
                        (false, 'W') => out.weeks = value,
                        (false, 'D') => out.days = value,
                        (true, 'H') => out.hours = value,
                        (true, 'M') => out.minutes = value,
                        (true, 'S') => out.seconds = f64::from(value),
                        _ => return Err(err("it holds an unexpected character")),
                    }
                }
                number.clear();
                seen_any = true;
            }
            if !number.is_empty() {
                return Err(err("a number has no unit letter"));
            }
            Ok(())
        };
        parse_part(date, &['Y', 'M', 'W', 'D'], false)?;
        if let Some(time) = time {
            parse_part(time, &['H', 'M', 'S'], true)?;
        }
        if !seen_any {
            return Err(err("it has no components"));
        }
        Ok(out)
    }

    /// The length, counting a month as 30 days and a year as 365 days.
    pub fn approx(&self) -> Duration {
        let days = u64::from(self.years) * 365
            + u64::from(self.months) * 30
            + u64::from(self.weeks) * 7
            + u64::from(self.days);
        let whole = days * 86_400 + u64::from(self.hours) * 3_600 + u64::from(self.minutes) * 60;
        let secs = if self.seconds.is_finite() && self.seconds >= 0.0 {
            self.seconds
        } else {
            0.0
        };
        Duration::from_secs(whole).saturating_add(Duration::from_secs_f64(secs.min(1e12)))
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        for (n, unit) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        if self.hours > 0 || self.minutes > 0 || self.seconds > 0.0 {
            f.write_str("T")?;
            if self.hours > 0 {
                write!(f, "{}H", self.hours)?;
            }
            if self.minutes > 0 {
                write!(f, "{}M", self.minutes)?;
            }
            if self.seconds > 0.0 {
                write!(f, "{}S", self.seconds)?;
            }
        } else if self.years == 0 && self.months == 0 && self.weeks == 0 && self.days == 0 {
            f.write_str("T0S")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> u64 {
        IsoDuration::parse(text)
            .map(|d| d.approx().as_secs())
            .unwrap_or(u64::MAX)
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(secs("PT5S"), 5);
        assert_eq!(secs("PT1H30M"), 5_400);
        assert_eq!(secs("P1D"), 86_400);
        assert_eq!(secs("P1DT1S"), 86_401);
        assert_eq!(secs("P2W"), 14 * 86_400);
        assert_eq!(secs("pt7s"), 7);
        assert_eq!(secs("P1M"), 30 * 86_400);
        assert_eq!(secs("P1Y"), 365 * 86_400);
        let half = IsoDuration::parse("PT0.5S").map(|d| d.approx().as_millis());
        assert_eq!(half, Ok(500));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "P",
            "PT",
            "5S",
            "PT5",
            "PTS",
            "P1H",
            "PT1D",
            "P1.5D",
            "PT1S1M",
            "PT-5S",
            "PT99999999999S",
            "P1DT",
            "PTT1S",
            "P1D1D",
        ] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn displays_canonically() {
        let d = IsoDuration::parse("PT90S").map(|d| d.to_string());
        assert_eq!(d.as_deref(), Ok("PT90S"));
        let d = IsoDuration::parse("P1DT2H").map(|d| d.to_string());
        assert_eq!(d.as_deref(), Ok("P1DT2H"));
    }
}
