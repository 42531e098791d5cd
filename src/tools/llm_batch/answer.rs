//! What `merge` takes out of an answer's text: the text itself, a JSON value
//! written inside it (as LLMs write JSON: alone, in a ``` fence, or between
//! sentences), or one rating number in a range (a judge's "Rating: 4/5").

use regex::Regex;
use serde_json::value::RawValue;

/// The JSON value an answer holds, as compact JSON text (the value's own
/// bytes with the whitespace between tokens removed, so numbers keep the
/// digits the model wrote).
pub fn json_in(answer: &str) -> Result<String, String> {
    for candidate in candidates(answer) {
        if let Ok(raw) = serde_json::from_str::<&RawValue>(candidate) {
            return Ok(minify(raw.get()));
        }
    }
    Err("no JSON value in the answer".into())
}

/// Where a JSON value may be: the whole answer, the inside of each ```
/// fence, and the span from the first `{`/`[` to the last `}`/`]`.
fn candidates(answer: &str) -> Vec<&str> {
    let mut out = vec![answer.trim()];
    let mut rest = answer;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        // The fence's info string (```json) ends at the first line end.
        let body_start = after.find('\n').map_or(0, |n| n + 1);
        let Some(close) = after[body_start..].find("```") else { break };
        out.push(after[body_start..body_start + close].trim());
        rest = &after[body_start + close + 3..];
    }
    let first = answer.find(['{', '[']);
    let last = answer.rfind(['}', ']']);
    if let (Some(first), Some(last)) = (first, last)
        && first < last
    {
        out.push(&answer[first..=last]);
    }
    out
}

/// Removes the whitespace between the tokens of valid JSON text.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The elements of a JSON array answer (compact), or the one object; each
/// becomes a record, so each must be an object.
pub fn elements(json: &str) -> Result<Vec<String>, String> {
    if let Ok(list) = serde_json::from_str::<Vec<&RawValue>>(json) {
        if let Some(at) = list.iter().position(|raw| !raw.get().trim_start().starts_with('{')) {
            return Err(format!("element {} of the answer's array is not an object", at + 1));
        }
        return Ok(list.iter().map(|raw| minify(raw.get())).collect());
    }
    if json.starts_with('{') {
        return Ok(vec![json.to_string()]);
    }
    Err("the answer's JSON is neither an array nor an object".into())
}

/// How a rating is found in an answer.
pub struct Rating {
    pub min: f64,
    pub max: f64,
    pub pattern: Regex,
}

/// The default: a number after the word "rating" or "score" ("Rating: 4",
/// "**Score**: 4/5").
pub const DEFAULT_RATING_PATTERN: &str = r"(?i)\b(?:rating|score)\b\W{0,4}(-?\d+(?:\.\d+)?)";

impl Rating {
    /// Parses `MIN..MAX`.
    pub fn range(text: &str) -> Result<(f64, f64), String> {
        let (low, high) = text
            .split_once("..")
            .ok_or_else(|| format!("`{text}` is not a range MIN..MAX (e.g. 1..5)"))?;
        let number = |t: &str| t.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        match (number(low), number(high)) {
            (Some(l), Some(h)) if l <= h => Ok((l, h)),
            _ => Err(format!("`{text}` is not a range MIN..MAX of numbers with MIN <= MAX")),
        }
    }

    /// The rating's JSON text: the answer alone if it is a number, else the
    /// pattern's first group, else the only number in range in the text.
    pub fn find<'a>(&self, answer: &'a str) -> Result<String, String> {
        let in_range = |t: &'a str| -> Option<&'a str> {
            t.parse::<f64>().ok().filter(|v| (self.min..=self.max).contains(v)).map(|_| t)
        };
        let trimmed = answer.trim().trim_end_matches('.');
        if let Some(t) = in_range(trimmed) {
            return Ok(normalize(t));
        }
        if let Some(caps) = self.pattern.captures(answer)
            && let Some(m) = caps.get(1)
        {
            return in_range(m.as_str()).map(normalize).ok_or_else(|| {
                format!("rating {} is outside {}..{}", m.as_str(), self.min, self.max)
            });
        }
        let numbers = Regex::new(r"-?\d+(?:\.\d+)?").map_err(|e| e.to_string())?;
        let found: Vec<&str> =
            numbers.find_iter(answer).map(|m| m.as_str()).filter_map(in_range).collect();
        match found.as_slice() {
            [one] => Ok(normalize(one)),
            [] => Err(format!("no rating in {}..{} in the answer", self.min, self.max)),
            _ => Err(format!(
                "{} numbers in {}..{} and no `rating:` in the answer",
                found.len(),
                self.min,
                self.max
            )),
        }
    }
}

/// A number as JSON text (`04` is not JSON; `4.0` stays as written).
fn normalize(t: &str) -> String {
    match t.parse::<i64>() {
        Ok(n) => n.to_string(),
        Err(_) => t
            .parse::<f64>()
            .map_or_else(|_| t.to_string(), |v| serde_json::Value::from(v).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_alone_fenced_or_in_prose() {
        assert_eq!(json_in("{\"a\": 1}").unwrap(), "{\"a\":1}");
        assert_eq!(json_in("Here:\n```json\n[ 1, 2 ]\n```\nDone.").unwrap(), "[1,2]");
        assert_eq!(json_in("Sure! {\"x\": \"a b\"} hope it helps").unwrap(), "{\"x\":\"a b\"}");
        assert_eq!(
            json_in("{\"n\": 1.50, \"s\": \"q\\\" }\"}").unwrap(),
            "{\"n\":1.50,\"s\":\"q\\\" }\"}"
        );
        assert!(json_in("no json here").is_err());
        assert_eq!(elements("[{\"a\":1},{\"b\":2}]").unwrap(), ["{\"a\":1}", "{\"b\":2}"]);
        assert_eq!(elements("{\"a\":1}").unwrap(), ["{\"a\":1}"]);
        assert!(elements("3").is_err());
        assert!(elements("[{\"a\":1}, 2]").unwrap_err().contains("element 2"));
    }

    #[test]
    fn ratings_are_taken_in_range() {
        let (min, max) = Rating::range("1..5").unwrap();
        let r = Rating { min, max, pattern: Regex::new(DEFAULT_RATING_PATTERN).unwrap() };
        assert_eq!(r.find("4").unwrap(), "4");
        assert_eq!(r.find(" 5.").unwrap(), "5");
        assert_eq!(r.find("The answer is clear. Rating: 4/5").unwrap(), "4");
        assert_eq!(r.find("**Score**: 3").unwrap(), "3");
        assert_eq!(r.find("I would give it a 2 out of 10").unwrap(), "2");
        assert!(r.find("Rating: 9").unwrap_err().contains("outside"));
        assert!(r.find("great answer").unwrap_err().contains("no rating"));
        assert!(r.find("between 2 and 3").is_err());
        assert!(Rating::range("5..1").is_err() && Rating::range("x").is_err());
    }
}
