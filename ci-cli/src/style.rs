//! `cos-ci style add|list|delete`: a bucket's image styles (the cloud's `?style` API, or
//! the local server's).

use clap::{Args, Subcommand};

use ci_core::result::AddStyle;

use crate::exit::CliError;
use crate::remote::client;
use crate::EndpointArgs;

#[derive(Subcommand, Debug)]
pub enum StyleCommand {
    /// Add a style to a bucket (or replace its rule).
    ///
    /// Example: cos-ci style add examplebucket-1250000000 thumb 'imageMogr2/thumbnail/200x'
    Add(AddArgs),
    /// List a bucket's styles: one line per style, its name, a tab and its rule (--xml: the
    /// cloud's <StyleList>).
    ///
    /// Example: cos-ci style list examplebucket-1250000000
    List(ListArgs),
    /// Delete a style from a bucket.
    ///
    /// Example: cos-ci style delete examplebucket-1250000000 thumb
    Delete(DeleteArgs),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Style name (1 to 128 characters of A-Z a-z 0-9 - _ .).
    name: String,
    /// The style's processing rule.
    rule: String,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Only this style.
    name: Option<String>,
    /// Print the cloud's answer (<StyleList>...).
    #[arg(long)]
    xml: bool,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Bucket, BucketName-APPID.
    bucket: String,
    /// Style name.
    name: String,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

pub fn style(command: StyleCommand) -> Result<(), CliError> {
    match command {
        StyleCommand::Add(args) => {
            let c = client(&args.endpoint)?;
            c.ci_put_image_style(&args.bucket, &AddStyle::new(&args.name, &args.rule))?;
            println!("added style {} to {}", args.name, args.bucket);
        }
        StyleCommand::List(args) => {
            let c = client(&args.endpoint)?;
            let (_, list) = c.ci_get_image_style(&args.bucket, args.name.as_deref())?;
            if args.xml {
                println!("{}", list.to_xml());
            } else {
                if list.style_rule.is_empty() {
                    eprintln!("no style in {}", args.bucket);
                }
                for rule in &list.style_rule {
                    println!("{}\t{}", rule.style_name, rule.style_body);
                }
            }
        }
        StyleCommand::Delete(args) => {
            let c = client(&args.endpoint)?;
            c.ci_delete_image_style(&args.bucket, &args.name)?;
            println!("deleted style {} of {}", args.name, args.bucket);
        }
    }
    Ok(())
}
