//! Column alignment by display width (CJK characters take two columns).

use unicode_width::UnicodeWidthStr;

/// Display width of `s` in terminal columns.
#[must_use]
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` padded on the right with spaces to `width` columns (never truncated).
#[must_use]
pub fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    let mut out = String::with_capacity(s.len() + width.saturating_sub(w));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// `s` padded on the left with spaces to `width` columns (never truncated).
#[must_use]
pub fn pad_left(s: &str, width: usize) -> String {
    let w = display_width(s);
    let mut out: String = std::iter::repeat_n(' ', width.saturating_sub(w)).collect();
    out.push_str(s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(display_width("管理效能"), 8);
        assert_eq!(pad("管理", 6), "管理  ");
        assert_eq!(pad_left("49.96", 7), "  49.96");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
