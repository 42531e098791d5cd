//! Field paths, written the same way in every tool (CONVENTIONS §1.5).
//!
//! Dotted (`metadata.tier`, `attendees.0.type`, `messages.*.content`) or JSON
//! Pointer (`/metadata/tier`, RFC 6901 with `~0` and `~1`). A dotted `*` is a
//! wildcard over every member or element; JSON Pointer is always literal, so a
//! key containing a dot or a star (`/@odata.etag`) is reachable that way. A
//! numeric step addresses an array index or an object key of that text.

use std::fmt;
use std::str::FromStr;

use crate::json::{PathSet, Segment};

/// A parsed field path, remembering how the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    segments: Vec<Segment>,
}

impl FieldPath {
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn has_wildcard(&self) -> bool {
        self.segments.contains(&Segment::Any)
    }

    /// The path as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The last key of the path, for messages ("missing score").
    pub fn leaf(&self) -> &str {
        match self.segments.last() {
            Some(Segment::Key(key)) => key,
            _ => &self.text,
        }
    }

    /// A trie over several paths, for one scan per record.
    pub fn set<'a>(paths: impl IntoIterator<Item = &'a FieldPath>) -> PathSet {
        let list: Vec<Vec<Segment>> = paths.into_iter().map(|p| p.segments.clone()).collect();
        PathSet::new(&list)
    }

    /// Parses a path that must name exactly one place (no `*`).
    pub fn parse_single(text: &str) -> Result<Self, String> {
        let path: FieldPath = text.parse()?;
        if path.has_wildcard() {
            return Err(format!("`{text}` has a `*` wildcard, but this option needs one field"));
        }
        Ok(path)
    }
}

impl FromStr for FieldPath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err(
                "a field path cannot be empty (write e.g. `score` or `/metadata/tier`)".into()
            );
        }
        let segments = if let Some(pointer) = text.strip_prefix('/') {
            pointer
                .split('/')
                .map(|step| {
                    let mut key = String::with_capacity(step.len());
                    let mut chars = step.chars();
                    while let Some(c) = chars.next() {
                        if c != '~' {
                            key.push(c);
                            continue;
                        }
                        match chars.next() {
                            Some('0') => key.push('~'),
                            Some('1') => key.push('/'),
                            _ => {
                                return Err(format!(
                                    "`{text}`: in a JSON Pointer `~` must be written `~0` (and `/` inside a key `~1`)"
                                ));
                            }
                        }
                    }
                    Ok(Segment::Key(key.into()))
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            text.split('.')
                .map(|step| match step {
                    "" => Err(format!(
                        "`{text}` has an empty step; write keys that contain dots as a JSON Pointer, e.g. `/@odata.etag`"
                    )),
                    "*" => Ok(Segment::Any),
                    key => Ok(Segment::Key(key.into())),
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(FieldPath { text: text.to_string(), segments })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The fields a tool reads, each tagged with the role it plays, compiled to
/// one [`PathSet`] so a record is scanned once for all of them. A path named
/// by a flag is also watched: no record holding it is reported once
/// ([`crate::run::Run::watch_fields`]).
pub struct ReadPlan<R> {
    paths: Vec<FieldPath>,
    roles: Vec<R>,
    watched: Vec<(String, String)>,
}

impl<R: Copy> Default for ReadPlan<R> {
    fn default() -> Self {
        ReadPlan { paths: Vec::new(), roles: Vec::new(), watched: Vec::new() }
    }
}

impl<R: Copy> ReadPlan<R> {
    /// Reads `path` for `role` (a default the user did not name); its index.
    pub fn read(&mut self, path: FieldPath, role: R) -> usize {
        self.paths.push(path);
        self.roles.push(role);
        self.paths.len() - 1
    }

    /// Reads the `path` the user gave to `flag`, and watches it.
    pub fn named(&mut self, flag: &str, path: &FieldPath, role: R) -> usize {
        self.watch(flag, path);
        self.read(path.clone(), role)
    }

    /// Watches a path the user gave to `flag` that is read by other means.
    pub fn watch(&mut self, flag: &str, path: &FieldPath) {
        self.watched.push((flag.to_string(), path.to_string()));
    }

    /// The one path set to scan with; slot `i` is the `i`-th path read.
    pub fn path_set(&self) -> PathSet {
        FieldPath::set(&self.paths)
    }

    pub fn paths(&self) -> &[FieldPath] {
        &self.paths
    }

    /// The role of each slot of the path set.
    pub fn roles(&self) -> &[R] {
        &self.roles
    }

    /// (flag, path) of the paths the user named, in the order given.
    pub fn watched(&self) -> Vec<(String, String)> {
        self.watched.clone()
    }
}

/// Appends `key` as one JSON Pointer reference token (RFC 6901: `~` as
/// `~0`, `/` as `~1`), the way every tool writes a pointer.
pub fn pointer_escape(key: &str, out: &mut String) {
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// clap value parser for options that take exactly one field.
pub fn single_field(text: &str) -> Result<FieldPath, String> {
    FieldPath::parse_single(text)
}

/// clap value parser for options that accept `*` wildcards.
pub fn any_field(text: &str) -> Result<FieldPath, String> {
    text.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<Segment> {
        text.parse::<FieldPath>().unwrap().segments
    }

    #[test]
    fn dotted_and_pointer_forms_agree() {
        assert_eq!(keys("metadata.tier"), keys("/metadata/tier"));
        assert_eq!(keys("attendees.0.type"), keys("/attendees/0/type"));
        assert_eq!(keys("/@odata.etag"), vec![Segment::Key("@odata.etag".into())]);
        assert_eq!(keys("/a~1b/~0c"), vec![Segment::Key("a/b".into()), Segment::Key("~c".into())]);
        assert_eq!(keys("messages.*.content")[1], Segment::Any);
        assert_eq!(keys("/messages/*")[1], Segment::Key("*".into()));
    }

    #[test]
    fn bad_paths_explain_themselves() {
        assert!("".parse::<FieldPath>().unwrap_err().contains("empty"));
        assert!("a..b".parse::<FieldPath>().unwrap_err().contains("JSON Pointer"));
        assert!("/a~2".parse::<FieldPath>().unwrap_err().contains("~0"));
        assert!(FieldPath::parse_single("a.*").unwrap_err().contains("wildcard"));
    }
}
