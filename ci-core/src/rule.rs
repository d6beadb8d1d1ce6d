//! TEMPORARY stub so `ops` compiles before the rule grammar lands; replaced wholesale.
#![allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rule at byte {offset} ({token:?})")]
pub struct RuleError {
    pub offset: usize,
    pub token: String,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingRule {
    matting: bool,
}
impl ProcessingRule {
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        if input.is_empty() {
            return Err(RuleError {
                offset: 0,
                token: String::new(),
            });
        }
        Ok(Self {
            matting: input.starts_with("ci-process=AIPicMatting"),
        })
    }
    pub fn is_ai_pic_matting(&self) -> bool {
        self.matting
    }
}
