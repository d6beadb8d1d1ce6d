//! Local image inspection and QR codes: `cos-ci inspect` and `cos-ci qrcode read|make`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use ci_core::process::{execute, generate_code, inspect, recognise, CodeKind, ExecuteOptions};
use ci_core::result::QrCodeResponse;
use ci_core::rule::ProcessingRule;

use crate::exit::CliError;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The file to inspect.
    file: PathBuf,
}

/// Prints the imageInspect JSON of a local file.
pub fn inspect_file(args: InspectArgs) -> Result<(), CliError> {
    let bytes = read(&args.file)?;
    let report = inspect(&bytes).map_err(|e| invalid(&args.file, e))?;
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
    /// The image.
    file: PathBuf,
    /// Also write the image with a mosaic over every code found (same format).
    #[arg(long, value_name = "OUT")]
    cover: Option<PathBuf>,
    /// Print the cloud's answer (<Response><CodeStatus/><QRcodeInfo/>...).
    #[arg(long)]
    xml: bool,
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
    let bytes = read(&args.file)?;
    let codes = match &args.cover {
        Some(out) => {
            let rule = ProcessingRule::parse("QRcode/cover/1").map_err(CliError::failure)?;
            let covered = execute(&bytes, &rule, &ExecuteOptions::default())
                .map_err(|e| invalid(&args.file, e))?;
            write(out, &covered.bytes)?;
            covered.qr_codes.unwrap_or_default()
        }
        None => recognise(&bytes).map_err(|e| invalid(&args.file, e))?,
    };
    if args.xml {
        let answer = QrCodeResponse {
            code_status: u32::from(!codes.is_empty()),
            qr_code_info: codes.iter().map(|c| c.to_info()).collect(),
            result_image: None,
        };
        println!("{}", answer.to_xml());
        return Ok(());
    }
    if codes.is_empty() {
        eprintln!("no code found in {}", args.file.display());
    }
    for code in &codes {
        let corners: Vec<String> = code
            .corners
            .iter()
            .map(|(x, y)| format!("{x},{y}"))
            .collect();
        println!("{}\t{}", code.text, corners.join(" "));
    }
    Ok(())
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
