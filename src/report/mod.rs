//! Renderers of a scorecard, its findings and the ledger head: text, Markdown, JSON, HTML.
//!
//! Owns: layout and wording of reports. Must not: open the ledger or compute scores.

mod scorecard;
mod width;

pub use scorecard::{findings_text, scorecard_table, seq_list};
pub use width::{display_width, pad, pad_left};
