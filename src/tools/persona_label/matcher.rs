//! Every text test of every loaded persona, compiled once: keyword phrases go
//! into one Aho-Corasick automaton over normalized event text, `/regex/`
//! keywords into one regex set per event field, and `--rules seed` substrings
//! into a second automaton over lower-cased text. Scanning an event fills one
//! hit bitset per field; rules then only test bits, so the cost of an event
//! hardly depends on how many rules or personas there are.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{RegexSet, RegexSetBuilder};

use super::text;
use crate::error::Error;

/// Index of a term in [`Terms`].
pub type TermId = u32;

/// The event fields text conditions can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Subject,
    Preview,
    Body,
    Organizer,
    Attendee,
    Location,
    Category,
}

pub const FIELD_COUNT: usize = 7;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::Subject,
        Field::Preview,
        Field::Body,
        Field::Organizer,
        Field::Attendee,
        Field::Location,
        Field::Category,
    ];

    pub fn bit(self) -> Fields {
        Fields(1 << self as u8)
    }
}

/// A set of fields (a bit per [`Field`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields(pub u8);

impl Fields {
    pub const NONE: Fields = Fields(0);
    /// Where keywords are looked for: the subject and the body preview.
    pub const KEYWORD: Fields = Fields(1 | 2);

    pub fn union(self, other: Fields) -> Fields {
        Fields(self.0 | other.0)
    }

    pub fn has(self, field: Field) -> bool {
        self.0 & (1 << field as u8) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.has(*f))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Term {
    /// Normalized words, matched as a whole-word phrase.
    Phrase(String),
    /// A case-insensitive regex over the field's text.
    Regex(String),
    /// A lower-cased literal, matched anywhere (`--rules seed`).
    Substring(String),
}

/// The dictionary of every text test, shared by all loaded personas.
#[derive(Debug, Default)]
pub struct Terms {
    list: Vec<Term>,
    index: HashMap<Term, TermId>,
    /// Fields each term is tested on.
    fields: Vec<Fields>,
}

impl Terms {
    fn add(&mut self, term: Term, fields: Fields) -> TermId {
        let id = match self.index.get(&term) {
            Some(&id) => id,
            None => {
                let id = self.list.len() as TermId;
                self.list.push(term.clone());
                self.index.insert(term, id);
                self.fields.push(Fields::NONE);
                id
            }
        };
        self.fields[id as usize] = self.fields[id as usize].union(fields);
        id
    }

    /// A keyword phrase (already normalized with [`text::phrase`]).
    pub fn phrase(&mut self, phrase: String, fields: Fields) -> TermId {
        self.add(Term::Phrase(phrase), fields)
    }

    /// A regex, already checked to compile.
    pub fn regex(&mut self, pattern: &str, fields: Fields) -> TermId {
        self.add(Term::Regex(pattern.to_string()), fields)
    }

    /// A `--rules seed` substring (lower-cased here).
    pub fn substring(&mut self, literal: &str) -> TermId {
        self.add(Term::Substring(literal.to_lowercase()), Fields::KEYWORD)
    }

    /// Compiles the dictionary into automata.
    pub fn compile(&self) -> Result<Matcher, Error> {
        let mut phrases = Vec::new();
        let mut phrase_ids = Vec::new();
        let mut substrings = Vec::new();
        let mut substring_ids = Vec::new();
        let mut regexes: Vec<(Vec<String>, Vec<TermId>)> =
            vec![(Vec::new(), Vec::new()); FIELD_COUNT];
        let mut phrase_fields = Fields::NONE;
        let mut substring_fields = Fields::NONE;
        for (id, term) in self.list.iter().enumerate() {
            let fields = self.fields[id];
            match term {
                Term::Phrase(p) => {
                    phrases.push(format!(" {p} "));
                    phrase_ids.push(id as TermId);
                    phrase_fields = phrase_fields.union(fields);
                }
                Term::Substring(s) => {
                    substrings.push(s.clone());
                    substring_ids.push(id as TermId);
                    substring_fields = substring_fields.union(fields);
                }
                Term::Regex(r) => {
                    for field in fields.iter() {
                        regexes[field as usize].0.push(r.clone());
                        regexes[field as usize].1.push(id as TermId);
                    }
                }
            }
        }
        let automaton = |patterns: &[String]| -> Result<Option<AhoCorasick>, Error> {
            if patterns.is_empty() {
                return Ok(None);
            }
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns)
                .map(Some)
                .map_err(|e| Error::Config(format!("cannot compile the persona keywords: {e}")))
        };
        let mut sets = Vec::with_capacity(FIELD_COUNT);
        for (patterns, ids) in regexes {
            if patterns.is_empty() {
                sets.push(None);
                continue;
            }
            let set = RegexSetBuilder::new(&patterns)
                .case_insensitive(true)
                .size_limit(64 << 20)
                .build()
                .map_err(|e| Error::Config(format!("cannot compile the persona regexes: {e}")))?;
            sets.push(Some((set, ids)));
        }
        Ok(Matcher {
            phrases: automaton(&phrases)?,
            phrase_ids,
            substrings: automaton(&substrings)?,
            substring_ids,
            regexes: sets,
            phrase_fields,
            substring_fields,
            words: self.list.len().div_ceil(64),
        })
    }
}

