//! Errors of rule-set parsing and validation. Every variant carries the 1-based line and
//! column of the offending text and says what to change.

/// Why a rule-set text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not valid TOML, or a field is missing, misspelt or of the wrong type.
    #[error(
        "line {line}, column {column}: {message}; fix the TOML at that place (see docs/RULES.md)"
    )]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
        /// What the TOML reader reported.
        message: String,
    },
    /// A leaf's `method` or a derivation's `method` is not one this build knows.
    #[error(
        "line {line}, column {column}: `{owner}` uses unknown method `{method}`; use one of: {known}"
    )]
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
    #[error(
        "line {line}, column {column}: the weights of the children of `{node}` add up to {children_sum}, but `{node}` has weight {weight}; make them equal"
    )]
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
    #[error("line {line}, column {column}: references form a cycle: {}; break it", cycle.join(" → "))]
    DerivationCycle {
        /// 1-based line of the first definition on the cycle.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The references on the cycle, first repeated at the end.
        cycle: Vec<String>,
    },
    /// An input reference is not one of the reference forms, or names nothing defined.
    #[error("line {line}, column {column}: `{reference}` is not a usable reference: {why}")]
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
    #[error(
        "line {line}, column {column}: node id `{id}` is already used on line {first_line}; give each node its own id"
    )]
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
    #[error("line {line}, column {column}: `{owner}` parameter `{param}`: {why}")]
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
    #[error("line {line}, column {column}: node `{node}`: {why}")]
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
    #[error("line {line}, column {column}: `{field}`: {why}")]
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
