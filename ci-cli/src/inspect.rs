//! Image inspection and QR codes: `cos-ci inspect` and `cos-ci qrcode read|make`, on a
//! local file (the local engine) or on an object (`BUCKET KEY`: the service's
//! `?imageInspect` and `?ci-process=QRcode`), with the same output.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use ci_core::process::{
    execute, generate_code, inspect, recognise, CodeKind, ExecuteOptions, FoundCode,
};
use ci_core::result::{decode_result_image, QrCodeInfo, QrCodeResponse};
use ci_core::rule::ProcessingRule;

use crate::exit::CliError;
use crate::remote::client;
use crate::OptionalEndpointArgs;

/// What a command reads: a local FILE, or an object (BUCKET KEY).
#[derive(Debug)]
enum Target<'a> {
    File(&'a Path),
    Object { bucket: &'a str, key: &'a str },
}

fn target(parts: &[String]) -> Result<Target<'_>, CliError> {
    match parts {
        [file] => Ok(Target::File(Path::new(file))),
        [bucket, key] => Ok(Target::Object { bucket, key }),
        _ => Err(CliError::invalid("expected FILE, or BUCKET KEY")),
    }
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The file to inspect, or BUCKET KEY of an object.
    #[arg(required = true, num_args = 1..=2, value_names = ["FILE | BUCKET", "KEY"])]
    target: Vec<String>,
    #[command(flatten)]
    endpoint: OptionalEndpointArgs,
}

/// Prints the imageInspect JSON of a local file or an object.
pub fn inspect_file(args: InspectArgs) -> Result<(), CliError> {
    let report = match target(&args.target)? {
        Target::File(file) => {
            let bytes = read(file)?;
            inspect(&bytes).map_err(|e| invalid(file, e))?
        }
        Target::Object { bucket, key } => {
            let c = client(&args.endpoint.require()?)?;
            c.ci_image_inspect(bucket, key)?.1
        }
    };
    println!("{}", report.to_json());
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum QrcodeCommand {
    /// Find and read the QR codes of an image: one line per code, its text, a tab and its
    /// corners (x,y: top-left, top-right, bottom-right, bottom-left); --xml prints the
    /// cloud's <Response> instead.
    ///
    /// Example: cos-ci qrcode read photo.jpg --cover covered.jpg
    Read(ReadArgs),
    /// Make a QR code (or a Code 128 barcode with --mode 1) as a PNG.
    ///
    /// Example: cos-ci qrcode make 'https://example.com' --width 300 code.png
    Make(MakeArgs),
}

#[derive(Args, Debug)]
pub struct ReadArgs {
    /// The image, or BUCKET KEY of an object.
    #[arg(required = true, num_args = 1..=2, value_names = ["FILE | BUCKET", "KEY"])]
    target: Vec<String>,
    /// Also write the image with a mosaic over every code found (a local file keeps its
    /// format; an object's covered image is the service's).
    #[arg(long, value_name = "OUT")]
    cover: Option<PathBuf>,
    /// Print the cloud's answer (<Response><CodeStatus/><QRcodeInfo/>...).
    #[arg(long)]
    xml: bool,
    #[command(flatten)]
    endpoint: OptionalEndpointArgs,
}

#[derive(Args, Debug)]
pub struct MakeArgs {
    /// The text to encode.
    text: String,
    /// Width of the image in pixels (a QR code is square, a barcode a third as high).
    #[arg(long)]
    width: u32,
    /// 0: QR code; 1: Code 128 barcode (printable ASCII).
    #[arg(long, default_value_t = 0)]
    mode: u32,
    /// The PNG file to write.
    out: PathBuf,
}

pub fn qrcode(command: QrcodeCommand) -> Result<(), CliError> {
    match command {
        QrcodeCommand::Read(args) => read_codes(args),
        QrcodeCommand::Make(args) => {
            let kind = CodeKind::from_mode(args.mode).ok_or_else(|| {
                CliError::invalid(format!(
                    "--mode {}: expected 0 (QR code) or 1 (barcode)",
                    args.mode
                ))
            })?;
            let png = generate_code(&args.text, args.width, kind).map_err(CliError::invalid)?;
            write(&args.out, &png)
        }
    }
}

fn read_codes(args: ReadArgs) -> Result<(), CliError> {
    let (name, codes) = match target(&args.target)? {
        Target::File(file) => (file.display().to_string(), codes_of_file(file, &args)?),
        Target::Object { bucket, key } => {
            let c = client(&args.endpoint.require()?)?;
            let (_, answer) = c.ci_get_object_qrcode(bucket, key, args.cover.is_some(), 0)?;
            if let Some(out) = &args.cover {
                let image = answer.result_image.as_deref().ok_or_else(|| {
                    CliError::Service("the answer to cover=1 carries no ResultImage".into())
                })?;
                write(out, &decode_result_image(image).map_err(CliError::failure)?)?;
            }
            (format!("{bucket}/{key}"), answer.qr_code_info)
        }
    };
    if args.xml {
        let answer = QrCodeResponse {
            code_status: u32::from(!codes.is_empty()),
            qr_code_info: codes,
            result_image: None,
        };
        println!("{}", answer.to_xml());
        return Ok(());
    }
    if codes.is_empty() {
        eprintln!("no code found in {name}");
    }
    for code in &codes {
        println!("{}\t{}", code.code_url, code.code_location.points.join(" "));
    }
    Ok(())
}

/// The codes of a local file (written covered to `--cover`).
fn codes_of_file(file: &Path, args: &ReadArgs) -> Result<Vec<QrCodeInfo>, CliError> {
    let bytes = read(file)?;
    let codes: Vec<FoundCode> = match &args.cover {
        Some(out) => {
            let rule = ProcessingRule::parse("QRcode/cover/1").map_err(CliError::failure)?;
            let covered =
                execute(&bytes, &rule, &ExecuteOptions::default()).map_err(|e| invalid(file, e))?;
            write(out, &covered.bytes)?;
            covered.qr_codes.unwrap_or_default()
        }
        None => recognise(&bytes).map_err(|e| invalid(file, e))?,
    };
    Ok(codes.iter().map(FoundCode::to_info).collect())
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::io(format!("cannot write {}", path.display()), e))
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::invalid(format!("{}: {e}", path.display()))
}
