//! Commands that talk to a COS endpoint: the cloud, or the local server (`--ip 127.0.0.1
//! --port N`).

use std::fs::File;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use ci_core::client::{
    Body, CosClient, CosClientError, CosConfig, ObjectOptions, PicOperationsValue,
};
use ci_core::result::UploadResult;
use ci_core::sign::ProcessParam;

use crate::exit::CliError;
use crate::local::OpsBuildArgs;
use crate::EndpointArgs;

/// Bodies above this size show a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 8 * 1024 * 1024;

#[derive(Args, Debug)]
pub struct PutArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Object key.
    key: String,
    /// The file to upload.
    file: PathBuf,
    /// A whole Pic-Operations header (JSON), instead of --rule flags.
    #[arg(long, conflicts_with = "rules")]
    pic_operations: Option<String>,
    #[command(flatten)]
    ops: OpsBuildArgs,
    /// Further SDK options as NAME=VALUE (ContentType=image/jpeg, StorageClass=..., ...).
    #[arg(long = "option", short = 'o', value_name = "NAME=VALUE")]
    options: Vec<String>,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct ImageProcessArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Key of the stored image.
    key: String,
    /// A whole Pic-Operations header (JSON), instead of --rule flags.
    #[arg(long, conflicts_with = "rules")]
    pic_operations: Option<String>,
    #[command(flatten)]
    ops: OpsBuildArgs,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Object key.
    key: String,
    /// Where to write the body.
    out: PathBuf,
    /// Process on the way: a rule (imageMogr2/thumbnail/200x) or style/NAME.
    #[arg(long)]
    rule: Option<String>,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

pub fn client(endpoint: &EndpointArgs) -> Result<CosClient, CliError> {
    let mut config = CosConfig::new(
        endpoint.region.clone(),
        endpoint.secret_id.clone(),
        endpoint.secret_key.clone(),
    );
    config.token = endpoint.token.clone();
    if let (Some(ip), Some(port)) = (&endpoint.ip, endpoint.port) {
        config = config.with_ip_port(ip.clone(), port);
    } else if let Some(ip) = &endpoint.ip {
        config.ip = Some(ip.clone());
    }
    if let Some(domain) = &endpoint.endpoint {
        config = config.with_endpoint(domain.clone());
    }
    if let Some(scheme) = &endpoint.scheme {
        config.scheme = scheme.clone();
    }
    CosClient::new(config).map_err(CliError::from)
}

/// The Pic-Operations header from `--pic-operations` or the `--rule` flags, if any.
fn pic_operations(
    whole: &Option<String>,
    ops: &OpsBuildArgs,
) -> Result<Option<PicOperationsValue>, CliError> {
    match whole {
        Some(header) => Ok(Some(header.as_str().into())),
        None if ops.rules.is_empty() => Ok(None),
        None => Ok(Some(ops.build()?.into())),
    }
}

pub fn put(args: PutArgs) -> Result<(), CliError> {
    let pairs: Vec<(&str, &str)> = args
        .options
        .iter()
        .map(|o| o.split_once('=').unwrap_or((o.as_str(), "")))
        .collect();
    let mut options = ObjectOptions::from_kwargs(&pairs).map_err(CliError::invalid)?;
    if let Some(header) = pic_operations(&args.pic_operations, &args.ops)? {
        options = options.pic_operations(header);
    }
    let client = client(&args.endpoint)?;
    let file = File::open(&args.file)
        .map_err(|e| CliError::io(format!("cannot open {}", args.file.display()), e))?;
    let len = file
        .metadata()
        .map_err(|e| CliError::io(format!("cannot stat {}", args.file.display()), e))?
        .len();
    let progress =
        (len >= PROGRESS_THRESHOLD && std::io::stderr().is_terminal()).then(|| progress_bar(len));
    let body = match &progress {
        // A progress bar wraps the file in a one-shot reader: no retries then.
        Some(bar) => Body::from_reader_sized(bar.wrap_read(file), len),
        None => Body::from_file(file).map_err(|e| CliError::from(CosClientError::from(e)))?,
    };
    let (headers, result) = client.ci_put_object(&args.bucket, &args.key, body, &options)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    println!(
        "uploaded {} ({len} bytes) etag {} request id {}",
        args.key,
        headers.etag.as_deref().unwrap_or("-"),
        headers.request_id.as_deref().unwrap_or("-")
    );
    if let Some(result) = result {
        print_upload_result(&result);
    }
    Ok(())
}

pub fn image_process(args: ImageProcessArgs) -> Result<(), CliError> {
    let header = pic_operations(&args.pic_operations, &args.ops)?
        .ok_or_else(|| CliError::invalid("image-process needs --rule or --pic-operations"))?;
    let options = ObjectOptions::default().pic_operations(header);
    let client = client(&args.endpoint)?;
    let (_, result) = client.ci_image_process(&args.bucket, &args.key, &options)?;
    print_upload_result(&result);
    Ok(())
}

pub fn get(args: GetArgs) -> Result<(), CliError> {
    let process = args
        .rule
        .as_deref()
        .map(|rule| match rule.strip_prefix("style/") {
            Some(name) => ProcessParam::style(name),
            None => ProcessParam::rule(rule),
        });
    let client = client(&args.endpoint)?;
    let headers = client.get_object_to_file(
        &args.bucket,
        &args.key,
        process.as_ref(),
        &ObjectOptions::default(),
        &args.out,
    )?;
    println!(
        "wrote {} ({} bytes, {})",
        args.out.display(),
        headers.content_length.unwrap_or(0),
        headers.get("content-type").unwrap_or("unknown type")
    );
    Ok(())
}

/// The UploadResult as the service sent it (XML), for people and scripts alike.
pub fn print_upload_result(result: &UploadResult) {
    println!("{}", result.to_xml());
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
