//! A rule's condition on an event, and how it is decided. Text tests are term
//! ids looked up in the event's hit bitsets (see `matcher`); everything else
//! reads the event facts of `event`.

use std::cell::Cell;

use super::event::{Event, Needs};
use super::matcher::{Fields, Hits, TermId};

/// Who the persona is, for "external attendee" and "I organize".
#[derive(Debug, Clone, Default)]
pub struct Me {
    /// Lower-cased.
    pub address: Option<String>,
    /// Lower-cased; the domain of `address` is added when it has one.
    pub internal_domains: Vec<String>,
    /// Minutes east of UTC, applied to events whose times are in UTC.
    pub utc_offset: Option<i64>,
}

/// A condition on an event.
#[derive(Debug, Clone)]
pub enum Cond {
    /// The term occurs in one of the fields.
    Term(TermId, Fields),
    /// Every group has one of its terms in one of the fields (descriptive rules).
    Groups(Vec<Vec<TermId>>, Fields),
    /// Never true (a descriptive rule without content words).
    Never,
    /// At least this many external people (0 with `exact`: none at all).
    External {
        at_least: u32,
        none: bool,
    },
    /// The organizer's address domain is not internal.
    ExternalOrganizer(bool),
    MinAttendees(u32),
    MaxAttendees(u32),
    OrganizerIsSelf(bool),
    OptionalForSelf(bool),
    Recurring(bool),
    AllDay(bool),
    Online(bool),
    MinDuration(u32),
    MaxDuration(u32),
    /// Lower-cased values, any of which matches.
    ShowAs(Vec<String>),
    Response(Vec<String>),
    Importance(Vec<String>),
    /// Start strictly before this minute of the day.
    StartBefore(u32),
    /// Start at or after this minute of the day.
    StartAfter(u32),
    /// Bit 0 = Monday … bit 6 = Sunday.
    Weekday(u8),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    /// What reading the event needs for this condition.
    pub fn needs(&self) -> Needs {
        let mut n = Needs::default();
        match self {
            Cond::Term(_, fields) | Cond::Groups(_, fields) => {
                use super::matcher::Field;
                n.body = fields.has(Field::Body);
                n.people = fields.has(Field::Organizer) || fields.has(Field::Attendee);
                n.location = fields.has(Field::Location);
                n.categories = fields.has(Field::Category);
            }
            Cond::External { .. }
            | Cond::ExternalOrganizer(_)
            | Cond::MinAttendees(_)
            | Cond::MaxAttendees(_)
            | Cond::OptionalForSelf(_) => n.people = true,
            Cond::OrganizerIsSelf(_) => {
                n.people = true;
                n.response = true;
            }
            Cond::Response(_) => n.response = true,
            Cond::MinDuration(_)
            | Cond::MaxDuration(_)
            | Cond::StartBefore(_)
            | Cond::StartAfter(_)
            | Cond::Weekday(_) => n.times = true,
            Cond::All(list) | Cond::Any(list) => {
                for c in list {
                    n = n.union(c.needs());
                }
            }
            Cond::Not(c) => n = c.needs(),
            Cond::Never
            | Cond::Recurring(_)
            | Cond::AllDay(_)
            | Cond::Online(_)
            | Cond::ShowAs(_)
            | Cond::Importance(_) => {}
        }
        n
    }
}

/// An event as rules see it, with the people facts one persona's rules
/// share computed once (call [`Ctx::for_persona`] before each persona).
pub struct Ctx<'e, 'a> {
    pub event: &'e Event<'a>,
    pub hits: &'e Hits,
    /// Lower-cased domain of the organizer's address.
    organizer_domain: Option<String>,
    attendee_count: u32,
    externals: Cell<Option<u32>>,
    external_organizer: Cell<Option<bool>>,
    organizer_is_self: Cell<Option<bool>>,
    optional_for_self: Cell<Option<bool>>,
}

fn domain(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, d)| d)
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_resource(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| same(k, "resource"))
}

/// Whether `domain` is `internal` or one of its subdomains (`internal` is lower-case).
fn within(domain: &str, internal: &str) -> bool {
    if domain.len() == internal.len() {
        return same(domain, internal);
    }
    domain.len() > internal.len()
        && domain.as_bytes()[domain.len() - internal.len() - 1] == b'.'
        && domain.get(domain.len() - internal.len()..).is_some_and(|tail| same(tail, internal))
}

impl<'e, 'a> Ctx<'e, 'a> {
    pub fn new(event: &'e Event<'a>, hits: &'e Hits) -> Self {
        let organizer_domain = event
            .organizer
            .as_ref()
            .and_then(|o| o.address.as_deref())
            .and_then(domain)
            .map(str::to_ascii_lowercase);
        let attendee_count =
            event.attendees.iter().filter(|a| !is_resource(a.kind.as_deref())).count() as u32;
        Ctx {
            event,
            hits,
            organizer_domain,
            attendee_count,
            externals: Cell::new(None),
            external_organizer: Cell::new(None),
            organizer_is_self: Cell::new(None),
            optional_for_self: Cell::new(None),
        }
    }

    /// Forgets the facts that depend on who the persona is.
    pub fn for_persona(&self) {
        self.externals.set(None);
        self.external_organizer.set(None);
        self.organizer_is_self.set(None);
        self.optional_for_self.set(None);
    }

    /// Internal domains: the persona's, or else the organizer's.
    fn internal<'m>(&'m self, me: &'m Me) -> &'m [String] {
        if me.internal_domains.is_empty() {
            std::slice::from_ref(self.organizer_domain.as_ref().map_or(&EMPTY, |d| d))
        } else {
            &me.internal_domains
        }
    }

