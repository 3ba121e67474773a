//! Exact numbers: [`Money`] in yuan, [`Number`] for counts, rates and scores, [`BizDate`].
//!
//! `rust_decimal`'s own serde form is not used on disk: its postcard shape is not canonical.
//! Each type here has an explicit encoding, specified in docs/FORMAT.md:
//! - `Money`: the amount in fen (0.01 yuan) as an `i64` (postcard zigzag varint);
//! - `Number`: `(mantissa: i128, scale: u32)`, so the printed precision survives (`100.0` ≠ `100`);
//! - `BizDate`: `(year: i32, month: u8, day: u8)`.
//!
//! Decoding rejects values that would not re-encode to the same bytes.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Why a textual number, amount or date was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not a decimal number at all.
    #[error("`{0}` is not a number (expected digits with an optional sign and decimal point)")]
    NotANumber(String),
    /// A yuan amount with more than two decimals (finer than one fen).
    #[error(
        "`{0}` has more than 2 decimals in yuan (more than 6 in 万元); amounts are exact to the fen"
    )]
    TooPrecise(String),
    /// Out of the representable range.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
    /// Not a calendar date in `YYYY-MM-DD` form.
    #[error("`{0}` is not a date (expected YYYY-MM-DD, e.g. 2022-06-30)")]
    NotADate(String),
}

/// Largest mantissa a `Decimal` holds (96 bits).
const MAX_MANTISSA: i128 = (1i128 << 96) - 1;

/// An exact amount of money in yuan, to the fen (2 decimals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    fen: i64,
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money { fen: 0 };

    /// An amount given in fen (0.01 yuan).
    #[must_use]
    pub const fn from_fen(fen: i64) -> Money {
        Money { fen }
    }

    /// The amount in fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.fen
    }

    /// The amount in yuan, scale 2.
    #[must_use]
    pub fn yuan(self) -> Decimal {
        Decimal::new(self.fen, 2)
    }

    /// The amount in 万元 (10,000 yuan), exact (scale 6).
    #[must_use]
    pub fn wan(self) -> Decimal {
        Decimal::new(self.fen, 6)
    }

    /// Exact yuan decimal to money; more than 2 decimals is an error.
    pub fn from_yuan(yuan: Decimal) -> Result<Money, ParseError> {
        let fen = yuan
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or_else(|| ParseError::OutOfRange(yuan.to_string()))?;
        if fen.fract() != Decimal::ZERO {
            return Err(ParseError::TooPrecise(yuan.to_string()));
        }
        i64::try_from(fen)
            .map(Money::from_fen)
            .map_err(|_| ParseError::OutOfRange(yuan.to_string()))
    }

    /// Checked sum.
    #[must_use]
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.fen.checked_add(other.fen).map(Money::from_fen)
    }

    /// Checked difference.
    #[must_use]
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.fen.checked_sub(other.fen).map(Money::from_fen)
    }

    /// Is the amount below zero?
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.fen < 0
    }
}

impl FromStr for Money {
    type Err = ParseError;

    /// Accepts `19236500`, `19236500.00`, `19236500元`, `1923.65万元`, `1,923.65万元`.
    fn from_str(s: &str) -> Result<Money, ParseError> {
        let t = s.trim();
        let (digits, wan) = if let Some(d) = t.strip_suffix("万元") {
            (d, true)
        } else if let Some(d) = t.strip_suffix('元') {
            (d, false)
        } else {
            (t, false)
        };
        let digits: String = digits.trim().chars().filter(|c| *c != ',').collect();
        let d = parse_decimal(&digits).map_err(|_| ParseError::NotANumber(s.to_string()))?;
        let yuan = if wan {
            d.checked_mul(Decimal::from(10_000))
                .ok_or_else(|| ParseError::OutOfRange(s.to_string()))?
        } else {
            d
        };
        Money::from_yuan(yuan).map_err(|e| match e {
            ParseError::TooPrecise(_) => ParseError::TooPrecise(s.to_string()),
            _ => ParseError::OutOfRange(s.to_string()),
        })
    }
}

impl fmt::Display for Money {
    /// Yuan with 2 decimals, e.g. `19236500.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.yuan())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fen.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        i64::deserialize(d).map(Money::from_fen)
    }
}

/// Parses a plain decimal (`-12.50`, `100.0`, `3`), keeping its scale.
fn parse_decimal(s: &str) -> Result<Decimal, ParseError> {
    let ok = !s.is_empty()
        && s.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')));
    if !ok {
        return Err(ParseError::NotANumber(s.to_string()));
    }
    Decimal::from_str_exact(s).map_err(|_| ParseError::NotANumber(s.to_string()))
}

/// An exact decimal that keeps its printed precision: counts, rates, scores, deltas.
///
/// `Number` compares by value *and* scale (`100.0 != 100`) because the scale is the printed
/// precision of a claim; use [`Number::value`] to compare values.
#[derive(Clone, Copy, Debug, Eq, Default)]
pub struct Number(Decimal);

impl std::hash::Hash for Number {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.0.scale().hash(state);
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.0 == other.0 && self.0.scale() == other.0.scale()
    }
}

