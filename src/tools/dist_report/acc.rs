//! What dist-report accumulates, and how two accumulations merge.
//!
//! Every piece of state is a canonical function of the multiset of records
//! it saw (plus, for the order of discovered fields, their line numbers), so
//! merging per-chunk states in input order, or per-shard states from
//! `--partial` files, gives exactly the state of one run over the whole input.
//! Bounded maps ([`Capped`]) keep the entries whose seeded hash is smallest
//! (a bottom-k rule), which does not depend on the order values arrive in.

use hashbrown::HashTable;
use serde_json::{Map, Value, json};

use crate::hash;
use crate::json::{self, Kind, Raw};
use crate::path::FieldPath;
use crate::stats::{Moments, Quantiles};

/// The JSON kinds in report order.
pub const KINDS: [Kind; 6] =
    [Kind::Number, Kind::String, Kind::Bool, Kind::Null, Kind::Object, Kind::Array];

pub fn kind_index(kind: Kind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap_or(0)
}

/// Seed of the hash that decides which entries a capped map keeps.
const CAP_SEED: u64 = 0x6469_7374;

/// The hash that decides which keys a capped map keeps.
pub fn key_hash(key: &[u8]) -> u64 {
    hash::hash(CAP_SEED, key)
}

/// Anything that merges exactly.
pub trait Merge {
    fn merge(&mut self, other: &Self, line_offset: u64);
}

impl Merge for u64 {
    // Saturating: a hand-edited --merge state must not overflow.
    fn merge(&mut self, other: &Self, _: u64) {
        *self = self.saturating_add(*other);
    }
}

struct Slot<V> {
    hash: u64,
    key: Box<[u8]>,
    value: V,
}

/// A map from byte keys that keeps at most `cap` entries: those with the
/// smallest (hash, key). Entries past the cap are merged into `other`.
pub struct Capped<V> {
    table: HashTable<Slot<V>>,
    cap: usize,
    /// Set once entries were dropped: keys at or above it go to `other`.
    threshold: Option<(u64, Box<[u8]>)>,
    pub other: V,
}

impl<V: Merge> Capped<V> {
    pub fn new(cap: usize, other: V) -> Self {
        Capped { table: HashTable::new(), cap: cap.max(1), threshold: None, other }
    }

    /// Whether entries were ever dropped (more than `cap` distinct keys).
    pub fn capped(&self) -> bool {
        self.threshold.is_some()
    }

    fn over(&self, hash: u64, key: &[u8]) -> bool {
        self.threshold.as_ref().is_some_and(|(h, k)| (hash, key) >= (*h, &**k))
    }

    /// The entry for `key`, created with `make` when new; past the cap,
    /// [`Capped::other`].
    pub fn slot(&mut self, key: &[u8], make: impl FnOnce() -> V) -> &mut V {
        self.slot_hashed(key_hash(key), key, make)
    }