    fn is_external(internal: &[String], address: &str) -> bool {
        let Some(d) = domain(address) else { return false };
        !internal.iter().any(|i| !i.is_empty() && within(d, i))
    }

    fn externals(&self, me: &Me) -> u32 {
        if let Some(n) = self.externals.get() {
            return n;
        }
        let internal = self.internal(me);
        let n = if internal.iter().all(String::is_empty) {
            0
        } else {
            let e = self.event;
            let attendees = e
                .attendees
                .iter()
                .filter(|a| !is_resource(a.kind.as_deref()))
                .filter_map(|a| a.person.address.as_deref());
            let organizer = e.organizer.as_ref().and_then(|o| o.address.as_deref()).filter(|o| {
                !e.attendees.iter().any(|a| a.person.address.as_deref().is_some_and(|x| same(x, o)))
            });
            attendees.chain(organizer).filter(|a| Self::is_external(internal, a)).count() as u32
        };
        self.externals.set(Some(n));
        n
    }

    fn external_organizer(&self, me: &Me) -> bool {
        if let Some(b) = self.external_organizer.get() {
            return b;
        }
        let internal = self.internal(me);
        let organizer = self.event.organizer.as_ref().and_then(|o| o.address.as_deref());
        let b = !internal.iter().all(String::is_empty)
            && organizer.is_some_and(|a| Self::is_external(internal, a));
        self.external_organizer.set(Some(b));
        b
    }

    fn organizer_is_self(&self, me: &Me) -> bool {
        if let Some(b) = self.organizer_is_self.get() {
            return b;
        }
        let e = self.event;
        let b = e.is_organizer
            || e.response.as_deref().is_some_and(|r| same(r, "organizer"))
            || me.address.as_deref().is_some_and(|mine| {
                e.organizer
                    .as_ref()
                    .and_then(|o| o.address.as_deref())
                    .is_some_and(|o| same(o, mine))
            });
        self.organizer_is_self.set(Some(b));
        b
    }

    fn optional_for_self(&self, me: &Me) -> bool {
        if let Some(b) = self.optional_for_self.get() {
            return b;
        }
        let b = me.address.as_deref().is_some_and(|mine| {
            self.event.attendees.iter().any(|a| {
                a.person.address.as_deref().is_some_and(|x| same(x, mine))
                    && a.kind.as_deref().is_some_and(|k| same(k, "optional"))
            })
        });
        self.optional_for_self.set(Some(b));
        b
    }

    /// Start minute of the day and weekday (0 = Monday) on the persona's clock.
    fn start_clock(&self, me: &Me) -> Option<(i64, i64)> {
        let start = self.event.start?;
        let minutes = match (start.utc, me.utc_offset) {
            (true, Some(offset)) => start.minutes + offset,
            _ => start.minutes,
        };
        let days = minutes.div_euclid(1440);
        // 1970-01-01 was a Thursday.
        Some((minutes.rem_euclid(1440), (days + 3).rem_euclid(7)))
    }

    fn one_of(value: Option<&str>, list: &[String]) -> bool {
        value.is_some_and(|v| list.iter().any(|x| same(x, v)))
    }

    pub fn eval(&self, cond: &Cond, me: &Me) -> bool {
        let e = self.event;
        match cond {
            Cond::Term(term, fields) => self.hits.any(*fields, *term),
            Cond::Groups(groups, fields) => {
                groups.iter().all(|g| g.iter().any(|t| self.hits.any(*fields, *t)))
            }
            Cond::Never => false,
            Cond::External { at_least, none } => {
                let n = self.externals(me);
                if *none { n == 0 } else { n >= *at_least }
            }
            Cond::ExternalOrganizer(want) => self.external_organizer(me) == *want,
            Cond::MinAttendees(n) => self.attendee_count >= *n,
            Cond::MaxAttendees(n) => self.attendee_count <= *n,
            Cond::OrganizerIsSelf(want) => self.organizer_is_self(me) == *want,
            Cond::OptionalForSelf(want) => self.optional_for_self(me) == *want,
            Cond::Recurring(want) => {
                let recurring = e.kind.as_deref().is_some_and(|k| {
                    ["occurrence", "exception", "seriesMaster"].iter().any(|r| same(k, r))
                });
                recurring == *want
            }
            Cond::AllDay(want) => e.all_day == *want,
            Cond::Online(want) => e.online == *want,
            Cond::MinDuration(n) => e.duration().is_some_and(|d| d >= i64::from(*n)),
            Cond::MaxDuration(n) => e.duration().is_some_and(|d| d <= i64::from(*n)),
            Cond::ShowAs(list) => Self::one_of(e.show_as.as_deref(), list),
            Cond::Response(list) => Self::one_of(e.response.as_deref(), list),
            Cond::Importance(list) => Self::one_of(e.importance.as_deref(), list),
            Cond::StartBefore(m) => self.start_clock(me).is_some_and(|(t, _)| t < i64::from(*m)),
            Cond::StartAfter(m) => self.start_clock(me).is_some_and(|(t, _)| t >= i64::from(*m)),
            Cond::Weekday(mask) => {
                self.start_clock(me).is_some_and(|(_, day)| mask & (1 << day) != 0)
            }
            Cond::All(list) => list.iter().all(|c| self.eval(c, me)),
            Cond::Any(list) => list.iter().any(|c| self.eval(c, me)),
            Cond::Not(c) => !self.eval(c, me),
        }
    }
}

static EMPTY: String = String::new();
