//! Points in time as stored (microseconds since the Unix epoch, an integer on both SQL engines)
//! and as shown on the wire (RFC 3339 UTC with a `Z`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// From microseconds since the epoch, as stored.
    pub fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    /// Microseconds since the epoch, as stored.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// This instant plus a number of seconds.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    fn from_datetime(dt: OffsetDateTime) -> Self {
        let micros = dt.unix_timestamp_nanos() / 1_000;
        Timestamp(i64::try_from(micros).unwrap_or(i64::MAX))
    }

    fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as Keystone shows token times.
    pub fn to_keystone(self) -> String {
        let micros = u32::try_from(self.0.rem_euclid(1_000_000)).unwrap_or(0);
        self.written(Some(micros)).unwrap_or_else(|| {
            let fmt = format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            );
            self.datetime().format(&fmt).unwrap_or_default()
        })
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as Glance shows image times (no fractional seconds).
    pub fn to_glance(self) -> String {
        self.written(None).unwrap_or_else(|| {
            let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
            self.datetime().format(&fmt).unwrap_or_default()
        })
    }

    /// The instant written digit by digit, with `micros` as six fractional digits when given;
    /// `None` for a year outside 0–9999 (left to the general formatter). Every image and member
    /// on the wire shows two times, and the general formatter cost about ten times as much.
    fn written(self, micros: Option<u32>) -> Option<String> {
        let dt = self.datetime();
        let year = u32::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = [0_u8; 27];
        digits(&mut out[0..4], year);
        out[4] = b'-';
        digits(&mut out[5..7], u32::from(u8::from(dt.month())));
        out[7] = b'-';
        digits(&mut out[8..10], u32::from(dt.day()));
        out[10] = b'T';
        digits(&mut out[11..13], u32::from(dt.hour()));
        out[13] = b':';
        digits(&mut out[14..16], u32::from(dt.minute()));
        out[16] = b':';
        digits(&mut out[17..19], u32::from(dt.second()));
        let end = match micros {
            None => 19,
            Some(micros) => {
                out[19] = b'.';
                digits(&mut out[20..26], micros);
                26
            }
        };
        out[end] = b'Z';
        String::from_utf8(out[..=end].to_vec()).ok()
    }

    /// Parses an RFC 3339 instant.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }
}

/// Writes `n` in decimal into all of `into`, zero-padded on the left.
fn digits(into: &mut [u8], mut n: u32) {
    for place in into.iter_mut().rev() {
        *place = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_writer_agrees_with_the_general_formatter() {
        let keystone = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        let glance = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        // From 1970 to past 2100 in uneven steps, a leap day, and the ends of the range.
        let mut samples: Vec<i64> = (0..5_000_i64)
            .map(|n| n * 1_000_003_337_777 % 4_200_000_000_000_000)
            .collect();
        samples.extend([0, 951_782_400_000_000, 253_402_300_799_999_999, -1]);
        for micros in samples {
            let t = Timestamp::from_micros(micros);
            assert_eq!(
                t.to_keystone(),
                t.datetime().format(&keystone).unwrap(),
                "{micros}"
            );
            assert_eq!(
                t.to_glance(),
                t.datetime().format(&glance).unwrap(),
                "{micros}"
            );
        }
    }

    #[test]
    fn formats_as_keystone_and_glance_do() {
        let t = Timestamp::from_micros(1_767_268_800_123_456); // 2026-01-01T12:00:00.123456Z
        assert_eq!(t.to_keystone(), "2026-01-01T12:00:00.123456Z");
        assert_eq!(t.to_glance(), "2026-01-01T12:00:00Z");
    }

    #[test]
    fn round_trips_through_rfc3339() {
        let t = Timestamp::parse_rfc3339("2026-01-01T12:00:00.123456Z");
        assert_eq!(t, Some(Timestamp::from_micros(1_767_268_800_123_456)));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }
}
