//! sudo rules that need no password: `NOPASSWD:` tags and `!authenticate` defaults in
//! `/etc/sudoers` and the files it includes.
//!
//! `#include`/`@include` and `#includedir`/`@includedir` are followed as sudo does (relative
//! paths from the including file's directory; in a directory, files whose names contain a
//! dot or end in `~` are skipped), each file once, at most 8 deep and 256 files in all.

use std::collections::HashSet;

use super::SudoRule;
use super::tree::{Tree, TreeError};

const MAIN: &str = "/etc/sudoers";
const MAX_DEPTH: u32 = 8;
const MAX_FILES: usize = 256;

/// Every passwordless rule in the sudo configuration.
pub(crate) fn read(
    tree: &mut dyn Tree,
    notes: &mut Vec<String>,
) -> Result<Vec<SudoRule>, TreeError> {
    let mut walk = Walk {
        seen: HashSet::new(),
        rules: Vec::new(),
    };
    walk.file(tree, MAIN, 0, notes)?;
    Ok(walk.rules)
}

struct Walk {
    seen: HashSet<String>,
    rules: Vec<SudoRule>,
}

impl Walk {
    fn file(
        &mut self,
        tree: &mut dyn Tree,
        path: &str,
        depth: u32,
        notes: &mut Vec<String>,
    ) -> Result<(), TreeError> {
        if depth > MAX_DEPTH || self.seen.len() >= MAX_FILES {
            notes.push(format!(
                "sudo include {path} was skipped (nested too deep or too many)"
            ));
            return Ok(());
        }
        if !self.seen.insert(path.to_owned()) {
            return Ok(());
        }
        let text = match tree.read(path) {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(None) => return Ok(()),
            Err(e) if e.fatal => return Err(e),
            Err(e) => {
                notes.push(format!("could not read {path}: {}", e.message));
                return Ok(());
            }
        };
        let dir = path
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        for (number, line) in logical_lines(&text) {
            if let Some(target) = directive(&line, "includedir") {
                let target = relative(dir, target);
                let names = match tree.list(&target) {
                    Ok(names) => names.unwrap_or_default(),
                    Err(e) if e.fatal => return Err(e),
                    Err(e) => {
                        notes.push(format!("could not list {target}: {}", e.message));
                        continue;
                    }
                };
                for name in names
                    .iter()
                    .filter(|n| !n.contains('.') && !n.ends_with('~'))
                {
                    let child = format!("{}/{name}", target.trim_end_matches('/'));
                    self.file(tree, &child, depth + 1, notes)?;
                }
            } else if let Some(target) = directive(&line, "include") {
                self.file(tree, &relative(dir, target), depth + 1, notes)?;
            } else if passwordless(&line) {
                self.rules.push(SudoRule {
                    file: path.to_owned(),
                    line_number: number,
                    line,
                });
            }
        }
        Ok(())
    }
}

/// Lines with continuations joined and comments removed, with the number of their first line.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        let (body, continued) = match raw.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        current.push_str(body);
        if continued {
            current.push(' ');
            continue;
        }
        let line = strip_comment(&current).trim().to_owned();
        if !line.is_empty() {
            out.push((start, line));
        }
        current.clear();
    }
    out
}

/// Drops a comment: `#` at the start (unless it is an include directive) or after
/// whitespace, except `#` followed by a digit, which is a uid.
fn strip_comment(line: &str) -> &str {
    let trimmed = line.trim_start();
    if directive(trimmed, "include").is_some() || directive(trimmed, "includedir").is_some() {
        return trimmed;
    }
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let uid = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if *b == b'#' && at_word_start && !uid {
            return &line[..i];
        }
    }
    line
}

/// The argument of `#name arg` or `@name arg`.
fn directive<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix('#').or_else(|| line.strip_prefix('@'))?;
    let rest = rest.strip_prefix(name)?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(rest.trim().trim_matches('"'))
}

fn relative(dir: &str, target: &str) -> String {
    if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("{}/{target}", dir.trim_end_matches('/'))
    }
}

fn passwordless(line: &str) -> bool {
    if line.contains("NOPASSWD:") {
        return true;
    }
    let defaults = line
        .split_whitespace()
        .next()
        .is_some_and(|w| w.starts_with("Defaults"));
    defaults && line.contains("!authenticate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tree::MemTree;

    #[test]
    fn rules_from_sudoers_and_included_files() {
        let mut tree = MemTree::of(&[
            (
                "/etc/sudoers",
                "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n\
              %sudo ALL=(ALL:ALL) ALL # NOPASSWD: not really\n\
              #1000 ALL=(ALL) NOPASSWD: \\\n    /usr/bin/apt\n\
              @includedir /etc/sudoers.d\n",
            ),
            (
                "/etc/sudoers.d/90-cloud",
                "deploy ALL=(ALL) NOPASSWD:ALL\n#include extra\n",
            ),
            (
                "/etc/sudoers.d/extra",
                "Defaults:ci !authenticate\n#includedir /etc/sudoers.d\n",
            ),
            (
                "/etc/sudoers.d/README.txt",
                "ignored ALL=(ALL) NOPASSWD:ALL\n",
            ),
            ("/etc/sudoers.d/old~", "ignored ALL=(ALL) NOPASSWD:ALL\n"),
        ]);
        let rules = read(&mut tree, &mut Vec::new()).unwrap();
        let summary: Vec<_> = rules
            .iter()
            .map(|r| (r.file.as_str(), r.line_number, r.line.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "/etc/sudoers",
                    4,
                    "#1000 ALL=(ALL) NOPASSWD:      /usr/bin/apt"
                ),
                (
                    "/etc/sudoers.d/90-cloud",
                    1,
                    "deploy ALL=(ALL) NOPASSWD:ALL"
                ),
                ("/etc/sudoers.d/extra", 1, "Defaults:ci !authenticate"),
            ]
        );
    }
}
