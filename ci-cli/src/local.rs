//! Commands that need no network: Pic-Operations, rules, signatures.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};

use ci_core::ops::{resolve_fileid, PicOperationsHeader};
use ci_core::rule::{MogrOp, ProcessingRule, RuleError, Stage};
use ci_core::sign::{sign as sign_request, Credentials, HeaderPolicy, KeyTime, SignableRequest};
use ci_core::{PicOperations, Rule};

use crate::exit::CliError;

#[derive(Subcommand, Debug)]
pub enum OpsCommand {
    /// Build a header from rules given as FILEID=RULE.
    ///
    /// Example: cos-ci ops build --pic-info --rule 'thumb.png=imageMogr2/thumbnail/200x/format/png'
    Build(OpsBuildArgs),
    /// Check a header as the service would, rules included; print where each result goes.
    ///
    /// Example: cos-ci ops check '{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"}]}' --source-key photos/cat.jpg
    Check {
        /// The header value (JSON).
        header: String,
        /// The source object's key, to resolve relative fileids against.
        #[arg(long, default_value = "")]
        source_key: String,
    },
}

/// The rules of a Pic-Operations header, as flags (shared by `ops build`, `put` and
/// `image-process`).
#[derive(Args, Debug, Clone)]
pub struct OpsBuildArgs {
    /// Return the input image's information (is_pic_info=1).
    #[arg(long)]
    pub pic_info: bool,
    /// A rule as FILEID=RULE; repeat for up to 5 rules.
    #[arg(long = "rule", value_name = "FILEID=RULE")]
    pub rules: Vec<String>,
    /// Store results into this bucket (BucketName-APPID) instead of the source bucket.
    #[arg(long, value_name = "BUCKET")]
    pub dest_bucket: Option<String>,
}

impl OpsBuildArgs {
    /// The header these flags describe, checked rules and all.
    pub fn build(&self) -> Result<PicOperationsHeader, CliError> {
        let mut builder = PicOperations::builder().is_pic_info(self.pic_info);
        for spec in &self.rules {
            let (fileid, rule) = spec.split_once('=').ok_or_else(|| {
                CliError::invalid(format!("--rule {spec:?}: expected FILEID=RULE"))
            })?;
            let mut entry = Rule::new(fileid, rule);
            entry.bucket = self.dest_bucket.clone();
            builder = builder.rule(entry);
        }
        builder
            .build()
            .and_then(PicOperationsHeader::from_ops)
            .map_err(CliError::invalid)
    }
}

pub fn ops(command: OpsCommand) -> Result<(), CliError> {
    match command {
        OpsCommand::Build(args) => {
            println!("{}", args.build()?);
            Ok(())
        }
        OpsCommand::Check { header, source_key } => {
            let checked = PicOperationsHeader::parse(header).map_err(CliError::invalid)?;
            let ops = checked.ops();
            println!("valid: is_pic_info={}", u8::from(ops.is_pic_info));
            for (entry, rule) in ops.rules.iter().zip(checked.rules()) {
                let destination =
                    resolve_fileid(&source_key, &entry.fileid).map_err(CliError::invalid)?;
                let bucket = entry.bucket.as_deref().unwrap_or("(source bucket)");
                println!("{bucket}/{destination} <- {rule}");
                note_unchecked(rule);
            }
            Ok(())
        }
    }
}

/// Prints the canonical form; a well-formed rule with parts the grammar does not model
/// still succeeds (exit 0), with a note on stderr naming them.
pub fn rule(text: &str) -> Result<(), CliError> {
    match ProcessingRule::parse(text) {
        Ok(rule) => {
            println!("{rule}");
            note_unchecked(&rule);
            Ok(())
        }
        Err(err) => Err(CliError::invalid(point_at(text, &err))),
    }
}

/// On stderr, the parts of `rule` the grammar carries without checking, if any.
fn note_unchecked(rule: &ProcessingRule) {
    let parts = unchecked_parts(rule);
    if !parts.is_empty() {
        eprintln!(
            "note: not checked (well-formed, sent as written; the service decides): {}",
            parts.join(", ")
        );
    }
}

/// The opaque stages and `imageMogr2` operations of a rule, as written.
fn unchecked_parts(rule: &ProcessingRule) -> Vec<String> {
    let mut parts = Vec::new();
    for stage in &rule.stages {
        match stage {
            Stage::Opaque(o) => parts.push(o.as_str().to_owned()),
            Stage::ImageMogr2(ops) => {
                for op in ops {
                    if let MogrOp::Opaque(_) = op {
                        parts.push(format!("imageMogr2/{op}"));
                    }
                }
            }
            _ => {}
        }
    }
    parts
}

/// The error, then the rule with a caret under the offending token.
fn point_at(text: &str, err: &RuleError) -> String {
    let column = text
        .get(..err.offset)
        .map_or(err.offset, |before| before.chars().count());
    let width = err.token.chars().count().max(1);
    format!(
        "{err}\n  {text}\n  {}{}",
        " ".repeat(column),
        "^".repeat(width)
    )
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Object key (signed as `/` + the raw key).
    #[arg(long)]
    key: String,
    /// Header as NAME:VALUE (repeatable); host, content-type, content-length,
    /// pic-operations and x-cos-* are signed.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// Query parameter as NAME=VALUE, or a bare NAME such as a processing rule
    /// (repeatable).
    #[arg(long = "param", short = 'P', value_name = "NAME[=VALUE]")]
    params: Vec<String>,
    /// Seconds the signature stays valid.
    #[arg(long, default_value_t = 3600)]
    expire: u64,
    /// Explicit key time START;END (Unix seconds) instead of now and --expire.
    #[arg(long)]
    key_time: Option<String>,
    /// SecretId.
    #[arg(long, env = "COS_SECRET_ID")]
    secret_id: String,
    /// SecretKey.
    #[arg(long, env = "COS_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Session token of temporary credentials.
    #[arg(long, env = "COS_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

pub fn sign(args: SignArgs) -> Result<(), CliError> {
    let mut credentials = Credentials::new(args.secret_id, args.secret_key);
    if let Some(token) = args.token {
        credentials = credentials.with_token(token);
    }
    let mut request = SignableRequest::for_key(args.method, &args.key);
    for header in &args.headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            CliError::invalid(format!("--header {header:?}: expected NAME:VALUE"))
        })?;
        request = request.header(name.trim(), value.trim());
    }
    for param in &args.params {
        request = match param.split_once('=') {
            Some((name, value)) => request.param(name, value),
            None => request.flag(param.as_str()),
        };
    }
    let key_time = match args.key_time {
        Some(text) => text.parse::<KeyTime>().map_err(CliError::invalid)?,
        None => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_err(CliError::failure)?
                .as_secs();
            KeyTime::python_style(now, args.expire)
        }
    };
    let authorization = sign_request(&credentials, &request, key_time, &HeaderPolicy::Default);
    println!("{}", authorization.to_header_value());
    Ok(())
}
