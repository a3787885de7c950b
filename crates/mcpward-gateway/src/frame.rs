//! Newline-delimited framing for MCP's stdio transport, with a size limit.
//!
//! A frame larger than the limit is skipped up to its newline without being buffered, so a
//! hostile or broken peer cannot make the gateway allocate without bound.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Default maximum frame size: 16 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// Size past which a frame being read reserves room for the largest accepted frame.
const GROWN_FRAME: usize = 128 * 1024;

/// Address space reserved at least for a large frame (above glibc's 32 MiB dynamic mmap
/// threshold ceiling); only the pages written are backed.
const GROWN_RESERVE: usize = 33 * 1024 * 1024;

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
                    None => {
                        // A frame that outgrows the first chunks gets the address space of the
                        // largest accepted frame at once: pages are only backed as they are
                        // written, and the frame is never copied while it grows (doubling
                        // would hold the old and the new buffer, twice the frame, at its peak).
                        // At least GROWN_RESERVE: glibc raises its mmap threshold when it frees
                        // a mapped block up to 32 MiB, after which large buffers come from the
                        // heap and stay resident; a larger block leaves the threshold alone.
                        // Where the address space is refused (a low RLIMIT_AS), it grows as usual.
                        let want = self.max.max(GROWN_RESERVE);
                        if line.len() + chunk.len() > GROWN_FRAME && line.capacity() < want {
                            let _ = line.try_reserve_exact(want.saturating_sub(line.len()));
                        }
                        line.extend_from_slice(chunk);
                    }
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

/// A frame refused by [`one_message_for_every_reader`], handed back so its id can be salvaged.
#[derive(Debug)]
pub struct Refused {
    /// The frame as read.
    pub bytes: Vec<u8>,
    /// Why it cannot be forwarded.
    pub error: SplitHazard,
}

/// Why a frame cannot be forwarded as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitHazard {
    /// A raw carriage return before the end of the line: JSON reads it as whitespace, but
    /// line readers with universal newlines (Python's `TextIOWrapper`, Java's and .NET's
    /// `readLine`) end a message there, so the line would be several messages to them.
    #[error(
        "the frame holds a raw carriage return (byte {at}) before its end; JSON-RPC over stdio is one message per line and some readers (Python's, Java's, .NET's) end a line at a carriage return, so the frame would be read as several messages"
    )]
    CarriageReturn {
        /// Byte offset of the carriage return in the line.
        at: usize,
    },
}

/// Makes sure every known stdio reader splits `line` into exactly the one message mcpward
/// decides on, whatever its idea of a line end.
///
/// - A raw `\r` is refused: outside strings it is JSON whitespace that universal-newline
///   readers split on, and inside strings JSON does not allow it raw, so no valid message needs it.
/// - Raw U+0085, U+2028 and U+2029 (which `str.splitlines` and some line readers treat as line
///   ends) can only stand inside JSON strings, where the escapes `\u0085`, `\u2028`, `\u2029`
///   mean the same text to every JSON parser: they are rewritten so. Other frames are returned
///   unchanged, without copying.
pub fn one_message_for_every_reader(line: Vec<u8>) -> Result<Vec<u8>, Refused> {
    if let Some(at) = memchr::memchr(b'\r', &line) {
        return Err(Refused {
            bytes: line,
            error: SplitHazard::CarriageReturn { at },
        });
    }
    Ok(escape_unicode_line_ends(line))
}

