//! One row of a spreadsheet as read, before anything gives it meaning: its cells (text, and a
//! workbook's date cells) and the place of each cell for error messages.
//!
//! Owns: those two types. Must not: read files (`csv.rs`, `workbook.rs`) or interpret cells
//! (`row.rs`, `table.rs`).

use super::error::Place;
use crate::model::BizDate;

/// One cell as read: its text, and for workbook cells whether it was a number or a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The text (for a number cell, its shortest exact decimal form).
    pub text: String,
    /// The date of a date cell.
    pub date: Option<BizDate>,
}

impl Cell {
    /// A text cell.
    #[must_use]
    pub fn text(text: String) -> Cell {
        Cell { text, date: None }
    }
}

/// One row with the place of its first cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    /// The place of the row's first cell (index 0).
    pub at: Place,
    /// The cells, from the first column.
    pub cells: Vec<Cell>,
}

impl RawRow {
    /// The place of the cell at `index`.
    #[must_use]
    pub fn place(&self, index: usize) -> Place {
        let first = match &self.at {
            Place::Line(l) => l.col,
            Place::Cell { col, .. } => *col,
        };
        self.at.with_col(first + index)
    }

    pub(super) fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.cells.get(i))
            .map_or("", |c| c.text.trim())
    }

    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}
