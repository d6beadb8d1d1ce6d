//! Processing-rule strings as a typed AST. (Filled in by the rule grammar work.)