/// `frame` with raw U+0085, U+2028 and U+2029 written as JSON escapes; unchanged (not copied)
/// when it has none. Only valid for JSON text, where these characters can only stand inside
/// strings. Applied to every frame mcpward writes, including the ones it re-serialises or makes
/// itself (serde_json writes these characters raw).
pub fn escape_unicode_line_ends(frame: Vec<u8>) -> Vec<u8> {
    // U+0085 is C2 85 in UTF-8, U+2028/U+2029 are E2 80 A8/A9; both lead bytes are rare.
    let needs_escape = |w: &[u8]| matches!(w, [0xC2, 0x85, ..] | [0xE2, 0x80, 0xA8 | 0xA9, ..]);
    let first = memchr::memchr2_iter(0xC2, 0xE2, &frame).find(|&i| needs_escape(&frame[i..]));
    let Some(first) = first else {
        return frame;
    };
    let mut out = Vec::with_capacity(frame.len() + 8);
    out.extend_from_slice(&frame[..first]);
    let mut i = first;
    while i < frame.len() {
        match &frame[i..] {
            [0xC2, 0x85, ..] => {
                out.extend_from_slice(b"\\u0085");
                i += 2;
            }
            [0xE2, 0x80, 0xA8, ..] => {
                out.extend_from_slice(b"\\u2028");
                i += 3;
            }
            [0xE2, 0x80, 0xA9, ..] => {
                out.extend_from_slice(b"\\u2029");
                i += 3;
            }
            [b, ..] => {
                out.push(*b);
                i += 1;
            }
            [] => break,
        }
    }
    out
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', buf)
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

    #[test]
    fn raw_carriage_return_inside_a_frame_is_refused() {
        let smuggled = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"\r,\"x\":{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\"}}".to_vec();
        let refused = one_message_for_every_reader(smuggled.clone()).unwrap_err();
        assert_eq!(refused.error, SplitHazard::CarriageReturn { at: 39 });
        assert_eq!(refused.bytes, smuggled);
    }

    #[test]
    fn unicode_line_separators_are_escaped_and_other_frames_kept() {
        let plain = br#"{"a":"caf\u00e9 \u2028 ok"}"#.to_vec();
        assert_eq!(one_message_for_every_reader(plain.clone()).unwrap(), plain);
        let raw = "{\"a\":\"x\u{2028}y\u{2029}z\u{85}w é\"}"
            .as_bytes()
            .to_vec();
        let out = one_message_for_every_reader(raw).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"a":"x\u2028y\u2029z\u0085w é"}"#
        );
        let a: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(a["a"], "x\u{2028}y\u{2029}z\u{85}w é");
    }

    #[test]
    fn frames_mcpward_re_serialises_leave_with_line_separators_escaped() {
        // serde_json writes U+2028 raw: a frame mcpward re-serialised (a hidden tool, a masked
        // secret) must not carry it to a reader that ends lines there.
        let value = serde_json::json!({"text": "a\u{2028}b"});
        let raw = serde_json::to_vec(&value).unwrap();
        assert!(raw.windows(3).any(|w| w == [0xE2, 0x80, 0xA8]));
        let out = escape_unicode_line_ends(raw);
        assert_eq!(out, br#"{"text":"a\u2028b"}"#.to_vec());
        let plain = b"{\"a\":\"\xC2\xA9 \xE2\x82\xAC\"}".to_vec();
        assert_eq!(escape_unicode_line_ends(plain.clone()), plain);
    }

    #[tokio::test]
    async fn large_frame_read_in_many_chunks_is_whole_and_the_next_one_too() {
        let big: Vec<u8> = (0..600_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut input = big.clone();
        input.extend_from_slice(b"\nsmall\n");
        let reader = tokio::io::BufReader::with_capacity(64 * 1024, &input[..]);
        let mut r = FrameReader::new(reader, 1 << 20);
        assert_eq!(r.next_frame().await.unwrap(), Frame::Line(big));
        assert_eq!(
            r.next_frame().await.unwrap(),
            Frame::Line(b"small".to_vec())
        );
        // Past the limit it is still refused, reservation or not.
        let over = vec![b'x'; 300_000];
        let got = frames(&[&over[..], b"\n"].concat(), 200_000).await;
        assert!(
            matches!(got[0], Frame::TooLarge { bytes: 300_000, .. }),
            "{:?}",
            &got[0..1].len()
        );
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
