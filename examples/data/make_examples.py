#!/usr/bin/env python3
"""Writes the bundled example datasets (deterministic; re-run to refresh).

teacher.jsonl: 379 teacher-schema records shaped like seed 004's distillation
set: 259 aligned, 110 needs_adjustment, 10 conflicts; 19 aligned and 1
needs_adjustment record score below 0.82, every conflicts record is 0.85-0.90.
teacher_mixed.jsonl: the same records with the 10 conflicts examples in
prompt/output shape (seed 004's mixed file). judged.jsonl: 40 alpaca-shaped
records rated 1-5 by an LLM judge, with the defects real judge output has: one
rating written as a string, one missing. meetings.jsonl and calendar_sample.json:
synthetic Graph calendar events (a stream to label, and a stand-in "real"
calendar export). squad_sample.json and conversational.jsonl: a SQuAD 2.0
document and conversational answers/refusals (seed 003).
"""
import json
import random
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(42)

CONCEPTS = [
    ("Brand Sentiment Radar", "social media monitoring for brand mentions"),
    ("Inventory Command API", "lightweight inventory operations for warehouses"),
    ("Developer Onboarding Toolkit", "technical onboarding automation for new engineers"),
    ("Customer Feedback Analyzer", "clustering of support tickets into themes"),
    ("DevOps Incident Tracker", "incident timelines and postmortems"),
    ("IoT Device Manager", "firmware rollout and health of field devices"),
    ("API Gateway Lite", "rate limiting and routing for internal APIs"),
    ("Document Version Control", "versioned storage of contracts and policies"),
    ("Café Loyalty Hub", "loyalty points for a café chain (München, Zürich)"),
    ("Expense Auto-Coder", "categorising card expenses against the ledger"),
]
TIERS = ["simple", "medium", "complex"]
MODELS = ["gemini-2.5-flash", "gpt-4o-mini", "claude-3-haiku"]


def record(i, status, score, source):
    name, scope = CONCEPTS[i % len(CONCEPTS)]
    concept_id = f"POCON-{i:04d}" + ("-CONFLICT" if status == "conflicts" else "")
    reqs = [f"- id: R{k}\n  text: The {name} shall support {scope} step {k}." for k in range(1, 3 + i % 3)]
    if status == "conflicts":
        reqs.append("- id: R9\n  text: Integrate payroll and benefits enrollment (HR workflows).")
    vision = (
        f"product: {name}\nproblem: Teams lack {scope}.\n"
        f"non_goals:\n  - general HR workflows\n  - predictive analytics"
    )
    notes = {
        "aligned": "Requirements match the vision and respect the non-goals.",
        "needs_adjustment": "Scope is right but acceptance criteria are missing for R2.",
        "conflicts": "R9 contradicts the non-goals: HR workflows are explicitly out of scope.",
    }[status]
    review = f"status: {status}\nnotes: \"{notes}\""
    return {
        "concept": f"{name}: {scope}",
        "requirements_yaml": "\n".join(reqs),
        "teacher_product_vision": vision,
        "teacher_product_owner_review": review,
        "score": score,
        "metadata": {
            "concept_id": concept_id,
            "tier": TIERS[i % 3],
            "source": source,
            "model": "human" if source == "manual_curation" else MODELS[i % 3],
            "status": status,
        },
    }


def teacher():
    plan = [("aligned", 259, 19), ("needs_adjustment", 110, 1), ("conflicts", 10, 0)]
    records = []
    for status, count, low in plan:
        for k in range(count):
            if k < low:
                score = round(rng.uniform(0.78, 0.819), 3)
            elif status == "conflicts":
                score = round(rng.uniform(0.85, 0.90), 3)
            else:
                score = round(rng.uniform(0.82, 0.98), 3)
            source = "manual_curation" if status == "conflicts" and k < 3 else "generated"
            records.append((status, score, source))
    rng.shuffle(records)
    with open(HERE / "teacher.jsonl", "w", encoding="utf-8") as out:
        for i, (status, score, source) in enumerate(records):
            out.write(json.dumps(record(i, status, score, source), ensure_ascii=False) + "\n")




