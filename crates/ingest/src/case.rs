//! `snake_case` and `UpperCamelCase`, as heck writes them, without heck's cost on ASCII.
//!
//! heck lowercases through `char::to_lowercase` and `fmt::Write`, a character at a time;
//! naming a big spec's thousands of types and fields that way was a sixth of reading it.
//! Names reach here as ASCII (`names.rs` folds them), where the same rules take one pass
//! over bytes. Anything else goes to heck, so the results are heck's in every case.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// `text` in `snake_case`, as [`heck::ToSnakeCase`] writes it.
pub fn snake(text: &str) -> String {
    if !text.is_ascii() {
        return text.to_snake_case();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    each_word(text.as_bytes(), |word| push_snake(&mut out, word));
    out
}

/// `text` in `UpperCamelCase`, as [`heck::ToUpperCamelCase`] writes it.
pub fn upper_camel(text: &str) -> String {
    if !text.is_ascii() {
        return text.to_upper_camel_case();
    }
    let mut out = String::with_capacity(text.len());
    each_word(text.as_bytes(), |word| push_camel(&mut out, word));
    out
}

/// [`snake`] and [`upper_camel`] of `text`, finding its words once for both.
pub fn snake_and_camel(text: &str) -> (String, String) {
    if !text.is_ascii() {
        return (text.to_snake_case(), text.to_upper_camel_case());
    }
    let mut snake = String::with_capacity(text.len() + text.len() / 4);
    let mut camel = String::with_capacity(text.len());
    each_word(text.as_bytes(), |word| {
        push_snake(&mut snake, word);
        push_camel(&mut camel, word);
    });
    (snake, camel)
}

fn push_snake(out: &mut String, word: &[u8]) {
    if !out.is_empty() {
        out.push('_');
    }
    out.extend(word.iter().map(|b| char::from(b.to_ascii_lowercase())));
}

fn push_camel(out: &mut String, word: &[u8]) {
    if let Some((first, rest)) = word.split_first() {
        out.push(char::from(first.to_ascii_uppercase()));
        out.extend(rest.iter().map(|b| char::from(b.to_ascii_lowercase())));
    }
}

/// The words of ASCII `text` by heck's rules: anything but a letter or digit separates
/// words; a word also ends before an upper-case letter that follows a lower-case one
/// (`fooBar`), and before the last of a run of capitals followed by a lower-case letter
/// (`HTTPServer` is `HTTP`, `Server`). Digits take the case of what came before them.
/// Each word goes to `found` in order; none is empty.
fn each_word(text: &[u8], mut found: impl FnMut(&[u8])) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lower,
        Upper,
    }
    for word in text.split(|b| !b.is_ascii_alphanumeric()) {
        let mut start = 0;
        let mut mode = Mode::Boundary;
        for (i, &c) in word.iter().enumerate() {
            let Some(&next) = word.get(i + 1) else {
                found(&word[start..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lower
            } else if c.is_ascii_uppercase() {
                Mode::Upper
            } else {
                mode
            };
            if next_mode == Mode::Lower && next.is_ascii_uppercase() {
                found(&word[start..=i]);
                start = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
                found(&word[start..i]);
                start = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{snake, snake_and_camel, upper_camel};
    use heck::{ToSnakeCase, ToUpperCamelCase};

    /// Agrees with heck on names that break words every way, and on every string of up to
    /// four characters from an alphabet of each kind of character the rules tell apart,
    /// and on a few thousand longer ones.
    #[test]
    fn agrees_with_heck() {
        let mut inputs: Vec<String> = [
            "",
            "a",
            "A",
            "fooBar",
            "FooBar",
            "HTTPServer",
            "getHTTPResponseCode",
            "v2Api",
            "V2API",
            "api_v2_Thing",
            "ABC",
            "aBC",
            "AbC",
            "X-Request-ID",
            "__private__",
            "snake_case_already",
            "Über",
            "naïveName",
            "ΣΑΣ",
            "123abc",
            "a1B2c3",
            "IPv4Address",
            "OAuth2Token",
            "minus 1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        const ALPHABET: &[char] = &['a', 'B', '7', '_', ' ', '-'];
        let mut short = vec![String::new()];
        for _ in 0..4 {
            short = short
                .iter()
                .flat_map(|s| ALPHABET.iter().map(move |c| format!("{s}{c}")))
                .collect();
            inputs.extend(short.iter().cloned());
        }
        // Longer strings from a fixed sequence (a linear congruential generator).
        const WIDE: &[u8] = b"aAbBzZ09_- .$";
        let mut state = 0x2545_f491_u64;
        for _ in 0..4000 {
            let mut s = String::new();
            for _ in 0..(state % 13) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(char::from(WIDE[(state >> 33) as usize % WIDE.len()]));
            }
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            inputs.push(s);
        }
        for input in &inputs {
            let (both_snake, both_camel) = snake_and_camel(input);
            assert_eq!(snake(input), input.to_snake_case(), "snake of {input:?}");
            assert_eq!(both_snake, input.to_snake_case(), "snake of {input:?}");
            assert_eq!(
                upper_camel(input),
                input.to_upper_camel_case(),
                "camel of {input:?}"
            );
            assert_eq!(
                both_camel,
                input.to_upper_camel_case(),
                "camel of {input:?}"
            );
        }
    }
}
