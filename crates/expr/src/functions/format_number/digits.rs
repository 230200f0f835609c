//! The decimal digits of a number as .NET's `NumberBuffer` holds them: `0.d₁d₂d₃… × 10^scale`,
//! with a sign. Doubles are converted exactly and rounded half away from zero at the requested
//! position (.NET Core 3.0+ formats the exact binary value, not a 15-digit approximation).

/// Significant digits of the exact decimal expansion of any finite double fit in this many.
const EXACT_DIGITS: usize = 770;
/// Digits computed on the fast path; a rounding decision is only re-checked against the
/// exact expansion when these digits look like an exact tie.
const GUARD_DIGITS: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Digits {
    pub negative: bool,
    /// ASCII digits without leading or trailing zeros; empty for zero.
    pub digits: Vec<u8>,
    pub scale: i32,
    /// Doubles keep their sign when they round to zero ("-0.00"); integers do not.
    pub is_float: bool,
}

/// `x`'s digits in scientific form with `precision` digits after the first (Rust rounds the
/// exact value half to even at that position), and the decimal scale.
fn scientific(x: f64, precision: usize) -> (Vec<u8>, i32) {
    let text = format!("{x:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exponent.parse::<i32>().unwrap_or(0) + 1)
}

fn trim_trailing_zeros(digits: &mut Vec<u8>) {
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
}

/// Rounds a positive, finite `x` to `significant` digits, half away from zero.
fn round_significant(x: f64, significant: usize) -> (Vec<u8>, i32) {
    let exact_needed = significant + 10 > GUARD_DIGITS;
    let (mut digits, mut scale) = scientific(
        x,
        if exact_needed {
            EXACT_DIGITS
        } else {
            GUARD_DIGITS
        },
    );
    if significant < digits.len() {
        let tail = &digits[significant..];
        let looks_like_tie = tail[0] == b'5' && tail[1..].iter().all(|&d| d == b'0');
        let round_up = if looks_like_tie && !exact_needed {
            // The guard digits may have been rounded up to "5000…"; the exact expansion decides.
            let (exact, _) = scientific(x, EXACT_DIGITS);
            exact.get(significant).is_some_and(|&d| d >= b'5')
        } else {
            tail[0] >= b'5'
        };
        digits.truncate(significant);
        if round_up && !increment(&mut digits) {
            digits = vec![b'1'];
            scale += 1;
        }
    }
    trim_trailing_zeros(&mut digits);
    (digits, scale)
}

/// Adds one to the last digit; false if every digit was 9 (the caller shifts the scale).
fn increment(digits: &mut Vec<u8>) -> bool {
    while let Some(last) = digits.pop() {
        if last < b'9' {
            digits.push(last + 1);
            return true;
        }
    }
    false
}

impl Digits {
    pub(super) fn zero(negative: bool, is_float: bool) -> Digits {
        Digits {
            negative,
            digits: Vec::new(),
            scale: 0,
            is_float,
        }
    }

    pub(super) fn from_int(value: i64) -> Digits {
        let mut digits = value.unsigned_abs().to_string().into_bytes();
        let scale = digits.len() as i32;
        trim_trailing_zeros(&mut digits);
        if digits.is_empty() {
            return Digits::zero(false, false);
        }
        Digits {
            negative: value < 0,
            digits,
            scale,
            is_float: false,
        }
    }

    /// The shortest digits that read back as `x` (`R`, and `G` without precision).
    pub(super) fn shortest(x: f64) -> Digits {
        if x == 0.0 {
            return Digits::zero(x.is_sign_negative(), true);
        }
        let text = format!("{:e}", x.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        trim_trailing_zeros(&mut digits);
        let scale = exponent.parse::<i32>().unwrap_or(0) + 1;
        Digits {
            negative: x.is_sign_negative(),
            digits,
            scale,
            is_float: true,
        }
    }

    /// `x` rounded to `significant` digits (`E`, `G` with precision, custom formats).
    pub(super) fn significant(x: f64, significant: usize) -> Digits {
        if x == 0.0 || significant == 0 {
            return Digits::zero(x.is_sign_negative(), true);
        }
        let (digits, scale) = round_significant(x.abs(), significant);
        Digits {
            negative: x.is_sign_negative(),
            digits,
            scale,
            is_float: true,
        }
    }

    /// `x` rounded to `fraction` digits after the decimal point (`C`, `F`, `N`, `P`).
    pub(super) fn fixed(x: f64, fraction: usize) -> Digits {
        let negative = x.is_sign_negative();
        if x == 0.0 {
            return Digits::zero(negative, true);
        }
        let (_, scale) = scientific(x.abs(), GUARD_DIGITS);
        let significant = i64::from(scale) + fraction as i64;
        if significant > 0 {
            let (digits, scale) = round_significant(x.abs(), significant as usize);
            return Digits {
                negative,
                digits,
                scale,
                is_float: true,
            };
        }
        // Below half a unit of the last place the value rounds to zero; from half up to one.
        let (first, _) = scientific(x.abs(), 0);
        if significant == 0 && first.first().is_some_and(|&d| d >= b'5') {
            return Digits {
                negative,
                digits: vec![b'1'],
                scale: scale + 1,
                is_float: true,
            };
        }
        Digits {
            negative,
            digits: Vec::new(),
            scale: 0,
            is_float: true,
        }
    }

    pub(super) fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    pub(super) fn digit(&self, i: usize) -> Option<u8> {
        self.digits.get(i).copied()
    }

    /// .NET's `RoundNumber`: keeps `pos` digits, rounding up when the next digit is 5 or more.
    pub(super) fn round(&mut self, pos: i64) {
        let keep = usize::try_from(pos.max(0)).unwrap_or(usize::MAX);
        if keep < self.digits.len() {
            let round_up = pos >= 0 && self.digits[keep] >= b'5';
            self.digits.truncate(keep);
            if round_up && !increment(&mut self.digits) {
                self.digits = vec![b'1'];
                self.scale += 1;
            }
            trim_trailing_zeros(&mut self.digits);
        }
        if self.digits.is_empty() {
            if !self.is_float {
                self.negative = false;
            }
            self.scale = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: &Digits) -> String {
        format!("{}e{}", String::from_utf8_lossy(&d.digits), d.scale)
    }

    #[test]
    fn exact_rounding_half_away_from_zero() {
        assert_eq!(text(&Digits::fixed(0.125, 2)), "13e0");
        assert_eq!(text(&Digits::fixed(2.5, 0)), "3e1");
        // 2.675 is 2.67499999999999982236431605997495353221893310546875 in binary.
        assert_eq!(text(&Digits::fixed(2.675, 2)), "267e1");
        assert_eq!(text(&Digits::fixed(0.004, 2)), "e0");
        assert_eq!(text(&Digits::fixed(0.005, 2)), "1e-1");
        assert_eq!(text(&Digits::fixed(9.995, 2)), "999e1");
        assert_eq!(text(&Digits::fixed(99.999, 2)), "1e3");
        assert_eq!(text(&Digits::significant(1.0 / 3.0, 5)), "33333e0");
        assert_eq!(text(&Digits::fixed(0.1, 25)), "1000000000000000055511151e0");
    }

    #[test]
    fn integers_and_shortest() {
        assert_eq!(text(&Digits::from_int(1_234_500)), "12345e7");
        assert_eq!(text(&Digits::from_int(i64::MIN)), "9223372036854775808e19");
        assert_eq!(text(&Digits::shortest(17.35)), "1735e2");
        assert_eq!(text(&Digits::shortest(1e-7)), "1e-6");
        let mut d = Digits::from_int(-4);
        d.round(0);
        assert!(d.is_zero() && !d.negative);
    }
}
