//! The persona-label manual: the prose of the man page's extra sections (the
//! `sections` of the tool's `DOC`), kept apart from the flags and the code
//! they describe.

/// The man page's extra sections, in order: (TITLE, body).
pub(super) const SECTIONS: &[(&str, &str)] = &[
    (
        "Output",
        "Every event is written once per persona (personas in the order given: --persona flags in order, then \
each --tier, then --all-personas; built-in personas of a tier in id order; a persona selected \
twice, a built-in by --tier and --persona or one file by two names or links, counts once; two different \
personas with the same id are an error), with these fields set: \
importance_label (\"critical\", \"high\", \"medium\" or \"low\"), prep_needed (true or false), prep_time_minutes \
(0 when no prep is needed), rsvp (\"accept\", \"tentative\" or \"decline\"; not written under --rules seed), \
reasoning, persona_id and generation_timestamp. They go through the shared field setter: the event's own keys \
keep their order and bytes, new fields are appended in the order above, and a field the event already has \
(an event labeled before) is replaced where it stands.\n\n\
generation_timestamp is the time of the run as ISO 8601 UTC (2025-11-10T14:32:18Z), the same for every line; \
SOURCE_DATE_EPOCH replaces the clock. --timestamp none leaves the field out; --timestamp VALUE writes VALUE, \
which must be a valid ISO 8601 date-time, as graph-validate checks it: YYYY-MM-DDTHH:MM[:SS[.fraction]] (1 \
to 9 fraction digits), optionally followed by Z or ±HH:MM (or ±HHMM).\n\n\
A line that is not a JSON object is a bad record, and so is an event whose subject or bodyPreview is neither a \
string nor null, and a record with neither a subject nor a bodyPreview key (\"not a calendar event\"; an export \
wrapper such as {\"metadata\":…,\"events\":[…]} on one line gets a hint to flatten it with jq -c '.events[]').",
    ),
    (
        "Persona files",
        "A persona is one JSON object (a UTF-8 BOM and CRLF line ends are fine) with the keys of the format \
the seed project used: id, name, tier (1, 2 or 3) are required; demographics (level, function, tenure, \
team_size, company, industry, location), meeting_context (weekly_meeting_hours, typical_breakdown), work_style, \
career_stage, stress_level and notes describe the persona; the rules are importance_criteria \
(always_important, usually_important, sometimes_important, rarely_important), priority_framework (a list of \
{name, time_commitment, keywords}), prep_time_needs (requires_prep, optional_prep, no_prep) and rsvp_rules \
(always_accept, conditional, decline_by_default, always_decline). Two optional keys extend the format: self \
{address, internal_domains, utc_offset} says who the persona is (the domain of address is internal; \
utc_offset such as \"+08:00\" moves events whose times are in UTC onto the persona's clock), and \
label_thresholds {critical, high, medium} replaces the default score thresholds 6, 4 and 1.\n\n\
An unknown key, a key repeated in one object, a value of the wrong type, an invalid regex, an empty \
keyword or a priority without keywords is an error: persona-label exits 2 and prints every problem as FILE: JSON.PATH: what was \
expected, with the nearest valid key when a key looks like a typo (rsvp_rules.always_acept: unknown key; \
did you mean \"always_accept\"?). A descriptive rule with no content word (it can never match) is a warning. \
--check FILE validates persona files without labeling and prints, per persona, how many rules each list \
holds, and notes when rules need self and the persona has none (optional_for_self is then never true; \
external attendees are then those outside the organizer's domain). --self ADDRESS supplies self.address for \
every persona at run time, which is how built-in personas learn whose calendar they label.",
    ),
    (
        "Keywords",
        "The entries of the importance lists and the priority keywords are keywords. A keyword matches when \
its words occur, in order and next to each other, in the event's subject or its bodyPreview (never across the \
two). Words are compared normalized: lower-cased; made of letters and digits, everything else separating words \
(so \"all-hands\" matches \"All Hands\", and \"1:1\" matches \"1-1\"); each CJK ideograph or kana is a word by \
itself; and plural-folded. Folding applies to a word ending in \"s\" of four or more characters (three when it \
directly follows a hyphen, as in check-ins and stand-ups): \"ies\" becomes \"y\" when the word has five or more \
(policies → policy); \"yses\" becomes \"ysis\" (analyses → analysis); \"sses\", \"shes\", \"ches\" and \"xes\" \
lose the \"es\" (processes → process); \"zzes\" loses \"zes\" (quizzes → quiz); otherwise the final \"s\" is \
dropped unless the word ends in \"ss\", \"us\" or \"is\" (reviews → review; status, analysis and business stay). \
A digit followed by \"s\" loses the \"s\" (1on1s, 1:1s), and shorter words (ATS, ops) are kept. Both sides are \
folded, so \"review\" matches \"reviews\" and \"reviews\" matches \"review\". A keyword written /…/ is a regex, matched \
case-insensitively anywhere in the subject or the bodyPreview.",
    ),
    (
        "Descriptive rules",
        "The string entries of prep_time_needs and rsvp_rules are descriptive, e.g. \"Deal reviews with \
leadership (30 min: pipeline data, forecast accuracy)\". The rule's name is the text before the first \"(\", \
trimmed. Its minutes are the first number stated with a unit inside the parentheses: \"30 min\" → 30, \
\"30-60 min\" → 45 (the midpoint, rounded down), \"60+ min\" → 60; hours count 60 minutes (\"1-2 hours\" → 90, \
\"0.5 hours\" → 30); \
none when nothing is stated. The head phrase is the name up to the first \" with \", \" for \", \" during \" \
or \" unless \". Its words (split at spaces) are normalized like keywords; a word holding \"/\" offers \
alternatives (\"customer/client\" or \"customer / client\": either), a hyphenated word is a phrase (\"all-hands\"); stop words and \
generic nouns are dropped. The rule matches an event when every remaining word (one of its alternatives) \
occurs as a whole word in the subject or the bodyPreview, in any order. So \"Deal reviews with leadership\" \
matches \"Q4 deal review\", and \"Customer/client meetings (revenue at stake)\" matches any event naming a \
customer or a client. A descriptive entry written /…/ is a regex, named by itself.\n\n\
Stop words: a, an, the, and, or, nor, of, to, in, on, at, by, from, into, onto, about, over, under, via, \
per, as, is, are, be, it, its, this, that, these, those, my, our, your, their, his, her, i, me, we, you, they, \
them, us, any, anything, some, all, every, each, other, another, etc, vs, versus, if, than, then, so, such, \
also, just, only, very, more, most, new, optional, general, routine, regular, various, relevant, important, \
quick, key, major, large, small, big. Generic nouns: meeting, session, call, event, invite, invitation, \
appointment (plurals folded as above).",
    ),
    (
        "Structured matchers",
        "Wherever a rule list holds strings it may also hold a matcher object: {\"name\": …, \"minutes\": …, \
conditions…}. name (required) is what the reasoning shows; minutes (0-1440, optional) is the prep time of a \
prep rule. All conditions of an object must hold. Text conditions take a keyword, a /regex/ or a list of them \
(any one suffices), matched like keywords: subject; body (bodyPreview or body.content, HTML tags and entities \
removed); text (subject or bodyPreview); organizer (the organizer's name or address; \"contoso.com\" matches \
user@contoso.com); attendee (any attendee's name or address); location (location.displayName); category \
(any of categories). Attendee conditions: min_attendees and max_attendees count the attendees that are not \
resources (rooms); external_attendees true (at least one), false (none) or N (at least N) counts the people \
(non-resource attendees, plus the organizer when not among them) whose address domain is not internal; \
external_organizer true or false tests the organizer's address domain. Internal domains are self.internal_domains and the domain of self.address (or of --self), or, when there are \
none, the organizer's domain; a subdomain of an internal domain is internal. organizer_is_self is true when the \
event has isOrganizer true, responseStatus.response \"organizer\", or the organizer's address equal to \
self.address; optional_for_self when the attendee whose address is self.address has type \"optional\". \
Event conditions: recurring (type occurrence, exception or seriesMaster), all_day (isAllDay), online \
(isOnlineMeeting), show_as (showAs: free, tentative, busy, oof, workingElsewhere, unknown), response \
(responseStatus.response: none, organizer, tentativelyAccepted, accepted, declined, notResponded), importance \
(the event's own importance: low, normal, high), min_duration_minutes and max_duration_minutes (end minus \
start, as written), start_hour_before H (starts before H:00; 8.5 is 08:30) and start_hour_after H (starts at \
or after H:00), weekday (mon … sun, or a list). Times are read as written in start.dateTime, on the event's \
own clock; an event in UTC is moved by self.utc_offset when the persona sets one. all, any (lists of \
condition objects) and not (one condition object) combine conditions; bounds in one object that no event \
can meet (min_attendees above max_attendees, min_duration_minutes above max_duration_minutes, \
start_hour_after not before start_hour_before) are an error. A condition on a field the event \
does not have is false; missing booleans (isAllDay, isOnlineMeeting, isOrganizer) count as false.",
    ),
    (
        "Labeling rules",
        "The default rules, in order; the same event and persona always get the same labels.\n\n\
1. Score: each matching always_important entry +4, usually_important +2, sometimes_important +1, \
rarely_important -3; each priority with at least one matching keyword +2 (once per priority).\n\n\
2. Label: a score of at least 6 is critical, at least 4 high, at least 1 medium, otherwise low (label_thresholds \
replaces 6, 4 and 1). Any matching always_important entry makes the label at least high.\n\n\
3. Prep: the first matching requires_prep entry gives prep with its minutes (30 when it states none); \
otherwise the first matching optional_prep entry gives prep if the label is critical or high (its minutes, 15 \
when none; one that matches a medium or low event decides nothing); otherwise the first matching no_prep \
entry gives none; with no prep entry matching at all, a critical event gets 30 minutes and any other none. Minutes are clamped to 15-90 when prep is needed, and are 0 otherwise.\n\n\
4. RSVP: the first matching always_decline entry declines; otherwise the first matching always_accept entry \
accepts; otherwise the first matching decline_by_default entry declines unless the label is critical or high; \
otherwise the first matching conditional entry makes it tentative; otherwise critical, high and medium \
accept and low is tentative.\n\n\
5. Reasoning: the rules that fired, joined by \"; \": \"Always important: K\", \"Usually important: K\", \
\"Sometimes important: K\", \"Rarely important: K\" for every matching entry (in that order, each list in file \
order), \"Matches priority: NAME\" once per matching priority, then the rule that decided prep (\"Requires \
prep: N\", \"Optional prep: N\" or \"No prep: N\") and the rule that decided the RSVP (\"RSVP decline: N\", \
\"RSVP accept: N\", \"RSVP decline by default: N\" or \"RSVP tentative: N\"). K is the keyword as written (a \
matcher's name), N the rule's name. Defaults (no rule deciding) add nothing; when nothing fired the reasoning is \"No rule \
matched\".",
    ),
    (
        "Seed rules",
        "--rules seed reproduces the labeling of the seed project's generator (generate_persona_training_data.py), \
so old data can be re-labeled identically: every string of the importance lists, the priority keywords and \
the prep lists is a plain substring of the lower-cased subject or the lower-cased bodyPreview (no word \
boundaries: \"demo\" matches \"demonstrate\"; a /…/ string is a literal too); matches add always +4, usually \
+3, sometimes +2, rarely +1 (sic), and +3 for every matching priority keyword, with \"Matches priority: NAME\" \
repeated per keyword. A score of at least 4 is critical, 3 high, 2 medium, else low (label_thresholds are \
ignored). Every matching requires_prep string gives prep, 30 minutes, \"Requires prep: STRING\"; every \
matching optional_prep string, when the score is at least 3, gives prep, at least 15 minutes, \"Optional prep \
(important meeting): STRING\". No RSVP is decided and no rsvp field is written. The reasoning is the \
reasons joined by \"; \", or \"No specific patterns matched\". Structured matchers keep their own semantics.",
    ),
    (
        "Built-in personas",
        "30 personas are built in (persona files in personas/ of the source, embedded in the binary): 12 of \
tier 1 (overloaded managers and executives), 10 of tier 2 (senior individual contributors, new leaders, \
customer-facing roles) and 8 of tier 3 (edge cases and specialized roles). --list prints the id, tier and \
name of each (or of the personas selected); --list --format jsonl prints one JSON object per persona with id, tier, \
name, rules (the number of rules) and six diversity dimensions: level, function, industry and company from \
demographics, work_style (the text of work_style before its first \":\") and stress_level (the text of \
stress_level without its leading stars, before its first \":\").",
    ),
    (
        "Rule analysis",
        "--explain reports, for each persona: the label, RSVP and prep distributions; how many events each rule \
matched (and, for prep and RSVP rules, how many it decided) and each priority; the rules that never fired \
(dead rules); and the events where an always_important and a rarely_important entry both fired, with up to \
five of them as FILE:LINE. It goes to standard error (even with --quiet), and into --stats as \"rules\", \
\"priorities\", \"dead_rules\" and \"conflict_examples\" of each persona. --stats always holds each persona's \
label, RSVP and prep distribution.",
    ),
];

#[cfg(test)]
mod tests {
    use super::super::text;
    use super::*;

    /// The man page lists exactly the words the code drops.
    #[test]
    fn documented_word_lists_match_the_code() {
        let section = SECTIONS
            .iter()
            .find(|(title, _)| *title == "Descriptive rules")
            .map(|(_, body)| *body)
            .unwrap_or_default();
        let list = |label: &str| -> Vec<String> {
            let start = section.find(label).map_or(section.len(), |i| i + label.len());
            let rest = &section[start..];
            let end = rest.find(['.', '(']).unwrap_or(rest.len());
            rest[..end].split(',').map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect()
        };
        assert_eq!(list("Stop words:"), text::STOP_WORDS);
        assert_eq!(list("Generic nouns:"), text::GENERIC_NOUNS);
    }
}