    /// [`Capped::slot`] with the key's hash already computed.
    pub fn slot_hashed(&mut self, hash: u64, key: &[u8], make: impl FnOnce() -> V) -> &mut V {
        if self.over(hash, key) {
            return &mut self.other;
        }
        if self.table.len() >= 2 * self.cap && self.table.find(hash, |s| &*s.key == key).is_none() {
            self.prune(self.cap);
            if self.over(hash, key) {
                return &mut self.other;
            }
        }
        match self.table.entry(hash, |s| &*s.key == key, |s| s.hash) {
            hashbrown::hash_table::Entry::Occupied(slot) => &mut slot.into_mut().value,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                &mut vacant.insert(Slot { hash, key: key.into(), value: make() }).into_mut().value
            }
        }
    }

    /// Adds `value` under `key` (or into `other` past the cap).
    pub fn add(&mut self, key: &[u8], value: &V, line_offset: u64, make: impl FnOnce() -> V) {
        self.slot(key, make).merge(value, line_offset);
    }

    /// Keeps the `keep` smallest (hash, key) entries, merging the rest into `other`.
    fn prune(&mut self, keep: usize) {
        if self.table.len() <= keep {
            return;
        }
        let mut slots: Vec<Slot<V>> = self.table.drain().collect();
        slots.sort_by(|a, b| (a.hash, &a.key).cmp(&(b.hash, &b.key)));
        let dropped = slots.split_off(keep);
        if let Some(first) = dropped.first() {
            self.threshold = Some((first.hash, first.key.clone()));
        }
        for slot in &dropped {
            self.other.merge(&slot.value, 0);
        }
        for slot in slots {
            let hash = slot.hash;
            self.table.insert_unique(hash, slot, |s| s.hash);
        }
    }

    /// Brings the map to its canonical form: at most `cap` entries.
    pub fn settle(&mut self) {
        self.prune(self.cap);
    }

    pub fn merge_from(&mut self, other: &Capped<V>, line_offset: u64, make: impl Fn() -> V) {
        for slot in other.table.iter() {
            self.add(&slot.key, &slot.value, line_offset, &make);
        }
        self.other.merge(&other.other, line_offset);
        if let Some((h, k)) = &other.threshold {
            // Keys the other side dropped were at or above its threshold.
            let lower = match &self.threshold {
                Some(mine) => (*h, &**k) < (mine.0, &*mine.1),
                None => true,
            };
            if lower {
                self.threshold = Some((*h, k.clone()));
                self.drop_at_or_above();
            }
        }
    }

    /// Moves entries at or above the threshold into `other`.
    fn drop_at_or_above(&mut self) {
        let Some((h, k)) = self.threshold.clone() else { return };
        let slots: Vec<Slot<V>> = self.table.drain().collect();
        for slot in slots {
            if (slot.hash, &*slot.key) >= (h, &*k) {
                self.other.merge(&slot.value, 0);
            } else {
                let hash = slot.hash;
                self.table.insert_unique(hash, slot, |s| s.hash);
            }
        }
    }

    /// Entries in (hash, key) order: canonical.
    pub fn sorted(&self) -> Vec<(&[u8], &V)> {
        let mut list: Vec<&Slot<V>> = self.table.iter().collect();
        list.sort_by(|a, b| (a.hash, &a.key).cmp(&(b.hash, &b.key)));
        list.into_iter().map(|s| (&*s.key, &s.value)).collect()
    }

    /// The estimated number of distinct keys once capped (k-minimum values):
    /// (k − 1) / (the k-th smallest hash as a fraction of 2^64).
    pub fn estimated_distinct(&self) -> u64 {
        if !self.capped() {
            return self.table.len() as u64;
        }
        let max = self.table.iter().map(|s| s.hash).max().unwrap_or(u64::MAX);
        let fraction = (max as f64 + 1.0) / 18_446_744_073_709_551_616.0;
        ((self.table.len() as f64 - 1.0) / fraction).round() as u64
    }

    pub fn to_json(&self, value: impl Fn(&V) -> Value) -> Value {
        let entries: Vec<Value> = self
            .sorted()
            .into_iter()
            .map(|(k, v)| json!([String::from_utf8_lossy(k), value(v)]))
            .collect();
        json!({
            "entries": entries,
            "threshold": self.threshold.as_ref().map(|(h, k)| json!([h.to_string(), String::from_utf8_lossy(k)])),
            "other": value(&self.other),
        })
    }

    pub fn from_json(
        json: &Value,
        cap: usize,
        value: impl Fn(&Value) -> Result<V, String>,
    ) -> Result<Self, String> {
        let other = value(json.get("other").ok_or("a map without `other`")?)?;
        let mut map = Capped::new(cap, other);
        let entries =
            json.get("entries").and_then(Value::as_array).ok_or("a map without entries")?;
        for entry in entries {
            let key = entry.get(0).and_then(Value::as_str).ok_or("a map entry without a key")?;
            let v = value(entry.get(1).ok_or("a map entry without a value")?)?;
            let hash = key_hash(key.as_bytes());
            map.table.insert_unique(
                hash,
                Slot { hash, key: key.as_bytes().into(), value: v },
                |s| s.hash,
            );
        }
        match json.get("threshold") {
            None | Some(Value::Null) => {}
            Some(t) => {
                let h = t.get(0).and_then(Value::as_str).and_then(|s| s.parse::<u64>().ok());
                let k = t.get(1).and_then(Value::as_str);
                let (Some(h), Some(k)) = (h, k) else {
                    return Err("a map with a bad threshold".into());
                };
                map.threshold = Some((h, k.as_bytes().into()));
            }
        }
        if map.table.len() > cap {
            return Err("a map with more entries than its cap".into());
        }
        Ok(map)
    }
}

