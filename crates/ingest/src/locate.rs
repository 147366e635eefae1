//! JSON pointer → line and column in the spec's text.
//!
//! `serde_json::Value` keeps no positions, so errors carry JSON pointers, and this finds
//! the pointer's place in the text when an error is reported — never on the success path.
//! YAML 1.2 is a superset of JSON, so one event parser with positions (yaml-rust2)
//! serves both syntaxes.

use yaml_rust2::parser::{Event, Parser};

/// A place in the spec's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Where the value at `pointer` starts; for a pointer into something that does not exist
/// (a missing key), where its deepest existing parent starts. `None` if the text does not
/// parse.
pub fn locate(text: &str, pointer: &str) -> Option<Location> {
    let target: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut best: Option<(usize, Location)> = None;
    // A block mapping's start event is marked after its first key; a mapping with no key
    // above it (the root, a list item) is shown at that first key instead.
    let mut found: Option<Location> = None;
    let mut patch_best = false;
    loop {
        let (event, mark) = parser.next_token().ok()?;
        let here = Location {
            line: mark.line(),
            column: mark.col() + 1,
        };
        if found.is_some() || patch_best {
            match event {
                Event::Scalar(..) => {
                    if found.is_some() {
                        return Some(here);
                    }
                    if let Some((_, at)) = &mut best {
                        *at = here;
                    }
                    patch_best = false;
                }
                _ => {
                    if found.is_some() {
                        return found;
                    }
                    patch_best = false;
                }
            }
        }
        let starts_node = matches!(
            event,
            Event::Scalar(..)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Alias(_)
        );
        if starts_node {
            // A scalar in key position names the next value; it is not a value itself.
            if let Some(Frame::Map {
                key: key @ None,
                key_at,
            }) = stack.last_mut()
            {
                if let Event::Scalar(text, ..) = &event {
                    *key = Some(text.clone());
                } else {
                    *key = Some(String::new());
                }
                *key_at = here;
                if let Event::MappingStart(..) | Event::SequenceStart(..) = event {
                    // A complex key: skip its contents by tracking it like a value.
                    stack.push(Frame::Skip { depth: 1 });
                }
                continue;
            }
            if let Some(Frame::Skip { depth }) = stack.last_mut() {
                if let Event::MappingStart(..) | Event::SequenceStart(..) = event {
                    *depth += 1;
                }
                continue;
            }
            // A mapping or list under a key is shown at its key (`get:`), a scalar at itself.
            let mut shown_at = here;
            let mut at_first_key = matches!(event, Event::MappingStart(..));
            let token = match stack.last_mut() {
                Some(Frame::Map { key, key_at }) => {
                    if let Event::MappingStart(..) | Event::SequenceStart(..) = event {
                        shown_at = *key_at;
                        at_first_key = false;
                    }
                    key.take()
                }
                Some(Frame::Seq { index }) => {
                    let i = *index;
                    *index += 1;
                    Some(i.to_string())
                }
                Some(Frame::Skip { .. }) | None => None,
            };
            if let Some(token) = &token {
                path.push(token.clone());
            }
            if path.len() <= target.len() && path[..] == target[..path.len()] {
                if path.len() == target.len() {
                    if !at_first_key {
                        return Some(shown_at);
                    }
                    found = Some(shown_at);
                } else if best.is_none_or(|(depth, _)| path.len() >= depth) {
                    best = Some((path.len(), shown_at));
                    patch_best = at_first_key;
                }
            }
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map {
                    key: None,
                    key_at: here,
                }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { index: 0 }),
                _ => {
                    if token.is_some() {
                        path.pop();
                    }
                }
            }
            continue;
        }
        match event {
            Event::MappingEnd | Event::SequenceEnd => {
                match stack.last_mut() {
                    Some(Frame::Skip { depth }) => {
                        *depth -= 1;
                        if *depth == 0 {
                            stack.pop();
                        }
                        continue;
                    }
                    _ => {
                        stack.pop();
                    }
                }
                if !stack.is_empty() {
                    path.pop();
                }
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    best.map(|(_, location)| location)
}

enum Frame {
    /// In a mapping; `key` is the key whose value comes next, if read, found `key_at`.
    Map {
        key: Option<String>,
        key_at: Location,
    },
    Seq {
        index: usize,
    },
    /// Inside a complex key, whose contents name nothing.
    Skip {
        depth: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::{Location, locate};

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location { line, column })
    }

    const YAML: &str = "openapi: 3.0.3\n\
                        paths:\n  \
                          /a/{b}:\n    \
                            get:\n      \
                              tags: [x, y]\n      \
                              responses:\n        \
                                '200': {description: ok}\n";

    #[test]
    fn finds_yaml_values() {
        assert_eq!(locate(YAML, "/openapi"), at(1, 10));
        // A mapping is shown at its key.
        assert_eq!(locate(YAML, "/paths/~1a~1{b}/get"), at(4, 5));
        assert_eq!(locate(YAML, "/paths/~1a~1{b}/get/tags/1"), at(5, 17));
        assert_eq!(
            locate(YAML, "/paths/~1a~1{b}/get/responses/200/description"),
            at(7, 30)
        );
    }

    #[test]
    fn a_missing_key_points_at_its_parent() {
        assert_eq!(locate(YAML, "/paths/~1a~1{b}/get/requestBody"), at(4, 5));
    }

    #[test]
    fn finds_json_values() {
        let json =
            "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\"/x\": {\"get\": [1, {\"k\": true}]}}\n}";
        assert_eq!(locate(json, "/openapi"), at(2, 14));
        assert_eq!(locate(json, "/paths/~1x/get/1/k"), at(3, 37));
        assert_eq!(locate(json, "/paths/~1x/get"), at(3, 20));
    }

    #[test]
    fn list_items_and_the_root_are_shown_at_their_first_key() {
        let yaml = "# comment\nopenapi: 3.0.3\npush:\n  - /a/{b}:\n      responses: {}\n";
        assert_eq!(locate(yaml, ""), at(2, 1));
        assert_eq!(locate(yaml, "/push/0"), at(4, 5));
        assert_eq!(locate(yaml, "/push/0/x"), at(4, 5));
    }

    #[test]
    fn unparsable_text_has_no_location() {
        assert_eq!(locate("a: [", "/a/0"), None);
    }
}
