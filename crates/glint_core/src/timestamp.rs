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
        let fmt = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        self.datetime().format(&fmt).unwrap_or_default()
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as Glance shows image times (no fractional seconds).
    pub fn to_glance(self) -> String {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        self.datetime().format(&fmt).unwrap_or_default()
    }

    /// Parses an RFC 3339 instant.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
