//! The local server: `serve` in the foreground, and the `demo` main job on an embedded one.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Args;

use ci_core::client::{Body, CosClient, CosConfig, ObjectOptions};
use ci_core::ops::PicOperationsHeader;
use ci_core::sign::ProcessParam;
use ci_core::{PicOperations, Rule};
use ci_server::{CredentialConfig, Server, ServerConfig};

use crate::exit::CliError;
use crate::remote::print_upload_result;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Data directory (object bodies and the SQLite metadata database) [default: the
    /// configuration's `root`, else cos-ci-data]. One server per directory: a second one
    /// on the same directory is refused while the first runs.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Address to listen on [default: the configuration's `bind`, else 127.0.0.1].
    #[arg(long)]
    host: Option<IpAddr>,
    /// Port to listen on, 0 picks a free one [default: the configuration's `bind`, else
    /// 8080].
    #[arg(long)]
    port: Option<u16>,
    /// A TOML configuration file (root, bind, credentials, styles, limits, ...); flags
    /// override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The bucket of requests whose Host names none (`http://127.0.0.1:PORT/key`, as the
    /// official SDKs' pre-signed URLs with `IP=`/`Port=` and Go's `BucketURL` on an IP
    /// send them).
    #[arg(long, value_name = "BUCKET-APPID")]
    bucket: Option<String>,
    /// Accept requests signed with this SecretId (with --secret-key).
    #[arg(long, env = "COS_SECRET_ID", requires = "secret_key")]
    secret_id: Option<String>,
    /// The SecretKey of --secret-id.
    #[arg(long, env = "COS_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Serve unsigned requests too.
    #[arg(long)]
    anonymous: bool,
    /// Demand that Content-Type and Content-Length be signed, as strict COS buckets do.
    #[arg(long)]
    strict: bool,
    /// Folder of fonts for text watermarks (watermark/2): `font/<b64>` names a file in it,
    /// as the cloud names its fonts (e.g. simhei黑体.ttf). Without it only the bundled
    /// DejaVu Sans draws, which has no Chinese, Japanese or Korean glyphs.
    #[arg(long, value_name = "DIR")]
    fonts: Option<PathBuf>,
}

pub fn serve(args: ServeArgs) -> Result<(), CliError> {
    let log = init_logging();
    let config = server_config(args)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("tokio".into(), e))?;
    let startup_log = log.clone();
    let served = runtime.block_on(async move {
        let server = Server::bind(config).await.map_err(CliError::failure)?;
        // What starting logged comes before the address line (scripts read up to it).
        startup_log.flush();
        eprintln!("cos-ci: serving COS + CI on http://{}", server.local_addr());
        server
            .run_until(shutdown_signal())
            .await
            .map_err(|e| CliError::io("server".into(), e))
    });
    drop(runtime);
    // The log batches lines (ci_server::log): none may be lost on a clean stop.
    log.flush();
    served
}

/// The configuration `serve` runs with: the file's (or the defaults), then each flag
/// given over it (`--host` replaces the address of `bind`, `--port` its port).
fn server_config(args: ServeArgs) -> Result<ServerConfig, CliError> {
    let mut config = match &args.config {
        Some(path) => ServerConfig::from_file(path).map_err(CliError::invalid)?,
        None => ServerConfig::default(),
    };
    if let Some(root) = args.root {
        config.root = root;
    }
    if let Some(host) = args.host {
        config.bind = SocketAddr::new(host, config.bind.port());
    }
    if let Some(port) = args.port {
        config.bind.set_port(port);
    }
    if args.bucket.is_some() {
        config.default_bucket = args.bucket;
    }
    config.anonymous |= args.anonymous;
    if args.fonts.is_some() {
        config.fonts = args.fonts;
    }
    config.strict_signature |= args.strict;
    if let (Some(secret_id), Some(secret_key)) = (args.secret_id, args.secret_key) {
        config.credentials.push(CredentialConfig {
            secret_id,
            secret_key,
            token: None,
        });
    }
    if config.credentials.is_empty() && !config.anonymous {
        return Err(CliError::invalid(
            "no credentials: give --secret-id and --secret-key, a --config with credentials, or --anonymous",
        ));
    }
    config.validate().map_err(CliError::invalid)?;
    Ok(config)
}

