//! Turns the scripts' answers into the log's types.

use pushgen_runtime::replay::{ByteString, Entry, LogError, Replay};
use std::collections::HashMap;

/// One stream entry as XRANGE gives it: its entry id and its fields.
pub(crate) type RawEntry = (String, HashMap<String, Vec<u8>>);

/// `replay.lua`'s answer: its kind and entries.
pub(crate) type RawReplay = (String, Vec<RawEntry>);

/// An entry read back, and whether it is the stream's end.
struct Held {
    entry: Entry,
    is_end: bool,
}

/// `append.lua`'s answer, for an event whose id was `given`.
pub(crate) fn appended(answer: Vec<String>, given: Option<&str>) -> Result<String, LogError> {
    let mut answer = answer.into_iter();
    match (answer.next().as_deref(), answer.next()) {
        (Some("ok"), Some(id)) => Ok(id),
        (Some("ended"), None) => Err(LogError::Ended),
        (Some("duplicate"), None) => Err(LogError::DuplicateId(given.unwrap_or("").to_owned())),
        _ => Err(unexpected("the append script")),
    }
}

pub(crate) fn replay((kind, rows): RawReplay) -> Result<Replay, LogError> {
    let held = rows.into_iter().map(held).collect::<Result<Vec<_>, _>>()?;
    match kind.as_str() {
        "all" => Ok(after(held)),
        "after" => {
            let mut held = held.into_iter();
            // The script puts the id's own entry first.
            let own = held.next().ok_or_else(|| unexpected("the replay script"))?;
            if own.is_end {
                Ok(Replay::Ended(own.entry))
            } else {
                Ok(after(held.collect()))
            }
        }
        "gap" => Ok(Replay::Gap {
            // A stream holding only its end has no event to resume from.
            oldest: held
                .into_iter()
                .find(|h| !h.is_end)
                .map(|h| h.entry.id.to_string()),
        }),
        _ => Err(unexpected("the replay script")),
    }
}

/// The events held, the end split off the newest.
fn after(mut held: Vec<Held>) -> Replay {
    let ended = match held.last() {
        Some(last) if last.is_end => held.pop().map(|h| h.entry),
        _ => None,
    };
    Replay::After {
        entries: held.into_iter().map(|h| h.entry).collect(),
        ended,
    }
}

fn held((entry_id, mut fields): RawEntry) -> Result<Held, LogError> {
    let text = |bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|_| {
            LogError::Unavailable(format!("stream entry {entry_id} holds a non-UTF-8 name"))
        })
    };
    // Clients saw the given id when there was one, else the entry id.
    let id = match fields.remove("id") {
        Some(given) => text(given)?,
        None => entry_id.clone(),
    };
    let event = fields.remove("event").map(text).transpose()?;
    let data = fields.remove("data").ok_or_else(|| {
        LogError::Unavailable(format!("stream entry {entry_id} has no `data` field"))
    })?;
    let data = String::from_utf8(data).map_err(|_| {
        LogError::Unavailable(format!("stream entry {entry_id} holds non-UTF-8 data"))
    })?;
    Ok(Held {
        entry: Entry {
            id: ByteString::from(id),
            event: event.map(ByteString::from),
            data: ByteString::from(data),
        },
        is_end: fields.contains_key("end"),
    })
}

fn unexpected(what: &str) -> LogError {
    LogError::Unavailable(format!("unexpected answer from {what}"))
}
