//! COS error XML and the multipart upload documents.

use ci_core::result::{
    xml_to_dict, CompleteMultipartUpload, CompleteMultipartUploadResult, CompletedPart, CosError,
    InitiateMultipartUploadResult, ResultError,
};

fn error() -> CosError {
    CosError {
        code: "InvalidPicOperations".into(),
        message: "rules: at most 5".into(),
        resource: "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg".into(),
        request_id: "NWFjMzQ0MDZfOTBmYTUwXzZkZV8z".into(),
        trace_id: "OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTBjYjUyYTI3ZTU0YWQ0YjBkYmQ3MjhmNmQ4ZmJkZjY".into(),
    }
}

#[test]
fn cos_error_round_trip() -> Result<(), ResultError> {
    let xml = error().to_xml();
    assert_eq!(
        xml,
        format!(
            "<Error>\n<Code>InvalidPicOperations</Code>\n<Message>rules: at most 5</Message>\n\
             <Resource>{}</Resource>\n<RequestId>{}</RequestId>\n<TraceId>{}</TraceId>\n</Error>",
            error().resource,
            error().request_id,
            error().trace_id
        )
    );
    assert_eq!(CosError::from_xml(&xml)?, error());
    Ok(())
}

#[test]
fn cos_error_writes_every_element_even_empty() {
    assert_eq!(
        CosError::default().to_xml(),
        "<Error>\n<Code/>\n<Message/>\n<Resource/>\n<RequestId/>\n<TraceId/>\n</Error>"
    );
}

#[test]
fn cos_error_tolerates_declaration_extra_and_missing_elements() -> Result<(), ResultError> {
    let e = CosError::from_xml(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>NoSuchKey</Code>\n\t\
         <Message>The specified key does not exist.</Message>\n\t<Resource>r</Resource>\n\t\
         <RequestId>id</RequestId>\n\t<HostId>h</HostId>\n</Error>\n",
    )?;
    assert_eq!(e.code, "NoSuchKey");
    assert_eq!(e.message, "The specified key does not exist.");
    assert_eq!(e.trace_id, "");
    Ok(())
}

#[test]
fn cos_error_dict_has_every_key() -> Result<(), ResultError> {
    let d = xml_to_dict(&error().to_xml())?;
    for key in ["Code", "Message", "Resource", "RequestId", "TraceId"] {
        assert!(d.get(key).and_then(|v| v.as_str()).is_some(), "{key}");
    }
    Ok(())
}

#[test]
fn cos_error_wrong_root() {
    assert!(matches!(
        CosError::from_xml("<UploadResult/>"),
        Err(ResultError::UnexpectedRoot {
            expected: "Error",
            ..
        })
    ));
}

#[test]
fn initiate_multipart_round_trip() -> Result<(), ResultError> {
    let r = InitiateMultipartUploadResult {
        bucket: "examplebucket-1250000000".into(),
        key: "big.jpg".into(),
        upload_id: "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"
            .into(),
    };
    let xml = r.to_xml();
    assert_eq!(
        xml,
        format!(
            "<InitiateMultipartUploadResult>\n<Bucket>examplebucket-1250000000</Bucket>\n\
             <Key>big.jpg</Key>\n<UploadId>{}</UploadId>\n</InitiateMultipartUploadResult>",
            r.upload_id
        )
    );
    assert_eq!(InitiateMultipartUploadResult::from_xml(&xml)?, r);
    Ok(())
}

#[test]
fn complete_multipart_request_body() -> Result<(), ResultError> {
    // As the Python SDK's dict_to_xml writes it (minidom, declaration, no whitespace).
    let sdk_body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><CompleteMultipartUpload>\
        <Part><PartNumber>1</PartNumber><ETag>\"aa\"</ETag></Part>\
        <Part><PartNumber>2</PartNumber><ETag>&quot;bb&quot;</ETag></Part>\
        </CompleteMultipartUpload>";
    let body = CompleteMultipartUpload::from_xml(sdk_body)?;
    assert_eq!(
        body.parts,
        vec![
            CompletedPart {
                part_number: 1,
                etag: "\"aa\"".into()
            },
            CompletedPart {
                part_number: 2,
                etag: "\"bb\"".into()
            },
        ]
    );
    let xml = body.to_xml();
    assert_eq!(
        xml,
        "<CompleteMultipartUpload>\n<Part>\n<PartNumber>1</PartNumber>\n<ETag>&quot;aa&quot;</ETag>\n\
         </Part>\n<Part>\n<PartNumber>2</PartNumber>\n<ETag>&quot;bb&quot;</ETag>\n</Part>\n\
         </CompleteMultipartUpload>"
    );
    assert_eq!(CompleteMultipartUpload::from_xml(&xml)?, body);
    assert_eq!(
        CompleteMultipartUpload::from_xml("<CompleteMultipartUpload/>")?.parts,
        vec![]
    );
    assert!(CompleteMultipartUpload::from_xml(
        "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>"
    )
    .is_err());
    Ok(())
}

#[test]
fn complete_multipart_result_round_trip() -> Result<(), ResultError> {
    let r = CompleteMultipartUploadResult {
        location: "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/big.jpg".into(),
        bucket: "examplebucket-1250000000".into(),
        key: "big.jpg".into(),
        etag: "\"0a1b2c-3\"".into(),
    };
    let xml = r.to_xml();
    assert_eq!(
        xml,
        "<CompleteMultipartUploadResult>\n\
         <Location>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/big.jpg</Location>\n\
         <Bucket>examplebucket-1250000000</Bucket>\n<Key>big.jpg</Key>\n\
         <ETag>&quot;0a1b2c-3&quot;</ETag>\n</CompleteMultipartUploadResult>"
    );
    assert_eq!(CompleteMultipartUploadResult::from_xml(&xml)?, r);
    Ok(())
}
