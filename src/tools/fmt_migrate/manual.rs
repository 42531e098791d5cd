//! The manual's prose: the examples and the extra sections of fmt-migrate's
//! man page (shapes, conversion, detection, the teacher templates and rules,
//! extraction, checks, documents, the summary), kept apart from the code
//! that does what they describe. A test checks that the teacher templates,
//! the extraction rules and the shape lists shown here are the ones in use.

/// Real pipelines: (what it does, the command).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Seed 004's check: does the teacher file mix shapes? (exit 1 if it does)",
        "fmt-migrate --detect po_teacher_dataset.jsonl",
    ),
    (
        "Bring the curated prompt/output records into the teacher schema; teacher records pass unchanged",
        "fmt-migrate --to teacher po_teacher_dataset.jsonl -o po_teacher_fixed.jsonl",
    ),
    (
        "The distillation pipeline: teacher records to prompt/response pairs, then curation",
        "cat teacher.jsonl | fmt-migrate --to supervised | score-filter --min 0.82 --max-samples 400 --seed 42 > sft.jsonl",
    ),
    (
        "Alpaca (a JSON array, as LLaMA-Factory ships it) to OpenAI chat fine-tuning JSONL with a system prompt",
        "fmt-migrate --from json-array --to messages --system 'You are a helpful assistant.' alpaca_data.json > chat.jsonl",
    ),
    (
        "SQuAD 2.0 to extractive input/output pairs; unanswerable questions get the refusal",
        "fmt-migrate --from squad dev-v2.0.json --refusal 'Not found in provided context.' > layer1_squad.jsonl",
    ),
    (
        "Anthropic HH-RLHF transcripts to TRL's conversational preference format",
        "fmt-migrate --to preference-messages hh-rlhf-train.jsonl > dpo.jsonl",
    ),
    (
        "OpenAssistant trees: every conversation for SFT, then pairs of ranked replies; split by tree",
        "fmt-migrate --to messages oasst2.trees.jsonl > sft.jsonl && fmt-migrate --to preference-messages --pairs best-rest oasst2.trees.jsonl | phase-split --phase all --split train=0.9,test=0.1 --group message_tree_id",
    ),
    (
        "Pairs without a prompt field become preference records: the template builds it before detection",
        "fmt-migrate --to preference --template 'prompt={{question}}' pairs.jsonl",
    ),
    (
        "Pull a field out of a model's answer and build the prompt from a template",
        "fmt-migrate --to supervised --extract status=output:'status: (\\w+)' --template prompt.txt answers.jsonl",
    ),
];

