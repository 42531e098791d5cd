//! Microsoft Graph calendar events (`/me/events` shape), about 2 KB each with
//! 2–15 attendees, as real exports have them: explicit nulls, `@odata.etag`,
//! Graph's 7-digit fractional times, both IANA and Windows time-zone names.

use crate::rng::{Rng, json_string};

const SUBJECTS: &[&str] = &[
    "Weekly Pipeline Review - APAC Team",
    "Customer Escalation: Renewal Risk - BrightTech",
    "1:1 Sarah / Alex",
    "Q4 forecast call",
    "Sprint planning",
    "All-hands: company update",
    "Design review: payments API",
    "Incident postmortem - checkout latency",
    "Contract negotiation with Globex legal",
    "New hire onboarding session",
    "Team social: Friday drinks",
    "Board prep: Q3 metrics",
    "Product demo for Initech",
    "Architecture sync",
    "Hiring debrief - senior SRE",
    "Security training (optional)",
    "Quarter-end deal review",
    "Customer QBR - Umbrella Corp",
];
const PREVIEWS: &[&str] = &[
    "Review current pipeline health, deal stages, and blockers for top opportunities.",
    "Urgent call with the CIO and account team to address renewal concerns and pricing objections.",
    "Agenda: status, risks, decisions needed. Please bring updated numbers.",
    "Microsoft Teams meeting. Join on your computer, mobile app or room device.",
    "Optional session; recording will be shared afterwards.",
    "Walk through the proposal, the contract redlines and the final approval path.",
    "",
];
const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Shanghai",
    "Asia/Shanghai",
    "Pacific Standard Time",
    "UTC",
    "Europe/Berlin",
];
const SHOW_AS: &[&str] = &["busy", "busy", "busy", "tentative", "free", "oof", "workingElsewhere"];
const TYPES: &[&str] =
    &["singleInstance", "singleInstance", "occurrence", "occurrence", "exception", "seriesMaster"];
const ATTENDEE_TYPES: &[&str] =
    &["required", "required", "required", "optional", "optional", "resource"];
const RESPONSES: &[&str] =
    &["none", "accepted", "accepted", "tentativelyAccepted", "declined", "notResponded"];
const DOMAINS: &[&str] =
    &["contoso.com", "contoso.com", "contoso.com", "fabrikam.com", "brighttech.io"];
const NAMES: &[&str] = &[
    "Sophie Li",
    "David Wong",
    "Priya Sharma",
    "Alex Chen",
    "Michael Tan",
    "Rachel Green",
    "James Liu",
    "Zoë Müller",
    "Kenji Sato",
    "Ana Souza",
];

fn hex(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    for _ in 0..len {
        out.push(b"0123456789abcdef"[rng.below(16) as usize]);
    }
}

fn time(out: &mut Vec<u8>, day: u64, minutes: u64) {
    // November 2025 onwards, Graph's 7-digit fraction.
    let (d, m) = (day % 28 + 1, minutes % 1440);
    out.extend_from_slice(
        format!("\"2025-11-{d:02}T{:02}:{:02}:00.0000000\"", m / 60, m % 60).as_bytes(),
    );
}

