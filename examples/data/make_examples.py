#!/usr/bin/env python3
"""Writes the bundled example datasets (deterministic; re-run to refresh).

teacher.jsonl: 379 teacher-schema records shaped like seed 004's distillation
set: 259 aligned, 110 needs_adjustment, 10 conflicts; 19 aligned and 1
needs_adjustment record score below 0.82, every conflicts record is 0.85-0.90.
judged.jsonl: 40 LLM-judge records rated 1-10, with the defects real judge
output has: one rating written as a string, one missing rating.
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


def judged():
    questions = [
        "How many brothers does Ana have if her father has three children?",
        "Who is the grandmother of Leo's only cousin?",
        "Is Mia's uncle the brother of her mother or of her father?",
        "What relation is your father's sister's son to you?",
    ]
    with open(HERE / "judged.jsonl", "w", encoding="utf-8") as out:
        for i in range(40):
            rec = {"id": f"qa-{i:03d}", "question": questions[i % 4], "answer": f"Answer {i}", "rating": rng.randint(3, 10)}
            if i == 17:
                rec["rating"] = "8"
            if i == 29:
                del rec["rating"]
            out.write(json.dumps(rec) + "\n")


teacher()
judged()
