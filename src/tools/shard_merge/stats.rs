//! `shard-merge stats`: the `--stats` objects of a tool's shard runs merged
//! into the object the whole run would have written.
//!
//! Every key of every shard goes through a rule of its tool's table
//! (`rules`): counts are summed, settings must agree, tallies by reason are
//! added, derived figures (retention, shares, whether shapes are mixed) are
//! recomputed from the merged counts, and positions go through the shard map.
//! A key without a rule, or a tool whose figures cannot be rebuilt from its
//! shards' stats, is refused with the reason: a merged figure is exact or it
//! is not written. Timing and invocation fields are the exception:
//! `elapsed_seconds` is the sum over the shards, `args` is the first shard's,
//! and both are listed per shard under `shards`.

use serde_json::{Map, Value, json};

use super::map::Shard;
use crate::error::Error;
use crate::report::share_json;

/// How one key merges across shards.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// A setting: the same value in every shard.
    Same,
    /// A count: the sum.
    Sum,
    /// A resource figure (seconds, bytes spilled): the sum, not a whole-run fact.
    Resource,
    /// Counts by name: added name by name.
    Tally,
    /// Recomputed from the merged counts after the merge.
    Derived,
    /// One value per shard: listed under `shards`.
    PerShard,
    /// An object whose keys follow these rules.
    Obj(&'static [(&'static str, Rule)]),
    /// Names mapped to objects that follow these rules (classes, shapes).
    Classes(&'static [(&'static str, Rule)]),
    /// Names mapped to tallies (a matrix).
    Tallies,
    /// An array of objects merged item by item, matched by the value of
    /// this key ("name", an id).
    Keyed(&'static str, &'static [(&'static str, Rule)]),
    /// Refused wherever present: the text says why.
    Refuse(&'static str),
    /// A setting that must be the same in every shard, with the text saying
    /// how to make it so when it is not.
    SameOr(&'static str),
    /// Must be null in every shard, or the tool's figures cannot be merged:
    /// the text says why.
    Null(&'static str),
    /// Handled by the tool's own step (positions, failures).
    Custom,
}

use Rule::*;

/// Keys every tool's --stats has ([`crate::report::stats_object`], [`crate::run::Run::finish`]).
const COMMON: &[(&str, Rule)] = &[
    ("tool", Same),
    ("version", Same),
    ("args", PerShard),
    ("elapsed_seconds", Resource),
    ("records_in", Sum),
    ("records_written", Sum),
    ("lines_out", Sum),
    ("filtered", Tally),
    ("rejected", Tally),
    ("blank_lines", Sum),
    ("complete", Custom),
    ("absent_fields", Custom),
    ("output_withheld", Custom),
];

const SCORE_FILTER: &[(&str, Rule)] = &[
    ("field", Same),
    ("min", Same),
    ("max", Same),
    ("kept", Sum),
    ("retention", Derived),
    ("missing", Obj(&[("count", Sum), ("policy", Same), ("coerce", Same)])),
    (
        "sampling",
        Null(
            "--max-samples and --max-per choose over the whole input: run the sampling again over \
the concatenated shard outputs (README, Scaling out) and keep that run's --stats",
        ),
    ),
    (
        "by",
        Obj(&[
            ("field", Same),
            (
                "classes",
                Classes(&[
                    ("in", Sum),
                    ("kept", Sum),
                    ("filtered", Sum),
                    ("rejected", Sum),
                    ("retention", Derived),
                ]),
            ),
        ]),
    ),
];

const FMT_MIGRATE: &[(&str, Rule)] = &[
    ("from", Same),
    ("to", Same),
    ("allow_mixed", Same),
    ("mixed", Derived),
    (
        "shapes",
        Classes(&[
            ("records", Sum),
            ("records_out", Sum),
            ("written", Sum),
            ("unchanged", Sum),
            ("first_lines", Custom),
        ]),
    ),
    ("no_shape_written", Sum),
    (
        "oasst_trees",
        Obj(&[
            ("records_out", Sum),
            ("deleted", Sum),
            ("failed_review", Sum),
            ("under_left_out", Sum),
            ("unanswered", Sum),
            ("unranked", Sum),
            ("multi_turn_pairs", Sum),
            ("tied_pairs", Sum),
        ]),
    ),
];

const PHASE_SPLIT: &[(&str, Rule)] = &[
    (
        "classifier",
        Obj(&[
            ("answer", Same),
            ("context", Same),
            ("default_refusals", Same),
            ("max_extractive_words", Same),
            ("mode", Same),
            ("reasons", Tally),
            ("answers_from_chosen", Sum),
            ("refusal_patterns", Same),
            ("field", Same),
            ("rules", Same),
        ]),
    ),
    ("group", Same),
    ("seed", Same),
    ("tagged", Same),
    (
        "order",
        Custom, // the same in every shard, or refused: a phase first seen in a later shard moves
    ),
    ("out_dir", PerShard),
    ("spilled_bytes", Resource),
    ("matrix", Tallies),
    ("phases", Keyed("name", &[("name", Same), ("records", Sum), ("share", Derived)])),
    (
        "splits",
        Keyed(
            "name",
            &[
                ("name", Same),
                ("records", Sum),
                ("requested", Same),
                ("share", Derived),
                ("of_requested", Derived),
            ],
        ),
    ),
    ("min_share", Obj(&[("required", Same), ("below", Derived), ("failed", Derived)])),
];

const EXPLAIN: &str = "--explain lists conflict examples by position and dead rules over the \
whole input: merge the stats of shard runs without --explain, or run --explain once over the \
whole input";

const PERSONA_LABEL: &[(&str, Rule)] = &[
    ("rules", Same),
    (
        "generation_timestamp",
        SameOr(
            "each shard wrote its own time of run; give every shard the same \
SOURCE_DATE_EPOCH or --timestamp (the Spark integration does)",
        ),
    ),
    ("labels", Tally),
    (
        "personas",
        Keyed(
            "id",
            &[
                ("id", Same),
                ("name", Same),
                ("tier", Same),
                ("source", Same),
                ("events", Sum),
                ("labels", Tally),
                ("rsvp", Tally),
                ("prep", Obj(&[("events", Sum), ("minutes", Sum), ("mean_minutes", Derived)])),
                ("conflicts", Sum),
                ("rules", Refuse(EXPLAIN)),
                ("priorities", Refuse(EXPLAIN)),
                ("dead_rules", Refuse(EXPLAIN)),
                ("conflict_examples", Refuse(EXPLAIN)),
            ],
        ),
    ),
];

const GRAPH_VALIDATE: &[(&str, Rule)] = &[
    ("valid", Sum),
    ("invalid", Sum),
    ("not_json", Sum),
    ("errors", Obj(&[("total", Sum), ("by_path_kind", Custom)])),
    // Document inputs are whole shards: their list is the shards' lists joined.
    ("documents", Custom),
    ("warnings", Obj(&[("total", Sum), ("events", Sum), ("by_kind", Tally)])),
    ("checks", Same),
    (
        "alignment",
        Null(
            "--real's alignment and realism figures are shares and top lists over the whole \
input, which the stats do not carry in mergeable form: run the shards without --real, and \
graph-validate --real once over the concatenated shard outputs",
        ),
    ),
    ("realism", Null("--real: see alignment")),
];

/// The tool's table, or why its stats cannot be merged.
fn rules(tool: &str) -> Result<&'static [(&'static str, Rule)], String> {
    match tool {
        "score-filter" => Ok(SCORE_FILTER),
        "fmt-migrate" => Ok(FMT_MIGRATE),
        "phase-split" => Ok(PHASE_SPLIT),
        "dist-report" => Err("dist-report's figures (quantiles, distinct values, diversity) are \
rebuilt from its mergeable states, not its --stats: run each shard with --partial FILE, then \
`dist-report --merge STATE...`"
            .into()),
        "graph-validate" => Ok(GRAPH_VALIDATE),
        "persona-label" => Ok(PERSONA_LABEL),
        "llm-batch" => Err("llm-batch judges the whole input (a custom_id used twice, the \
provider's file limits), which no shard sees: run it once over the concatenated shard outputs"
            .into()),
        "shard-merge" => Err("these are shard-merge's own stats".into()),
        other => Err(format!("`{}` is not a synthkit tool", crate::report::printable(other))),
    }
}

/// The merged stats and, when the whole run would have exited 1 for reasons
/// the merged figures show, those reasons.
pub struct Merged {
    pub stats: Value,
    pub failures: Vec<String>,
}

/// Merges shard stats given in shard order as (name, object).
pub fn merge(shards: &[(String, Value)], map: Option<&[Shard]>) -> Result<Merged, Error> {
    let Some((_, first)) = shards.first() else {
        return Err(Error::Usage("no --stats files to merge".into()));
    };
    let tool = first.get("tool").and_then(Value::as_str).unwrap_or_default().to_string();
    let refuse = |why: String| Error::Usage(format!("cannot merge these {tool} stats: {why}"));
    for (name, value) in shards {
        let Some(other) = value.get("tool").and_then(Value::as_str) else {
            return Err(Error::Usage(format!("{name}: not a synthkit --stats file (no \"tool\")")));
        };
        if other != tool {
            return Err(Error::Usage(format!(
                "{name} is a {} run, the first shard a {} run: merge one tool's shards at a time",
                crate::report::printable(other),
                crate::report::printable(&tool)
            )));
        }
        if value.get("complete") == Some(&Value::Bool(false)) {
            return Err(refuse(format!(
                "{name}: the shard stopped at its first bad record (--fail-fast), so the whole \
run would have stopped earlier and its counts are not the sum"
            )));
        }
        if value.get("output_withheld").is_some() {
            return Err(refuse(format!(
                "{name}: a gate failed in the shard; a gate judges the whole input"
            )));
        }
    }
    let table = rules(&tool).map_err(refuse)?;
    let rules: Vec<(&str, Rule)> = COMMON.iter().chain(table).copied().collect();
    let objects: Vec<&Value> = shards.iter().map(|(_, v)| v).collect();
    let mut merged =
        merge_object(&objects, &rules, "").map_err(|why| refuse(why.replace('\u{0}', "")))?;
    let shard_list: Vec<Value> = shards
        .iter()
        .map(|(name, v)| {
            let mut entry = Map::new();
            entry.insert("stats".into(), json!(name));
            for key in ["args", "elapsed_seconds", "out_dir"] {
                if let Some(value) = v.get(key) {
                    entry.insert(key.into(), value.clone());
                }
            }
            Value::Object(entry)
        })
        .collect();
    for key in ["args", "out_dir"] {
        if let Some(value) = first.get(key) {
            merged.insert(key.into(), value.clone());
        }
    }
    merged.insert("complete".into(), Value::Bool(true));
    let mut failures = Vec::new();
    let absent = absent_fields(shards).map_err(refuse)?;
    if !absent.is_empty() {
        failures.push(format!("no record holds {}", absent.join(", ")));
        merged.insert("absent_fields".into(), json!(absent));
    }
    derive(&tool, &mut merged, shards, map).map_err(refuse)?;
    if tool == "fmt-migrate"
        && merged.get("allow_mixed") == Some(&Value::Bool(false))
        && merged.get("mixed") == Some(&Value::Bool(true))
    {
        failures.push("the input holds mixed shapes (--detect without --allow-mixed)".into());
    }
    let problems = merged.get("checks").and_then(|c| c.get("problems"));
    let count = |key: &str| merged.get(key).and_then(Value::as_u64).unwrap_or(0);
    if tool == "graph-validate"
        && problems == Some(&Value::Bool(true))
        && count("invalid") + count("not_json") > 0
    {
        failures.push(format!(
            "--problems: {} invalid events and {} lines that are not JSON objects",
            count("invalid"),
            count("not_json")
        ));
    }
    let split_gate = merged.get("min_share").and_then(|m| m.get("failed"));
    if tool == "phase-split" && split_gate == Some(&Value::Bool(true)) {
        let below = merged.get("min_share").and_then(|m| m.get("below")).cloned();
        failures.push(format!(
            "splits below --min-share: {}",
            below.map(|b| b.to_string()).unwrap_or_default()
        ));
    }
    let rejected = merged
        .get("rejected")
        .and_then(Value::as_object)
        .map_or(0, |t| t.values().filter_map(Value::as_u64).sum::<u64>());
    let uncaptured = shards.iter().any(|(_, v)| !names_rejects(v));
    if rejected > 0 && uncaptured {
        failures.push(format!("{rejected} bad records not captured by --rejects"));
    }
    merged.insert("shards".into(), Value::Array(shard_list));
    Ok(Merged { stats: Value::Object(merged), failures })
}

/// Whether a shard ran with --rejects FILE (its bad records then do not by
/// themselves make the exit status 1).
fn names_rejects(stats: &Value) -> bool {
    stats.get("args").and_then(Value::as_array).is_some_and(|args| {
        args.iter()
            .filter_map(Value::as_str)
            .any(|a| a == "--rejects" || a.starts_with("--rejects="))
    })
}

fn merge_object(
    objects: &[&Value],
    rules: &[(&str, Rule)],
    at: &str,
) -> Result<Map<String, Value>, String> {
    let mut merged = Map::new();
    for object in objects {
        let Some(map) = object.as_object() else {
            return Err(format!("{at} is not an object in every shard"));
        };
        if let Some(key) = map.keys().find(|k| !rules.iter().any(|(name, _)| name == k)) {
            return Err(format!(
                "shard-merge has no rule for the key `{at}{}` (a newer tool version?), so it \
cannot say what the whole run would have written",
                crate::report::printable(key)
            ));
        }
    }
    for (key, rule) in rules {
        let values: Vec<&Value> = objects.iter().filter_map(|o| o.get(*key)).collect();
        if values.is_empty() {
            continue;
        }
        let path = format!("{at}{key}");
        if values.len() != objects.len() && !matches!(rule, Custom | Classes(_)) {
            return Err(format!("`{path}` is in some shards' stats only"));
        }
        if let Some(value) = merge_values(&values, *rule, &path)? {
            merged.insert((*key).to_string(), value);
        }
    }
    Ok(merged)
}

fn merge_values(values: &[&Value], rule: Rule, path: &str) -> Result<Option<Value>, String> {
    Ok(Some(match rule {
        Same => {
            if values.iter().any(|v| *v != values[0]) {
                return Err(format!("`{path}` differs between the shards (different flags?)"));
            }
            values[0].clone()
        }
        Sum => json!(sum(values, path)?),
        Resource => {
            let total: f64 = values.iter().filter_map(|v| v.as_f64()).sum();
            if values.iter().all(|v| v.is_u64()) {
                json!(sum(values, path)?)
            } else {
                json!(crate::report::round6(total))
            }
        }
        // A tally a mode leaves out (null in every shard) stays null.
        Tally if values.iter().all(|v| v.is_null()) => Value::Null,
        Tally => tally(values, path)?,
        SameOr(why) => {
            if values.iter().any(|v| *v != values[0]) {
                return Err(format!("`{path}` differs between the shards: {why}"));
            }
            values[0].clone()
        }
        Refuse(why) => return Err(why.to_string()),
        Tallies => {
            let maps = objects_of(values, path)?;
            let mut out = Map::new();
            for name in union(&maps) {
                let parts: Vec<&Value> = maps.iter().filter_map(|m| m.get(&name)).collect();
                out.insert(name.clone(), tally(&parts, &format!("{path}.{name}"))?);
            }
            Value::Object(out)
        }
        Obj(rules) => Value::Object(merge_object(values, rules, &format!("{path}."))?),
        Classes(rules) => {
            let maps = objects_of(values, path)?;
            let mut out = Map::new();
            for name in union(&maps) {
                let parts: Vec<&Value> = maps.iter().filter_map(|m| m.get(&name)).collect();
                let merged = merge_object(&parts, rules, &format!("{path}.{name}."))?;
                out.insert(name, Value::Object(merged));
            }
            Value::Object(out)
        }
        Keyed(key, rules) => keyed(values, key, rules, path)?,
        Null(why) => {
            if values.iter().any(|v| !v.is_null()) {
                return Err(why.to_string());
            }
            Value::Null
        }
        Derived | PerShard | Custom => return Ok(None),
    }))
}

/// An array of objects merged item by item, matched by the string at `key`,
/// in order of first appearance.
fn keyed(
    values: &[&Value],
    key: &str,
    rules: &'static [(&'static str, Rule)],
    path: &str,
) -> Result<Value, String> {
    let mut names: Vec<String> = Vec::new();
    let mut lists = Vec::new();
    for value in values {
        let Some(list) = value.as_array() else {
            return Err(format!("`{path}` is not a list in every shard"));
        };
        for item in list {
            let Some(name) = item.get(key).and_then(Value::as_str) else {
                return Err(format!("`{path}` has an item without a `{key}`"));
            };
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        lists.push(list);
    }
    let mut out = Vec::new();
    for name in &names {
        let parts: Vec<&Value> = lists
            .iter()
            .filter_map(|l| l.iter().find(|i| i.get(key) == Some(&json!(name))))
            .collect();
        out.push(Value::Object(merge_object(&parts, rules, &format!("{path}.{name}."))?));
    }
    Ok(Value::Array(out))
}

fn sum(values: &[&Value], path: &str) -> Result<u64, String> {
    values.iter().try_fold(0u64, |acc, v| {
        v.as_u64()
            .and_then(|n| acc.checked_add(n))
            .ok_or_else(|| format!("`{path}` is not a count in every shard"))
    })
}

fn objects_of<'a>(values: &[&'a Value], path: &str) -> Result<Vec<&'a Map<String, Value>>, String> {
    values
        .iter()
        .map(|v| v.as_object().ok_or_else(|| format!("`{path}` is not an object in every shard")))
        .collect()
}