/// A categorical value as a map key: a kind tag, then a string's decoded
/// text or any other value's JSON text.
pub fn value_key(raw: &Raw<'_>, out: &mut Vec<u8>) {
    out.clear();
    match raw.kind {
        Kind::String => {
            out.push(b's');
            // Lines are validated UTF-8: an unescaped string is its own text.
            if !raw.escaped && raw.bytes.len() >= 2 {
                out.extend_from_slice(&raw.bytes[1..raw.bytes.len() - 1]);
            } else if let Some(text) = raw.as_str() {
                out.extend_from_slice(text.as_bytes());
            }
        }
        Kind::Number => {
            // By value: `1`, `1.0` and `1e0` are one key (crate::number).
            out.push(b'n');
            crate::number::push_canonical(raw.bytes, out);
        }
        Kind::Bool => {
            out.push(b'b');
            out.extend_from_slice(raw.bytes);
        }
        _ => {
            out.push(b'z');
            out.extend_from_slice(b"null");
        }
    }
}

/// A value key as JSON (strings as strings, numbers as numbers…).
pub fn key_json(key: &[u8]) -> Value {
    let text = String::from_utf8_lossy(key.get(1..).unwrap_or_default());
    match key.first() {
        Some(b's') => Value::String(text.into_owned()),
        Some(b'b') => Value::Bool(text == "true"),
        Some(b'n') => serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text.into())),
        _ => Value::Null,
    }
}

/// A value key as a person reads it.
pub fn key_text(key: &[u8]) -> String {
    String::from_utf8_lossy(key.get(1..).unwrap_or_default()).into_owned()
}

/// A value key as a report shows it: the plain text, except that a string
/// which would read as another kind (`"1"`, `"null"`, `"true"`, `""`) keeps
/// its JSON quotes, so the string and the number never look alike.
pub fn key_shown(key: &[u8]) -> String {
    let text = key_text(key);
    if key.first() == Some(&b's') && reads_as_other_kind(&text) {
        Value::String(text).to_string()
    } else {
        text
    }
}

/// True for text that a reader (or a JSON parser) would take for a number,
/// a boolean, null or nothing.
pub fn reads_as_other_kind(text: &str) -> bool {
    text.trim().is_empty()
        || matches!(
            serde_json::from_str::<Value>(text),
            Ok(Value::Number(_) | Value::Bool(_) | Value::Null)
        )
}

/// The value key of the scalar an `--expect` names: its kind, then a
/// string's text or, for a number, the canonical spelling of `text` (the
/// expression's own digits, so no precision is lost to a double).
pub fn wanted_key(wanted: &Value, text: &str) -> Vec<u8> {
    let mut key = Vec::new();
    match wanted {
        Value::String(w) => {
            key.push(b's');
            key.extend_from_slice(w.as_bytes());
        }
        Value::Number(_) => {
            key.push(b'n');
            crate::number::push_canonical(text.trim().as_bytes(), &mut key);
        }
        Value::Bool(w) => {
            key.push(b'b');
            key.extend_from_slice(if *w { b"true" } else { b"false" });
        }
        _ => key.extend_from_slice(b"znull"),
    }
    key
}

/// Everything measured for one `--field`.
pub struct FieldAcc {
    /// Records with at least one value at the path.
    pub records_with: u64,
    /// Values found (more than records for a `*` path).
    pub values: u64,
    pub kinds: [u64; 6],
    /// Scalar values and their counts; `other` counts values past the cap.
    pub counter: Capped<u64>,
    pub moments: Moments,
    pub quantiles: Quantiles,
}

impl FieldAcc {
    pub fn new(cap: usize) -> Self {
        FieldAcc {
            records_with: 0,
            values: 0,
            kinds: [0; 6],
            counter: Capped::new(cap, 0),
            moments: Moments::default(),
            quantiles: Quantiles::with_cap(cap),
        }
    }