/// Extra man page sections: (TITLE, body).
pub const SECTIONS: &[(&str, &str)] = &[
    (
        "Shapes",
        concat!(
            "Record shapes (one JSON object per line), with the fields each one holds:\n\n",
            "  teacher              {concept, requirements_yaml, teacher_product_vision,\n",
            "                        teacher_product_owner_review, score, metadata}\n",
            "  prompt-output        {prompt, output}: output holds ```yaml VISION and ```yaml REVIEW blocks\n",
            "  supervised           {prompt, response}: response = the VISION and REVIEW blocks\n",
            "  input-output         {input, output}\n",
            "  alpaca               {instruction, input, output, system?, history?}\n",
            "                        (or chosen and rejected instead of output)\n",
            "  sharegpt             {conversations: [{from, value}], system?, tools?}\n",
            "                        (or chosen and rejected {from, value} turns)\n",
            "  messages             {messages: [{role, content, ...}], tools?}\n",
            "  prompt-completion    {prompt, completion}\n",
            "  preference           {prompt, chosen, rejected}, all strings\n",
            "  preference-messages  {prompt, chosen, rejected}, each a list of messages\n",
            "  qa                   {question, answer} (synthetic-data-kit)\n",
            "  hh-rlhf              {chosen, rejected}: two Anthropic HH-RLHF transcripts\n",
            "                        \"\\n\\nHuman: ...\\n\\nAssistant: ...\" (read only)\n",
            "  oasst-tree           {message_tree_id, prompt: {message_id, role, text, rank, replies: [...]}}:\n",
            "                        one OpenAssistant oasst1/oasst2 tree (read only)\n\n",
            "Document formats (--from; json-array and csv also --to):\n\n",
            "  squad                a SQuAD v1.1 or v2.0 JSON file: one input-output record per question\n",
            "  graph-response       a Graph list response {\"value\": [...], \"@odata.nextLink\": ...},\n",
            "                        a bare JSON array, or a file of such pages\n",
            "  json-array           a JSON array of records (also {\"qa_pairs\": [...]}, {\"cot_examples\": [...]})\n",
            "  csv                  CSV with a header row; nested fields as dotted headers\n\n",
            "sharegpt roles are human, gpt, system, function_call and observation; messages roles are ",
            "system, user, assistant, tool and function. Read in either shape, prompter and human are the user, and ",
            "gpt, bot and model the assistant (OpenAssistant, ShareGPT variants, Gemini); --role-map FROM=TO ",
            "(repeatable) reads any other name as one of the five roles, and a name no rule knows stays a bad ",
            "record that names it. Roles are written with the target shape's own names, so a record already in ",
            "the target shape whose roles are not all its own names (prompter, model, a --role-map name; user ",
            "or tool in sharegpt) is written again with them and counted as converted, not unchanged. A field ",
            "called system is the system prompt in ",
            "every shape (in messages and preference-messages: a leading system message); tools holds the ",
            "tool definitions."
        ),
    ),
    (
        "Conversion",
        concat!(
            "Every record is read into one model: a system prompt, turns with roles (user, assistant, ",
            "tool), an optional pair of preference responses, the tool definitions, and the fields the ",
            "conversion does not consume. Every pair of shapes converts through it, and values are copied ",
            "as their JSON text, byte for byte. Fields the conversion does not consume (score, metadata, ",
            "id, persona_id, ...) are kept after the target's own fields, in their input order, unless ",
            "--drop-extra. A kept field named like one of the target's own (an input field kept beside ",
            "the input that input-output writes) would repeat the key, so such a record is a bad record ",
            "unless --drop-extra. A record already in the target shape, whose roles all have the shape's own ",
            "names and which no flag rebuilds (--template, --system, --drop-extra), is checked and written ",
            "unchanged, byte for byte.\n\n",
            "alpaca: the prompt is instruction and input joined by a newline (an empty one left out, as ",
            "LLaMA-Factory does); history holds the earlier [prompt, response] pairs; an alpaca record ",
            "written by fmt-migrate has the whole prompt in instruction and input \"\".\n\n",
            "sharegpt: human, gpt and observation are the user, assistant and tool roles. A function_call ",
            "turn is an assistant turn with tool_calls: a JSON array value is taken as it is, a {\"name\", ",
            "\"arguments\"} object becomes one OpenAI call whose arguments are a JSON string. An assistant ",
            "message with tool_calls and no content becomes a function_call turn whose value is the calls' ",
            "JSON text. Tool definitions stored as a JSON string (sharegpt) become that JSON (messages) and ",
            "back. A leading system prompt is written as the system field (as a system turn when it has ",
            "fields of its own).\n\n",
            "Shapes with no place of their own for the system prompt or the tools (input-output, ",
            "prompt-completion, supervised, prompt-output, qa, preference, teacher) write them as top-level ",
            "system and tools fields and read them from there; --drop-extra leaves them out. Message fields ",
            "(name, tool_call_id, loss_weight, ...) stay on the turn in sharegpt and messages; a shape ",
            "without turn objects cannot hold them, so such a record is a bad record unless --drop-extra. A ",
            "preference record converts only to a shape that holds a preference pair (preference, ",
            "preference-messages, sharegpt, alpaca), and a conversation of several exchanges only to one that ",
            "holds several (messages, sharegpt, alpaca); the reason names the shapes whose checks this very ",
            "record passes (\"convert it to preference-messages, sharegpt or alpaca, which hold it whole\"), ",
            "so a multi-turn pair is never sent to preference.\n\n",
            "hh-rlhf (Anthropic/hh-rlhf; the split TRL's hh-rlhf-helpful-base script makes): each side is split ",
            "into turns at \"\\n\\nHuman:\" and \"\\n\\nAssistant:\" markers, the one space after the colon left ",
            "out. A marker ends a turn only at a turn boundary: after a blank line, followed by a space, a line ",
            "break or the end of the text, and naming the other role (turns alternate); \"Human:\" inside a line, ",
            "or a human turn quoting \"\\n\\nHuman: ...\", stays text of its turn. The prompt is every turn but ",
            "the last, which must be an Assistant turn on both sides; two sides whose prompts differ are a bad ",
            "record (\"chosen and rejected do not share the prompt\"). --to preference-messages writes the ",
            "prompt turns and the two last assistant turns; --to preference writes the prompt as the shared ",
            "transcript ending in the \"\\n\\nAssistant:\" marker (as Dahoas/full-hh-rlhf does) and the two ",
            "responses as text; every other target (messages, sharegpt, alpaca, ...) gets the chosen ",
            "conversation, and the rejected side is dropped. Without --to, preference-messages.\n\n",
            "oasst-tree (the OpenAssistant oasst1/oasst2 *.trees.jsonl export, oasst-data's ExportMessageTree): ",
            "one input record gives many. --to messages, sharegpt or alpaca writes one conversation per ",
            "root-to-leaf path (depth first, replies in their order); a path ends at an assistant message, so ",
            "prompter messages nobody answered are left off its end, and a path is written only when no longer ",
            "one runs through its last message. --to preference-messages writes one pair per two ranked ",
            "assistant replies to one prompter message (rank 0 is the best), chosen by --pairs: best-worst ",
            "(default: one pair per group), best-rest (the best against each other) or all (every two); ",
            "replies without a rank are never paired and are counted. Two replies of the same rank are no ",
            "preference: a pair the rule names of them (best-worst when every rank is equal, best-rest and all ",
            "for each tie) is not written and is counted as tied_pairs, and a tree whose named pairs are all ",
            "tied is left out under \"oasst tree has only equally ranked replies\". --pairs needs --to ",
            "preference or preference-messages (with any other target, or --from a shape other than ",
            "oasst-tree, it would choose nothing: exit 2). --to preference holds a one-turn prompt, ",
            "so only the pairs under the root prompt are written, and the deeper ones are counted. A message with ",
            "deleted: true or review_result: false is left out with every message under it; they are counted ",
            "apart. Roles must alternate (prompter, then assistant), or the tree is a bad record. Every record ",
            "keeps the tree's own fields (message_tree_id, tree_state, origin, ...), then message_ids (the ids ",
            "of its conversation or prompt, root first), lang (the root's) and, for pairs, chosen_id and ",
            "rejected_id; --drop-extra keeps message_tree_id and the id fields, so phase-split --group ",
            "message_tree_id keeps a tree in one split. Per-message review fields (labels, emojis, events, ",
            "rank) are not carried. A tree that gives no record (no answered prompt, no ranked pair) is left out ",
            "and counted by reason. The summary and --stats (oasst_trees) count the records written and the ",
            "messages left out; lines_out counts every record written, records_written the input records that gave ",
            "at least one. Without --to, messages.\n\n",
            "Round trips: converting A to B and back returns the original record, byte for byte, for every ",
            "pair of chat shapes, when the record is in A's canonical form (its fields in the order listed ",
            "under SHAPES, compact JSON) and B can hold it (one exchange without tool calls for the ",
            "one-exchange shapes). The one documented loss is alpaca's instruction/input split, which comes ",
            "back as one instruction."
        ),
    ),
    (
        "Detection",
        concat!(
            "With --from auto (the default) each record's shape is detected from its fields, by the first ",
            "rule that matches:\n\n",
            "  messages             has messages\n",
            "  sharegpt             has conversations\n",
            "  oasst-tree           has message_tree_id, and prompt is an object\n",
            "  hh-rlhf              has chosen and rejected but neither prompt nor instruction, and chosen is\n",
            "                        a string starting with Human: (after blank lines)\n",
            "  preference-messages  has chosen and rejected, and chosen is an array\n",
            "  alpaca               has instruction, and output or chosen\n",
            "  preference           has prompt, chosen and rejected\n",
            "  teacher              has requirements_yaml, teacher_product_vision or teacher_product_owner_review\n",
            "  prompt-output        has prompt and output\n",
            "  supervised           has prompt and response\n",
            "  prompt-completion    has prompt and completion\n",
            "  input-output         has input and output\n",
            "  qa                   has question and answer\n\n",
            "A record that matches no rule is a bad record (\"matches no shape\", with its fields, and the ",
            "nearest shape with the fields it lacks: \"nearest: preference, which lacks the field prompt\"). ",
            "The nearest shape is the one whose required fields (those of the rules above) the record holds ",
            "the most of, then the one lacking the fewest; a shape is ruled out when a field it shares has a ",
            "kind the shape cannot read (oasst-tree needs an object prompt; chosen as strings is preference, ",
            "as lists preference-messages; hh-rlhf has no prompt or instruction). Shapes equally near are all ",
            "named (\"nearest: prompt-output, which lacks the field output; as near: supervised, which lacks ",
            "the field response; ...\"). So {prompt, rejected} is nearest to preference, lacking chosen. --from ",
            "SHAPE skips detection and reads every record as SHAPE; a record without the shape's fields is a ",
            "bad record (\"missing requirements_yaml\").\n\n",
            "--detect converts nothing: it counts the records of each shape with the lines of the first ",
            "five, reports the records that match none as bad records, and exits 1 when the input mixes ",
            "shapes, unless --allow-mixed. It detects, so --from may name a document format but not a ",
            "record shape. This is the check that would have caught seed 004's teacher file ",
            "holding ten prompt/output records before training."
        ),
    ),
    (
        "Teacher",
        concat!(
            "teacher to any other shape builds the prompt and the response from these default templates ",
            "(a custom --template replaces one):\n\n",
            "  You are a Product Owner. Review the requirements against the product concept.\n",
            "  \n",
            "  Concept: {{concept}}\n",
            "  \n",
            "  Requirements:\n",
            "  ```yaml\n",
            "  {{requirements_yaml}}\n",
            "  ```\n",
            "  \n",
            "  Answer with a ```yaml VISION block and a ```yaml REVIEW block.\n\n",
            "  ```yaml VISION\n",
            "  {{teacher_product_vision}}\n",
            "  ```\n",
            "  ```yaml REVIEW\n",
            "  {{teacher_product_owner_review}}\n",
            "  ```\n\n",
            "A teacher record missing one of the four fields, or with one of them empty, is a bad record ",
            "(\"missing requirements_yaml\", \"requirements_yaml is empty\"): seed 004's preparation script ",
            "skipped such records silently. So is one whose requirements_yaml, teacher_product_vision or ",
            "teacher_product_owner_review holds a line starting with ``` while the default template fences ",
            "it (the block would end there, and the text would not come back).\n\n",
            "Any shape to teacher reads the four fields back out of the prompt (the last user turn) and the ",
            "response (the last assistant turn) with these built-in --extract rules (FIELD, text, REGEX):\n\n",
            "  concept                        prompt    (?s)Concept:[ \\t]*(.*?)\\s*\\n[ \\t]*Requirements:\n",
            "  requirements_yaml              prompt    (?s)Requirements:[ \\t]*\\n[ \\t]*```(?:ya?ml)?[^\\n]*\\n(.*?)\\n[ \\t]*```\n",
            "  teacher_product_vision         response  (?s)```ya?ml[ \\t]+VISION[ \\t]*\\n(.*?)\\n[ \\t]*```\n",
            "  teacher_product_owner_review   response  (?s)```ya?ml[ \\t]+REVIEW[ \\t]*\\n(.*?)\\n[ \\t]*```\n\n",
            "A text that does not match is a bad record (\"output has no ```yaml REVIEW block\"). An ",
            "--extract rule for one of these fields replaces the built-in one. The prompt-output records of ",
            "seed 004 become teacher records with: fmt-migrate --to teacher."
        ),
    ),
    (
        "Extraction and templates",
        concat!(
            "--extract FIELD=SOURCE_PATH:REGEX reads the string at SOURCE_PATH (a field path of the input ",
            "record; the first `:` ends it) and sets FIELD to the text of the first named group of REGEX, ",
            "or its first group, or the whole match (Rust regex syntax; (?s) lets . match newlines). FIELD ",
            "is appended to the output record, or replaces a field of that name. A missing or non-string ",
            "source, or text that does not match, makes the record a bad record.\n\n",
            "--template [PART=]FILE|TEXT builds the prompt (the last user turn), the ",
            "response (the last assistant turn) or the system prompt from {{path}} placeholders: field paths ",
            "of the input record, or a field set by --extract. PART is prompt, response or system; each may ",
            "be given once, in any order, and no prefix means prompt=. Any other word before a = ",
            "(instruction=, completion=) is a usage error naming the parts, so it never becomes the start of ",
            "the prompt's text unseen; a prompt that does start with such a word is written with the part ",
            "given: --template 'prompt=instruction={{q}}'. A value that ",
            "contains {{ is the template itself; anything else is the path of a file holding it. A ",
            "placeholder becomes a string's text or any other value's JSON text; a placeholder whose field ",
            "is missing or null makes the record a bad record, never an empty string. The top-level fields ",
            "a placeholder names whole are consumed (not kept as extra fields).\n\n",
            "--system TEXT sets the system prompt of every record, replacing its own.\n\n",
            "Bringing any shape in. The order is: extract and template, then detect, then convert. A record ",
            "that matches no shape (with --from SHAPE: that lacks one of SHAPE's fields) is first built: ",
            "every --extract FIELD and every --template text is set on it as a field (prompt=, response= ",
            "and system= build the fields prompt, response and system; with --from SHAPE, SHAPE's own ",
            "prompt and response fields, such as instruction and output for alpaca), and the built record ",
            "is detected and converted; the fields a template names whole are consumed. So ",
            "{\"question\", \"chosen\", \"rejected\"} with --template prompt={{question}} is a preference ",
            "record, and an in-house {\"q\", \"a\"} with --template prompt={{q}} --template response={{a}} a ",
            "supervised one. --detect accepts --extract and --template and reports the shapes the built ",
            "records have. A record that already has a shape is not built: its templates replace its ",
            "turns, and its --extract fields are added to the output, as described above. Without --to ",
            "(nor --from SHAPE, --detect, --system or --drop-extra, which need a shape) a record that still ",
            "matches no shape once built is written as built, as --extract alone writes one: a record of no ",
            "shape keeps having none (counted as \"of no shape, as built\"; no_shape_written in --stats); ",
            "with --to, --detect or --system it is a bad record naming the nearest shape."
        ),
    ),
    (
        "Checks",
        concat!(
            "Before a record is written the target shape's rules are checked, as OpenAI's data preparation ",
            "checks do: no empty or whitespace-only content (an assistant message that only calls tools ",
            "needs none); text where the shape stores text; at least one user and one assistant turn; roles ",
            "from the shape's vocabulary (an unknown role is a bad record when read); sharegpt turns ",
            "alternate (human or observation, then gpt or function_call) and end with gpt; alpaca turns ",
            "alternate user and assistant; the one-exchange shapes hold exactly one prompt and one ",
            "response. A violation is a bad record whose reason names the turn: \"sharegpt turn 3 has role ",
            "'gpt' twice in a row\", \"messages has no assistant turn\"."
        ),
    ),
    (
        "Documents",
        concat!(
            "squad: each question becomes {\"input\": \"Context: <context>\\nQuestion: <question>\", ",
            "\"output\": <the first answer>}, with its title and id kept (and plausible_answers, when ",
            "present, unless --drop-extra), and is_impossible: true or false (false when the file has none), ",
            "in every target shape and also with --drop-extra, so that phase-split puts every unanswerable ",
            "question in its refusal phase whatever the --refusal text. An unanswerable question ",
            "(is_impossible) gets the --refusal text; ",
            "a question with no answers that is not marked is_impossible (an unlabelled test split) is a bad ",
            "record, and so is an empty question. Without --to the records are input-output; --to makes them any other shape.\n\n",
            "graph-response and json-array: every element of the array (or of the value, events, data, ",
            "records or items array of a wrapper object, of every page) is one record, written as it is ",
            "unless --to converts it. These files, SQuAD and CSV files are read whole; messages give the ",
            "line of the original file on which a record starts and, for JSON documents, where the record ",
            "sits in it as a JSON Pointer: \"(at /3)\" for a JSON array, \"(at /value/3)\" in a wrapper, ",
            "\"(at /data/0/paragraphs/2/qas/1)\" for a SQuAD question (\"record 4\" in a file of several pages). ",
            "--detect lists the first records of each shape the same way.\n\n",
            "csv in: each header is the column's field path (dotted, or a JSON Pointer for keys that contain ",
            "dots). A cell holding true, false, null, a JSON number, or exactly one JSON array, object or ",
            "string literal is read as that value; an empty cell leaves the field out; anything else is a ",
            "string. A row with more cells than the header is a bad record. A file whose first line is a ",
            "whole JSON object or array is refused (exit 2): it is JSONL, and its first record would ",
            "otherwise be taken for the header.\n\n",
            "csv out (--to csv): the header is the union of every record's leaf fields in first-seen order ",
            "(nested objects become dotted columns; arrays stay JSON text in one cell). A string is written ",
            "as its text unless that text would be read back as another value (\"42\", \"true\", \"\"), ",
            "when it is written as its JSON literal; so CSV to JSONL gives back the same values. --to csv ",
            "keeps the records until the end of the input.\n\n",
            "--to csv writes CSV, and --to json-array one JSON array (a record per line), to standard ",
            "output: the only outputs of the suite that are not JSONL."
        ),
    ),
    (
        "Summary",
        concat!(
            "One line on standard error, e.g.\n\n",
            "  fmt-migrate: converted 379 of 379 records to teacher (100.0%): 369 from teacher (369 unchanged), 10 from prompt-output; 0 rejected\n",
            "  fmt-migrate: note: the input mixes shapes (369 teacher, 10 prompt-output); every record that converted was written as teacher\n\n",
            "--detect prints the records of each shape and the lines of the first five of each. --stats FILE ",
            "writes the same figures as JSON (shapes: records, written, unchanged, first_lines; mixed; ",
            "no_shape_written; for trees, oasst_trees: records_out, deleted, failed_review, under_left_out, ",
            "unanswered, unranked, multi_turn_pairs, tied_pairs)."
        ),
    ),
];

#[cfg(test)]
mod tests {
    use super::super::shape::Shape;
    use super::super::{DOC, text};

    fn section(title: &str) -> &'static str {
        DOC.sections.iter().find(|(t, _)| *t == title).map(|(_, body)| *body).unwrap_or_default()
    }

    #[test]
    fn the_man_page_shows_the_templates_and_rules_in_use() {
        let teacher = section("Teacher");
        for line in text::TEACHER_PROMPT.lines().chain(text::TEACHER_RESPONSE.lines()) {
            assert!(teacher.contains(&format!("  {line}\n")), "{line}");
        }
        for (field, _, pattern, _) in text::TEACHER_RULES {
            assert!(teacher.contains(field) && teacher.contains(pattern), "{pattern}");
        }
        let shapes = section("Shapes");
        for shape in Shape::ALL {
            assert!(shapes.contains(&format!("  {} ", shape.name())), "{}", shape.name());
            assert!(
                section("Detection").contains(&format!("  {} ", shape.name())),
                "{}",
                shape.name()
            );
        }
    }
}
