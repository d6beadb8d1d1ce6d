//! The one error type of the `result` module.

use thiserror::Error;

/// What went wrong while parsing a service answer, and where.
///
/// Positions are 1-based lines and columns (in characters) plus the 0-based byte offset
/// into the input, as far as the underlying parser reports them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResultError {
    /// The text is not well-formed XML.
    #[error("malformed XML at line {line}, column {column} (byte {byte}): {message}")]
    XmlSyntax {
        /// 1-based line of the problem.
        line: u64,
        /// 1-based column (in characters) of the problem.
        column: u64,
        /// 0-based byte offset of the problem.
        byte: u64,
        /// What the parser said.
        message: String,
    },
    /// The XML is well-formed but its root element is not the expected one.
    #[error("expected root element <{expected}>, found <{found}>")]
    UnexpectedRoot {
        /// The root element this parser reads.
        expected: &'static str,
        /// The root element found.
        found: String,
    },
    /// The XML is well-formed but does not match the expected document shape (a
    /// missing element, a number that is not one, ...).
    #[error("invalid <{document}> document: {message}")]
    XmlShape {
        /// The root element of the document being read.
        document: &'static str,
        /// What was wrong, naming the element where the deserialiser knows it.
        message: String,
    },
    /// The JSON (the v4 API's or imageInspect's answer) is malformed or does not match the
    /// expected shape.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// 1-based column of the problem (0 when unknown).
        column: usize,
        /// What serde_json said.
        message: String,
    },
}

impl ResultError {
    /// Builds an [`ResultError::XmlSyntax`] from a byte offset into `input`.
    pub(crate) fn syntax_at(input: &str, byte: u64, message: impl Into<String>) -> Self {
        let (line, column) = line_column(input, byte);
        ResultError::XmlSyntax {
            line,
            column,
            byte,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte offset `byte` in `input`; offsets past
/// the end or inside a character are clamped to the previous character boundary.
fn line_column(input: &str, byte: u64) -> (u64, u64) {
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let before = &input[..end];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn line_column_counts_chars() {
        assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab\ncé\nx", 5), (2, 2));
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
