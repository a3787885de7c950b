//! The request head as the testkit's HTTP servers read it (they misbehave on purpose, so they
//! read HTTP by hand rather than through a server framework).

use std::io::BufRead;

/// The request line and the headers (names lower-cased, values trimmed) up to the blank line.
///
/// # Errors
/// When reading from the stream fails.
pub fn read_head(reader: &mut impl BufRead) -> std::io::Result<(String, Vec<(String, String)>)> {
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok((request_line, headers))
}