def teacher_mixed():
    """Seed 004's critical issue: the 10 conflicts examples arrived in
    prompt/output shape inside a teacher-schema file."""
    lines = (HERE / "teacher.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        rec = json.loads(line)
        if rec["metadata"]["status"] != "conflicts":
            out.append(line)
            continue
        prompt = (
            "You are a Product Owner. Review the requirements against the product vision.\n"
            f"Concept: {rec['concept']}\n\nRequirements:\n```yaml\n{rec['requirements_yaml']}\n```"
        )
        output = (
            f"```yaml VISION\n{rec['teacher_product_vision']}\n```\n"
            f"```yaml REVIEW\n{rec['teacher_product_owner_review']}\n```"
        )
        curated = {
            "concept_id": rec["metadata"]["concept_id"],
            "tier": rec["metadata"]["tier"],
            "prompt": prompt,
            "output": output,
            "score": rec["score"],
            "metadata": rec["metadata"],
        }
        out.append(json.dumps(curated, ensure_ascii=False))
    (HERE / "teacher_mixed.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")


def judged_alpaca():
    """LLM-judge output on a 1-5 scale (seed 002: keep 4-5 stars), alpaca shaped."""
    topics = ["problem clarification", "jobs to be done", "S-curve analysis", "red team challenge", "DIKW validation"]
    with open(HERE / "judged.jsonl", "w", encoding="utf-8") as out:
        for i in range(40):
            topic = topics[i % len(topics)]
            rec = {
                "id": f"pws-{i:03d}",
                "instruction": f"Coach the user through {topic} for their workshop problem #{i}.",
                "input": "" if i % 3 else f"User: our churn went up {i % 7 + 2}% last quarter.",
                "output": f"Let's start by restating the problem in one sentence, then list what we know about {topic}.",
                "rating": 1 + (i * 7) % 5,
            }
            if i == 17:
                rec["rating"] = "4"
            if i == 29:
                del rec["rating"]
            out.write(json.dumps(rec) + "\n")


PEOPLE = [
    ("Alex Chen", "alex.chen@contoso.com"), ("Sophie Li", "sophie.li@contoso.com"),
    ("David Wong", "david.wong@contoso.com"), ("Priya Sharma", "priya.sharma@contoso.com"),
    ("Michael Tan", "michael.tan@contoso.com"), ("Rachel Green", "rachel.green@brighttech.io"),
    ("James Liu", "james.liu@brighttech.io"), ("Zoë Müller", "zoe.muller@fabrikam.com"),
    ("Kenji Sato", "kenji.sato@contoso.com"), ("Ana Souza", "ana.souza@contoso.com"),
]
ROOMS = [("Conf Rm 12/F Shanghai", "conf12f.shanghai@contoso.com"), ("Board Room A", "boardroom.a@contoso.com")]
MEETINGS = [
    ("Weekly Pipeline Review - APAC Team", "Review pipeline health, deal stages and blockers. Focus on Q4 forecast accuracy.", "occurrence", 90),
    ("Customer Escalation: Renewal Risk - BrightTech", "Urgent call with the BrightTech CIO about renewal concerns and pricing objections.", "singleInstance", 60),
    ("1:1 Alex / Sophie", "Weekly 1on1: quota progress, coaching, blockers.", "occurrence", 30),
    ("Contract negotiation - Fabrikam enterprise deal", "Redlines from legal review; final approval path with the executive sponsor.", "singleInstance", 60),
    ("All-hands: company update", "Quarterly all-hands. Recording will be shared.", "singleInstance", 60),
    ("Daily standup", "15 minutes: yesterday, today, blockers.", "occurrence", 15),
    ("Product demo for Initech", "Customize the demo flow for the Initech evaluation team.", "singleInstance", 45),
    ("Team social: Friday drinks", "Celebrate the launch!", "singleInstance", 90),
    ("Incident postmortem - checkout latency", "Timeline, root cause and action items for the checkout latency incident.", "singleInstance", 60),
    ("Architecture review: payments API", "Design review of the payments API v2 proposal.", "exception", 60),
    ("Hiring debrief - senior SRE", "Panel debrief and hire/no-hire decision.", "singleInstance", 30),
    ("Security training (optional)", "Annual optional security awareness training.", "singleInstance", 60),
    ("QBR - Umbrella Corp", "Executive business review: success metrics and renewal strategy.", "singleInstance", 90),
    ("Sprint planning", "Plan the next sprint; estimate the backlog.", "occurrence", 60),
    ("Board prep: Q3 metrics", "Prepare the board deck: revenue, churn, pipeline coverage.", "singleInstance", 60),
]


def event(i, subject, preview, kind, minutes, day, hour, attendees):
    start_min = hour * 60 + (i % 2) * 30
    end_min = start_min + minutes
    def stamp(m):
        return f"2025-11-{day:02d}T{m // 60:02d}:{m % 60:02d}:00.0000000"
    organizer = PEOPLE[i % 4]
    return {
        "@odata.etag": f"W/\"{i:08x}synthkit\"",
        "id": f"mtg-{i:04d}",
        "subject": subject,
        "bodyPreview": preview,
        "importance": "normal",
        "isAllDay": False,
        "isCancelled": False,
        "seriesMasterId": f"series-{i % 5:03d}" if kind in ("occurrence", "exception") else None,
        "showAs": "busy" if i % 6 else "tentative",
        "type": kind,
        "responseStatus": {"response": "organizer" if i % 4 == 0 else "accepted", "time": "0001-01-01T00:00:00Z"},
        "start": {"dateTime": stamp(start_min), "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": stamp(end_min), "timeZone": "Asia/Shanghai"},
        "organizer": {"emailAddress": {"name": organizer[0], "address": organizer[1]}},
        "attendees": attendees,
    }


def attendee_list(i, count, optional_share):
    out = []
    for k in range(count):
        name, address = PEOPLE[(i + k) % len(PEOPLE)]
        kind = "optional" if (k * 37 + i) % 100 < optional_share else "required"
        out.append({"type": kind, "status": {"response": ["none", "accepted", "tentativelyAccepted"][k % 3], "time": "0001-01-01T00:00:00Z"}, "emailAddress": {"name": name, "address": address}})
    if i % 3 == 0:
        room = ROOMS[i % 2]
        out.append({"type": "resource", "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"}, "emailAddress": {"name": room[0], "address": room[1]}})
    return out


