//! A rule's condition on an event, and how it is decided. Text tests are term
//! ids looked up in the event's hit bitsets (see `matcher`); everything else
//! reads the event facts of `event`.

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

/// An event as rules see it.
pub struct Ctx<'e, 'a> {
    pub event: &'e Event<'a>,
    pub hits: &'e Hits,
}

fn domain(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, d)| d.trim())
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Ctx<'_, '_> {
    /// Non-resource attendees, plus the organizer when not among them.
    fn people(&self) -> impl Iterator<Item = &str> {
        let attendees = self
            .event
            .attendees
            .iter()
            .filter(|a| !a.kind.as_deref().is_some_and(|k| same(k, "resource")))
            .filter_map(|a| a.person.address.as_deref());
        let organizer =
            self.event.organizer.as_ref().and_then(|o| o.address.as_deref()).filter(|o| {
                !self
                    .event
                    .attendees
                    .iter()
                    .any(|a| a.person.address.as_deref().is_some_and(|x| same(x, o)))
            });
        attendees.chain(organizer)
    }

    fn attendee_count(&self) -> u32 {
        self.event
            .attendees
            .iter()
            .filter(|a| !a.kind.as_deref().is_some_and(|k| same(k, "resource")))
            .count() as u32
    }

    fn organizer_domain(&self) -> Option<String> {
        let address = self.event.organizer.as_ref()?.address.as_deref()?;
        domain(address).map(str::to_ascii_lowercase)
    }

    /// Internal domains: the persona's, or else the organizer's.
    fn internal(&self, me: &Me) -> Vec<String> {
        if me.internal_domains.is_empty() {
            self.organizer_domain().into_iter().collect()
        } else {
            me.internal_domains.clone()
        }
    }

    fn is_external(internal: &[String], address: &str) -> bool {
        let Some(d) = domain(address) else { return false };
        let d = d.to_ascii_lowercase();
        !internal
            .iter()
            .any(|i| d == *i || d.strip_suffix(i.as_str()).is_some_and(|p| p.ends_with('.')))
    }

    fn externals(&self, me: &Me) -> u32 {
        let internal = self.internal(me);
        if internal.is_empty() {
            return 0;
        }
        self.people().filter(|a| Self::is_external(&internal, a)).count() as u32
    }

    fn external_organizer(&self, me: &Me) -> bool {
        let internal = self.internal(me);
        let organizer = self.event.organizer.as_ref().and_then(|o| o.address.as_deref());
        !internal.is_empty() && organizer.is_some_and(|a| Self::is_external(&internal, a))
    }

    fn organizer_is_self(&self, me: &Me) -> bool {
        let e = self.event;
        e.is_organizer
            || e.response.as_deref().is_some_and(|r| same(r, "organizer"))
            || me.address.as_deref().is_some_and(|mine| {
                e.organizer
                    .as_ref()
                    .and_then(|o| o.address.as_deref())
                    .is_some_and(|o| same(o, mine))
            })
    }

    fn optional_for_self(&self, me: &Me) -> bool {
        let Some(mine) = me.address.as_deref() else { return false };
        self.event.attendees.iter().any(|a| {
            a.person.address.as_deref().is_some_and(|x| same(x, mine))
                && a.kind.as_deref().is_some_and(|k| same(k, "optional"))
        })
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
            Cond::MinAttendees(n) => self.attendee_count() >= *n,
            Cond::MaxAttendees(n) => self.attendee_count() <= *n,
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
