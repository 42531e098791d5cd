//! The OpenAssistant tree conversion: one oasst-tree record read (see
//! `model::oasst`), adjusted and written as many records of the target
//! shape, one after another, with what the tree reader left out counted.

use super::model::{self, Bad, Record, TreeCounts, bad};
use super::shape::Shape;
use super::{Converted, Migrate, set_extracted};

impl Migrate {
    /// An OpenAssistant tree → its conversations or pairs, one after another.
    pub(super) fn convert_tree<'a>(
        &self,
        rec: &mut Record<'a>,
        out: &mut Vec<u8>,
        spare: &mut Vec<u8>,
        trees: &mut TreeCounts,
        built: bool,
    ) -> Result<Converted, Bad> {
        let target = self.target(Shape::OasstTree);
        if !target.takes_trees() {
            return Err(bad(
                format!("oasst-tree cannot become {}", target.name()),
                format!(
                    "an oasst-tree record becomes conversations (messages, sharegpt, alpaca) or pairs (preference, preference-messages), not {}",
                    target.name()
                ),
            ));
        }
        let extracted = self.extracted(rec, built)?;
        let mut tree = model::read_tree(rec)?;
        if let Some(repeated) = rec.repeated_used() {
            return Err(repeated);
        }
        let base = rec.rest();
        let (models, none) = match target {
            Shape::Preference => {
                (tree.pairs(&base, self.pairs, true), "oasst tree has no ranked pair of replies")
            }
            Shape::PreferenceMessages => {
                (tree.pairs(&base, self.pairs, false), "oasst tree has no ranked pair of replies")
            }
            _ => (tree.conversations(&base), "oasst tree has no answered prompt"),
        };
        let mut written = 0u64;
        let mut piece = Vec::new();
        for model in models {
            let model = self.adjust(model, rec, &extracted, Shape::OasstTree)?;
            piece.clear();
            model::write(&model, target, self.options, &mut piece).map_err(|e| {
                bad(e.category, format!("{} (in a conversation of this tree)", e.message))
            })?;
            if extracted.is_empty() {
                out.extend_from_slice(&piece);
            } else {
                spare.clear();
                set_extracted(&piece, &extracted, &[], spare)?;
                out.extend_from_slice(spare);
            }
            out.push(b'\n');
            written += 1;
        }
        // Counted only for a tree that made it: a bad tree's counts would
        // describe records nobody wrote.
        let mut counts = tree.counts;
        counts.records_out = written;
        trees.add(&counts);
        let none =
            if target.preference_only() && counts.tied_pairs > 0 && counts.multi_turn_pairs == 0 {
                "oasst tree has only equally ranked replies (no preference between them)"
            } else {
                none
            };
        Ok(Converted::Many(if written == 0 { Err(none) } else { Ok(written) }))
    }
}
