//! `cos-ci`: Tencent Cloud Infinite image processing on COS from the command line, and
//! the local COS + CI server. Argument parsing and printing only; the work is ci-core's
//! and ci-server's.

// The doc comments of the clap types are the --help text, written for a terminal:
// `<Response>`, `<bucket>` and bare URLs there are meant literally, not as HTML or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

mod exit;
mod image;
mod inspect;
mod jobs;
mod journal;
mod local;
mod remote;
mod serve;
mod style;

use std::process::ExitCode;

/// mimalloc for the whole binary: 12 % fewer instructions and about 4 % less CPU per
/// small GET of the server than glibc's malloc (bench/README.md, server section).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand};

/// Tencent Cloud Infinite (CI) persistent image processing on COS.
///
/// Builds and checks Pic-Operations headers and processing rules, signs requests,
/// uploads with processing to any COS endpoint (the cloud or the local server), and runs
/// a local COS + CI server that the official SDKs work against.
///
/// Exit codes: 0 success, 2 bad command line, 3 invalid input (a rule, a Pic-Operations
/// header, a file), 4 the service answered with an error, 5 a local or network failure,
/// 6 asynchronous jobs failed (`jobs submit`, `jobs wait`), 130 interrupted (Ctrl-C).
#[derive(Parser, Debug)]
#[command(
    name = "cos-ci",
    version,
    about,
    long_about,
    max_term_width = 100,
    disable_version_flag = true,
    arg_required_else_help = true,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Print the version; with --verbose also the codecs and whether their SIMD kernels
    /// are in this build.
    #[arg(short = 'V', long)]
    version: bool,
    /// With --version: the build's codecs, features and SIMD kernels.
    #[arg(long, requires = "version")]
    verbose: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the local COS + CI server until Ctrl-C.
    ///
    /// Example: cos-ci serve --root ./cos-data --port 8080 --secret-id AKIDlocal --secret-key sk-local
    Serve(serve::ServeArgs),

    /// The main job, offline: start the built-in server, upload a photo with two rules,
    /// print the UploadResult, and fetch a processed copy.
    Demo(serve::DemoArgs),

    /// Build or check a Pic-Operations header.
    #[command(subcommand)]
    Ops(local::OpsCommand),

    /// Parse a processing rule and print its canonical form (or where it is wrong).
    ///
    /// Example: cos-ci rule 'imageMogr2/thumbnail/200x/format/webp|imageMogr2/rotate/90'
    Rule {
        /// The rule string.
        rule: String,
    },

    /// Run a rule on a local file, or on every file of a folder (--batch, all cores).
    ///
    /// Example: cos-ci process 'imageMogr2/thumbnail/200x/format/webp' photo.jpg thumb.webp
    Process(image::ProcessArgs),

    /// Print an image's ImageInfo as the service reports it (--json: the imageInfo answer).
    ///
    /// Example: cos-ci info photo.jpg --json
    Info(image::InfoArgs),

    /// Print the imageInspect JSON of a file, or of an object (BUCKET KEY): data hidden
    /// after the image's end.
    ///
    /// Example: cos-ci inspect photo.png
    /// Example: cos-ci inspect examplebucket-1250000000 photos/cat.png
    Inspect(inspect::InspectArgs),

    /// Read QR codes in an image or an object (optionally covering them), or make one.
    #[command(subcommand)]
    Qrcode(inspect::QrcodeCommand),

    /// Add, list or delete a bucket's image styles (used as style/NAME in rules).
    #[command(subcommand)]
    Style(style::StyleCommand),

    /// Print the Authorization header for a request (q-sign-algorithm=sha1).
    Sign(local::SignArgs),

    /// Upload a file, optionally with Pic-Operations (prints the UploadResult).
    ///
    /// Example: cos-ci put examplebucket-1250000000 photos/cat.jpg cat.jpg --rule 'thumb.webp=imageMogr2/thumbnail/200x/format/webp'
    Put(remote::PutArgs),

    /// Process an object already in the bucket and store the results (POST ?image_process).
    ImageProcess(remote::ImageProcessArgs),

    /// Download an object, optionally processed on the way (GET key?RULE).
    Get(remote::GetArgs),

    /// Asynchronous image jobs: submit one per object under a prefix (journaled,
    /// resumable, with a progress bar), or get, list and wait for single jobs.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
}

