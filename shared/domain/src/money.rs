//! Money as exact decimals (never floats) in one currency per deployment.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A non-negative amount with at most two fractional digits, written as a decimal string
/// (`"19.99"`) on the wire and in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal string with at most two fractional digits, such as \"19.99\"")]
    Format,
    #[error("must be greater than 0 and at most {max}")]
    Range { max: Decimal },
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses the wire form: digits, optionally a point and one or two digits. No sign, no
    /// exponent, no spaces, so that what a client sent is exactly what is stored.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let well_formed = (1..=15).contains(&whole.len())
            && whole.bytes().all(|b| b.is_ascii_digit())
            && (!text.contains('.') || (1..=2).contains(&fraction.len()))
            && fraction.bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(MoneyError::Format);
        }
        text.parse::<Decimal>()
            .map(|amount| Self(amount.round_dp(2)))
            .map_err(|_| MoneyError::Format)
    }

    pub fn amount(&self) -> Decimal {
        self.0
    }

    /// `None` on overflow, which the bounds on prices and quantities rule out in practice.
    pub fn checked_mul(self, quantity: u32) -> Option<Money> {
        self.0.checked_mul(Decimal::from(quantity)).map(Money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl Money {
    /// The amount with two fractional digits ("20.00", not "20"), written from its whole
    /// cents into `buf`: `Decimal`'s formatter with a precision costs about four times as
    /// much, and an order's items and events write dozens of amounts. `None` for more than
    /// two fractional digits or a sign, which no `Money` has: [`Money::parse`] rounds to
    /// cents and takes no sign, and sums and multiples keep the scale.
    fn write_cents<'b>(&self, buf: &'b mut [u8; 42]) -> Option<&'b str> {
        let scale = self.0.scale();
        if scale > 2 || self.0.is_sign_negative() {
            return None;
        }
        // A 96-bit mantissa times 100 fits in 128 bits, and its 39 digits and point in `buf`.
        // Split once at 19 digits, so that each digit takes a 64-bit division rather than a
        // call to 128-bit division; the high part is below 8e11 (2^96 * 100 / 1e19).
        const SPLIT: u128 = 10_000_000_000_000_000_000;
        let cents = self.0.mantissa().unsigned_abs() * 10u128.pow(2 - scale);
        let (mut high, mut low) = ((cents / SPLIT) as u64, (cents % SPLIT) as u64);
        let mut at = buf.len();
        let mut put = |byte: u8| {
            at -= 1;
            buf[at] = byte;
        };
        // The low digits, all nineteen when high ones follow, and at least "0.00".
        for written in 0.. {
            if written == 2 {
                put(b'.');
            }
            put(b'0' + (low % 10) as u8);
            low /= 10;
            if written >= 2 && low == 0 && (high == 0 || written == 18) {
                break;
            }
        }
        while high > 0 {
            put(b'0' + (high % 10) as u8);
            high /= 10;
        }
        std::str::from_utf8(&buf[at..]).ok()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0; 42];
        match self.write_cents(&mut buf) {
            Some(text) => f.pad(text),
            None => write!(f, "{:.2}", self.0),
        }
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0; 42];
        match self.write_cents(&mut buf) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A catalog price: more than 0 and at most 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct Price(Money);

impl Price {
    pub const MAX: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        Money::parse(text).and_then(Self::try_from)
    }

    pub fn money(&self) -> Money {
        self.0
    }

    /// The highest price the catalog takes.
    pub fn max() -> Price {
        Price(Money(Self::MAX))
    }
}

impl TryFrom<Money> for Price {
    type Error = MoneyError;
    fn try_from(money: Money) -> Result<Self, Self::Error> {
        if money.0 > Decimal::ZERO && money.0 <= Self::MAX {
            Ok(Self(money))
        } else {
            Err(MoneyError::Range { max: Self::MAX })
        }
    }
}