    pub fn push(&mut self, raw: &Raw<'_>, scratch: &mut Vec<u8>) {
        self.values += 1;
        self.kinds[kind_index(raw.kind)] += 1;
        match raw.kind {
            Kind::Object | Kind::Array => return,
            Kind::Number => {
                // -0 is the value 0 (one value by value): + 0.0 makes it 0.0,
                // so no minimum, quantile or bin edge is shown as -0.
                if let Some(x) = raw.as_f64().map(|x| x + 0.0) {
                    self.moments.push(x);
                    self.quantiles.push(x);
                }
            }
            _ => {}
        }
        value_key(raw, scratch);
        *self.counter.slot(scratch, || 0) += 1;
    }

    fn merge(&mut self, other: &FieldAcc) {
        self.records_with = self.records_with.saturating_add(other.records_with);
        self.values = self.values.saturating_add(other.values);
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a = a.saturating_add(b);
        }
        self.counter.merge_from(&other.counter, 0, || 0);
        self.moments.merge(&other.moments);
        self.quantiles.merge(&other.quantiles);
    }

    fn to_json(&self) -> Value {
        json!({
            "records_with": self.records_with,
            "values": self.values,
            "kinds": self.kinds,
            "counter": self.counter.to_json(|n| json!(n)),
            "moments": self.moments.to_json(),
            "quantiles": self.quantiles.to_json(),
        })
    }

    fn from_json(v: &Value, cap: usize) -> Result<FieldAcc, String> {
        Ok(FieldAcc {
            records_with: u64_at(v, "records_with")?,
            values: u64_at(v, "values")?,
            kinds: kinds_at(v)?,
            counter: Capped::from_json(v.get("counter").ok_or("no counter")?, cap, |n| {
                n.as_u64().ok_or_else(|| "a bad count".to_string())
            })?,
            moments: Moments::from_json(v.get("moments").ok_or("no moments")?)?,
            quantiles: Quantiles::from_json(v.get("quantiles").ok_or("no quantiles")?, cap)?,
        })
    }
}

fn u64_at(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key).and_then(Value::as_u64).ok_or_else(|| format!("no `{key}` count"))
}

fn kinds_at(v: &Value) -> Result<[u64; 6], String> {
    let list = v.get("kinds").and_then(Value::as_array).ok_or("no kinds")?;
    let mut kinds = [0u64; 6];
    if list.len() != 6 {
        return Err("kinds of the wrong length".into());
    }
    for (k, n) in kinds.iter_mut().zip(list) {
        *k = n.as_u64().ok_or("a bad kind count")?;
    }
    Ok(kinds)
}

/// Length statistics of text: one stream of numbers.
pub struct Lengths {
    pub moments: Moments,
    pub quantiles: Quantiles,
}

impl Lengths {
    /// Quantiles exact while at most `cap` distinct lengths.
    fn new(cap: usize) -> Self {
        Lengths { moments: Moments::default(), quantiles: Quantiles::with_cap(cap) }
    }

    fn push(&mut self, n: usize) {
        self.moments.push(n as f64);
        self.quantiles.push(n as f64);
    }

    fn merge(&mut self, other: &Lengths) {
        self.moments.merge(&other.moments);
        self.quantiles.merge(&other.quantiles);
    }

    fn to_json(&self) -> Value {
        json!({"moments": self.moments.to_json(), "quantiles": self.quantiles.to_json()})
    }

    fn from_json(v: &Value, cap: usize) -> Result<Lengths, String> {
        Ok(Lengths {
            moments: Moments::from_json(v.get("moments").ok_or("no moments")?)?,
            quantiles: Quantiles::from_json(v.get("quantiles").ok_or("no quantiles")?, cap)?,
        })
    }
}

/// Everything measured for one `--text` path.
pub struct TextAcc {
    pub records_with: u64,
    pub strings: u64,
    pub non_string: u64,
    pub empty: u64,
    pub chars: Lengths,
    pub words: Lengths,
}

/// Characters and whitespace-separated words of a decoded text.
pub fn text_lengths(text: &str) -> (usize, usize) {
    (text.chars().count(), text.split_whitespace().count())
}

