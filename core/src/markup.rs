//! Text made safe inside HTML and XML that Carnet writes (the printable page, the recovery
//! sheet, an IPS document's narrative): one escaper for all of them, so none forgets a
//! character. Control characters other than tab and line breaks become spaces: XML 1.0 forbids
//! them, and on a page they could only hide something.

/// Escapes `text` for an element's content or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_control_characters_are_made_inert() {
        assert_eq!(
            super::escape("<b>\"A&B\"</b> l'\u{1b}[2K\nfin"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; l&#39; [2K\nfin"
        );
    }
}
