//! Doc comments from spec descriptions, made safe for rustdoc.
//!
//! Descriptions are Markdown written for other renderers. Left alone they break builds:
//! `[text]` becomes a broken intra-doc link, `<br>` an unclosed HTML tag, an indented or
//! fenced block a doctest that fails to compile, and a bare carriage return is not
//! allowed in a doc comment at all.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = ...]` attributes for `text`, one per line; or, while a piece of a file is
/// built, one that stands for them until the piece is laid out ([`crate::late`]).
pub fn doc(text: &str) -> TokenStream {
    match crate::late::defer(sanitize(text)) {
        Ok(marker) => quote! { #[doc = #marker] },
        Err(lines) => quote! { #( #[doc = #lines] )* },
    }
}

/// `doc` for an optional text; nothing when absent or blank.
pub fn doc_opt(text: Option<&str>) -> TokenStream {
    match text {
        Some(t) if !t.trim().is_empty() => doc(t),
        _ => TokenStream::new(),
    }
}

/// `text` as Markdown rustdoc reads without complaint, for documentation that is not a
/// doc comment (an SDK's README, which is also its crate documentation).
pub fn markdown(text: &str) -> String {
    let lines: Vec<String> = sanitize(text)
        .into_iter()
        .map(|line| line.strip_prefix(' ').map(str::to_string).unwrap_or(line))
        .collect();
    lines.join("\n")
}

/// Doc lines: each starts with a space so prettyplease prints `/// text`.
pub fn sanitize(text: &str) -> Vec<String> {
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut list_indent: Option<usize> = None;
    for line in text.trim().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            // Every fence becomes a `text` block: never a doctest, still a code block.
            in_fence = !in_fence;
            out.push(if in_fence {
                " ```text".into()
            } else {
                " ```".into()
            });
            continue;
        }
        if in_fence {
            out.push(format!(" {}", line.replace('\t', "    ")));
            continue;
        }
        // Indentation would make a code block (a doctest); it carries no meaning here,
        // except under a list item, whose continuation lines are indented to its text
        // (rustdoc warns about lazy continuations: clippy::doc_lazy_continuation).
        let line = escape(trimmed);
        if line.is_empty() {
            list_indent = None;
            // Markdown reads a run of blank lines as one.
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if line.starts_with('|') {
            // A table row cannot be wrapped.
            out.push(format!(" {line}").trim_end().to_string());
            continue;
        }
        let (first, rest) = match list_marker(&line) {
            Some(width) => {
                list_indent = Some(width);
                (String::new(), " ".repeat(width))
            }
            None => {
                let indent = " ".repeat(list_indent.unwrap_or(0));
                (indent.clone(), indent)
            }
        };
        for (i, wrapped) in wrap(&line, WIDTH - rest.len()).into_iter().enumerate() {
            let prefix = if i == 0 { &first } else { &rest };
            out.push(format!(" {prefix}{wrapped}"));
        }
    }
    if in_fence {
        out.push(" ```".into());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Doc text is wrapped to this many columns: a one-line paragraph from a YAML `>` block
/// would otherwise run far past the code beside it. Markdown joins the lines again.
const WIDTH: usize = 88;

fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.len() <= width {
        return vec![line.trim_end().to_string()];
    }
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        // A line starting with `>`, `#`, `*`, `-`, `1.` ... would be a quote, heading or
        // list item: such a word stays on the line before, however long it gets.
        if !current.is_empty() && current.len() + 1 + word.len() > width && !starts_block(word) {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Whether a word at the start of a line would begin a Markdown block (quote, heading,
/// list item, setext underline, table row).
fn starts_block(word: &str) -> bool {
    word.starts_with(['>', '#', '*', '-', '+', '=', '|'])
        || (word.len() > 1
            && word
                .trim_end_matches(['.', ')'])
                .chars()
                .all(|c| c.is_ascii_digit())
            && word.ends_with(['.', ')']))
}

/// The width of a Markdown list marker starting `line` (`- `, `* `, `+ `, `1. `, `2) `).
fn list_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'-' | b'*' | b'+') && bytes[1] == b' ' {
        return Some(2);
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..=3).contains(&digits)
        && bytes.len() > digits + 1
        && matches!(bytes[digits], b'.' | b')')
        && bytes[digits + 1] == b' '
    {
        return Some(digits + 2);
    }
    None
}

/// Escapes what rustdoc would read as an intra-doc link or HTML. Markdown links with a
/// URL (`[text](https://…)`) stay links, and bare URLs become autolinks (`<https://…>`):
/// rustdoc warns about bare ones.
fn escape(line: &str) -> String {
    if plain(line) {
        return line.to_string();
    }
    escape_marked(line)
}

/// Whether `line` has nothing [`escape`] changes: no code span, link, HTML or URL, and no
/// control character (most description lines, and the slow path walks them by `char`).
fn plain(line: &str) -> bool {
    line.bytes()
        .all(|b| matches!(b, b' '..=b'~') && !matches!(b, b'`' | b'[' | b']' | b'<' | b'>'))
        && !line.contains("://")
}

fn escape_marked(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    // A code span opens and closes with backtick runs of the same length (``a`b``).
    let mut open_run: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            out.extend(std::iter::repeat_n('`', run));
            open_run = match open_run {
                None => Some(run),
                Some(n) if n == run => None,
                other => other,
            };
            i += run;
            continue;
        }
        if open_run.is_some() {
            out.push(c);
            i += 1;
            continue;
        }
        if c == '['
            && let Some((text, url, end)) = inline_link(&chars, i)
        {
            out.push('[');
            out.push_str(&escape_text(&text));
            out.push_str("](");
            out.push_str(&url);
            out.push(')');
            i = end;
            continue;
        }
        if (c == 'h' || c == 'H')
            && (i == 0 || !chars[i - 1].is_alphanumeric())
            && let Some(end) = bare_url(&chars, i)
        {
            out.push('<');
            out.extend(&chars[i..end]);
            out.push('>');
            i = end;
            continue;
        }
        match c {
            '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Text inside a link: brackets and HTML escaped, control characters dropped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `[text](url)` starting at `start`: its text, its URL and the index after it. The URL
/// must be absolute (a scheme, or `/`, or `#`) and have no spaces.
fn inline_link(chars: &[char], start: usize) -> Option<(String, String, usize)> {
    let close = start + 1 + chars[start + 1..].iter().position(|&c| c == ']')?;
    let text: String = chars[start + 1..close].iter().collect();
    if text.contains('[') || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let open = close + 1;
    // URLs may hold balanced parentheses (Wikipedia's do).
    let mut depth = 0usize;
    let mut end = None;
    for (k, &c) in chars.iter().enumerate().skip(open + 1) {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => {
                end = Some(k);
                break;
            }
            ')' => depth -= 1,
            _ => {}
        }
    }
    let end = end?;
    let url: String = chars[open + 1..end].iter().collect();
    let absolute = url.starts_with("http://")
        || url.starts_with("https://")
        || url.starts_with("mailto:")
        || url.starts_with('/')
        || url.starts_with('#');
    (absolute && !url.contains(char::is_whitespace)).then_some((text, url, end + 1))
}

/// The end of a bare `http(s)://` URL starting at `start`, without trailing punctuation.
fn bare_url(chars: &[char], start: usize) -> Option<usize> {
    let rest: String = chars[start..chars.len().min(start + 8)].iter().collect();
    let scheme = rest.to_ascii_lowercase();
    if !(scheme.starts_with("http://") || scheme.starts_with("https://")) {
        return None;
    }
    let mut end = start;
    while end < chars.len()
        && !chars[end].is_whitespace()
        && !matches!(chars[end], '<' | '>' | '`' | '"')
    {
        end += 1;
    }
    while end > start
        && matches!(
            chars[end - 1],
            '.' | ',' | ';' | ':' | ')' | ']' | '!' | '?' | '\''
        )
    {
        end -= 1;
    }
    (end > start + 8).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::{escape_marked, plain, sanitize};

    #[test]
    fn a_plain_line_is_one_escaping_leaves_alone() {
        // Pseudo-random lines over characters the escaping looks at, and the words of URLs.
        let pieces = [
            "a", "h", "H", "http", "https", ":", "/", "//", "://", " ", ".", "(", ")", "x y", "`",
            "[", "]", "<", ">", "\t", "é", "\u{7}", "-", "1.", "#",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut plain_lines = 0;
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            if plain(&line) {
                plain_lines += 1;
                assert_eq!(escape_marked(&line), line);
            }
        }
        assert!(plain_lines > 1_000, "{plain_lines}");
    }

    #[test]
    fn runs_of_blank_lines_are_one() {
        // A YAML `|` block ends in a newline, and a field's default is added after a blank
        // line: two blank doc lines where one says the same.
        assert_eq!(
            sanitize("Echo the prompt.\n\n\nDefault: `false`."),
            [" Echo the prompt.", "", " Default: `false`."]
        );
        assert_eq!(
            sanitize("```\na\n\n\nb\n```"),
            [" ```text", " a", " ", " ", " b", " ```"],
            "a code block keeps its lines"
        );
    }

    #[test]
    fn rustdoc_hazards_are_defused() {
        assert_eq!(sanitize("see [Foo]<br>"), [r" see \[Foo\]\<br\>"]);
        assert_eq!(sanitize("`a[0]` [b]"), [r" `a[0]` \[b\]"]);
        assert_eq!(sanitize("a\r\n    code\rb"), [" a", " code", " b"]);
        assert_eq!(
            sanitize("x\n```\nfn main() {}\n```"),
            [" x", " ```text", " fn main() {}", " ```"]
        );
        assert_eq!(sanitize("```js\nopen"), [" ```text", " open", " ```"]);
        assert_eq!(
            sanitize("- one\ncontinued\n\nafter"),
            [" - one", "   continued", "", " after"]
        );
        assert_eq!(
            sanitize(&format!("1. {}", "word ".repeat(20))),
            [
                format!(" 1. {}", "word ".repeat(16).trim_end()),
                format!("    {}", "word ".repeat(4).trim_end())
            ]
        );
        // Wrapping never starts a line with a block marker.
        let quote = format!("{} > b", "word ".repeat(17).trim_end());
        assert!(
            sanitize(&quote)
                .iter()
                .all(|l| !l.trim_start().starts_with('>'))
        );
        assert_eq!(sanitize("``a`b`` [x]"), [r" ``a`b`` \[x\]"]);
        // Links with a URL stay links; bare URLs become autolinks; neither is escaped.
        assert_eq!(
            sanitize("see [the <guide>](https://x.io/a_(b)) or https://y.io/z."),
            [r" see [the \<guide\>](https://x.io/a_(b)) or <https://y.io/z>."]
        );
        assert_eq!(
            sanitize("[docs](https://x.io/d), [rel](../x) and `https://code`"),
            [r" [docs](https://x.io/d), \[rel\](../x) and `https://code`"]
        );
        let long = "word ".repeat(30);
        let wrapped = sanitize(&long);
        assert_eq!(wrapped.len(), 2);
        assert!(wrapped.iter().all(|l| l.len() <= 89));
    }
}