/// Where and as whom to send requests: flags, or the `COS_*` environment variables.
#[derive(Args, Debug, Clone)]
pub struct EndpointArgs {
    /// Region, e.g. ap-guangzhou.
    #[arg(long, env = "COS_REGION", default_value = "ap-guangzhou")]
    region: String,
    /// SecretId.
    #[arg(long, env = "COS_SECRET_ID")]
    secret_id: String,
    /// SecretKey.
    #[arg(long, env = "COS_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Session token of temporary credentials.
    #[arg(long, env = "COS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Send to this IP address instead of resolving the bucket's host name (the Host header
    /// keeps the virtual-host name). Use 127.0.0.1 with --port for the local server.
    #[arg(long, env = "COS_IP")]
    ip: Option<String>,
    /// Port for --ip (plain HTTP).
    #[arg(long, env = "COS_PORT", requires = "ip")]
    port: Option<u16>,
    /// Custom endpoint, e.g. cos.ap-guangzhou.myqcloud.com.
    #[arg(long, env = "COS_ENDPOINT")]
    endpoint: Option<String>,
    /// http or https.
    #[arg(long, env = "COS_SCHEME")]
    scheme: Option<String>,
}

/// [`EndpointArgs`] for commands that also work on a local file: every flag optional
/// (credentials are checked when the command talks to a bucket).
#[derive(Args, Debug, Clone)]
pub struct OptionalEndpointArgs {
    /// Region, e.g. ap-guangzhou (with BUCKET KEY).
    #[arg(long, env = "COS_REGION", default_value = "ap-guangzhou")]
    region: String,
    /// SecretId (with BUCKET KEY).
    #[arg(long, env = "COS_SECRET_ID")]
    secret_id: Option<String>,
    /// SecretKey (with BUCKET KEY).
    #[arg(long, env = "COS_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Session token of temporary credentials.
    #[arg(long, env = "COS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Send to this IP address (127.0.0.1 with --port for the local server).
    #[arg(long, env = "COS_IP")]
    ip: Option<String>,
    /// Port for --ip (plain HTTP).
    #[arg(long, env = "COS_PORT", requires = "ip")]
    port: Option<u16>,
    /// Custom endpoint, e.g. cos.ap-guangzhou.myqcloud.com.
    #[arg(long, env = "COS_ENDPOINT")]
    endpoint: Option<String>,
    /// http or https.
    #[arg(long, env = "COS_SCHEME")]
    scheme: Option<String>,
}

impl OptionalEndpointArgs {
    /// The endpoint, once the credentials are known to be there.
    pub fn require(&self) -> Result<EndpointArgs, exit::CliError> {
        let missing = |flag: &str, env: &str| {
            exit::CliError::invalid(format!(
                "BUCKET KEY needs {flag} (or the {env} environment variable)"
            ))
        };
        Ok(EndpointArgs {
            region: self.region.clone(),
            secret_id: self
                .secret_id
                .clone()
                .ok_or_else(|| missing("--secret-id", "COS_SECRET_ID"))?,
            secret_key: self
                .secret_key
                .clone()
                .ok_or_else(|| missing("--secret-key", "COS_SECRET_KEY"))?,
            token: self.token.clone(),
            ip: self.ip.clone(),
            port: self.port,
            endpoint: self.endpoint.clone(),
            scheme: self.scheme.clone(),
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        if !cli.version {
            // `cos-ci --verbose` alone: clap's own message and exit code 2.
            use clap::CommandFactory;
            Cli::command()
                .error(
                    clap::error::ErrorKind::MissingSubcommand,
                    "a command (or --version) is required",
                )
                .exit();
        }
        print_version(cli.verbose);
        return ExitCode::SUCCESS;
    };
    let outcome = match command {
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
        Command::Ops(command) => local::ops(command),
        Command::Rule { rule } => local::rule(&rule),
        Command::Sign(args) => local::sign(args),
        Command::Process(args) => image::process(args),
        Command::Info(args) => image::info(args),
        Command::Inspect(args) => inspect::inspect_file(args),
        Command::Qrcode(command) => inspect::qrcode(command),
        Command::Style(command) => style::style(command),
        Command::Put(args) => remote::put(args),
        Command::ImageProcess(args) => remote::image_process(args),
        Command::Get(args) => remote::get(args),
        Command::Jobs(command) => jobs::jobs(command),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cos-ci: {err}");
            err.exit_code()
        }
    }
}

fn print_version(verbose: bool) {
    println!("cos-ci {}", env!("CARGO_PKG_VERSION"));
    if verbose {
        println!("{}", ci_core::build_info());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
