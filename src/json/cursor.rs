//! The pull reader: a [`Cursor`] walks one record member by member and
//! element by element, the caller deciding at each value whether to descend,
//! read or skip, with the scanner's validation and depth limit.

use super::error::{ErrorKind, JsonError, err};
use super::scan::{expect_end, kind_at, object_start, scan_string, skip_scalar};
use super::{Kind, MAX_DEPTH, Raw, skip_value, skip_ws};

/// What [`Cursor::value`] found: a complete scalar, or the opening of a
/// container the cursor has now entered.
#[derive(Debug, Clone, Copy)]
pub enum Next<'a> {
    Scalar(Raw<'a>),
    Object,
    Array,
}

/// A pull reader over one record: the caller walks the object member by member
/// and decides, value by value, whether to descend, read or skip. Every byte is
/// validated exactly as [`validate_object`](super::validate_object) validates it (same scanner, same
/// depth limit), so a tool that walks a whole record with a cursor accepts
/// exactly the records every other tool accepts, in one pass and without a DOM.
///
/// Protocol: inside an object call [`key`](Cursor::key) until it returns
/// `None`; inside an array call [`element`](Cursor::element) until it returns
/// `false`; after each key or element consume the value once with
/// [`value`](Cursor::value) or [`skip`](Cursor::skip). When the record's
/// object is closed, [`finish`](Cursor::finish) checks that nothing follows.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    /// Containers currently open.
    depth: usize,
    /// Whether the innermost container has had no member or element yet.
    fresh: bool,
}

impl<'a> Cursor<'a> {
    /// Validates the line's UTF-8, expects a JSON object and enters it.
    pub fn object(line: &'a [u8]) -> Result<Self, JsonError> {
        let i = object_start(line)?;
        Ok(Cursor { b: line, pos: i + 1, depth: 1, fresh: true })
    }

    /// Byte offset of the cursor in the line.
    pub fn offset(&self) -> usize {
        self.pos
    }

    #[inline]
    fn close(&mut self) {
        self.pos += 1;
        self.depth -= 1;
        // Back in the parent, which now has had a member: this one.
        self.fresh = false;
    }

    /// The next key of the current object (then the value is next), or `None`
    /// when the object ends (and has been left).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn key(&mut self) -> Result<Option<Raw<'a>>, JsonError> {
        let b = self.b;
        let mut j = skip_ws(b, self.pos);
        if self.fresh {
            if b.get(j) == Some(&b'}') {
                self.pos = j;
                self.close();
                return Ok(None);
            }
        } else {
            match b.get(j) {
                Some(b',') => j = skip_ws(b, j + 1),
                Some(b'}') => {
                    self.pos = j;
                    self.close();
                    return Ok(None);
                }
                Some(_) => return err(ErrorKind::Unexpected("`,` or `}`"), j),
                None => return err(ErrorKind::Eof("`,` or `}`"), j),
            }
        }
        let (end, escaped) = match b.get(j) {
            Some(b'"') => scan_string(b, j)?,
            Some(_) => return err(ErrorKind::Unexpected("a string key"), j),
            None => return err(ErrorKind::Eof("a string key"), j),
        };
        let key = Raw { kind: Kind::String, bytes: &b[j..end], escaped };
        let j = skip_ws(b, end);
        match b.get(j) {
            Some(b':') => self.pos = skip_ws(b, j + 1),
            Some(_) => return err(ErrorKind::Unexpected("`:`"), j),
            None => return err(ErrorKind::Eof("`:`"), j),
        }
        self.fresh = false;
        Ok(Some(key))
    }

    /// Whether the current array has another element (then its value is
    /// next); `false` when the array ends (and has been left).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn element(&mut self) -> Result<bool, JsonError> {
        let b = self.b;
        let j = skip_ws(b, self.pos);
        if self.fresh {
            if b.get(j) == Some(&b']') {
                self.pos = j;
                self.close();
                return Ok(false);
            }
            self.pos = j;
        } else {
            match b.get(j) {
                Some(b',') => self.pos = skip_ws(b, j + 1),
                Some(b']') => {
                    self.pos = j;
                    self.close();
                    return Ok(false);
                }
                Some(_) => return err(ErrorKind::Unexpected("`,` or `]`"), j),
                None => return err(ErrorKind::Eof("`,` or `]`"), j),
            }
        }
        self.fresh = false;
        Ok(true)
    }

    /// The kind of the next value, without consuming it.
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn peek(&self) -> Result<Kind, JsonError> {
        kind_at(self.b, self.pos)
    }

    /// Reads the next value: a scalar whole, or a container's opening (the
    /// cursor is then inside it).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn value(&mut self) -> Result<Next<'a>, JsonError> {
        let kind = kind_at(self.b, self.pos)?;
        match kind {
            Kind::Object | Kind::Array => {
                if self.depth + 1 >= MAX_DEPTH {
                    return err(ErrorKind::TooDeep, self.pos);
                }
                self.pos += 1;
                self.depth += 1;
                self.fresh = true;
                Ok(if kind == Kind::Object { Next::Object } else { Next::Array })
            }
            _ => {
                let start = self.pos;
                let (end, escaped) = skip_scalar(self.b, start, kind)?;
                self.pos = end;
                Ok(Next::Scalar(Raw { kind, bytes: &self.b[start..end], escaped }))
            }
        }
    }

    /// Consumes the next value whole, validating it, and returns it.
    #[inline]
    pub fn skip(&mut self) -> Result<Raw<'a>, JsonError> {
        let start = self.pos;
        let kind = kind_at(self.b, start)?;
        let (end, escaped) = match kind {
            Kind::Object | Kind::Array => (skip_value(self.b, start, self.depth)?, false),
            _ => skip_scalar(self.b, start, kind)?,
        };
        self.pos = end;
        Ok(Raw { kind, bytes: &self.b[start..end], escaped })
    }

    /// Checks that the record's object is closed and only whitespace follows.
    pub fn finish(self) -> Result<(), JsonError> {
        if self.depth != 0 {
            return err(ErrorKind::Eof("`}`"), self.pos);
        }
        expect_end(self.b, self.pos)
    }
}