impl Number {
    /// Wraps a decimal as it is, scale included.
    #[must_use]
    pub const fn new(d: Decimal) -> Number {
        Number(d)
    }

    /// The exact value.
    #[must_use]
    pub const fn value(self) -> Decimal {
        self.0
    }

    /// Digits after the decimal point as written.
    #[must_use]
    pub const fn scale(self) -> u32 {
        self.0.scale()
    }
}

impl From<Decimal> for Number {
    fn from(d: Decimal) -> Number {
        Number(d)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number(Decimal::from(v))
    }
}

impl FromStr for Number {
    type Err = ParseError;

    /// A plain decimal; a trailing `%` is allowed and ignored (the unit says percent).
    fn from_str(s: &str) -> Result<Number, ParseError> {
        let t = s.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim();
        parse_decimal(t)
            .map(Number)
            .map_err(|_| ParseError::NotANumber(s.to_string()))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.0.mantissa(), self.0.scale()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        let (mantissa, scale) = <(i128, u32)>::deserialize(d)?;
        if scale > 28 || !(-MAX_MANTISSA..=MAX_MANTISSA).contains(&mantissa) {
            return Err(serde::de::Error::custom("number out of range"));
        }
        Ok(Number(Decimal::from_i128_with_scale(mantissa, scale)))
    }
}

/// A business date (the date a budget event or value applies to), in the fiscal calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BizDate(pub time::Date);

impl BizDate {
    /// A date from its parts, if it exists.
    #[must_use]
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<BizDate> {
        let m = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, m, day)
            .ok()
            .map(BizDate)
    }

    /// The calendar year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.0.year()
    }
}

impl FromStr for BizDate {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<BizDate, ParseError> {
        let bad = || ParseError::NotADate(s.to_string());
        let mut parts = s.trim().splitn(3, '-');
        let y = parts
            .next()
            .and_then(|p| p.parse::<i32>().ok())
            .ok_or_else(bad)?;
        let m = parts
            .next()
            .and_then(|p| p.parse::<u8>().ok())
            .ok_or_else(bad)?;
        let d = parts
            .next()
            .and_then(|p| p.parse::<u8>().ok())
            .ok_or_else(bad)?;
        if !(1000..=9999).contains(&y) {
            return Err(bad());
        }
        BizDate::from_ymd(y, m, d).ok_or_else(bad)
    }
}

impl fmt::Display for BizDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for BizDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.0.year(), u8::from(self.0.month()), self.0.day()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for BizDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BizDate, D::Error> {
        let (y, m, day) = <(i32, u8, u8)>::deserialize(d)?;
        BizDate::from_ymd(y, m, day).ok_or_else(|| serde::de::Error::custom("invalid date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_amounts_are_exact_yuan() {
        let m: Money = "1923.65万元".parse().unwrap();
        assert_eq!(m.fen(), 1_923_650_000);
        assert_eq!(m.to_string(), "19236500.00");
        assert_eq!(m.wan().to_string(), "1923.650000");
        assert_eq!("19236500元".parse::<Money>().unwrap(), m);
        assert_eq!("19,236,500.00".parse::<Money>().unwrap(), m);
    }

    #[test]
    fn more_than_fen_precision_is_rejected() {
        assert!(matches!(
            "1.234".parse::<Money>(),
            Err(ParseError::TooPrecise(_))
        ));
        assert!(matches!(
            "0.0000001万元".parse::<Money>(),
            Err(ParseError::TooPrecise(_))
        ));
        assert!("0.000001万元".parse::<Money>().is_ok());
        assert!(matches!(
            "abc".parse::<Money>(),
            Err(ParseError::NotANumber(_))
        ));
        assert!(matches!(
            "1e5".parse::<Money>(),
            Err(ParseError::NotANumber(_))
        ));
    }

    #[test]
    fn numbers_keep_their_printed_precision() {
        let a: Number = "100.0".parse().unwrap();
        let b: Number = "100".parse().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.value(), b.value());
        assert_eq!(a.scale(), 1);
        assert_eq!("99.9%".parse::<Number>().unwrap().to_string(), "99.9");
    }

    #[test]
    fn number_codec_round_trips_and_rejects_out_of_range() {
        let n: Number = "-3.50".parse().unwrap();
        let bytes = postcard::to_allocvec(&n).unwrap();
        let back: Number = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, n);
        let bad = postcard::to_allocvec(&(1i128, 29u32)).unwrap();
        assert!(postcard::from_bytes::<Number>(&bad).is_err());
    }

    #[test]
    fn dates_parse_and_reject() {
        let d: BizDate = "2022-06-30".parse().unwrap();
        assert_eq!(d.to_string(), "2022-06-30");
        assert!("2022-02-30".parse::<BizDate>().is_err());
        assert!("30/06/2022".parse::<BizDate>().is_err());
        let bytes = postcard::to_allocvec(&d).unwrap();
        assert_eq!(postcard::from_bytes::<BizDate>(&bytes).unwrap(), d);
    }
}
