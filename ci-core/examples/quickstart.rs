//! The main job of cos-ci, end to end on the protocol layer: build a `Pic-Operations`
//! header with two rules, check it the way the service does, see where the results will
//! be stored, sign the upload request, and read the service's documented answer.
//!
//! Run: `cargo run -p ci-core --example quickstart`

use ci_core::ops::resolve_fileid;
use ci_core::result::UploadResult;
use ci_core::sign::{sign, Credentials, HeaderPolicy, KeyTime, SignableRequest};
use ci_core::{PicOperations, Rule};

/// The answer the Persistent Image Processing API page documents for such an upload.
const DOCUMENTED_ANSWER: &str = include_str!("../../tests/fixtures/seeds/upload_result_put.xml");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source_key = "photos/cat 1.jpg";
    let ops = PicOperations::builder()
        .is_pic_info(true)
        .rule(Rule::new(
            "thumb/cat-200.webp",
            "imageMogr2/thumbnail/200x/format/webp/quality/80",
        ))
        .rule(Rule::new(
            "/gray/cat.png",
            "imageMogr2/thumbnail/!50p|imageMogr2/grayscale/1/format/png",
        ))
        .build()?;
    let header = ops.to_header();
    println!("Pic-Operations: {header}\n");

    // Every rule through the grammar: the canonical form and where its result is stored.
    for (entry, rule) in ops.rules.iter().zip(ops.parsed_rules()?) {
        println!("rule   {rule}");
        println!("stores {}", resolve_fileid(source_key, &entry.fileid)?);
    }

    // A mistake is caught before anything is sent, with its place in the rule.
    let bad = PicOperations::builder()
        .rule(Rule::new("x.png", "imageMogr2/rotate/400"))
        .build()?;
    if let Err(err) = bad.parsed_rules() {
        println!("\nrefused: {err} [{}]", err.cos_code());
    }

    // The signed request (fixed time and example credentials, so the output is stable).
    let credentials = Credentials::new("AKIDexample", "sk-example");
    let request = SignableRequest::for_key("PUT", source_key)
        .header(
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        )
        .header("Content-Type", "image/jpeg")
        .header("Content-Length", "64")
        .header("Pic-Operations", header.as_str());
    let authorization = sign(
        &credentials,
        &request,
        KeyTime::new(1_795_377_299, 1_795_387_359),
        &HeaderPolicy::Default,
    );
    println!("\nAuthorization: {}", authorization.to_header_value());

    // The answer, typed and in the official Python SDK's dict shape.
    let answer = UploadResult::from_xml(DOCUMENTED_ANSWER)?;
    if let Some(original) = &answer.original_info {
        if let Some(info) = &original.image_info {
            println!(
                "\noriginal  {} {}x{} quality {:?}",
                info.format, info.width, info.height, info.quality
            );
        }
    }
    for object in &answer.process_results {
        println!(
            "processed {} ({} bytes)",
            object.key,
            object.size.unwrap_or(0)
        );
    }
    println!(
        "\nas the Python SDK returns it:\n{}",
        answer.to_sdk_dict().to_python_repr()
    );
    Ok(())
}
