//! ISO-8601 instants as list filters take them (the forms Glance's `parse_isotime` accepts):
//! `YYYY[-MM[-DD[(T| )hh[:mm][:ss[.fff]][Z|±hh[:mm]]]]]`, with the basic (no separator) forms too.
//! A missing zone means UTC.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::Timestamp;

/// Parses an ISO-8601 date or date-time; `None` if it is not one.
pub(crate) fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        at: 0,
    };
    let date = c.date()?;
    let (time, offset) = if c.done() {
        (Time::MIDNIGHT, UtcOffset::UTC)
    } else {
        (c.time()?, c.zone()?)
    };
    if !c.done() {
        return None;
    }
    let instant = PrimitiveDateTime::new(date, time).assume_offset(offset);
    let micros = instant.unix_timestamp_nanos() / 1_000;
    i64::try_from(micros).ok().map(Timestamp::from_micros)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// `YYYY[-MM[-DD]]` or `YYYYMMDD`, a missing month or day being the first; year 0 and
    /// days the calendar does not have are refused.
    fn date(&mut self) -> Option<Date> {
        let year = self.digits(4, 4)?;
        let (mut month, mut day) = (1, 1);
        if !self.done() {
            month = if self.eat(b'-') {
                self.digits(1, 2)?
            } else {
                let m = self.digits(2, 2)?;
                if self.done() {
                    return None; // YYYYMM is ambiguous and refused
                }
                m
            };
        }
        if !self.done() {
            day = if self.eat(b'-') {
                self.digits(1, 2)?
            } else {
                self.digits(2, 2)?
            };
        }
        if year == 0 {
            return None;
        }
        Date::from_calendar_date(
            i32::try_from(year).ok()?,
            Month::try_from(u8::try_from(month).ok()?).ok()?,
            u8::try_from(day).ok()?,
        )
        .ok()
    }

    /// `(T| )hh[:mm][:ss[.fff]]`, the separator from the date included.
    fn time(&mut self) -> Option<Time> {
        if !(self.eat(b'T') || self.eat(b' ')) {
            return None;
        }
        let hour = self.digits(2, 2)?;
        let minute = self
            .attempt(|c| {
                c.eat(b':');
                c.digits(2, 2)
            })
            .unwrap_or(0);
        let (mut second, mut micros) = (0, 0);
        if let Some(s) = self.attempt(|c| {
            c.eat(b':');
            c.digits(1, 2)
        }) {
            second = s;
            if self.eat(b'.') || self.eat(b',') {
                micros = self.fraction_micros()?;
            }
        }
        Time::from_hms_micro(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
            micros,
        )
        .ok()
    }

    /// `[Z|±hh[:mm]]`; none is UTC.
    fn zone(&mut self) -> Option<UtcOffset> {
        if self.eat(b'Z') {
            return Some(UtcOffset::UTC);
        }
        let Some(sign) = self.sign() else {
            return Some(UtcOffset::UTC);
        };
        let hours = self.digits(2, 2)?;
        self.eat(b':');
        let minutes = self.attempt(|c| c.digits(2, 2)).unwrap_or(0);
        UtcOffset::from_hms(
            sign * i8::try_from(hours).ok()?,
            sign * i8::try_from(minutes).ok()?,
            0,
        )
        .ok()
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.bytes.get(self.at) == Some(&byte);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn sign(&mut self) -> Option<i8> {
        if self.eat(b'+') {
            Some(1)
        } else if self.eat(b'-') {
            Some(-1)
        } else {
            None
        }
    }

    /// Between `min` and `max` ASCII digits, greedily.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let run = self.bytes[self.at..]
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run < min {
            return None;
        }
        let value = self.bytes[self.at..self.at + run]
            .iter()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'));
        self.at += run;
        Some(value)
    }

    /// One or more digits of a fraction of a second, as microseconds (extra digits dropped).
    fn fraction_micros(&mut self) -> Option<u32> {
        let start = self.at;
        let run = self.bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run == 0 {
            return None;
        }
        self.at += run;
        let kept = &self.bytes[start..start + run.min(6)];
        let value = kept.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
        Some(value * 10u32.pow(u32::try_from(6 - kept.len()).ok()?))
    }

    /// Runs `f`, rewinding when it fails.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let saved = self.at;
        let result = f(self);
        if result.is_none() {
            self.at = saved;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(s: &str) -> Option<Timestamp> {
        Timestamp::parse_rfc3339(s)
    }

    #[test]
    fn accepts_the_usual_forms() {
        let midnight = rfc("2026-01-01T00:00:00Z");
        assert_eq!(parse_iso8601("2026-01-01T00:00:00Z"), midnight);
        assert_eq!(
            parse_iso8601("2026-01-01T00:00:00"),
            midnight,
            "no zone is UTC"
        );
        assert_eq!(parse_iso8601("2026-01-01"), midnight);
        assert_eq!(parse_iso8601("2026"), midnight);
        assert_eq!(parse_iso8601("20260101T0000"), midnight);
        assert_eq!(parse_iso8601("2026-01-01 01:00:00+01:00"), midnight);
        assert_eq!(parse_iso8601("2025-12-31T23:00-01"), midnight);
        assert_eq!(
            parse_iso8601("2026-01-01T12:00:00.123456789Z"),
            rfc("2026-01-01T12:00:00.123456Z")
        );
        assert_eq!(parse_iso8601("2026-1-5T10:30"), rfc("2026-01-05T10:30:00Z"));
    }

    #[test]
    fn refuses_the_rest() {
        for bad in [
            "",
            "yesterday",
            "202601",
            "2026-13-01",
            "2026-02-30",
            "2026-01-01T25:00",
            "2026-01-01X10:00",
            "2026-01-01T10:00:00Zjunk",
            "0000-01-01",
            "12:30",
            "a:b",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
