//! Keeping only the bytes that format detection needs while a stream goes by.
//!
//! A [`Window`] holds one byte range of the stream, given by its offset, and fills itself from
//! whichever chunks cover it; a [`Tail`] keeps the last few bytes. Neither ever holds more than
//! the length it was created with, so memory stays bounded whatever the stream's size.

/// A byte range of the stream, captured as the chunks that cover it go by.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    start: u64,
    len: usize,
    data: Vec<u8>,
    /// Part of the range went by before the window existed: it can never be complete.
    missed: bool,
}

impl Window {
    pub(crate) fn new(start: u64, len: usize) -> Self {
        Self {
            start,
            len,
            data: Vec::new(),
            missed: false,
        }
    }

    /// The stream offset the range starts at.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// The captured bytes so far (a prefix of the range).
    pub(crate) fn data(&self) -> &[u8] {
        &self.data
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.data.len() == self.len
    }

    pub(crate) fn missed(&self) -> bool {
        self.missed
    }

    /// Takes what it needs of `chunk`, which starts at stream offset `chunk_start`.
    pub(crate) fn absorb(&mut self, chunk_start: u64, chunk: &[u8]) {
        if self.missed || self.is_complete() {
            return;
        }
        let want_from = self.start.saturating_add(self.data.len() as u64);
        let chunk_end = chunk_start.saturating_add(chunk.len() as u64);
        if chunk_end <= want_from {
            return;
        }
        if chunk_start > want_from {
            self.missed = true;
            return;
        }
        let Ok(skip) = usize::try_from(want_from - chunk_start) else {
            return;
        };
        let room = self.len - self.data.len();
        let available = &chunk[skip..];
        let take = available.len().min(room);
        self.data.extend_from_slice(&available[..take]);
    }

    /// Fills the window from another window that may hold part of its range.
    pub(crate) fn absorb_window(&mut self, other: &Window) {
        self.absorb(other.start, &other.data);
    }
}

/// The last `len` bytes of the stream.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    len: usize,
    data: Vec<u8>,
}

impl Tail {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            len,
            data: Vec::with_capacity(len * 2),
        }
    }

    pub(crate) fn absorb(&mut self, chunk: &[u8]) {
        let keep = &chunk[chunk.len().saturating_sub(self.len)..];
        // Trim only when the buffer reaches twice the length, so that tiny chunks cost
        // amortised constant time.
        if self.data.len() + keep.len() > self.len * 2 {
            let excess = (self.data.len() + keep.len()).saturating_sub(self.len);
            self.data.drain(..excess.min(self.data.len()));
        }
        self.data.extend_from_slice(keep);
    }

    pub(crate) fn data(&self) -> &[u8] {
        &self.data[self.data.len().saturating_sub(self.len)..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_collects_its_range_across_chunks() {
        let stream: Vec<u8> = (0..=255).collect();
        let mut w = Window::new(10, 20);
        for (i, chunk) in stream.chunks(7).enumerate() {
            w.absorb((i * 7) as u64, chunk);
        }
        assert!(w.is_complete());
        assert_eq!(w.data(), &stream[10..30]);
    }

    #[test]
    fn window_created_too_late_knows_it_missed() {
        let mut w = Window::new(0, 4);
        w.absorb(8, b"abcd");
        assert!(w.missed());
        assert!(!w.is_complete());
    }

    #[test]
    fn tail_keeps_the_last_bytes() {
        let mut t = Tail::new(3);
        for b in b"hello world" {
            t.absorb(&[*b]);
        }
        assert_eq!(t.data(), b"rld");
        t.absorb(b"0123456789");
        assert_eq!(t.data(), b"789");
    }
}
