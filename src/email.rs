//! The one e-mail address rule of the suite: graph-validate's `emailAddress`
//! check and persona-label's `--self` accept exactly the same addresses.

/// `local@domain.tld`: one `@`, a non-empty local part, a dotted domain
/// with non-empty labels, no whitespace, quotes, brackets or separators.
pub fn looks_like_email(text: &[u8]) -> bool {
    let Some(at) = memchr::memchr(b'@', text) else { return false };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    if local.is_empty() || domain.is_empty() {
        return false;
    }
    // One pass over the domain: labels non-empty, not starting or ending
    // with '-', at least two of them.
    let (mut dots, mut label_len, mut prev) = (0, 0, b'.');
    for &c in domain {
        if EMAIL_FORBIDDEN[c as usize] || c == b'@' {
            return false;
        }
        if c == b'.' {
            if label_len == 0 || prev == b'-' {
                return false;
            }
            dots += 1;
            label_len = 0;
        } else {
            if label_len == 0 && c == b'-' {
                return false;
            }
            label_len += 1;
        }
        prev = c;
    }
    if dots == 0 || label_len == 0 || prev == b'-' {
        return false;
    }
    if local.iter().any(|&c| EMAIL_FORBIDDEN[c as usize]) {
        return false;
    }
    // Non-ASCII is allowed (internationalised addresses), but not as whitespace.
    text.is_ascii() || std::str::from_utf8(text).is_ok_and(|t| !t.chars().any(char::is_whitespace))
}

/// Bytes an address may not contain: ASCII whitespace and controls, quotes,
/// brackets and list separators.
static EMAIL_FORBIDDEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        table[c] = true;
        c += 1;
    }
    let list = b" <>(),;:\"[]\\\x7f";
    let mut i = 0;
    while i < list.len() {
        table[list[i] as usize] = true;
        i += 1;
    }
    table
};