pub fn record(rng: &mut Rng, index: u64, out: &mut Vec<u8>) {
    let zone = *rng.pick::<&str>(ZONES);
    let kind = *rng.pick::<&str>(TYPES);
    out.extend_from_slice(b"{\"@odata.etag\":\"W/\\\"");
    hex(rng, 24, out);
    out.extend_from_slice(b"\\\"\",\"id\":\"AAMkAD");
    hex(rng, 40, out);
    out.extend_from_slice(format!("{index:08}\",").as_bytes());
    out.extend_from_slice(b"\"createdDateTime\":\"2025-10-01T08:00:00.1234567Z\",\"lastModifiedDateTime\":\"2025-10-02T09:30:00.7654321Z\",");
    out.extend_from_slice(b"\"categories\":[],\"subject\":");
    json_string(rng.pick::<&str>(SUBJECTS), out);
    out.extend_from_slice(b",\"bodyPreview\":");
    let preview = *rng.pick::<&str>(PREVIEWS);
    json_string(preview, out);
    out.extend_from_slice(b",\"body\":{\"contentType\":\"html\",\"content\":");
    json_string(&format!("<html><body><p>{preview}</p></body></html>"), out);
    out.extend_from_slice(b"},\"importance\":\"normal\",\"sensitivity\":\"normal\",\"isAllDay\":false,\"isCancelled\":false,");
    let organizer = rng.below(3) == 0;
    out.extend_from_slice(
        format!("\"isOrganizer\":{organizer},\"responseRequested\":true,").as_bytes(),
    );
    if kind == "occurrence" || kind == "exception" {
        out.extend_from_slice(b"\"seriesMasterId\":\"AAMkAD");
        hex(rng, 40, out);
        out.extend_from_slice(b"\",");
    } else {
        out.extend_from_slice(b"\"seriesMasterId\":null,");
    }
    out.extend_from_slice(b"\"showAs\":");
    json_string(rng.pick::<&str>(SHOW_AS), out);
    out.extend_from_slice(b",\"type\":");
    json_string(kind, out);
    out.extend_from_slice(b",\"webLink\":\"https://outlook.office365.com/owa/?itemid=AAMkAD");
    hex(rng, 32, out);
    out.extend_from_slice(b"&exvsurl=1&path=/calendar/item\",\"isOnlineMeeting\":true,\"onlineMeetingProvider\":\"teamsForBusiness\",");
    let response = if organizer { "organizer" } else { *rng.pick::<&str>(RESPONSES) };
    out.extend_from_slice(
        format!(
            "\"responseStatus\":{{\"response\":\"{response}\",\"time\":\"0001-01-01T00:00:00Z\"}},"
        )
        .as_bytes(),
    );
    let day = rng.below(28);
    let start = 8 * 60 + rng.below(20) * 30;
    let duration = [30, 30, 45, 60, 60, 90][rng.below(6) as usize];
    out.extend_from_slice(b"\"start\":{\"dateTime\":");
    time(out, day, start);
    out.extend_from_slice(format!(",\"timeZone\":\"{zone}\"}},\"end\":{{\"dateTime\":").as_bytes());
    time(out, day, start + duration);
    out.extend_from_slice(format!(",\"timeZone\":\"{zone}\"}},").as_bytes());
    out.extend_from_slice(b"\"location\":{\"displayName\":\"Microsoft Teams Meeting\",\"locationType\":\"default\",\"uniqueIdType\":\"unknown\"},\"locations\":[],");
    out.extend_from_slice(b"\"attendees\":[");
    let count = 2 + rng.below(14);
    for i in 0..count {
        if i > 0 {
            out.push(b',');
        }
        let kind = *rng.pick::<&str>(ATTENDEE_TYPES);
        let name = *rng.pick::<&str>(NAMES);
        let domain = *rng.pick::<&str>(DOMAINS);
        out.extend_from_slice(format!("{{\"type\":\"{kind}\",\"status\":{{\"response\":\"{}\",\"time\":\"0001-01-01T00:00:00Z\"}},\"emailAddress\":{{\"name\":", rng.pick::<&str>(RESPONSES)).as_bytes());
        json_string(name, out);
        let user = name.to_lowercase().replace(' ', ".").replace('ü', "u").replace('ë', "e");
        out.extend_from_slice(format!(",\"address\":\"{user}{i}@{domain}\"}}}}").as_bytes());
    }
    out.extend_from_slice(b"],\"organizer\":{\"emailAddress\":{\"name\":");
    let name = *rng.pick::<&str>(NAMES);
    json_string(name, out);
    out.extend_from_slice(b",\"address\":\"organizer@contoso.com\"}}}");
}
