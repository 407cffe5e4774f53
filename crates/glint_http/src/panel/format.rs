//! How the panel writes values for people: sizes, times, statuses and the labels the seed
//! article uses ("Pending Acceptance", "Saved Image", "Shared Image").

use glint_app::ImageSource;
use glint_core::Timestamp;
use glint_core::compute::ServerStatus;
use glint_core::image::{ImageStatus, MemberStatus};

/// Bytes as a short size: `512 B`, `1.5 KB`, `20.0 MB`; a dash when unknown.
pub(crate) fn size(bytes: Option<i64>) -> String {
    let Some(bytes) = bytes else {
        return "—".into();
    };
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A time as `2026-01-01 12:00 UTC`.
pub(crate) fn time(at: Timestamp) -> String {
    let glance = at.to_glance();
    match (glance.get(..10), glance.get(11..16)) {
        (Some(day), Some(hm)) => format!("{day} {hm} UTC"),
        _ => glance,
    }
}

/// A time as a day, `2027-01-15`, when it is a midnight UTC (as the panel's date fields set
/// it), and as `time` otherwise.
pub(crate) fn day_or_time(at: Timestamp) -> String {
    let glance = at.to_glance();
    match glance.get(..10) {
        Some(day) if glance.get(10..) == Some("T00:00:00Z") => day.to_owned(),
        _ => time(at),
    }
}

/// The date part of a time, `2027-01-15`, as a date field takes it.
pub(crate) fn day(at: Timestamp) -> String {
    let glance = at.to_glance();
    glance.get(..10).unwrap_or(&glance).to_owned()
}

/// A count with its noun: `1 server`, `7 servers`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The Source column's words.
pub(crate) fn source(source: ImageSource) -> &'static str {
    match source {
        ImageSource::Saved => "Saved Image",
        ImageSource::Shared => "Shared Image",
    }
}

/// A member status as the producer's Image Sharing table shows it.
pub(crate) fn member_status(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Pending => "Pending Acceptance",
        MemberStatus::Accepted => "Accepted",
        MemberStatus::Rejected => "Rejected",
    }
}

/// A badge's colour class for a member status.
pub(crate) fn member_tone(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Pending => "warn",
        MemberStatus::Accepted => "ok",
        MemberStatus::Rejected => "bad",
    }
}

/// An image status as a word.
pub(crate) fn image_status(status: ImageStatus) -> String {
    let s = status.as_str().replace('_', " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A badge's colour class for an image status.
pub(crate) fn image_tone(status: ImageStatus) -> &'static str {
    match status {
        ImageStatus::Active => "ok",
        ImageStatus::Queued
        | ImageStatus::Saving
        | ImageStatus::Uploading
        | ImageStatus::Importing => "warn",
        _ => "bad",
    }
}

/// A server status as a word.
pub(crate) fn server_status(status: ServerStatus) -> String {
    let s = status.as_str().to_lowercase();
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A badge's colour class for a server status.
pub(crate) fn server_tone(status: ServerStatus) -> &'static str {
    match status {
        ServerStatus::Active => "ok",
        ServerStatus::Build | ServerStatus::Rebuild => "warn",
        ServerStatus::Error | ServerStatus::Deleted => "bad",
    }
}

/// An image's display name.
pub(crate) fn name(name: Option<&str>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => "(unnamed image)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(None), "—");
        assert_eq!(size(Some(512)), "512 B");
        assert_eq!(size(Some(1536)), "1.5 KB");
        assert_eq!(size(Some(20 * 1024 * 1024)), "20.0 MB");
    }

    #[test]
    fn times_drop_the_seconds() {
        let t = Timestamp::from_micros(1_767_268_800_123_456);
        assert_eq!(time(t), "2026-01-01 12:00 UTC");
    }

    #[test]
    fn dates_are_days_at_midnight_and_times_otherwise() {
        let midnight = Timestamp::from_micros(1_799_971_200_000_000);
        assert_eq!(day_or_time(midnight), "2027-01-15");
        assert_eq!(
            day_or_time(midnight.plus_seconds(3_600)),
            "2027-01-15 01:00 UTC"
        );
        assert_eq!(day(midnight.plus_seconds(3_600)), "2027-01-15");
        assert_eq!(count(1, "server"), "1 server");
        assert_eq!(count(0, "account"), "0 accounts");
    }

    #[test]
    fn statuses_use_the_seed_words() {
        assert_eq!(member_status(MemberStatus::Pending), "Pending Acceptance");
        assert_eq!(image_status(ImageStatus::Active), "Active");
    }
}
