#!/usr/bin/env python3
"""Writes the example batch result files of examples/llm/ (answers we wrote,
in the exact line formats of the OpenAI Batch API output/error files and of
Anthropic Message Batches results), including a failure of every kind.
Run from this folder: python3 make_results.py"""
import json

def openai_ok(cid, content, finish="stop", refusal=None, p=60, c=12):
    return {"id": f"batch_req_{cid}", "custom_id": cid, "response": {"status_code": 200,
            "request_id": f"req_{cid}", "body": {"id": f"chatcmpl-{cid}", "object": "chat.completion",
            "created": 1764633600, "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
            "logprobs": None, "finish_reason": finish}], "usage": {"prompt_tokens": p,
            "completion_tokens": c, "total_tokens": p + c}}}, "error": None}

# Seed 002's judge over examples/data/conversational.jsonl (ids conv-000 ...).
ratings = [5, 4, 2, 5, 3, 4, 1, 5, 4, 2, 5]
judge = [openai_ok(f"conv-{i:03}", f"The answer is accurate and conversational. Rating: {r}/5")
         for i, r in enumerate(ratings)]
judge.append(openai_ok("conv-011", "The answer is accurate but", finish="length", c=8))
judge.append({"id": "batch_req_conv-012", "custom_id": "conv-012", "response": {"status_code": 400,
              "request_id": "req_conv-012", "body": {"error": {"message": "Invalid 'messages': empty content.",
              "type": "invalid_request_error", "param": "messages", "code": None}}}, "error": None})
judge.append({"id": "batch_req_conv-013", "custom_id": "conv-013", "response": None, "error": {
              "code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
judge.reverse()  # results come in any order
with open("judge_results.jsonl", "w") as f:
    for line in judge:
        f.write(json.dumps(line) + "\n")

# Seed 000's meetings: Anthropic results for two tier-1 personas, JSON arrays of Graph events.
def event(i, subject, start, end):
    return {"id": f"gen-{i:03}", "subject": subject, "importance": "normal", "isAllDay": False,
            "showAs": "busy", "type": "singleInstance",
            "start": {"dateTime": start, "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": end, "timeZone": "Asia/Shanghai"},
            "organizer": {"emailAddress": {"name": "Alex Chen", "address": "alex.chen@contoso.com"}},
            "attendees": [{"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                           "emailAddress": {"name": "Sophie Li", "address": "sophie.li@contoso.com"}}]}

def anthropic(cid, text, stop="end_turn"):
    return {"custom_id": cid, "result": {"type": "succeeded", "message": {"id": f"msg_{cid}",
            "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 900, "output_tokens": 400}}}}

cfo = [event(1, "Refinancing term sheet review", "2025-11-03T09:00:00.0000000", "2025-11-03T10:00:00.0000000"),
       event(2, "Covenant compliance check-in", "2025-11-04T14:00:00.0000000", "2025-11-04T14:30:00.0000000")]
clinical = [event(3, "Bed capacity huddle", "2025-11-03T08:00:00.0000000", "2025-11-03T08:15:00.0000000")]
meetings = [
    anthropic("tier1_cfo_manufacturing", "Here are the meetings:\n```json\n" + json.dumps(cfo, indent=2) + "\n```"),
    anthropic("tier1_clinical_operations_director", json.dumps(clinical)),
    anthropic("tier1_consulting_engagement_partner", "[{\"id\": \"gen-004\", \"subject\": \"Steering", stop="max_tokens"),
    {"custom_id": "tier1_sales_manager_pipeline", "result": {"type": "errored", "error": {"type": "error",
     "error": {"type": "overloaded_error", "message": "Overloaded"}}}},
    {"custom_id": "tier2_senior_ic_architect", "result": {"type": "canceled"}},
    {"custom_id": "tier2_account_executive_enterprise", "result": {"type": "expired"}},
    anthropic("tier2_data_scientist_insights", "I can't write those meetings.", stop="refusal"),
    anthropic("tier2_fpa_analyst_banking", "   "),
]
with open("meetings_results.jsonl", "w") as f:
    for line in meetings:
        f.write(json.dumps(line) + "\n")

# Seed 003's rewrite: Anthropic results (Claude Haiku) for the SQuAD records of
# ../data/squad_sample.json, by question id: each extractive answer as one
# friendly sentence, each unanswerable question as a polite refusal.
squad = json.load(open("../data/squad_sample.json"))
rewrites = []
for article in squad["data"]:
    for paragraph in article["paragraphs"]:
        for q in paragraph["qas"]:
            if q.get("is_impossible"):
                text = "I'm sorry, but I couldn't find that in the provided context."
            else:
                text = f"Based on the passage, the answer is {q['answers'][0]['text']}."
            rewrites.append(anthropic(q["id"], text))
rewrites[3] = {"custom_id": rewrites[3]["custom_id"], "result": {"type": "expired"}}
rewrites.reverse()
with open("rewrite_results.jsonl", "w") as f:
    for line in rewrites:
        f.write(json.dumps(line) + "\n")
