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
    #[error(
        "`{0}` is not a number: write digits with an optional sign and decimal point, e.g. -0.04, 3.5 or 1923.65 (an amount also as 1,923.65万, 1923.65万元 or 19236500元)"
    )]
    NotANumber(String),
    /// A yuan amount with more than two decimals (finer than one fen).
    #[error(
        "`{0}` has more than 2 decimals in yuan (more than 6 in 万元); amounts are exact to the fen"
    )]
    TooPrecise(String),
    /// An amount outside the accepted input range ([`Money::MAX_INPUT`]).
    #[error(
        "`{0}` is out of range: amounts are accepted from -1000000000000.00 to 1000000000000.00 元 (±1 万亿元, ±100000000万元); check the figure for a typing error"
    )]
    OutOfRange(String),
    /// Not a calendar date in `YYYY-MM-DD` form.
    #[error("`{0}` is not a date: write YYYY-MM-DD, e.g. 2022-06-30 (or 2022年6月30日)")]
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

    /// The largest amount accepted as input, 10^12 yuan (1 万亿元), in fen; the smallest is
    /// its negative. Far above any budget line of a department, and small enough that no
    /// realistic number of entries can overflow a sum (92,233 entries at the limit would).
    /// Stored amounts are not limited (docs/FORMAT.md §3); inputs are (docs/IMPORT.md).
    pub const MAX_INPUT: Money = Money {
        fen: 100_000_000_000_000,
    };

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

    /// Exact yuan decimal to money; more than 2 decimals, or an amount outside
    /// ±[`Money::MAX_INPUT`], is an error.
    pub fn from_yuan(yuan: Decimal) -> Result<Money, ParseError> {
        let fen = yuan
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or_else(|| ParseError::OutOfRange(yuan.to_string()))?;
        if fen.fract() != Decimal::ZERO {
            return Err(ParseError::TooPrecise(yuan.to_string()));
        }
        i64::try_from(fen)
            .ok()
            .map(Money::from_fen)
            .filter(|m| m.in_input_range())
            .ok_or_else(|| ParseError::OutOfRange(yuan.to_string()))
    }

    /// Is the amount within ±[`Money::MAX_INPUT`], the range accepted as input?
    #[must_use]
    pub const fn in_input_range(self) -> bool {
        self.fen >= -Money::MAX_INPUT.fen && self.fen <= Money::MAX_INPUT.fen
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

    /// Accepts `19236500`, `19236500.00`, `19236500元`, `1923.65万元`, `1,923.65万元`,
    /// `1.2万`, and each with `−` (U+2212) or full-width digits and punctuation
    /// (`fold_input` in this module).
    fn from_str(s: &str) -> Result<Money, ParseError> {
        let folded = fold_input(s);
        let t = folded.trim();
        let (digits, wan) = if let Some(d) = t.strip_suffix("万元") {
            (d, true)
        } else if let Some(d) = t.strip_suffix('万') {
            (d, true)
        } else if let Some(d) = t.strip_suffix('元') {
            (d, false)
        } else {
            (t, false)
        };
        let digits = drop_group_commas(digits.trim())
            .ok_or_else(|| ParseError::NotANumber(s.to_string()))?;
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

/// The forms people type, folded to the plain ASCII one: full-width digits and punctuation
/// (`０`–`９`, `．`, `，`, `＋`, `－`, `％`, the ideographic space), and the minus signs `−`
/// (U+2212, as jixiao itself prints `−0.04`) and `﹣`. Anything else is left as it is.
#[must_use]
pub fn fold_input(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            '＋' => '+',
            '－' | '−' | '﹣' => '-',
            '％' => '%',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// `1,923.65` → `1923.65`: commas only between groups of three digits of the integer part
/// (so `3,5`, a decimal comma, is refused rather than read as 35); `None` otherwise.
fn drop_group_commas(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_string());
    }
    let unsigned = s.trim_start_matches(['-', '+']);
    let int = unsigned.split('.').next().unwrap_or("");
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let ok = (1..=3).contains(&first.len())
        && groups.all(|g| g.len() == 3)
        && !unsigned[int.len()..].contains(',');
    ok.then(|| s.replace(',', ""))
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

    /// A plain decimal; a trailing `%` is allowed and ignored (the unit says percent); `−`
    /// (U+2212) and full-width digits are read as their ASCII forms (`fold_input` in this module), and
    /// commas between digit groups (`1,234`) are dropped.
    fn from_str(s: &str) -> Result<Number, ParseError> {
        let folded = fold_input(s);
        let t = folded.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim();
        let t = drop_group_commas(t).ok_or_else(|| ParseError::NotANumber(s.to_string()))?;
        parse_decimal(&t)
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

    /// `2022-06-30`, also `2022年6月30日` and either with full-width digits.
    fn from_str(s: &str) -> Result<BizDate, ParseError> {
        let bad = || ParseError::NotADate(s.to_string());
        let folded = fold_input(s);
        let t = folded.trim();
        let dashed = match t.strip_suffix('日') {
            Some(rest) => rest.replacen('年', "-", 1).replacen('月', "-", 1),
            None => t.to_string(),
        };
        let mut parts = dashed.splitn(3, '-');
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
    fn typed_forms_fold_to_the_same_amounts_and_numbers() {
        let m: Money = "1923.65万元".parse().unwrap();
        for s in [
            "1,923.65万",
            "1923.65万",
            "１９２３．６５万元",
            "19,236,500元",
            "１９，２３６，５００元",
        ] {
            assert_eq!(s.parse::<Money>().unwrap(), m, "{s}");
        }
        assert_eq!("1.2万".parse::<Money>().unwrap().fen(), 1_200_000);
        assert_eq!("−1.5万".parse::<Money>().unwrap().fen(), -1_500_000);
        let d: Number = "−0.04".parse().unwrap();
        assert_eq!(d, "-0.04".parse::<Number>().unwrap());
        assert_eq!(d.scale(), 2);
        assert_eq!("－０．０４".parse::<Number>().unwrap(), d);
        assert_eq!("９８．５％".parse::<Number>().unwrap().to_string(), "98.5");
        assert_eq!("1,234".parse::<Number>().unwrap().to_string(), "1234");
        // A decimal comma is not a thousands separator.
        assert!("3,5".parse::<Number>().is_err());
        assert!("1,9,2".parse::<Money>().is_err());
        assert!("1.234,5".parse::<Number>().is_err());
        assert_eq!(
            "2022年6月30日".parse::<BizDate>().unwrap(),
            "2022-06-30".parse::<BizDate>().unwrap()
        );
        assert_eq!(
            "２０２２-０６-３０".parse::<BizDate>().unwrap(),
            "2022-06-30".parse::<BizDate>().unwrap()
        );
        // Refusals show an accepted form.
        let e = "1.2亿".parse::<Money>().unwrap_err().to_string();
        assert!(e.contains("1,923.65万") && e.contains("-0.04"), "{e}");
        let e = "June 30".parse::<BizDate>().unwrap_err().to_string();
        assert!(e.contains("2022-06-30"), "{e}");
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
    fn amounts_outside_the_input_range_are_rejected() {
        let max: Money = "1000000000000.00".parse().unwrap();
        assert_eq!(max, Money::MAX_INPUT);
        assert_eq!("100000000万元".parse::<Money>().unwrap(), max);
        assert!("-1000000000000".parse::<Money>().is_ok());
        for s in [
            "1000000000000.01",
            "-1000000000000.01",
            "100000000.000001万元",
            "92233720368547758.07",
            "99999999999999999999999999",
            "9999999999999999999999999999",
        ] {
            let e = s.parse::<Money>().unwrap_err();
            assert!(matches!(e, ParseError::OutOfRange(_)), "{s}: {e:?}");
            assert!(e.to_string().contains("1000000000000.00 元"), "{e}");
        }
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