/// Names of every map, first shard's first.
fn union(maps: &[&Map<String, Value>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for map in maps {
        for name in map.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

fn tally(values: &[&Value], path: &str) -> Result<Value, String> {
    let maps = objects_of(values, path)?;
    let mut out = Map::new();
    for name in union(&maps) {
        let parts: Vec<&Value> = maps.iter().filter_map(|m| m.get(&name)).collect();
        out.insert(name.clone(), json!(sum(&parts, &format!("{path}.{name}"))?));
    }
    Ok(Value::Object(out))
}

/// The watched paths no record of the whole input held: those every shard
/// that looked records up reports absent. A shard whose every record was
/// rejected may have looked none up, or looked one up that held the path
/// and was rejected for another reason: where that decides, refused.
fn absent_fields(shards: &[(String, Value)]) -> Result<Vec<String>, String> {
    let listed = |v: &Value| -> Option<Vec<String>> {
        v.get("absent_fields")?.as_array().map(|a| {
            a.iter().filter_map(Value::as_str).map(str::to_string).collect::<Vec<String>>()
        })
    };
    let count = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0);
    let rejected = |v: &Value| {
        v.get("rejected")
            .and_then(Value::as_object)
            .map_or(0, |t| t.values().filter_map(Value::as_u64).sum::<u64>())
    };
    let mut absent: Option<Vec<String>> = None;
    let mut unsure = None;
    for (name, v) in shards {
        match listed(v) {
            Some(paths) => {
                absent = Some(match absent {
                    None => paths,
                    Some(before) => before.into_iter().filter(|p| paths.contains(p)).collect(),
                })
            }
            None if count(v, "records_in") == 0 => {}
            None if count(v, "records_in") == rejected(v) => unsure = Some(name.clone()),
            None => absent = Some(Vec::new()),
        }
    }
    let absent = absent.unwrap_or_default();
    match unsure {
        Some(name) if !absent.is_empty() => Err(format!(
            "{} hold no record of {}, and every record of {name} was rejected, so its stats \
cannot say whether one of them held it",
            "the other shards",
            absent.join(", ")
        )),
        _ => Ok(absent),
    }
}

/// Figures recomputed from the merged counts, and positions mapped.
fn derive(
    tool: &str,
    merged: &mut Map<String, Value>,
    shards: &[(String, Value)],
    map: Option<&[Shard]>,
) -> Result<(), String> {
    let count = |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_u64).unwrap_or(0);
    match tool {
        "score-filter" => {
            let (kept, records) = (count(merged, "kept"), count(merged, "records_in"));
            merged.insert("retention".into(), share_json(kept, records));
            let classes = merged
                .get_mut("by")
                .and_then(|b| b.get_mut("classes"))
                .and_then(Value::as_object_mut);
            for class in classes.into_iter().flat_map(|c| c.values_mut()) {
                if let Some(class) = class.as_object_mut() {
                    let share = share_json(count(class, "kept"), count(class, "in"));
                    class.insert("retention".into(), share);
                }
            }
        }
        "fmt-migrate" => {
            let shapes = merged.get("shapes").and_then(Value::as_object).map_or(0, Map::len);
            merged.insert("mixed".into(), json!(shapes > 1));
            first_lines(merged, shards, map)?;
        }
        "graph-validate" => {
            graph_errors(merged, shards)?;
            let documents: Vec<Value> = shards
                .iter()
                .filter_map(|(_, v)| v.get("documents").and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect();
            merged.insert("documents".into(), Value::Array(documents));
        }
        "persona-label" => {
            let personas = merged.get_mut("personas").and_then(Value::as_array_mut);
            for persona in personas.into_iter().flatten() {
                let Some(prep) = persona.get_mut("prep").and_then(Value::as_object_mut) else {
                    continue;
                };
                let (events, minutes) = (count(prep, "events"), count(prep, "minutes"));
                let mean = crate::tools::persona_label::mean_minutes(minutes, events);
                prep.insert("mean_minutes".into(), json!(mean));
            }
        }
        "phase-split" => {
            let order = crate::tools::phase_split::union_of_orders(
                shards.iter().map(|(name, v)| (name.as_str(), v.get("order"))),
            )
            .map_err(|e| e.to_string())?;
            merged.insert("order".into(), json!(order));
            for key in ["phases", "splits"] {
                let Some(list) = merged.get_mut(key).and_then(Value::as_array_mut) else {
                    continue;
                };
                let total: u64 =
                    list.iter().filter_map(|i| i.get("records").and_then(Value::as_u64)).sum();
                for item in list.iter_mut().filter_map(Value::as_object_mut) {
                    let share = share_json(count(item, "records"), total);
                    item.insert("share".into(), if total == 0 { json!(0.0) } else { share });
                }
            }
            // The exact requested shares, from the run's --split (the stats
            // round them to 6 digits, which would move of_requested's last digit).
            let args: Vec<String> = shards[0]
                .1
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            split_shares(merged, crate::tools::phase_split::split_weights(&args));
        }
        _ => {}
    }
    Ok(())
}

/// graph-validate's errors by path and kind: counts added, then sorted as
/// graph-validate sorts them (count descending, path, kind).
fn graph_errors(merged: &mut Map<String, Value>, shards: &[(String, Value)]) -> Result<(), String> {
    use crate::tools::graph_validate::issue_kind_rank;
    let mut counts: Vec<(String, String, u64)> = Vec::new();
    for (name, stats) in shards {
        let listed = stats.get("errors").and_then(|e| e.get("by_path_kind"));
        let Some(listed) = listed.and_then(Value::as_array) else {
            return Err(format!("{name}: `errors.by_path_kind` is not a list"));
        };
        for item in listed {
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
            let (Some(path), Some(kind), Some(n)) =
                (text("path"), text("kind"), item.get("count").and_then(Value::as_u64))
            else {
                return Err(format!("{name}: `errors.by_path_kind` holds {item}"));
            };
            if issue_kind_rank(&kind).is_none() {
                return Err(format!(
                    "{name}: unknown issue kind {}",
                    crate::report::printable(&kind)
                ));
            }
            match counts.iter_mut().find(|(p, k, _)| *p == path && *k == kind) {
                Some((_, _, total)) => {
                    *total = total.checked_add(n).ok_or("`errors.by_path_kind` counts overflow")?
                }
                None => counts.push((path, kind, n)),
            }
        }
    }
    counts.sort_by(|a, b| {
        b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(issue_kind_rank(&a.1).cmp(&issue_kind_rank(&b.1)))
    });
    let list: Vec<Value> = counts
        .into_iter()
        .map(|(path, kind, n)| json!({"path": path, "kind": kind, "count": n}))
        .collect();
    if let Some(errors) = merged.get_mut("errors").and_then(Value::as_object_mut) {
        errors.insert("by_path_kind".into(), Value::Array(list));
    }
    Ok(())
}

/// phase-split's achieved share over requested share per split, and the
/// splits below --min-share (or far below their share without it), with
/// phase-split's own rule.
fn split_shares(merged: &mut Map<String, Value>, weights: Option<Vec<f64>>) {
    use crate::tools::phase_split::{FAR_BELOW, of_requested};
    let Some(splits) = merged.get_mut("splits").and_then(Value::as_array_mut) else { return };
    let total: u64 = splits.iter().filter_map(|i| i.get("records").and_then(Value::as_u64)).sum();
    let mut achieved = Vec::new();
    for (s, item) in splits.iter_mut().filter_map(Value::as_object_mut).enumerate() {
        let records = item.get("records").and_then(Value::as_u64).unwrap_or(0);
        let rounded = item.get("requested").and_then(Value::as_f64).unwrap_or(0.0);
        let exact = weights.as_ref().and_then(|w| w.get(s).copied());
        let requested = exact.filter(|w| crate::report::round6(*w) == rounded).unwrap_or(rounded);
        let of = of_requested(records, total, requested);
        item.insert("of_requested".into(), json!(crate::report::round6(of)));
        let name = item.get("name").cloned().unwrap_or(Value::Null);
        achieved.push((name, of));
    }
    let Some(min_share) = merged.get_mut("min_share").and_then(Value::as_object_mut) else {
        return;
    };
    let required = min_share.get("required").and_then(Value::as_f64);
    let floor = required.unwrap_or(FAR_BELOW);
    let below: Vec<Value> =
        achieved.into_iter().filter(|(_, of)| *of < floor).map(|(name, _)| name).collect();
    let failed = required.is_some() && !below.is_empty();
    min_share.insert("below".into(), Value::Array(below));
    min_share.insert("failed".into(), json!(failed));
}

/// fmt-migrate's first lines of each shape, as the whole run names them: the
/// shard's positions through the map, the first five in input order.
fn first_lines(
    merged: &mut Map<String, Value>,
    shards: &[(String, Value)],
    map: Option<&[Shard]>,
) -> Result<(), String> {
    const FIRST_LINES: usize = 5;
    let Some(map) = map else {
        return Err("fmt-migrate's stats name the first lines of each shape, which only the \
shard map can place in the original files: give --map"
            .into());
    };
    if map.len() != shards.len() {
        return Err(format!("the map has {} shards, but {} stats files", map.len(), shards.len()));
    }
    let mut files: Vec<&str> = map.iter().map(|s| s.file.as_str()).collect();
    files.dedup();
    let several = {
        let mut distinct = files.clone();
        distinct.sort();
        distinct.dedup();
        distinct.len() > 1
    };
    let Some(shapes) = merged.get_mut("shapes").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (label, shape) in shapes.iter_mut() {
        let mut lines = Vec::new();
        for ((_, stats), shard) in shards.iter().zip(map) {
            let listed = stats
                .get("shapes")
                .and_then(|s| s.get(label))
                .and_then(|s| s.get("first_lines"))
                .and_then(Value::as_array);
            for item in listed.into_iter().flatten() {
                let text = item.as_str().unwrap_or_default();
                // A shard of one source writes "N"; of several, "NAME:N".
                let number = text.rsplit(':').next().unwrap_or(text);
                let Ok(line) = number.parse::<u64>() else {
                    return Err(format!("`shapes.{label}.first_lines` holds {item}, not a line"));
                };
                if lines.len() < FIRST_LINES {
                    let line = shard.line(line);
                    lines.push(if several {
                        json!(format!("{}:{line}", shard.file))
                    } else {
                        json!(line.to_string())
                    });
                }
            }
        }
        if let Some(shape) = shape.as_object_mut() {
            shape.insert("first_lines".into(), Value::Array(lines));
        }
    }
    Ok(())
}
