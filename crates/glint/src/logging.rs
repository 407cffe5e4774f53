//! Where the server's own output goes. Log lines go to standard error through a writer that
//! cannot fail: a line that cannot be written (a full disk, a closed pipe) is dropped and
//! counted, never turned into a panic that would cut off the request being logged. Start-up
//! and shutdown lines go to standard output through `say!`, which ignores a failed write the
//! same way.
//!
//! Lines are text by default; `[log] format = "json"` writes one JSON object a line (see
//! `json_line`), each line still made whole before it reaches the writer, which is unchanged.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;

use crate::config::LogFormat;

#[path = "json_line.rs"]
mod json_line;

/// Log lines that could not be written since the process started.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many log lines could not be written.
pub fn dropped_lines() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Writes a line to standard output, ignoring a failed write.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use say;

/// Standard error, where a failed write is dropped and counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct LossyStderr;

impl Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if io::stderr().write_all(buf).is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LossyStderr {
    type Writer = LossyStderr;

    fn make_writer(&'a self) -> Self::Writer {
        LossyStderr
    }
}

/// Installs the log subscriber, writing `format`: `GLINT_LOG` (an `EnvFilter`) or `default`.
pub fn init(default: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_env("GLINT_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LossyStderr)
        .log_internal_errors(false);
    match format {
        LogFormat::Text => builder.with_ansi(io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .with_ansi(false)
            .fmt_fields(JsonFields::new())
            .event_format(json_line::JsonLine)
            .init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_a_log_line_never_fails() {
        let mut writer = LossyStderr;
        assert_eq!(writer.write(b"a line\n").ok(), Some(7));
        assert!(writer.flush().is_ok());
    }
}
