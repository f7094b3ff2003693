//! Text typed by a USB keyboard-wedge scanner set to a US layout on a French AZERTY keyboard.
//!
//! A wedge scanner does not send characters: it presses keys, chosen for the layout it was
//! set to. Set to US (the factory default of most) on a PC whose layout is AZERTY, every key
//! lands where AZERTY has something else: the digits row types `&é"'(-è_çà`, `A` and `Q` trade
//! places, as do `Z` and `W`, `M` comes out as `?`, `.` as `:`, `:` as `M`, `/` as `!`, `-` as
//! `)`, and the shifted `$%*` as the digits `458`. Carnet's codes use only the QR alphanumeric
//! set ([`super::text`]), so the text can be put back key for key.
//!
//! The repair is a table of our own: it is one keyboard's layout against another's, which no
//! crate we found offers for this direction.

/// What each key of a US layout, pressed by a scanner, types on a French AZERTY layout:
/// `(typed on AZERTY, meant in US)`, for every character of the QR alphanumeric set and their
/// lower case.
const AZERTY_AS_US: [(char, char); 26] = [
    ('&', '1'),
    ('é', '2'),
    ('"', '3'),
    ('\'', '4'),
    ('(', '5'),
    ('-', '6'),
    ('è', '7'),
    ('_', '8'),
    ('ç', '9'),
    ('à', '0'),
    ('Q', 'A'),
    ('A', 'Q'),
    ('W', 'Z'),
    ('Z', 'W'),
    ('?', 'M'),
    ('q', 'a'),
    ('a', 'q'),
    ('w', 'z'),
    ('z', 'w'),
    (',', 'm'),
    ('4', '$'),
    ('5', '%'),
    ('8', '*'),
    (')', '-'),
    (':', '.'),
    ('!', '/'),
];

/// `M` typed means `:` (the US `;` key, shifted, is AZERTY's `M` key).
const TYPED_M: (char, char) = ('M', ':');
/// A lower-case `m` typed means `;`, which no Carnet code holds: it is left as typed.
fn meant(c: char) -> char {
    if c == TYPED_M.0 {
        return TYPED_M.1;
    }
    AZERTY_AS_US
        .iter()
        .find(|(typed, _)| *typed == c)
        .map_or(c, |(_, meant)| *meant)
}

/// The text a US-layout scanner meant, from what it typed on an AZERTY keyboard. Only call it
/// when the text as typed does not read: every character is remapped, so a text that was
/// right becomes wrong.
pub fn repair_azerty(typed: &str) -> String {
    typed.chars().map(meant).collect()
}

/// Whether a typed text shows the marks of a US-layout scanner on AZERTY: characters no
/// Carnet code holds but that the AZERTY digits row types.
pub fn looks_azerty(typed: &str) -> bool {
    typed.chars().any(|c| {
        matches!(
            c,
            '&' | 'é' | '"' | '\'' | '(' | 'è' | '_' | 'ç' | 'à' | '?' | '!' | ')' | ','
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a US-layout scanner types on AZERTY: the table read the other way.
    fn mangle(text: &str) -> String {
        text.chars()
            .map(|c| {
                if c == TYPED_M.1 {
                    return TYPED_M.0;
                }
                AZERTY_AS_US
                    .iter()
                    .find(|(_, meant)| *meant == c)
                    .map_or(c, |(typed, _)| *typed)
            })
            .collect()
    }

    #[test]
    fn every_character_of_a_code_comes_back() {
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let typed = mangle(alphabet);
        assert_eq!(typed, "à&é\"'(-è_çQBCDEFGHIJKL?NOPARSTUVZXYW 458+):!M");
        assert!(looks_azerty(&typed));
        assert_eq!(repair_azerty(&typed), alphabet);
        assert_eq!(repair_azerty(&mangle("cs1:abc")), "cs1:abc");
    }

    #[test]
    fn the_digits_row_is_the_sign_of_it() {
        assert_eq!(mangle("CS1:"), "CS&M");
        assert_eq!(mangle("1234567890"), "&é\"'(-è_çà");
        assert!(looks_azerty("CS&M"));
        assert!(!looks_azerty("CS1:6BK"));
    }
}
