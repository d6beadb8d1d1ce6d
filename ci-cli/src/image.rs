//! Local image work: run a rule on files (one, or a folder on all cores), and ImageInfo.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use ci_core::process::{
    execute, image_info, image_info_json, ExecuteOptions, FontDir, FontResolver, Limits,
};
use ci_core::rule::{MogrOp, ProcessingRule, Stage};

use crate::exit::CliError;

#[derive(Args, Debug)]
pub struct ProcessArgs {
    /// The rule, e.g. imageMogr2/thumbnail/200x/format/webp.
    rule: String,
    /// Input image (with --batch: a folder).
    input: PathBuf,
    /// Output file (with --batch: a folder, created if missing; names keep their stem and
    /// take the output format's extension).
    output: PathBuf,
    /// Process every file of the INPUT folder on all cores, with a progress bar.
    #[arg(long)]
    batch: bool,
    /// Folder of fonts for text watermarks (watermark/2): `font/<b64>` names a file in it,
    /// as the cloud names its fonts (e.g. simhei黑体.ttf; case-insensitive fallback).
    /// Needed for CJK text: the bundled DejaVu Sans has no CJK glyphs. Characters the
    /// named font lacks, and unknown names, fall back to --default-font, then DejaVu Sans.
    #[arg(long, value_name = "DIR")]
    fonts: Option<PathBuf>,
    /// Font (a file in --fonts) for text watermarks without `font/`, and for the
    /// characters the named font lacks.
    #[arg(long, value_name = "NAME", requires = "fonts")]
    default_font: Option<String>,
}

pub fn process(args: ProcessArgs) -> Result<(), CliError> {
    let rule = ProcessingRule::parse(&args.rule).map_err(CliError::invalid)?;
    let fonts = match &args.fonts {
        Some(dir) => {
            let fonts = FontDir::new(dir)
                .map_err(|e| CliError::invalid(format!("--fonts {}: {e}", dir.display())))?;
            Some(match &args.default_font {
                Some(name) => fonts.with_default(name.clone()),
                None => fonts,
            })
        }
        None => None,
    };
    let resolver = |name: Option<&str>| fonts.as_ref().and_then(|f| f.resolve(name));
    let opts = ExecuteOptions {
        font_resolver: fonts.is_some().then_some(&resolver as &FontResolver<'_>),
        ..ExecuteOptions::default()
    };
    if args.batch {
        return process_folder(&rule, &opts, &args.input, &args.output);
    }
    let written = process_file(&rule, &opts, &args.input, &args.output)?;
    println!("{written}");
    Ok(())
}

/// Runs `rule` on one file; returns a one-line summary.
fn process_file(
    rule: &ProcessingRule,
    opts: &ExecuteOptions<'_>,
    input: &Path,
    output: &Path,
) -> Result<String, CliError> {
    let bytes = std::fs::read(input)
        .map_err(|e| CliError::io(format!("cannot read {}", input.display()), e))?;
    let out = execute(&bytes, rule, opts)
        .map_err(|e| CliError::invalid(format!("{}: {e}", input.display())))?;
    std::fs::write(output, &out.bytes)
        .map_err(|e| CliError::io(format!("cannot write {}", output.display()), e))?;
    Ok(format!(
        "{} -> {} ({} {}x{}, {} bytes)",
        input.display(),
        output.display(),
        out.info.format,
        out.info.width,
        out.info.height,
        out.bytes.len()
    ))
}

fn process_folder(
    rule: &ProcessingRule,
    opts: &ExecuteOptions<'_>,
    input: &Path,
    output: &Path,
) -> Result<(), CliError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(input)
        .map_err(|e| CliError::io(format!("cannot list {}", input.display()), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    std::fs::create_dir_all(output)
        .map_err(|e| CliError::io(format!("cannot create {}", output.display()), e))?;
    let bar = ProgressBar::new(files.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta} {msg}")
    {
        bar.set_style(style);
    }
    let failures: Vec<String> = files
        .par_iter()
        .filter_map(|file| {
            let outcome = batch_output_name(rule, file, output)
                .and_then(|target| process_file(rule, opts, file, &target));
            bar.inc(1);
            outcome.err().map(|err| err.to_string())
        })
        .collect();
    bar.finish_and_clear();
    println!(
        "processed {} of {} files into {}",
        files.len() - failures.len(),
        files.len(),
        output.display()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "{} files failed:\n{}",
            failures.len(),
            failures.join("\n")
        )))
    }
}

/// `OUT/<stem>.<ext>`, where the extension is the rule's output format or, without one,
/// the input's own.
fn batch_output_name(
    rule: &ProcessingRule,
    file: &Path,
    folder: &Path,
) -> Result<PathBuf, CliError> {
    let stem = file
        .file_stem()
        .ok_or_else(|| CliError::invalid(format!("{}: no file name", file.display())))?;
    let extension = rule_output_extension(rule)
        .or_else(|| file.extension().and_then(|e| e.to_str()).map(str::to_owned))
        .unwrap_or_else(|| "out".into());
    Ok(folder.join(stem).with_extension(extension))
}

/// The `format` a rule ends up writing (the last one wins, as in the executor).
fn rule_output_extension(rule: &ProcessingRule) -> Option<String> {
    let formats = rule.stages.iter().flat_map(|stage| match stage {
        Stage::ImageMogr2(ops) => ops
            .iter()
            .filter_map(|op| match op {
                MogrOp::Format(format) => Some(*format),
                _ => None,
            })
            .collect::<Vec<_>>(),
        Stage::ImageView2(view) => view.format.into_iter().collect(),
        _ => Vec::new(),
    });
    formats.last().map(|format| format.name().to_owned())
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The image file.
    file: PathBuf,
    /// Print the `imageInfo` JSON answer instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn info(args: InfoArgs) -> Result<(), CliError> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::io(format!("cannot read {}", args.file.display()), e))?;
    let describe = |e| CliError::invalid(format!("{}: {e}", args.file.display()));
    if args.json {
        println!(
            "{}",
            image_info_json(&bytes, &Limits::default()).map_err(describe)?
        );
        return Ok(());
    }
    let info = image_info(&bytes).map_err(describe)?;
    let optional = |value: Option<u32>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    println!("Format        {}", info.format);
    println!("Width         {}", info.width);
    println!("Height        {}", info.height);
    println!("Size          {}", bytes.len());
    println!("Md5           {}", info.md5.as_deref().unwrap_or("-"));
    println!("Quality       {}", optional(info.quality));
    println!("Ave           {}", info.ave.as_deref().unwrap_or("-"));
    println!("Orientation   {}", optional(info.orientation));
    println!("FrameCount    {}", optional(info.frame_count));
    println!("BitDepth      {}", optional(info.bit_depth));
    println!("VerticalDpi   {}", optional(info.vertical_dpi));
    println!("HorizontalDpi {}", optional(info.horizontal_dpi));
    Ok(())
}
