//! Spec names → Rust identifiers: valid, deterministic, unique per scope.
//!
//! Every name a backend prints comes from here, so no spec can make the generator build
//! an invalid identifier (`proc_macro2::Ident::new` panics on `123abc`, `new_raw` on
//! `self`). Identifiers are ASCII: common Latin letters are folded (`Über` → `uber`),
//! anything else separates words.

use crate::case;
use foldhash::HashSet;
use pushgen_ir::Name;

/// Rust keywords of every edition, plus names that are legal but would confuse
/// (`Self` as a type). A trailing `_` escapes them: raw identifiers cannot spell `self`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Folds Latin letters with diacritics to ASCII; other characters become word breaks.
fn ascii_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // `-1` and `+1` are distinct values (GitHub's reactions): keep the sign as a word.
    if text.starts_with('-') && text[1..].starts_with(|c: char| c.is_ascii_digit()) {
        out.push_str("minus ");
    }
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        let folded = match c {
            'À'..='Å' => "A",
            'à'..='å' => "a",
            'Æ' => "Ae",
            'æ' => "ae",
            'Ç' => "C",
            'ç' => "c",
            'È'..='Ë' => "E",
            'è'..='ë' => "e",
            'Ì'..='Ï' => "I",
            'ì'..='ï' => "i",
            'Ñ' => "N",
            'ñ' => "n",
            'Ò'..='Ö' | 'Ø' => "O",
            'ò'..='ö' | 'ø' => "o",
            'Ù'..='Ü' => "U",
            'ù'..='ü' => "u",
            'Ý' => "Y",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            '+' => " plus ",
            _ => " ",
        };
        out.push_str(folded);
    }
    out
}

fn escape_keyword(mut ident: String) -> String {
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// `snake_case` identifier for `text`, or `None` when it has no letter or digit at all.
pub fn snake(text: &str) -> Option<String> {
    snake_base(&ascii_words(text)).map(escape_keyword)
}

/// `UpperCamelCase` identifier for `text`, or `None` when it has no letter or digit.
#[cfg(test)]
fn camel(text: &str) -> Option<String> {
    camel_base(&ascii_words(text)).map(escape_keyword)
}

/// Like [`snake`] of the text whose [`ascii_words`] these are, before keywords are
/// escaped (a numeric suffix may make that moot).
fn snake_base(words: &str) -> Option<String> {
    let words = case::snake(words);
    if words.is_empty() {
        return None;
    }
    Some(if words.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{words}")
    } else {
        words
    })
}

/// [`snake_base`] and its `UpperCamelCase` twin, finding the words once.
fn bases(words: &str) -> Option<(String, String)> {
    let (snake, camel) = case::snake_and_camel(words);
    // Both come from the same words: empty together, led by a digit together.
    if snake.is_empty() {
        return None;
    }
    Some(if snake.starts_with(|c: char| c.is_ascii_digit()) {
        (format!("_{snake}"), format!("N{camel}"))
    } else {
        (snake, camel)
    })
}

#[cfg(test)]
fn camel_base(words: &str) -> Option<String> {
    let words = case::upper_camel(words);
    if words.is_empty() {
        return None;
    }
    Some(if words.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{words}")
    } else {
        words
    })
}

