//! `CompletePicResult`: the multipart completion's answer with `Pic-Operations`, in the
//! combined form (`<CompleteMultipartUploadResult>` + OriginalInfo + ProcessResults) and
//! the older bare `<UploadResult>`.

use ci_core::result::{
    xml_to_dict, CompleteMultipartUploadResult, CompletePicResult, ResultError, UploadResult,
};

const PUT: &str = include_str!("../../../tests/fixtures/seeds/upload_result_put.xml");

/// Seed 002's results after the four completion elements, byte for byte.
const COMBINED: &str = "<CompleteMultipartUploadResult>\n\
<Location>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg</Location>\n\
<Bucket>examplebucket-1250000000</Bucket>\n\
<Key>filename.jpg</Key>\n\
<ETag>&quot;a3e8b9a0c1d2e3f4a5b6c7d8e9f0a1b2-2&quot;</ETag>\n\
<OriginalInfo>\n\
<Key>filename.jpg</Key>\n\
<Location>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg</Location>\n\
<ETag>&quot;580cd6930444576523c25f86ce2af9b1fc2d5484&quot;</ETag>\n\
<ImageInfo>\n\
<Format>JPEG</Format>\n\
<Width>640</Width>\n\
<Height>427</Height>\n\
<Quality>100</Quality>\n\
<Ave>0xa18454</Ave>\n\
<Orientation>1</Orientation>\n\
<FrameCount>1</FrameCount>\n\
</ImageInfo>\n\
</OriginalInfo>\n\
<ProcessResults>\n\
<Object>\n\
<Key>test.png</Key>\n\
<Location>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png</Location>\n\
<Format>png</Format>\n\
<Width>640</Width>\n\
<Height>427</Height>\n\
<Size>463092</Size>\n\
<Quality>100</Quality>\n\
<ETag>&quot;eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c&quot;</ETag>\n\
<FrameCount>1</FrameCount>\n\
</Object>\n\
</ProcessResults>\n\
</CompleteMultipartUploadResult>";

fn completion() -> CompleteMultipartUploadResult {
    CompleteMultipartUploadResult {
        location: "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg".into(),
        bucket: "examplebucket-1250000000".into(),
        key: "filename.jpg".into(),
        etag: "\"a3e8b9a0c1d2e3f4a5b6c7d8e9f0a1b2-2\"".into(),
    }
}

fn combined() -> Result<CompletePicResult, ResultError> {
    Ok(CompletePicResult {
        completion: Some(completion()),
        upload_result: UploadResult::from_xml(PUT)?,
    })
}

#[test]
fn combined_form_byte_for_byte() -> Result<(), ResultError> {
    let r = combined()?;
    assert_eq!(r.to_xml(), COMBINED);
    assert_eq!(CompletePicResult::from_xml(COMBINED)?, r);
    Ok(())
}

#[test]
fn combined_form_without_original_info() -> Result<(), ResultError> {
    let mut r = combined()?;
    r.upload_result.original_info = None;
    let xml = r.to_xml();
    let start = COMBINED.find("<OriginalInfo>").unwrap_or(0);
    let end = COMBINED.find("<ProcessResults>").unwrap_or(0);
    assert_eq!(xml, format!("{}{}", &COMBINED[..start], &COMBINED[end..]));
    assert_eq!(CompletePicResult::from_xml(&xml)?, r);
    Ok(())
}

#[test]
fn no_results_is_the_plain_completion_byte_for_byte() -> Result<(), ResultError> {
    let r = CompletePicResult {
        completion: Some(completion()),
        upload_result: UploadResult::default(),
    };
    assert_eq!(r.to_xml(), completion().to_xml());
    assert_eq!(CompletePicResult::from_xml(&completion().to_xml())?, r);
    // The plain parser reads the combined form's completion and ignores the rest.
    assert_eq!(
        CompleteMultipartUploadResult::from_xml(COMBINED)?,
        completion()
    );
    Ok(())
}