/// [`text_lengths`] of a validated JSON string literal's inside, read from
/// its escaped bytes without decoding it: characters are Unicode scalar
/// values and words are runs of non-whitespace (`char::is_whitespace`).
pub fn raw_lengths(b: &[u8]) -> (usize, usize) {
    let (mut chars, mut words, mut in_word) = (0usize, 0usize, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let (space, step) = if c == b'\\' {
            match b.get(i + 1) {
                Some(b'n' | b't' | b'r' | b'f') => (true, 2),
                Some(b'u') => {
                    let unit = u32::from(json::hex4(b, i + 2).unwrap_or(0));
                    if (0xD800..0xDC00).contains(&unit) {
                        // A surrogate pair (validated by the scanner): one
                        // character, never whitespace.
                        (false, 12)
                    } else {
                        (char::from_u32(unit).is_some_and(char::is_whitespace), 6)
                    }
                }
                _ => (false, 2),
            }
        } else if c < 0x80 {
            (c == b' ', 1)
        } else {
            let len = match c {
                0xF0.. => 4,
                0xE0.. => 3,
                _ => 2,
            };
            // Only these lead bytes start a non-ASCII whitespace character.
            let space = matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3)
                && std::str::from_utf8(&b[i..(i + len).min(b.len())])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .is_some_and(char::is_whitespace);
            (space, len)
        };
        chars += 1;
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
        i += step;
    }
    (chars, words)
}

impl TextAcc {
    pub fn new(cap: usize) -> Self {
        TextAcc {
            records_with: 0,
            strings: 0,
            non_string: 0,
            empty: 0,
            chars: Lengths::new(cap),
            words: Lengths::new(cap),
        }
    }

    pub fn push(&mut self, raw: &Raw<'_>) {
        if raw.kind != Kind::String || raw.bytes.len() < 2 {
            self.non_string += 1;
            return;
        }
        self.strings += 1;
        let (chars, words) = raw_lengths(&raw.bytes[1..raw.bytes.len() - 1]);
        if chars == 0 {
            self.empty += 1;
        }
        self.chars.push(chars);
        self.words.push(words);
    }

    fn merge(&mut self, other: &TextAcc) {
        self.records_with = self.records_with.saturating_add(other.records_with);
        self.strings = self.strings.saturating_add(other.strings);
        self.non_string = self.non_string.saturating_add(other.non_string);
        self.empty = self.empty.saturating_add(other.empty);
        self.chars.merge(&other.chars);
        self.words.merge(&other.words);
    }

    fn to_json(&self) -> Value {
        json!({
            "records_with": self.records_with,
            "strings": self.strings,
            "non_string": self.non_string,
            "empty": self.empty,
            "chars": self.chars.to_json(),
            "words": self.words.to_json(),
        })
    }

    fn from_json(v: &Value, cap: usize) -> Result<TextAcc, String> {
        Ok(TextAcc {
            records_with: u64_at(v, "records_with")?,
            strings: u64_at(v, "strings")?,
            non_string: u64_at(v, "non_string")?,
            empty: u64_at(v, "empty")?,
            chars: Lengths::from_json(v.get("chars").ok_or("no chars")?, cap)?,
            words: Lengths::from_json(v.get("words").ok_or("no words")?, cap)?,
        })
    }
}

/// A field found without `--field` (every field to depth 2).
#[derive(Clone)]
pub struct PathAcc {
    /// Where it was first seen: (line, member position), for report order.
    pub first: (u64, u32),
    pub kinds: [u64; 6],
    pub moments: Moments,
    /// The (chunk line, object) it was last counted in: a key repeated in one
    /// object counts once (the first value), as everywhere in synthkit.
    /// Local to a chunk's accumulation, so never saved or merged.
    last: (u64, u32),
}

impl Default for PathAcc {
    fn default() -> Self {
        PathAcc {
            first: (u64::MAX, u32::MAX),
            kinds: [0; 6],
            moments: Moments::default(),
            last: (u64::MAX, u32::MAX),
        }
    }
}

impl Merge for PathAcc {
    fn merge(&mut self, other: &Self, line_offset: u64) {
        let shifted = (other.first.0.saturating_add(line_offset), other.first.1);
        if other.first.0 != u64::MAX && shifted < self.first {
            self.first = shifted;
        }
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a = a.saturating_add(b);
        }
        self.moments.merge(&other.moments);
    }
}

impl PathAcc {
    pub fn present(&self) -> u64 {
        self.kinds.iter().sum()
    }

