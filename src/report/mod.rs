//! Renderers of a scorecard, its findings and the ledger head: text, Markdown, JSON, HTML;
//! the report model they share, and the `trace` and `diff` views.
//!
//! Owns: layout and wording of reports. Must not: open the ledger file or compute scores
//! (the model reads entry details from a ledger it is given).

mod budget;
mod bundle;
mod changes;
mod cite;
mod diff;
mod figures;
mod grouping;
mod html;
mod lang;
mod markdown;
mod method_zh;
mod model;
mod scorecard;
mod text;
mod total;
mod trace;
mod width;
mod xlsx;
mod xlsx_cells;
mod xlsx_sheets;

pub use budget::BudgetRow;
pub use bundle::{BUNDLE_FORMAT, Bundle, BundleMode, compact, json_kind, render_json_with_bundle};
pub use changes::{RuleSetChangeRow, change_sentence};
pub use cite::{
    CITE_LIMIT, Citations, Cite, CiteGroup, CiteItem, Entries, EntryDetail, GROUP_MIN, format_time,
    thousands,
};
pub use diff::{DiffModel, DiffRow};
pub use html::{escape, render_html};
pub use lang::{AsOfText, Lang, cst, cst_date, kind_words, six, two};
pub use markdown::render_markdown;
pub use method_zh::formula_zh;
pub use model::{
    AckRow, AdjustmentRow, Binding, FindingRow, Integrity, NodeRow, ReportError, ReportModel,
    SCHEMA, WarningRow,
};
pub use scorecard::{
    findings_text, rule_set_changes_json, rule_set_changes_text, scorecard_table, seq_list,
    warnings_text,
};
pub use text::{render_diff, render_text, render_trace};
pub use total::{node_score_text, pending_indicators, total_parts, total_text, total_words};
pub use trace::{Superseded, TraceModel, TraceNode};
pub use width::{display_width, pad, pad_left};
pub use xlsx::{XlsxReportError, render_xlsx};

/// The report as pretty-printed JSON (schema in `docs/REPORT-JSON.md`), ending in a newline.
#[must_use]
pub fn render_json(m: &ReportModel) -> String {
    let mut s =
        serde_json::to_string_pretty(m).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