def meetings():
    """60 synthetic meetings in Microsoft Graph format for the oracle workflow."""
    with open(HERE / "meetings.jsonl", "w", encoding="utf-8") as out:
        for i in range(60):
            subject, preview, kind, minutes = MEETINGS[i % len(MEETINGS)]
            ev = event(i, subject, preview, kind, minutes, 3 + i % 20, 9 + i % 8, attendee_list(i, 2 + i % 7, 25))
            out.write(json.dumps(ev, ensure_ascii=False) + "\n")


def calendar_sample():
    """A small calendar export in the {"metadata", "events"} wrapper real
    exports use: our own stand-in for a user's real calendar."""
    events = []
    for i in range(48):
        subject, preview, kind, minutes = MEETINGS[(i * 7) % len(MEETINGS)]
        ev = event(1000 + i, subject, preview, kind, minutes, 1 + i % 27, 9 + i % 9, attendee_list(i, 2 + i % 9, 60))
        ev["webLink"] = f"https://outlook.example.invalid/calendar/item/{i:04d}"
        events.append(ev)
    doc = {"metadata": {"total_events": len(events), "source": "synthkit example", "attendees_included": True}, "events": events}
    (HERE / "calendar_sample.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def squad_sample():
    """A SQuAD 2.0-format document (our own articles), answerable and not."""
    articles = [
        ("Lighthouses", [
            ("The Bell Rock Lighthouse, off the coast of Angus, Scotland, was built between 1807 and 1810 by Robert Stevenson. It is the world's oldest surviving sea-washed lighthouse.",
             [("Who built the Bell Rock Lighthouse?", "Robert Stevenson"), ("When was the Bell Rock Lighthouse built?", "between 1807 and 1810"), ("How tall is the Bell Rock Lighthouse?", None)]),
            ("Lighthouse keepers trimmed wicks and wound clockwork every few hours. Automation in the twentieth century removed the need for resident keepers.",
             [("What removed the need for resident keepers?", "Automation"), ("Who was the last keeper of Bell Rock?", None)]),
        ]),
        ("Fermentation", [
            ("Sourdough bread is leavened by a culture of wild yeast and lactic acid bacteria. The bacteria produce lactic and acetic acids, which give the bread its sour taste.",
             [("What leavens sourdough bread?", "a culture of wild yeast and lactic acid bacteria"), ("What gives sourdough its sour taste?", "lactic and acetic acids"), ("How long should sourdough be baked?", None)]),
            ("Kimchi is a Korean side dish of salted and fermented vegetables, most often napa cabbage and Korean radish.",
             [("What vegetables are most often used in kimchi?", "napa cabbage and Korean radish"), ("Which dynasty first recorded kimchi?", None)]),
        ]),
        ("Rivers", [
            ("The Danube flows through ten countries, more than any other river, on its way from the Black Forest to the Black Sea.",
             [("How many countries does the Danube flow through?", "ten"), ("Where does the Danube end?", "the Black Sea"), ("What is the Danube's average discharge?", None)]),
        ]),
        ("Bicycles", [
            ("The safety bicycle, with two wheels of equal size and a chain drive to the rear wheel, replaced the penny-farthing in the late 1880s.",
             [("What did the safety bicycle replace?", "the penny-farthing"), ("Which wheel does the chain drive?", "the rear wheel"), ("Who sold the first safety bicycle in Asia?", None)]),
        ]),
        ("Coffee", [
            ("Espresso is brewed by forcing hot water through finely ground coffee at about nine bars of pressure, in roughly 25 to 30 seconds.",
             [("At what pressure is espresso brewed?", "about nine bars"), ("How long does an espresso shot take?", "roughly 25 to 30 seconds"), ("What is the best espresso bean?", None)]),
        ]),
        ("Volcanoes", [
            ("Shield volcanoes, such as Mauna Loa in Hawaii, are built almost entirely of fluid lava flows and have gentle slopes.",
             [("Which volcano is given as an example of a shield volcano?", "Mauna Loa"), ("What are shield volcanoes built of?", "fluid lava flows"), ("When did Mauna Loa last erupt?", None)]),
        ]),
        ("Honeybees", [
            ("A honeybee colony has one queen, thousands of female workers and, in summer, a few hundred male drones.",
             [("How many queens does a colony have?", "one"), ("What are the male bees called?", "drones"), ("How far do workers fly each day?", None)]),
        ]),
        ("Printing", [
            ("Johannes Gutenberg introduced movable-type printing to Europe around 1440, using a press adapted from wine presses.",
             [("Who introduced movable-type printing to Europe?", "Johannes Gutenberg"), ("What was Gutenberg's press adapted from?", "wine presses"), ("How many Bibles did Gutenberg sell?", None)]),
        ]),
    ]
    data = []
    n = 0
    for title, paragraphs in articles:
        ps = []
        for context, qas in paragraphs:
            items = []
            for question, answer in qas:
                n += 1
                qid = f"sk{n:04d}"
                if answer is None:
                    items.append({"question": question, "id": qid, "answers": [], "is_impossible": True, "plausible_answers": []})
                else:
                    items.append({"question": question, "id": qid, "answers": [{"text": answer, "answer_start": context.index(answer)}], "is_impossible": False})
            ps.append({"context": context, "qas": items})
        data.append({"title": title, "paragraphs": ps})
    (HERE / "squad_sample.json").write_text(json.dumps({"version": "v2.0", "data": data}, indent=1) + "\n", encoding="utf-8")


def conversational():
    """Seed 003 phase 2 and 3 data: conversational answers and polite refusals."""
    rows = [
        ("The Bell Rock Lighthouse was built between 1807 and 1810 by Robert Stevenson.", "Who built the Bell Rock Lighthouse?", "It was built by the engineer Robert Stevenson, who finished it in 1810.", "Lighthouses"),
        ("Automation in the twentieth century removed the need for resident keepers.", "Why are there no keepers any more?", "Because lighthouses were automated during the twentieth century, so nobody has to live there to run them.", "Lighthouses"),
        ("Sourdough bread is leavened by wild yeast and lactic acid bacteria.", "Why does sourdough rise?", "Sourdough rises thanks to a living culture of wild yeast and lactic acid bacteria rather than baker's yeast.", "Fermentation"),
        ("Kimchi is made of salted and fermented vegetables.", "What is kimchi?", "Kimchi is a Korean side dish made by salting and fermenting vegetables such as napa cabbage.", "Fermentation"),
        ("The Danube flows through ten countries.", "Which river crosses the most countries?", "That would be the Danube, which passes through ten different countries.", "Rivers"),
        ("RAM usage 7.8GB/8GB (97%)", "Why is my computer slow?", "Your computer is slow because RAM is at 97% capacity (7.8GB out of 8GB). Try closing some applications.", "Support"),
        ("Kimchi is made of salted and fermented vegetables.", "Who invented kimchi?", "I couldn't find who invented kimchi in the provided context.", "Fermentation"),
        ("The Danube flows through ten countries.", "How deep is the Danube?", "The context doesn't mention how deep the Danube is.", "Rivers"),
        ("random text about spreadsheets", "Who is my boss?", "I couldn't find information about your boss in the provided context.", "Support"),
        ("The safety bicycle has two wheels of equal size.", "Why was it called a safety bicycle?", "Because its equal-sized wheels and chain drive made it far less likely to tip the rider over than the penny-farthing.", "Bicycles"),
        ("Espresso is brewed at about nine bars of pressure.", "How is espresso different from drip coffee?", "Espresso is made by forcing hot water through fine grounds under about nine bars of pressure, instead of letting it drip through.", "Coffee"),
        ("Shield volcanoes are built of fluid lava flows.", "Are shield volcanoes steep?", "No, they have gentle slopes, because the fluid lava spreads out widely before it cools.", "Volcanoes"),
        ("A honeybee colony has one queen.", "What does the queen eat?", "The provided context doesn't say what the queen eats.", "Honeybees"),
        ("Gutenberg introduced movable-type printing around 1440.", "When did printing reach Europe?", "Movable-type printing came to Europe around 1440, when Johannes Gutenberg introduced it.", "Printing"),
    ]
    with open(HERE / "conversational.jsonl", "w", encoding="utf-8") as out:
        for i, (context, question, answer, title) in enumerate(rows):
            rec = {"id": f"conv-{i:03d}", "title": title, "input": f"Context: {context}\nQuestion: {question}", "output": answer}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


teacher()
teacher_mixed()
judged_alpaca()
meetings()
calendar_sample()
squad_sample()
conversational()
