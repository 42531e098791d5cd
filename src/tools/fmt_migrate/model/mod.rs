//! The one internal model every conversion goes through: an optional system
//! prompt, the turns of a conversation with their roles, an optional pair of
//! preference responses, the tool definitions, and every field the conversion
//! does not consume. Values are kept as their original JSON text, so a string
//! is copied byte for byte (escapes included) from one shape to another, and a
//! field nobody reads is written back exactly as it came in.
//!
//! Each shape has a reader (record → model) and a writer (model → record);
//! writers check what the target shape needs (chat sanity checks) before they
//! write, so a record that cannot be converted is rejected with a reason and
//! nothing partial is written.
//!
//! [`types`] holds the model, [`readers`] the readers and [`writers`] the
//! writers; [`hh`] reads Anthropic HH-RLHF transcripts and [`oasst`]
//! OpenAssistant message trees (one record in, many out). Everything public
//! in them is reachable from here.

mod hh;
mod oasst;
mod readers;
mod types;
mod writers;

pub use hh::*;
pub use oasst::*;
pub use readers::*;
pub use types::*;
pub use writers::*;

#[cfg(test)]
mod tests {
    use super::super::shape::Shape;
    use super::readers::tool_calls_from;
    use super::writers::calls_to_sharegpt;
    use super::*;

    fn convert(line: &str, from: Shape, to: Shape) -> Result<String, Bad> {
        let mut rec = Record::new(line.as_bytes()).unwrap();
        let model = match from {
            Shape::Messages => read_messages_shape(&mut rec)?,
            Shape::Sharegpt => read_sharegpt(&mut rec)?,
            Shape::Alpaca => read_alpaca(&mut rec)?,
            Shape::InputOutput => read_pair(&mut rec, "input", "output")?,
            _ => unreachable!(),
        };
        let mut out = Vec::new();
        write(&model, to, WriteOptions::default(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn alpaca_joins_instruction_and_input_like_llama_factory() {
        let line = r#"{"instruction":"Sum","input":"1 \u0026 2","output":"3","id":7}"#;
        assert_eq!(
            convert(line, Shape::Alpaca, Shape::Messages).unwrap(),
            r#"{"messages":[{"role":"user","content":"Sum\n1 \u0026 2"},{"role":"assistant","content":"3"}],"id":7}"#
        );
    }

    #[test]
    fn tool_calls_become_function_call_turns_and_back() {
        let line = r#"{"messages":[{"role":"user","content":"up"},{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]},{"role":"tool","content":"ok","tool_call_id":"c"},{"role":"assistant","content":"done"}]}"#;
        let sharegpt = convert(line, Shape::Messages, Shape::Sharegpt).unwrap();
        assert_eq!(
            sharegpt,
            r#"{"conversations":[{"from":"human","value":"up"},{"from":"function_call","value":"[{\"id\":\"c\",\"type\":\"function\"}]"},{"from":"observation","value":"ok","tool_call_id":"c"},{"from":"gpt","value":"done"}]}"#
        );
        assert_eq!(convert(&sharegpt, Shape::Sharegpt, Shape::Messages).unwrap(), line);
    }

    #[test]
    fn glaive_function_calls_get_openai_arguments_strings() {
        assert_eq!(
            tool_calls_from(r#"{"name": "f", "arguments": {"a": 1}}"#).unwrap(),
            br#"[{"type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}}]"#.to_vec()
        );
        assert!(tool_calls_from("not json").is_none());
        let openai = br#"[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}},{"type":"function","function":{"name":"g","arguments":"x"}}]"#;
        let sharegpt = calls_to_sharegpt(openai);
        assert_eq!(
            sharegpt,
            br#"[{"name":"f","arguments":{"a": 1},"id":"c1"},{"name":"g","arguments":"x"}]"#
                .to_vec()
        );
        assert_eq!(
            tool_calls_from(std::str::from_utf8(&sharegpt).unwrap()).unwrap(),
            openai.to_vec()
        );
    }

    #[test]
    fn sharegpt_alternation_is_checked() {
        let line = r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"},{"from":"gpt","value":"c"}]}"#;
        let e = convert(line, Shape::Sharegpt, Shape::Sharegpt).unwrap_err();
        assert_eq!(e.message, "sharegpt turn 3 has role 'gpt' twice in a row");
    }
}