    fn to_json(&self) -> Value {
        json!({
            "first": [self.first.0, self.first.1],
            "kinds": self.kinds,
            "moments": self.moments.to_json(),
        })
    }

    fn from_json(v: &Value) -> Result<PathAcc, String> {
        let first = v.get("first").and_then(Value::as_array).ok_or("no first position")?;
        let line = first.first().and_then(Value::as_u64).ok_or("bad first position")?;
        let at = first.get(1).and_then(Value::as_u64).ok_or("bad first position")?;
        Ok(PathAcc {
            first: (line, at.min(u32::MAX as u64) as u32),
            kinds: kinds_at(v)?,
            moments: Moments::from_json(v.get("moments").ok_or("no moments")?)?,
            ..PathAcc::default()
        })
    }
}

/// The name of a discovered field, usable as a `--field` argument: dotted
/// when every key is plain, a JSON Pointer otherwise.
pub fn path_name(keys: &[&str], out: &mut Vec<u8>) {
    out.clear();
    let plain = keys
        .iter()
        .all(|k| !k.is_empty() && !k.starts_with('/') && !k.contains(['.', '*']) && *k != "-");
    for (i, key) in keys.iter().enumerate() {
        if plain {
            if i > 0 {
                out.push(b'.');
            }
            out.extend_from_slice(key.as_bytes());
        } else {
            out.push(b'/');
            let mut token = String::new();
            crate::path::pointer_escape(key, &mut token);
            out.extend_from_slice(token.as_bytes());
        }
    }
}

/// Most distinct fields discovered without `--field`.
pub const MAX_DISCOVERED: usize = 1000;
/// Most groups kept for `--by`; the others are reported together.
pub const MAX_GROUPS: usize = 1000;

/// What is measured, fixed for a run (and checked when partials merge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub fields: Vec<FieldPath>,
    pub texts: Vec<FieldPath>,
    pub by: Option<FieldPath>,
    pub max_distinct: usize,
}

impl Plan {
    pub fn discovers(&self) -> bool {
        self.fields.is_empty() && self.texts.is_empty()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "fields": self.fields.iter().map(FieldPath::as_str).collect::<Vec<_>>(),
            "text": self.texts.iter().map(FieldPath::as_str).collect::<Vec<_>>(),
            "by": self.by.as_ref().map(FieldPath::as_str),
            "max_distinct": self.max_distinct,
        })
    }

    pub fn from_json(v: &Value) -> Result<Plan, String> {
        let paths = |key: &str| -> Result<Vec<FieldPath>, String> {
            v.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("no `{key}` list"))?
                .iter()
                .map(|p| p.as_str().ok_or("a path that is not a string")?.parse::<FieldPath>())
                .collect()
        };
        let by = match v.get("by") {
            None | Some(Value::Null) => None,
            Some(b) => Some(b.as_str().ok_or("a bad `by`")?.parse::<FieldPath>()?),
        };
        Ok(Plan {
            fields: paths("fields")?,
            texts: paths("text")?,
            by,
            max_distinct: v
                .get("max_distinct")
                .and_then(Value::as_u64)
                .ok_or("no max_distinct")?
                .min(usize::MAX as u64) as usize,
        })
    }
}

/// Everything measured over a set of records (all of them, or one group).
pub struct Dataset {
    pub records: u64,
    pub fields: Vec<FieldAcc>,
    pub texts: Vec<TextAcc>,
    pub discovered: Capped<PathAcc>,
}

impl Dataset {
    pub fn new(plan: &Plan) -> Self {
        Dataset {
            records: 0,
            fields: (0..plan.fields.len()).map(|_| FieldAcc::new(plan.max_distinct)).collect(),
            texts: (0..plan.texts.len()).map(|_| TextAcc::new(plan.max_distinct)).collect(),
            discovered: Capped::new(MAX_DISCOVERED, PathAcc::default()),
        }
    }

    /// Merges `other`, whose discovered positions are shifted by `line_offset`.
    pub fn merge_shifted(&mut self, other: &Dataset, line_offset: u64) {
        self.records = self.records.saturating_add(other.records);
        for (a, b) in self.fields.iter_mut().zip(&other.fields) {
            a.merge(b);
        }
        for (a, b) in self.texts.iter_mut().zip(&other.texts) {
            a.merge(b);
        }
        self.discovered.merge_from(&other.discovered, line_offset, PathAcc::default);
    }

