//! The text of a CSV file in whatever encoding it was saved in: UTF-8 (with or without BOM),
//! GBK/GB18030 (Excel's "CSV" on Chinese Windows) or UTF-16 (Excel's "Unicode text"), detected
//! or forced, with every kind of line end made `\n`.
//!
//! Owns: encoding detection, decoding and line-end normalisation. Must not: split the text
//! into rows or fields (`csv.rs` does), or read files (`mod.rs` does).

use super::ImportError;
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// A text encoding a CSV file may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a BOM is dropped).
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows writes.
    Gb18030,
    /// UTF-16, little-endian (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

impl Encoding {
    /// The names `--encoding` accepts, for messages.
    pub const NAMES: &'static str = "utf-8, gbk (= gb18030, gb2312), utf-16le, utf-16be";

    /// Parses an encoding name as `--encoding` takes it (case-insensitive).
    #[must_use]
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Some(Encoding::Gb18030),
            "utf-16le" | "utf-16" | "utf16le" | "utf16" | "unicode" => Some(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Some(Encoding::Utf16Be),
            _ => None,
        }
    }

    fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GBK/GB18030",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        })
    }
}

/// How a file's bytes were read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text, BOM removed, every line end (`\r\n`, `\r`) made `\n`.
    pub text: String,
    /// The encoding read.
    pub encoding: Encoding,
    /// Whether the file started with a byte-order mark.
    pub bom: bool,
    /// Whether it was detected (false: forced with `--encoding`).
    pub detected: bool,
    /// The line ends found: `"LF"`, `"CRLF"`, `"CR"`, or `"none"` for a single line.
    pub line_ends: &'static str,
}

/// Decodes `bytes` in `forced`, or else in the encoding its BOM names, or UTF-8 if it is
/// UTF-16 if it has NUL bytes, or UTF-8 if it is valid UTF-8, or GB18030.
pub fn decode(
    bytes: &[u8],
    forced: Option<Encoding>,
    origin: &Path,
) -> Result<Decoded, ImportError> {
    let bom_of = |b: &[u8]| -> Option<(Encoding, usize)> {
        if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
            Some((Encoding::Utf8, 3))
        } else if b.starts_with(&[0xFF, 0xFE]) {
            Some((Encoding::Utf16Le, 2))
        } else if b.starts_with(&[0xFE, 0xFF]) {
            Some((Encoding::Utf16Be, 2))
        } else {
            None
        }
    };
    let bom = bom_of(bytes);
    let (encoding, detected) = match (forced, bom) {
        (Some(e), _) => (e, false),
        (None, Some((e, _))) => (e, true),
        (None, None) => match utf16_without_bom(bytes) {
            Some(e) => (e, true),
            None if std::str::from_utf8(bytes).is_ok() => (Encoding::Utf8, true),
            None => (Encoding::Gb18030, true),
        },
    };
    let skip = match bom {
        Some((e, n)) if e == encoding => n,
        _ => 0,
    };
    let body = &bytes[skip..];
    let text = encoding
        .codec()
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| {
            let (at, line) = first_bad(encoding, body);
            ImportError::Decode {
                path: origin.to_path_buf(),
                message: format!(
                    "line {line}: byte {at} is not {encoding}{}; save the sheet as \"CSV UTF-8\" or name the encoding with --encoding ({})",
                    if detected { " (the encoding detected)" } else { "" },
                    Encoding::NAMES
                ),
            }
        })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let line_ends = if text.contains("\r\n") {
        "CRLF"
    } else if text.contains('\r') {
        "CR"
    } else if text.trim_end_matches('\n').contains('\n') {
        "LF"
    } else {
        "none"
    };
    Ok(Decoded {
        text: normalise_line_ends(text).into_owned(),
        encoding,
        bom: skip > 0,
        detected,
        line_ends,
    })
}

/// `\r\n` and lone `\r` become `\n`, so that lines count the same whatever wrote the file.
#[must_use]
pub fn normalise_line_ends(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// UTF-16 without a BOM: text in UTF-8 or GBK has no NUL bytes, UTF-16 has one in every
/// ASCII character (tabs, digits, line ends), in the odd bytes when little-endian.
fn utf16_without_bom(bytes: &[u8]) -> Option<Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    match (odd, even) {
        (0, 0) => None,
        (o, e) if o >= e => Some(Encoding::Utf16Le),
        _ => Some(Encoding::Utf16Be),
    }
}

/// Offset (from 1) and line of the first byte that does not decode.
fn first_bad(encoding: Encoding, body: &[u8]) -> (usize, usize) {
    let mut decoder = encoding.codec().new_decoder_without_bom_handling();
    let mut out = String::with_capacity(body.len() * 3 + 16);
    let (result, read) = decoder.decode_to_string_without_replacement(body, &mut out, true);
    let at = match result {
        encoding_rs::DecoderResult::Malformed(len, extra) => read
            .saturating_sub(usize::from(len) + usize::from(extra))
            .min(body.len()),
        _ => read.min(body.len()),
    };
    let line = out.matches('\n').count() + 1;
    (at + 1, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(s).0.into_owned()
    }

    #[test]
    fn utf8_gbk_and_utf16_are_detected_and_line_ends_made_lf() {
        let p = Path::new("x.csv");
        let d = decode("a,b\r\n金额,1\r\n".as_bytes(), None, p).unwrap();
        assert_eq!(
            (d.encoding, d.bom, d.line_ends),
            (Encoding::Utf8, false, "CRLF")
        );
        assert_eq!(d.text, "a,b\n金额,1\n");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("金额\r".as_bytes());
        let d = decode(&bom, None, p).unwrap();
        assert_eq!(
            (d.encoding, d.bom, d.text.as_str()),
            (Encoding::Utf8, true, "金额\n")
        );
        let d = decode(&gbk("摘要,金额（元）\r\n办公用品,1\r\n"), None, p).unwrap();
        assert_eq!(d.encoding, Encoding::Gb18030);
        assert_eq!(d.text, "摘要,金额（元）\n办公用品,1\n");
        let mut u16 = vec![0xFF, 0xFE];
        for c in "日期\t金额\r\n".encode_utf16() {
            u16.extend_from_slice(&c.to_le_bytes());
        }
        let d = decode(&u16, None, p).unwrap();
        assert_eq!(
            (d.encoding, d.text.as_str()),
            (Encoding::Utf16Le, "日期\t金额\n")
        );
        let d = decode(&u16[2..], None, p).unwrap();
        assert_eq!(d.encoding, Encoding::Utf16Le);
        let ascii: Vec<u8> = "a\tb\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&ascii, None, p).unwrap().text, "a\tb\n");
    }

    #[test]
    fn a_forced_encoding_that_does_not_fit_names_the_line() {
        let e = decode(&gbk("a\n金额\n"), Some(Encoding::Utf8), Path::new("x.csv")).unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with("x.csv: line 2: byte 3 is not UTF-8;"), "{m}");
        assert!(m.contains("--encoding"), "{m}");
        assert_eq!(Encoding::parse("GBK"), Some(Encoding::Gb18030));
        assert_eq!(Encoding::parse("latin1"), None);
    }
}
