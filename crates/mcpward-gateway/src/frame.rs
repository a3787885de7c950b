//! Newline-delimited framing for MCP's stdio transport, with a size limit.
//!
//! A frame larger than the limit is skipped up to its newline without being buffered, so a
//! hostile or broken peer cannot make the gateway allocate without bound.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Default maximum frame size: 16 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// How much of an oversized frame is kept to find its id.
pub const KEPT_HEAD_BYTES: usize = 1024;

/// One unit read from a stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete line, without `\n` (and without a trailing `\r`).
    Line(Vec<u8>),
    /// A line longer than the limit; its bytes were discarded.
    TooLarge {
        /// How many bytes the line had (counted while discarding).
        bytes: usize,
        /// Its first bytes (at most [`KEPT_HEAD_BYTES`]), where the `id` usually is, so the
        /// request it answers or asks can still get an error.
        head: Vec<u8>,
    },
    /// The stream ended. A final line without newline is returned as `Line` first.
    Eof,
}

/// Reads frames from a buffered reader.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> FrameReader<R> {
    /// `max` is the largest accepted frame in bytes (excluding the newline).
    pub fn new(inner: R, max: usize) -> FrameReader<R> {
        FrameReader { inner, max }
    }

    /// Next frame. Blank lines are skipped (some servers print them between messages).
    pub async fn next_frame(&mut self) -> std::io::Result<Frame> {
        loop {
            let mut line = Vec::new();
            let mut discarded: Option<usize> = None;
            let mut head = Vec::new();
            loop {
                let buf = self.inner.fill_buf().await?;
                if buf.is_empty() {
                    if let Some(bytes) = discarded {
                        return Ok(Frame::TooLarge { bytes, head });
                    }
                    if line.is_empty() {
                        return Ok(Frame::Eof);
                    }
                    break;
                }
                let (chunk, found) = match memchr_newline(buf) {
                    Some(i) => (&buf[..i], true),
                    None => (buf, false),
                };
                let used = chunk.len() + usize::from(found);
                match &mut discarded {
                    Some(n) => {
                        *n += chunk.len();
                        let room = KEPT_HEAD_BYTES.saturating_sub(head.len());
                        head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    }
                    None if line.len() + chunk.len() > self.max => {
                        discarded = Some(line.len() + chunk.len());
                        head = std::mem::take(&mut line);
                        head.truncate(KEPT_HEAD_BYTES);
                        let room = KEPT_HEAD_BYTES - head.len();
                        head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    }
                    None => line.extend_from_slice(chunk),
                }
                self.inner.consume(used);
                if found {
                    if let Some(bytes) = discarded {
                        return Ok(Frame::TooLarge { bytes, head });
                    }
                    break;
                }
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Frame::Line(line));
        }
    }
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], max: usize) -> Vec<Frame> {
        let reader = tokio::io::BufReader::with_capacity(4, input);
        let mut r = FrameReader::new(reader, max);
        let mut out = Vec::new();
        loop {
            let f = r.next_frame().await.unwrap();
            let end = f == Frame::Eof;
            out.push(f);
            if end {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn splits_lines_and_strips_crlf_and_blank_lines() {
        let got = frames(b"{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}", 100).await;
        assert_eq!(
            got,
            vec![
                Frame::Line(b"{\"a\":1}".to_vec()),
                Frame::Line(b"{\"b\":2}".to_vec()),
                Frame::Line(b"{\"c\":3}".to_vec()),
                Frame::Eof
            ]
        );
    }

    #[tokio::test]
    async fn skips_oversized_frame_and_keeps_reading() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\n{}\n");
        let got = frames(&input, 10).await;
        assert_eq!(
            got,
            vec![
                Frame::TooLarge {
                    bytes: 50,
                    head: vec![b'x'; 50]
                },
                Frame::Line(b"{}".to_vec()),
                Frame::Eof
            ]
        );
    }

    #[tokio::test]
    async fn oversized_frame_at_eof_is_reported() {
        let got = frames(&[b'y'; 30], 10).await;
        assert_eq!(
            got,
            vec![
                Frame::TooLarge {
                    bytes: 30,
                    head: vec![b'y'; 30]
                },
                Frame::Eof
            ]
        );
    }

    #[tokio::test]
    async fn oversized_frame_keeps_only_its_first_bytes() {
        let mut input = br#"{"jsonrpc":"2.0","id":9,"result":""#.to_vec();
        input.extend(std::iter::repeat_n(b'z', 5000));
        input.extend_from_slice(b"\"}\n");
        let got = frames(&input, 100).await;
        let Frame::TooLarge { bytes, head } = &got[0] else {
            panic!("{got:?}");
        };
        assert_eq!(*bytes, input.len() - 1);
        assert_eq!(head.len(), KEPT_HEAD_BYTES);
        assert!(head.starts_with(br#"{"jsonrpc":"2.0","id":9"#));
    }
}