/// The compiled text tests.
pub struct Matcher {
    phrases: Option<AhoCorasick>,
    phrase_ids: Vec<TermId>,
    substrings: Option<AhoCorasick>,
    substring_ids: Vec<TermId>,
    regexes: Vec<Option<(RegexSet, Vec<TermId>)>>,
    phrase_fields: Fields,
    substring_fields: Fields,
    words: usize,
}

/// Which terms were found in which field of one event.
#[derive(Debug, Default, Clone)]
pub struct Hits {
    bits: Vec<u64>,
    words: usize,
}

impl Hits {
    fn reset(&mut self, words: usize) {
        self.words = words;
        self.bits.clear();
        self.bits.resize(words * FIELD_COUNT, 0);
    }

    fn set(&mut self, field: Field, term: TermId) {
        let at = field as usize * self.words + term as usize / 64;
        self.bits[at] |= 1 << (term % 64);
    }

    /// Whether `term` was found in any of `fields`.
    pub fn any(&self, fields: Fields, term: TermId) -> bool {
        let word = term as usize / 64;
        let bit = 1u64 << (term % 64);
        fields.iter().any(|f| self.bits[f as usize * self.words + word] & bit != 0)
    }
}

/// Gives every text of a field to a callback (an event has many attendee names).
pub type FieldTexts<'t> = dyn Fn(Field, &mut dyn FnMut(&str)) + 't;

/// Reusable buffers for scanning, one set per worker chunk.
#[derive(Default)]
pub struct Scratch {
    normalized: String,
    lowered: String,
    pub hits: Hits,
}

impl Matcher {
    /// The fields that have to be scanned at all.
    pub fn fields(&self) -> Fields {
        let mut fields = self.phrase_fields.union(self.substring_fields);
        for field in Field::ALL {
            if self.regexes[field as usize].is_some() {
                fields = fields.union(field.bit());
            }
        }
        fields
    }

    /// Scans the texts of every field: `texts(field, each)` calls `each` with
    /// every text of that field (an event has many attendee names).
    pub fn scan(&self, scratch: &mut Scratch, texts: &FieldTexts<'_>) {
        scratch.hits.reset(self.words);
        for field in self.fields().iter() {
            if self.phrase_fields.has(field)
                && let Some(ac) = &self.phrases
            {
                let normalized = &mut scratch.normalized;
                normalized.clear();
                texts(field, &mut |text| {
                    if !normalized.is_empty() {
                        // A phrase never spans two texts.
                        normalized.push('|');
                    }
                    text::normalize_into(text, normalized);
                });
                for m in ac.find_overlapping_iter(normalized.as_str()) {
                    scratch.hits.set(field, self.phrase_ids[m.pattern().as_usize()]);
                }
            }
            if self.substring_fields.has(field)
                && let Some(ac) = &self.substrings
            {
                let hits = &mut scratch.hits;
                let lowered = &mut scratch.lowered;
                texts(field, &mut |text| {
                    lowered.clear();
                    lowered.extend(text.chars().flat_map(char::to_lowercase));
                    for m in ac.find_overlapping_iter(lowered.as_str()) {
                        hits.set(field, self.substring_ids[m.pattern().as_usize()]);
                    }
                });
            }
            if let Some((set, ids)) = &self.regexes[field as usize] {
                let hits = &mut scratch.hits;
                texts(field, &mut |text| {
                    for i in set.matches(text).iter() {
                        hits.set(field, ids[i]);
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(terms: &Terms, subject: &str, preview: &str) -> Hits {
        let matcher = terms.compile().unwrap();
        let mut scratch = Scratch::default();
        matcher.scan(&mut scratch, &|field, each| match field {
            Field::Subject => each(subject),
            Field::Preview => each(preview),
            _ => {}
        });
        scratch.hits
    }

    #[test]
    fn phrases_match_whole_words_with_plural_folding() {
        let mut terms = Terms::default();
        let review = terms.phrase(text::phrase("deal review"), Fields::KEYWORD);
        let demo = terms.phrase(text::phrase("demo"), Fields::KEYWORD);
        let q4 = terms.phrase(text::phrase("Q4"), Fields::KEYWORD);
        let hits = scan(&terms, "Q4 Deal Reviews", "We will demonstrate the product");
        assert!(hits.any(Fields::KEYWORD, review));
        assert!(hits.any(Field::Subject.bit(), q4));
        assert!(!hits.any(Field::Preview.bit(), q4));
        assert!(!hits.any(Fields::KEYWORD, demo), "demo is not a word of demonstrate");
    }

    #[test]
    fn substrings_and_regexes() {
        let mut terms = Terms::default();
        let demo = terms.substring("Demo");
        let re = terms.regex(r"\bq[1-4]\b", Fields::KEYWORD);
        let hits = scan(&terms, "Quarterly Q3 plan", "We will demonstrate it");
        assert!(hits.any(Fields::KEYWORD, demo));
        assert!(hits.any(Field::Subject.bit(), re));
    }
}