    pub fn settle(&mut self) {
        for f in &mut self.fields {
            f.counter.settle();
        }
        self.discovered.settle();
    }

    pub fn to_json(&self) -> Value {
        json!({
            "records": self.records,
            "fields": self.fields.iter().map(FieldAcc::to_json).collect::<Vec<_>>(),
            "text": self.texts.iter().map(TextAcc::to_json).collect::<Vec<_>>(),
            "discovered": self.discovered.to_json(PathAcc::to_json),
        })
    }

    pub fn from_json(v: &Value, plan: &Plan) -> Result<Dataset, String> {
        let list = |key: &str, len: usize| -> Result<&Vec<Value>, String> {
            let list = v.get(key).and_then(Value::as_array).ok_or(format!("no `{key}`"))?;
            if list.len() != len {
                return Err(format!("`{key}` does not match the plan"));
            }
            Ok(list)
        };
        Ok(Dataset {
            records: u64_at(v, "records")?,
            fields: list("fields", plan.fields.len())?
                .iter()
                .map(|f| FieldAcc::from_json(f, plan.max_distinct))
                .collect::<Result<_, _>>()?,
            texts: list("text", plan.texts.len())?
                .iter()
                .map(|t| TextAcc::from_json(t, plan.max_distinct))
                .collect::<Result<_, _>>()?,
            discovered: Capped::from_json(
                v.get("discovered").ok_or("no `discovered`")?,
                MAX_DISCOVERED,
                PathAcc::from_json,
            )?,
        })
    }
}

/// One group's dataset, as an entry of a capped map.
pub struct Group {
    pub data: Dataset,
}

impl Group {
    pub fn new(plan: &Plan) -> Self {
        Group { data: Dataset::new(plan) }
    }
}

impl Merge for Group {
    fn merge(&mut self, other: &Self, line_offset: u64) {
        self.data.merge_shifted(&other.data, line_offset);
    }
}

/// The whole state of a run (or of a chunk): datasets per group.
pub struct State {
    pub plan: std::sync::Arc<Plan>,
    /// Lines consumed (blank ones included), for shifting positions on merge.
    pub lines: u64,
    /// Without --by, one group with the empty key.
    pub groups: Capped<Group>,
}

impl State {
    pub fn new(plan: &std::sync::Arc<Plan>) -> Self {
        State { plan: plan.clone(), lines: 0, groups: Capped::new(MAX_GROUPS, Group::new(plan)) }
    }

    /// The dataset records of group `key` (whose hash is `hash`) accumulate into.
    pub fn group(&mut self, hash: u64, key: &[u8]) -> &mut Dataset {
        let plan = &self.plan;
        &mut self.groups.slot_hashed(hash, key, || Group::new(plan)).data
    }

    /// Appends `other`, which followed this state in the input.
    pub fn append(&mut self, other: &State) {
        let offset = self.lines;
        let plan = self.plan.clone();
        self.groups.merge_from(&other.groups, offset, || Group::new(&plan));
        self.lines = self.lines.saturating_add(other.lines);
    }

    pub fn settle(&mut self) {
        self.groups.settle();
        for group in self.groups.table.iter_mut() {
            group.value.data.settle();
        }
        self.groups.other.data.settle();
    }

    /// Every group merged: the whole dataset.
    pub fn total(&self) -> Dataset {
        let mut all = Dataset::new(&self.plan);
        for (_, group) in self.groups.sorted() {
            all.merge_shifted(&group.data, 0);
        }
        all.merge_shifted(&self.groups.other.data, 0);
        all.settle();
        all
    }

