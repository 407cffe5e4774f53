//! `/etc/os-release` (or `/usr/lib/os-release`): the operating system an image says it is.

use super::OsRelease;

/// Values are cut to this many characters: the report shows them, it does not archive them.
const MAX_VALUE: usize = 200;

/// Reads `KEY=value` lines, with values optionally in single or double quotes and with
/// backslash escapes inside double quotes.
pub(crate) fn parse(text: &str) -> OsRelease {
    let mut os = OsRelease::default();
    for line in text.lines().map(str::trim) {
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "NAME" => &mut os.name,
            "VERSION_ID" => &mut os.version_id,
            "PRETTY_NAME" => &mut os.pretty_name,
            "ID" => &mut os.id,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(unquote(raw.trim()).chars().take(MAX_VALUE).collect());
        }
    }
    os
}

fn unquote(raw: &str) -> String {
    if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return inner.to_owned();
    }
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return raw.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_bare_values() {
        let os = parse(
            "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME='Debian GNU/Linux'\n\
             VERSION_ID=\"13\"\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n\
             # comment\nID=other\n",
        );
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 13 (trixie)")
        );
        assert_eq!(os.name.as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(os.version_id.as_deref(), Some("13"));
        assert_eq!(os.id.as_deref(), Some("debian"));
        assert_eq!(
            parse("NAME=\"a \\\"b\\\"\"").name.as_deref(),
            Some("a \"b\"")
        );
    }
}
