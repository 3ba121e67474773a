//! Errors of rule-set parsing and validation. Every variant carries the 1-based line and
//! column of the offending text and says what to change.

/// Why a rule-set text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not valid TOML, or a field is missing, misspelt or of the wrong type.
    #[error("{}", crate::messages::text("rules.syntax", &[("line", &line), ("column", &column), ("message", &message)]))]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
        /// What the TOML reader reported.
        message: String,
    },
    /// A leaf's `method` or a derivation's `method` is not one this build knows.
    #[error("{}", crate::messages::text("rules.unknown_method", &[("line", &line), ("column", &column), ("owner", &owner), ("method", &method), ("known", &known)]))]
    UnknownMethod {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Node id or derivation name.
        owner: String,
        /// The method as written.
        method: String,
        /// The methods that are accepted there.
        known: &'static str,
    },
    /// The children of a node do not add up to the node's weight.
    #[error("{}", crate::messages::text("rules.weight_mismatch", &[("line", &line), ("column", &column), ("node", &node), ("children_sum", &children_sum), ("weight", &weight)]))]
    WeightMismatch {
        /// 1-based line (of the parent's weight).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parent node.
        node: String,
        /// The parent's weight.
        weight: String,
        /// The sum of its children's weights.
        children_sum: String,
    },
    /// Derivations (or score references) depend on themselves.
    #[error("{}", crate::messages::text("rules.derivation_cycle", &[("line", &line), ("column", &column), ("cycle", &cycle.join(" → "))]))]
    DerivationCycle {
        /// 1-based line of the first definition on the cycle.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The references on the cycle, first repeated at the end.
        cycle: Vec<String>,
    },
    /// An input reference is not one of the reference forms, or names nothing defined.
    #[error("{}", crate::messages::text("rules.unknown_reference", &[("line", &line), ("column", &column), ("reference", &reference), ("why", &why)]))]
    UnknownReference {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The reference as written.
        reference: String,
        /// What is wrong and which forms are accepted.
        why: String,
    },
    /// Two nodes have the same id.
    #[error("{}", crate::messages::text("rules.duplicate_id", &[("line", &line), ("column", &column), ("id", &id), ("first_line", &first_line)]))]
    DuplicateId {
        /// 1-based line of the second use.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The id.
        id: String,
        /// Line of the first use.
        first_line: usize,
    },
    /// A method parameter is missing, out of range, or does not apply to the method.
    #[error("{}", crate::messages::text("rules.bad_parameter", &[("line", &line), ("column", &column), ("owner", &owner), ("param", &param), ("why", &why)]))]
    BadParameter {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Node id or derivation name.
        owner: String,
        /// The parameter.
        param: String,
        /// What is wrong and what is expected.
        why: String,
    },
    /// The indicator tree is not a tree with one root, or a leaf/parent is misdeclared.
    #[error("{}", crate::messages::text("rules.bad_tree", &[("line", &line), ("column", &column), ("node", &node), ("why", &why)]))]
    BadTree {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The node.
        node: String,
        /// What is wrong and what to do.
        why: String,
    },
    /// A file-level setting (name, rounding, grades) is invalid.
    #[error("{}", crate::messages::text("rules.bad_setting", &[("line", &line), ("column", &column), ("field", &field), ("why", &why)]))]
    BadSetting {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The setting.
        field: String,
        /// What is wrong and what is expected.
        why: String,
    },
}

impl RulesError {
    /// The 1-based line the error is about.
    #[must_use]
    pub fn line(&self) -> usize {
        match self {
            RulesError::Syntax { line, .. }
            | RulesError::UnknownMethod { line, .. }
            | RulesError::WeightMismatch { line, .. }
            | RulesError::DerivationCycle { line, .. }
            | RulesError::UnknownReference { line, .. }
            | RulesError::DuplicateId { line, .. }
            | RulesError::BadParameter { line, .. }
            | RulesError::BadTree { line, .. }
            | RulesError::BadSetting { line, .. } => *line,
        }
    }
}

/// A position in the text: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Converts a byte offset into a line and column; offsets past the end clamp to the end.
pub(crate) fn pos_of(text: &str, offset: usize) -> Pos {
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Pos { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_become_lines_and_character_columns() {
        let t = "ab\n总分 = 1\n";
        assert_eq!(pos_of(t, 0), Pos { line: 1, column: 1 });
        assert_eq!(pos_of(t, 3), Pos { line: 2, column: 1 });
        // "总" is 3 bytes; "分" starts at byte 6 and is the 2nd character of line 2.
        assert_eq!(pos_of(t, 6), Pos { line: 2, column: 2 });
        assert_eq!(pos_of(t, 1000).line, 3);
    }
}