fn init_logging() -> std::sync::Arc<ci_server::log::BufferedLog> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let log = std::sync::Arc::new(ci_server::log::BufferedLog::new(std::io::stderr()));
    // colour codes only for a terminal, not for a log file or pipe
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let installed = tracing::subscriber::set_global_default(subscriber(&log, filter, ansi));
    // Without colours the access-log lines are the default format's bytes, written
    // without `tracing`'s formatting (ci_server::log::format_access).
    if installed.is_ok() && !ansi {
        log.take_access_log();
    }
    log
}

/// The subscriber of `serve`: the default `fmt` format into `log`.
fn subscriber(
    log: &std::sync::Arc<ci_server::log::BufferedLog>,
    filter: tracing_subscriber::EnvFilter,
    ansi: bool,
) -> impl tracing::Subscriber + Send + Sync {
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || writer.writer())
        .with_ansi(ansi)
        .finish()
}

/// Ctrl-C (SIGINT) or SIGTERM (what service managers and `kill` send): either stops the
/// server gracefully, letting requests in flight finish.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The photo the demo uploads when no --file is given (640x400 baseline JPEG, q90).
const DEMO_PHOTO: &[u8] = include_bytes!("../../tests/fixtures/corpus/photo.jpg");
const DEMO_BUCKET: &str = "examplebucket-1250000000";
const DEMO_SECRET_ID: &str = "AKIDcosciDemo";
const DEMO_SECRET_KEY: &str = "cos-ci-demo-secret-key";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Upload this image instead of the bundled 640x400 photograph.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Where to write the processed copy fetched at the end.
    #[arg(long, default_value = "cos-ci-demo-thumbnail.jpg")]
    out: PathBuf,
}

pub fn demo(args: DemoArgs) -> Result<(), CliError> {
    let photo = match &args.file {
        Some(path) => std::fs::read(path)
            .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?,
        None => DEMO_PHOTO.to_vec(),
    };
    let root = std::env::temp_dir().join(format!("cos-ci-demo-{}", std::process::id()));
    let outcome = run_demo(&root, photo, &args.out);
    let _ = std::fs::remove_dir_all(&root);
    outcome
}

fn run_demo(root: &std::path::Path, photo: Vec<u8>, out: &std::path::Path) -> Result<(), CliError> {
    let mut config = ServerConfig::new(root);
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.credentials.push(CredentialConfig {
        secret_id: DEMO_SECRET_ID.into(),
        secret_key: DEMO_SECRET_KEY.into(),
        token: None,
    });
    // The server runs on the runtime's worker threads; this thread is the client.
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("tokio".into(), e))?;
    let server = runtime
        .block_on(Server::bind(config))
        .map_err(CliError::failure)?;
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = runtime.spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    println!("local COS + CI server on http://{addr} (bucket {DEMO_BUCKET})\n");

    let result = upload_and_fetch(addr, photo, out);
    let _ = stop.send(());
    let _ = runtime.block_on(serving);
    result
}