    /// Groups in report order: most records first, then by key; the
    /// groups past the cap last, as one.
    pub fn ordered_groups(&self) -> Vec<(String, &Dataset)> {
        // A --by key is one byte, then the group's label.
        let mut list: Vec<(String, &[u8], &Dataset)> =
            self.groups.sorted().into_iter().map(|(k, g)| (key_shown(k), k, &g.data)).collect();
        list.sort_by(|a, b| {
            b.2.records.cmp(&a.2.records).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(b.1))
        });
        list.into_iter().map(|(label, _, data)| (label, data)).collect()
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("lines".into(), json!(self.lines));
        map.insert("groups".into(), self.groups.to_json(|g| g.data.to_json()));
        Value::Object(map)
    }

    pub fn from_json(v: &Value, plan: &std::sync::Arc<Plan>) -> Result<State, String> {
        let groups = Capped::from_json(v.get("groups").ok_or("no groups")?, MAX_GROUPS, |g| {
            Ok(Group { data: Dataset::from_json(g, plan)? })
        })?;
        Ok(State { plan: plan.clone(), lines: u64_at(v, "lines")?, groups })
    }
}

/// Top-level and second-level members of a record, for discovery.
pub fn discover(
    line: &[u8],
    index: u64,
    data: &mut Dataset,
    scratch: &mut Vec<u8>,
) -> Result<(), json::JsonError> {
    let members = json::members(line)?;
    let mut inner = Vec::with_capacity(members.len());
    for member in &members {
        inner.push(if member.value.kind == Kind::Object {
            json::members(member.value.bytes)?
        } else {
            Vec::new()
        });
    }
    // Every path is read in discovery: a key written twice is a bad record
    // (as on any path a tool reads), found before anything is counted.
    repeated_key(&members, line)?;
    for sub in &inner {
        repeated_key(sub, line)?;
    }
    for (i, (member, sub)) in members.iter().zip(&inner).enumerate() {
        let key = member.key();
        let at = (i.min(0xFFFF) as u32) << 16;
        path_name(&[&key], scratch);
        note(data, scratch, index, at, 0, &member.value);
        for (j, sub) in sub.iter().enumerate() {
            let sub_key = sub.key();
            path_name(&[&key, &sub_key], scratch);
            let position = at | (j.min(0xFFFE) as u32 + 1);
            note(data, scratch, index, position, i as u32 + 1, &sub.value);
        }
    }
    Ok(())
}

/// Refuses the first key that `members` holds twice, as the scanner reports
/// it; `line` is the record the members point into (for the offset).
fn repeated_key(members: &[json::Member<'_>], line: &[u8]) -> Result<(), json::JsonError> {
    let mut keys: Vec<(std::borrow::Cow<'_, str>, usize)> =
        members.iter().enumerate().map(|(i, m)| (m.key(), i)).collect();
    keys.sort();
    for pair in keys.windows(2) {
        if pair[0].0 == pair[1].0 {
            let offset = members[pair[1].1].key.bytes.as_ptr() as usize - line.as_ptr() as usize;
            return Err(json::JsonError {
                kind: json::ErrorKind::RepeatedKey(pair[0].0.as_ref().into()),
                offset,
            });
        }
    }
    Ok(())
}

/// Counts one member of record `index` found in the object numbered
/// `object` (0: the record; n: its n-th member); false when the same key
/// was already counted in that object.
fn note(
    data: &mut Dataset,
    name: &[u8],
    index: u64,
    at: u32,
    object: u32,
    value: &Raw<'_>,
) -> bool {
    let slot = data.discovered.slot(name, PathAcc::default);
    if slot.last == (index, object) {
        return false;
    }
    slot.last = (index, object);
    if (index, at) < slot.first {
        slot.first = (index, at);
    }
    slot.kinds[kind_index(value.kind)] += 1;
    if let Some(x) = value.as_f64().map(|x| x + 0.0) {
        slot.moments.push(x);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Counting on the escaped bytes agrees with decoding first.
        #[test]
        fn raw_lengths_agree_with_decoded_text(text in "[a-z \t\n\r\u{b}\u{c}\u{8}\u{0}-\u{1f}\"\\/é日😀\u{a0}\u{85}\u{2003}\u{3000}\u{2028}]{0,24}") {
            let literal = serde_json::to_string(&text).unwrap();
            let inner = &literal.as_bytes()[1..literal.len() - 1];
            proptest::prop_assert_eq!(raw_lengths(inner), text_lengths(&text));
            // The same text with every character escaped as \uXXXX.
            let mut escaped = String::new();
            for unit in text.encode_utf16() {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
            proptest::prop_assert_eq!(raw_lengths(escaped.as_bytes()), text_lengths(&text));
        }
    }
}