#[test]
fn the_older_upload_result_root_is_read_and_written_back() -> Result<(), ResultError> {
    let r = CompletePicResult::from_xml(PUT)?;
    assert_eq!(r.completion, None);
    assert_eq!(r.upload_result, UploadResult::from_xml(PUT)?);
    assert_eq!(r.to_xml(), PUT);
    Ok(())
}

#[test]
fn sdk_dict_is_xml_to_dict_of_the_body() -> Result<(), ResultError> {
    let r = combined()?;
    assert_eq!(r.to_sdk_dict(), xml_to_dict(COMBINED)?);
    // What cos-python-sdk-v5 1.9.44's xml_to_dict printed for COMBINED.
    assert_eq!(
        r.to_sdk_dict().to_python_repr(),
        "{'Location': 'examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg', \
         'Bucket': 'examplebucket-1250000000', 'Key': 'filename.jpg', \
         'ETag': '\"a3e8b9a0c1d2e3f4a5b6c7d8e9f0a1b2-2\"', \
         'OriginalInfo': {'Key': 'filename.jpg', \
         'Location': 'examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg', \
         'ETag': '\"580cd6930444576523c25f86ce2af9b1fc2d5484\"', \
         'ImageInfo': {'Format': 'JPEG', 'Width': '640', 'Height': '427', 'Quality': '100', \
         'Ave': '0xa18454', 'Orientation': '1', 'FrameCount': '1'}}, \
         'ProcessResults': {'Object': {'Key': 'test.png', \
         'Location': 'examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png', \
         'Format': 'png', 'Width': '640', 'Height': '427', 'Size': '463092', \
         'Quality': '100', 'ETag': '\"eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c\"', \
         'FrameCount': '1'}}}"
    );
    let old = CompletePicResult::from_xml(PUT)?;
    assert_eq!(old.to_sdk_dict(), xml_to_dict(PUT)?);
    Ok(())
}

#[test]
fn unknown_elements_and_declaration_are_tolerated() -> Result<(), ResultError> {
    let xml = COMBINED
        .replacen(
            "<CompleteMultipartUploadResult>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\
             <Extra>x</Extra>",
            1,
        )
        .replacen("<OriginalInfo>", "<Other><A/></Other><OriginalInfo>", 1);
    assert_eq!(CompletePicResult::from_xml(&xml)?, combined()?);
    Ok(())
}

#[test]
fn errors() {
    match CompletePicResult::from_xml("<InitiateMultipartUploadResult/>") {
        Err(ResultError::UnexpectedRoot { expected, found }) => {
            assert_eq!(expected, "CompleteMultipartUploadResult");
            assert_eq!(found, "InitiateMultipartUploadResult");
        }
        other => panic!("{other:?}"),
    }
    let no_etag = COMBINED.replacen(
        "<ETag>&quot;a3e8b9a0c1d2e3f4a5b6c7d8e9f0a1b2-2&quot;</ETag>\n",
        "",
        1,
    );
    match CompletePicResult::from_xml(&no_etag) {
        Err(ResultError::XmlShape { document, message }) => {
            assert_eq!(document, "CompleteMultipartUploadResult");
            assert!(message.contains("ETag"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let bad_width = COMBINED.replacen("<Width>640</Width>", "<Width>wide</Width>", 1);
    assert!(matches!(
        CompletePicResult::from_xml(&bad_width),
        Err(ResultError::XmlShape { .. })
    ));
    assert!(matches!(
        CompletePicResult::from_xml(&COMBINED[..100]),
        Err(ResultError::XmlSyntax { .. })
    ));
    assert!(matches!(
        CompletePicResult::from_xml(
            "<UploadResult><ProcessResults><Object/></ProcessResults></UploadResult>"
        ),
        Err(ResultError::XmlShape {
            document: "UploadResult",
            ..
        })
    ));
}