fn upload_and_fetch(
    addr: SocketAddr,
    photo: Vec<u8>,
    out: &std::path::Path,
) -> Result<(), CliError> {
    let config = CosConfig::new("ap-guangzhou", DEMO_SECRET_ID, DEMO_SECRET_KEY)
        .with_ip_port(addr.ip().to_string(), addr.port());
    let client = CosClient::new(config)?;
    let ops = PicOperations::builder()
        .is_pic_info(true)
        .rule(Rule::new(
            "thumb/photo-200.webp",
            "imageMogr2/thumbnail/200x/format/webp/quality/80",
        ))
        .rule(Rule::new(
            "/square/photo.png",
            "imageView2/1/w/160/h/160/format/png",
        ))
        .build()
        .and_then(PicOperationsHeader::from_ops)
        .map_err(CliError::invalid)?;
    println!(
        "PUT photos/photo.jpg ({} bytes)\nPic-Operations: {}\n",
        photo.len(),
        ops
    );
    let options = ObjectOptions::default()
        .content_type("image/jpeg")
        .pic_operations(ops);
    let (headers, result) = client.ci_put_object(
        DEMO_BUCKET,
        "photos/photo.jpg",
        Body::from_bytes(photo),
        &options,
    )?;
    println!(
        "200 OK, ETag {}, x-cos-request-id {}",
        headers.etag.as_deref().unwrap_or("-"),
        headers.request_id.as_deref().unwrap_or("-")
    );
    match result {
        Some(result) => print_upload_result(&result),
        None => return Err(CliError::failure("the server sent no UploadResult")),
    }

    let rule = ProcessParam::rule("imageMogr2/thumbnail/120x/quality/85");
    let fetched = client.get_object_to_file(
        DEMO_BUCKET,
        "photos/photo.jpg",
        Some(&rule),
        &ObjectOptions::default(),
        out,
    )?;
    println!(
        "\nGET photos/photo.jpg?imageMogr2/thumbnail/120x/quality/85 -> {} ({} bytes, {})",
        out.display(),
        fetched.content_length.unwrap_or(0),
        fetched.get("content-type").unwrap_or("unknown type")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn config_of(args: &[&str]) -> Result<ServerConfig, CliError> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .expect("flags parse");
        server_config(cli.serve)
    }

    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, d: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(d);
            Ok(d.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// `2026-12-06T02:03:46.722082Z` as a time.
    fn parse_stamp(s: &str) -> std::time::SystemTime {
        let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
        let days = days_from_civil(n(0..4), n(5..7), n(8..10));
        let secs = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
        assert_eq!(&s[19..20], ".");
        assert_eq!(&s[26..27], "Z");
        std::time::UNIX_EPOCH + std::time::Duration::new(secs as u64, n(20..26) as u32 * 1000)
    }

    #[test]
    fn the_fast_access_line_is_the_bytes_tracing_writes() {
        use ci_server::log::{format_access, trace_access, Access, BufferedLog};
        let sink = Sink::default();
        let log = std::sync::Arc::new(BufferedLog::new(sink.clone()));
        let filter = tracing_subscriber::EnvFilter::new("info");
        let lines = [
            Access {
                request_id: "18ee87cf84b12d8900000000",
                method: "GET",
                path: "/4k.bin",
                status: 200,
                elapsed_ms: 0,
            },
            Access {
                request_id: "18ee87cf84b12d8a00000001",
                method: "PUT",
                path: "/photos/a%20b%E4%B8%AD.jpg",
                status: 503,
                elapsed_ms: 1234,
            },
        ];
        tracing::subscriber::with_default(subscriber(&log, filter, false), || {
            for a in &lines {
                trace_access(a);
            }
        });
        log.flush();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let traced: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(traced.len(), 2, "{text}");
        for (line, a) in traced.iter().zip(&lines) {
            // The fast line stamped with the time tracing stamped.
            let mut fast = Vec::new();
            assert!(format_access(&mut fast, parse_stamp(&line[..27]), a));
            assert_eq!(String::from_utf8(fast).unwrap(), *line);
        }
    }

    #[test]
    fn config_file_root_and_bind_are_honoured_and_flags_override_them() {
        let dir = std::env::temp_dir().join(format!("cos-ci-serve-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("server.toml");
        std::fs::write(
            &file,
            "root = \"/srv/cos-data\"\nbind = \"127.0.0.2:9123\"\nanonymous = true\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let c = config_of(&["--config", path]).expect("valid");
        assert_eq!(c.root, PathBuf::from("/srv/cos-data"));
        assert_eq!(c.bind, "127.0.0.2:9123".parse().unwrap());
        let c = config_of(&["--config", path, "--port", "0", "--root", "/tmp/x"]).expect("valid");
        assert_eq!(c.bind, "127.0.0.2:0".parse().unwrap());
        assert_eq!(c.root, PathBuf::from("/tmp/x"));
        let c = config_of(&["--config", path, "--host", "0.0.0.0"]).expect("valid");
        assert_eq!(c.bind, "0.0.0.0:9123".parse().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        // Without a file: the defaults, and --bucket sets the default bucket.
        let c = config_of(&["--anonymous", "--bucket", "examplebucket-1250000000"]).expect("valid");
        assert_eq!(c.root, PathBuf::from("cos-ci-data"));
        assert_eq!(c.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            c.default_bucket.as_deref(),
            Some("examplebucket-1250000000")
        );
        assert!(config_of(&["--anonymous", "--bucket", "Not A Bucket"]).is_err());
    }
}