impl From<Price> for Money {
    fn from(price: Price) -> Money {
        price.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An ISO 4217 code such as `USD`: three uppercase ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a three-letter ISO 4217 code such as USD")]
pub struct InvalidCurrency;

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(text: &str) -> Result<Self, InvalidCurrency> {
        match text.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(InvalidCurrency),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

crate::text::serde_through_parse!(Currency, InvalidCurrency);

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_accepts_up_to_two_fractional_digits() {
        assert_eq!(Money::parse("19.99").unwrap().to_string(), "19.99");
        assert_eq!(Money::parse("19.9").unwrap().to_string(), "19.90");
        assert_eq!(Money::parse("20").unwrap().to_string(), "20.00");
        assert_eq!(Money::parse("0").unwrap(), Money::ZERO);
    }

    #[test]
    fn money_refuses_anything_else() {
        for bad in [
            "", ".5", "5.", "1.999", "-1", "+1", "1e3", " 1", "1 ", "1,00", "NaN", "0x10", "１",
        ] {
            assert_eq!(Money::parse(bad), Err(MoneyError::Format), "{bad:?}");
        }
    }

    #[test]
    fn price_bounds() {
        assert!(Price::parse("0.01").is_ok());
        assert!(Price::parse("1000000").is_ok());
        assert!(Price::parse("1000000.00").is_ok());
        assert!(matches!(Price::parse("0"), Err(MoneyError::Range { .. })));
        assert!(matches!(
            Price::parse("0.00"),
            Err(MoneyError::Range { .. })
        ));
        assert!(matches!(
            Price::parse("1000000.01"),
            Err(MoneyError::Range { .. })
        ));
    }

    #[test]
    fn amounts_beyond_cents_are_still_written_as_decimal_writes_them() {
        for amount in [
            Decimal::MAX,
            Decimal::new(-1999, 2),
            Decimal::new(12345, 3),
            Decimal::ZERO,
        ] {
            assert_eq!(Money(amount).to_string(), format!("{amount:.2}"));
        }
        assert_eq!(format!("{:>8}", Money::parse("5").unwrap()), "    5.00");
    }

    #[test]
    fn arithmetic_is_exact() {
        let price = Money::parse("0.10").unwrap();
        let total = (0..3).fold(Money::ZERO, |sum, _| sum.checked_add(price).unwrap());
        assert_eq!(total, Money::parse("0.30").unwrap());
        assert_eq!(
            Money::parse("19.99").unwrap().checked_mul(1000).unwrap(),
            Money::parse("19990").unwrap()
        );
    }

    #[test]
    fn serde_uses_the_string_form() {
        let price = Price::parse("5.5").unwrap();
        assert_eq!(serde_json::to_string(&price).unwrap(), "\"5.50\"");
        assert_eq!(serde_json::from_str::<Price>("\"5.50\"").unwrap(), price);
        assert!(serde_json::from_str::<Price>("5.5").is_err());
        assert!(serde_json::from_str::<Price>("\"0\"").is_err());
    }

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("EUR").unwrap().to_string(), "EUR");
        for bad in ["", "usd", "US", "USDX", "U$D"] {
            assert_eq!(Currency::parse(bad), Err(InvalidCurrency), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn every_cent_amount_round_trips(cents in 0u64..100_000_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            prop_assert_eq!(Money::parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn price_range_is_exactly_the_contract(cents in 0u64..200_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            prop_assert_eq!(Price::parse(&text).is_ok(), (1..=100_000_000).contains(&cents));
        }

        #[test]
        fn writes_what_decimal_writes(
            (lo, mid, hi) in (any::<u32>(), any::<u32>(), prop_oneof![Just(0u32), any::<u32>()]),
            scale in 0u32..=2,
        ) {
            let amount = Decimal::from_parts(lo, mid, hi, false, scale);
            prop_assert_eq!(Money(amount).to_string(), format!("{amount:.2}"));
            prop_assert_eq!(
                serde_json::to_string(&Money(amount)).unwrap(),
                format!("\"{amount:.2}\"")
            );
        }

        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = Money::parse(&text);
            let _ = Price::parse(&text);
        }
    }
}