/// One namespace of identifiers. Names are handed out first come, first served, and a
/// name already taken gets a numeric suffix, so the same spec always gives the same names.
#[derive(Debug, Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    pub fn new() -> Self {
        Scope::default()
    }

    /// Marks identifiers as used (names the generated code itself defines there).
    pub fn reserve(&mut self, idents: &[&str]) {
        self.taken.extend(idents.iter().map(|s| s.to_string()));
    }

    /// A unique [`Name`] for `original`. `fallback` is used when `original` has no
    /// letters or digits. `extra` derives further identifiers that must also be free
    /// (e.g. `foo_stream` beside `foo`); they are reserved too.
    pub fn name_with(
        &mut self,
        original: &str,
        fallback: &str,
        extra: &dyn Fn(&Name) -> Vec<String>,
    ) -> Name {
        self.choose(None, original, fallback, extra)
    }

    /// A unique [`Name`] for `original`.
    pub fn name(&mut self, original: &str, fallback: &str) -> Name {
        self.choose(None, original, fallback, &|_| Vec::new())
    }

    /// A [`Name`] for `original` free both here and in `earlier`, a scope this one
    /// continues without changing it; taken here. Whether the name is still free once
    /// the two are put together is for [`Scope::clashes`] to say.
    pub fn name_after(&mut self, earlier: Option<&Scope>, original: &str, fallback: &str) -> Name {
        self.choose(earlier, original, fallback, &|_| Vec::new())
    }

    fn choose(
        &mut self,
        earlier: Option<&Scope>,
        original: &str,
        fallback: &str,
        extra: &dyn Fn(&Name) -> Vec<String>,
    ) -> Name {
        // Folded once for both cases: names are most of what reading a big spec does.
        let words = ascii_words(original);
        let (snake_base, camel_base) =
            bases(&words).unwrap_or_else(|| (case::snake(fallback), case::upper_camel(fallback)));
        let mut n = 1usize;
        loop {
            let (snake, camel) = if n == 1 {
                (
                    escape_keyword(snake_base.clone()),
                    escape_keyword(camel_base.clone()),
                )
            } else {
                (format!("{snake_base}_{n}"), format!("{camel_base}{n}"))
            };
            let name = Name {
                original: original.to_string(),
                snake,
                camel,
            };
            let extras = extra(&name);
            let free = |ident: &str| {
                !self.taken.contains(ident) && earlier.is_none_or(|e| !e.taken.contains(ident))
            };
            if free(&name.snake) && free(&name.camel) && extras.iter().all(|e| free(e)) {
                self.taken.insert(name.snake.clone());
                self.taken.insert(name.camel.clone());
                self.taken.extend(extras);
                return name;
            }
            n += 1;
        }
    }

    /// Whether `later`, a scope that continued this one, took an identifier that this
    /// one has taken since: then `later`'s names are not the ones this scope would have
    /// given.
    pub fn clashes(&self, later: &Scope) -> bool {
        later.taken.iter().any(|ident| self.taken.contains(ident))
    }

    /// Takes the identifiers of `later`, a scope that continued this one.
    pub fn extend(&mut self, later: Scope) {
        self.taken.extend(later.taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_identifiers() {
        assert_eq!(snake("type").as_deref(), Some("type_"));
        assert_eq!(snake("self").as_deref(), Some("self_"));
        assert_eq!(camel("Self").as_deref(), Some("Self_"));
        assert_eq!(snake("123abc").as_deref(), Some("_123abc"));
        assert_eq!(camel("123abc").as_deref(), Some("N123abc"));
        assert_eq!(snake("display name").as_deref(), Some("display_name"));
        assert_eq!(camel("post message").as_deref(), Some("PostMessage"));
        assert_eq!(snake("Über").as_deref(), Some("uber"));
        assert_eq!(camel("Über").as_deref(), Some("Uber"));
        assert_eq!(snake("+1").as_deref(), Some("plus_1"));
        assert_eq!(camel("-1").as_deref(), Some("Minus1"));
        assert_eq!(snake("!!!"), None);
        assert_eq!(snake("日本"), None);
    }

    #[test]
    fn both_cases_at_once_are_each_case_alone() {
        for text in [
            "display name",
            "123abc",
            "HTTPServer",
            "-1",
            "Über",
            "!!!",
            "",
            "a b",
        ] {
            let words = ascii_words(text);
            let alone = snake_base(&words).zip(camel_base(&words));
            assert_eq!(bases(&words), alone, "{text:?}");
        }
    }

    #[test]
    fn collisions_get_suffixes_in_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.name("getUser", "op").snake, "get_user");
        assert_eq!(scope.name("get_user", "op").snake, "get_user_2");
        assert_eq!(scope.name("GetUser", "op").camel, "GetUser3");
        assert_eq!(scope.name("???", "op").snake, "op");
    }

    #[test]
    fn extra_identifiers_are_reserved() {
        let mut scope = Scope::new();
        let stream = |n: &Name| vec![format!("{}_stream", n.snake)];
        assert_eq!(scope.name_with("foo", "op", &stream).snake, "foo");
        assert_eq!(
            scope.name_with("foo_stream", "op", &stream).snake,
            "foo_stream_2"
        );
    }
}
