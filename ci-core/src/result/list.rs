//! Listings and copies: `ListBucketResult` (GET Bucket), `ListPartsResult`,
//! `ListMultipartUploadsResult`, `CopyObjectResult` (PUT Object - Copy) and
//! `ListAllMyBucketsResult` (GET Service).
//!
//! Element names and order follow the COS API reference and what cos-go-sdk-v5 and
//! cos-python-sdk-v5 read.

use serde::{Deserialize, Serialize};

use super::{xml, ResultError};

/// An `<Owner>` or `<Initiator>`: `<ID/><DisplayName/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Owner {
    /// Account id, e.g. `qcs::cam::uin/100000000001:uin/100000000001` or an APPID.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
}

/// One `<CommonPrefixes><Prefix/></CommonPrefixes>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommonPrefix {
    /// The rolled-up prefix, delimiter included.
    pub prefix: String,
}

/// One `<Contents>` entry of a [`ListBucketResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedObject {
    /// Object key (URL-encoded when the request asked for `encoding-type=url`).
    pub key: String,
    /// ISO 8601, e.g. `2020-10-28T08:17:19.000Z`.
    pub last_modified: String,
    /// ETag, quotes included.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Owner of the object.
    #[serde(default)]
    pub owner: Owner,
    /// Storage class, e.g. `STANDARD`.
    #[serde(default)]
    pub storage_class: String,
}

/// The answer to GET Bucket (ListObjects): `GET /?prefix=&marker=&max-keys=`.
///
/// ```
/// use ci_core::result::ListBucketResult;
///
/// let doc = ListBucketResult {
///     name: "examplebucket-1250000000".into(),
///     prefix: "photos/".into(),
///     max_keys: 2,
///     ..Default::default()
/// };
/// let xml = doc.to_xml();
/// assert!(xml.starts_with("<ListBucketResult>\n<Name>examplebucket-1250000000</Name>\n"));
/// assert_eq!(ListBucketResult::from_xml(&xml).unwrap(), doc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListBucketResult", rename_all = "PascalCase")]
pub struct ListBucketResult {
    /// Bucket, `<name>-<appid>`.
    pub name: String,
    /// `url` when keys, prefixes and markers are URL-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// The prefix asked for.
    #[serde(default)]
    pub prefix: String,
    /// The marker asked for.
    #[serde(default)]
    pub marker: String,
    /// The page size in effect.
    pub max_keys: u32,
    /// The delimiter asked for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// More entries follow.
    pub is_truncated: bool,
    /// Where the next page starts (only when truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Rolled-up prefixes (with a delimiter).
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
    /// Objects, in key order.
    #[serde(rename = "Contents", default)]
    pub contents: Vec<ListedObject>,
}

impl ListBucketResult {
    /// Parses a `<ListBucketResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "ListBucketResult")
    }

    /// Serialises in the order Name, EncodingType, Prefix, Marker, MaxKeys, Delimiter,
    /// IsTruncated, NextMarker, CommonPrefixes, Contents (absent options omitted).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "ListBucketResult")
    }
}

/// One `<Part>` of a [`ListPartsResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedPart {
    /// 1-based part number.
    pub part_number: u32,
    /// ISO 8601 time of the part upload.
    pub last_modified: String,
    /// The part's ETag, quotes included.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// The answer to List Parts: `GET /<Key>?uploadId=ID`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListPartsResult", rename_all = "PascalCase")]
pub struct ListPartsResult {
    /// Bucket, `<name>-<appid>`.
    pub bucket: String,
    /// `url` when the key is URL-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// Object key.
    pub key: String,
    /// The upload.
    pub upload_id: String,
    /// Who started the upload.
    #[serde(default)]
    pub initiator: Owner,
    /// Owner of the object to be.
    #[serde(default)]
    pub owner: Owner,
    /// Storage class, e.g. `STANDARD`.
    #[serde(default)]
    pub storage_class: String,
    /// Parts after this number are listed.
    pub part_number_marker: u32,
    /// The last part number of this page.
    pub next_part_number_marker: u32,
    /// The page size in effect.
    pub max_parts: u32,
    /// More parts follow.
    pub is_truncated: bool,
    /// The parts, by number.
    #[serde(rename = "Part", default)]
    pub parts: Vec<ListedPart>,
}

impl ListPartsResult {
    /// Parses a `<ListPartsResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "ListPartsResult")
    }

    /// Serialises in the order Bucket, EncodingType, Key, UploadId, Initiator, Owner,
    /// StorageClass, PartNumberMarker, NextPartNumberMarker, MaxParts, IsTruncated, Part...
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "ListPartsResult")
    }
}

/// One `<Upload>` of a [`ListMultipartUploadsResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedUpload {
    /// Object key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Storage class, e.g. `STANDARD`.
    #[serde(default)]
    pub storage_class: String,
    /// Who started the upload.
    #[serde(default)]
    pub initiator: Owner,
    /// Owner of the object to be.
    #[serde(default)]
    pub owner: Owner,
    /// ISO 8601 time of the initiation.
    pub initiated: String,
}

/// The answer to List Multipart Uploads: `GET /?uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListMultipartUploadsResult", rename_all = "PascalCase")]
pub struct ListMultipartUploadsResult {
    /// Bucket, `<name>-<appid>`.
    pub bucket: String,
    /// `url` when keys and markers are URL-encoded (COS spells the element
    /// `Encoding-Type` here).
    #[serde(
        rename = "Encoding-Type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// The key marker asked for.
    #[serde(default)]
    pub key_marker: String,
    /// The upload id marker asked for.
    #[serde(default)]
    pub upload_id_marker: String,
    /// Where the next page starts (only when truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    /// Where the next page starts (only when truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_upload_id_marker: Option<String>,
    /// The page size in effect.
    pub max_uploads: u32,
    /// More uploads follow.
    pub is_truncated: bool,
    /// The prefix asked for.
    #[serde(default)]
    pub prefix: String,
    /// The delimiter asked for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The uploads in progress, by key then initiation.
    #[serde(rename = "Upload", default)]
    pub uploads: Vec<ListedUpload>,
    /// Rolled-up prefixes (with a delimiter).
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

impl ListMultipartUploadsResult {
    /// Parses a `<ListMultipartUploadsResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "ListMultipartUploadsResult")
    }

    /// Serialises in the order Bucket, Encoding-Type, KeyMarker, UploadIdMarker,
    /// NextKeyMarker, NextUploadIdMarker, MaxUploads, IsTruncated, Prefix, Delimiter,
    /// Upload..., CommonPrefixes...
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "ListMultipartUploadsResult")
    }
}

/// The answer to PUT Object - Copy (`x-cos-copy-source`).
///
/// ```
/// use ci_core::result::CopyObjectResult;
///
/// let doc = CopyObjectResult {
///     etag: "\"ee8de918d05640145b18f70f4c3aa602\"".into(),
///     last_modified: "2020-12-10T07:23:38.000Z".into(),
///     crc64: Some(16749565679157681890),
///     version_id: None,
/// };
/// assert_eq!(
///     doc.to_xml(),
///     "<CopyObjectResult>\n<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>\n\
///      <LastModified>2020-12-10T07:23:38.000Z</LastModified>\n\
///      <CRC64>16749565679157681890</CRC64>\n</CopyObjectResult>"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CopyObjectResult", rename_all = "PascalCase")]
pub struct CopyObjectResult {
    /// ETag of the new object, quotes included.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// ISO 8601 time of the copy.
    pub last_modified: String,
    /// CRC-64/XZ (`crc64ecma`) of the new object.
    #[serde(rename = "CRC64", default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<u64>,
    /// Version of the new object on versioned buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

impl CopyObjectResult {
    /// Parses a `<CopyObjectResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "CopyObjectResult")
    }

    /// Serialises in the order ETag, LastModified, CRC64, VersionId.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "CopyObjectResult")
    }
}

/// One `<Bucket>` of a [`ListAllMyBucketsResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEntry {
    /// Bucket, `<name>-<appid>`.
    pub name: String,
    /// Region, e.g. `ap-guangzhou`.
    pub location: String,
    /// ISO 8601 creation time.
    pub creation_date: String,
    /// Bucket type, `cos`.
    #[serde(default)]
    pub bucket_type: String,
}

/// The `<Buckets>` wrapper of a [`ListAllMyBucketsResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BucketList {
    /// The buckets, by name.
    #[serde(rename = "Bucket", default)]
    pub buckets: Vec<BucketEntry>,
}

/// The answer to GET Service: every bucket of the account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListAllMyBucketsResult", rename_all = "PascalCase")]
pub struct ListAllMyBucketsResult {
    /// The account.
    #[serde(default)]
    pub owner: Owner,
    /// The buckets.
    #[serde(default)]
    pub buckets: BucketList,
}

impl ListAllMyBucketsResult {
    /// Parses a `<ListAllMyBucketsResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "ListAllMyBucketsResult")
    }

    /// Serialises Owner then Buckets.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "ListAllMyBucketsResult")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner {
            id: "1250000000".into(),
            display_name: "1250000000".into(),
        }
    }

    #[test]
    fn list_bucket_byte_exact_and_back() -> Result<(), ResultError> {
        let doc = ListBucketResult {
            name: "examplebucket-1250000000".into(),
            encoding_type: None,
            prefix: "p/".into(),
            marker: "p/a".into(),
            max_keys: 1,
            delimiter: Some("/".into()),
            is_truncated: true,
            next_marker: Some("p/b.jpg".into()),
            common_prefixes: vec![CommonPrefix {
                prefix: "p/d/".into(),
            }],
            contents: vec![ListedObject {
                key: "p/b.jpg".into(),
                last_modified: "2020-10-28T08:17:19.000Z".into(),
                etag: "\"d41d8cd98f00b204e9800998ecf8427e\"".into(),
                size: 0,
                owner: owner(),
                storage_class: "STANDARD".into(),
            }],
        };
        let xml = doc.to_xml();
        assert_eq!(
            xml,
            "<ListBucketResult>\n<Name>examplebucket-1250000000</Name>\n<Prefix>p/</Prefix>\n\
             <Marker>p/a</Marker>\n<MaxKeys>1</MaxKeys>\n<Delimiter>/</Delimiter>\n\
             <IsTruncated>true</IsTruncated>\n<NextMarker>p/b.jpg</NextMarker>\n\
             <CommonPrefixes>\n<Prefix>p/d/</Prefix>\n</CommonPrefixes>\n<Contents>\n\
             <Key>p/b.jpg</Key>\n<LastModified>2020-10-28T08:17:19.000Z</LastModified>\n\
             <ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag>\n<Size>0</Size>\n\
             <Owner>\n<ID>1250000000</ID>\n<DisplayName>1250000000</DisplayName>\n</Owner>\n\
             <StorageClass>STANDARD</StorageClass>\n</Contents>\n</ListBucketResult>"
        );
        assert_eq!(ListBucketResult::from_xml(&xml)?, doc);
        Ok(())
    }

    #[test]
    fn list_bucket_empty_and_cloud_sample() -> Result<(), ResultError> {
        let empty = ListBucketResult {
            name: "b-1250000000".into(),
            max_keys: 1000,
            ..Default::default()
        };
        assert_eq!(
            empty.to_xml(),
            "<ListBucketResult>\n<Name>b-1250000000</Name>\n<Prefix/>\n<Marker/>\n\
             <MaxKeys>1000</MaxKeys>\n<IsTruncated>false</IsTruncated>\n</ListBucketResult>"
        );
        // The shape of the API reference's example: declaration, indentation, two objects.
        let cloud = ListBucketResult::from_xml(
            "<?xml version='1.0' encoding='utf-8' ?>\n<ListBucketResult>\n\
             \t<Name>examplebucket-1250000000</Name>\n\t<Prefix/>\n\t<Marker/>\n\
             \t<MaxKeys>1000</MaxKeys>\n\t<IsTruncated>false</IsTruncated>\n\
             \t<Contents>\n\t\t<Key>example-folder-1/example-object-1.jpg</Key>\n\
             \t\t<LastModified>2020-12-10T03:37:30.000Z</LastModified>\n\
             \t\t<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>\n\
             \t\t<Size>1</Size>\n\t\t<Owner>\n\t\t\t<ID>1250000000</ID>\n\
             \t\t\t<DisplayName>1250000000</DisplayName>\n\t\t</Owner>\n\
             \t\t<StorageClass>STANDARD</StorageClass>\n\t</Contents>\n\
             \t<Contents>\n\t\t<Key>example-object-2.jpg</Key>\n\
             \t\t<LastModified>2020-12-10T03:37:30.000Z</LastModified>\n\
             \t\t<ETag>&quot;c9a7b47d2d0e3b2b1f2e0c8f4b9a2d11&quot;</ETag>\n\
             \t\t<Size>1218</Size>\n\t\t<StorageClass>STANDARD_IA</StorageClass>\n\
             \t</Contents>\n</ListBucketResult>\n",
        )?;
        assert_eq!(cloud.contents.len(), 2);
        assert_eq!(cloud.contents[0].size, 1);
        assert_eq!(cloud.contents[1].size, 1218);
        assert_eq!(cloud.contents[1].owner, Owner::default());
        assert_eq!(
            cloud.contents[0].etag,
            "\"ee8de918d05640145b18f70f4c3aa602\""
        );
        assert!(!cloud.is_truncated);
        Ok(())
    }

    #[test]
    fn list_parts_byte_exact_and_back() -> Result<(), ResultError> {
        let doc = ListPartsResult {
            bucket: "b-1250000000".into(),
            encoding_type: None,
            key: "big.bin".into(),
            upload_id: "u1".into(),
            initiator: owner(),
            owner: owner(),
            storage_class: "STANDARD".into(),
            part_number_marker: 0,
            next_part_number_marker: 2,
            max_parts: 1000,
            is_truncated: false,
            parts: vec![
                ListedPart {
                    part_number: 1,
                    last_modified: "2020-10-28T08:17:19.000Z".into(),
                    etag: "\"aa\"".into(),
                    size: 1048576,
                },
                ListedPart {
                    part_number: 2,
                    last_modified: "2020-10-28T08:17:20.000Z".into(),
                    etag: "\"bb\"".into(),
                    size: 7,
                },
            ],
        };
        let xml = doc.to_xml();
        assert_eq!(
            xml,
            "<ListPartsResult>\n<Bucket>b-1250000000</Bucket>\n<Key>big.bin</Key>\n\
             <UploadId>u1</UploadId>\n<Initiator>\n<ID>1250000000</ID>\n\
             <DisplayName>1250000000</DisplayName>\n</Initiator>\n<Owner>\n<ID>1250000000</ID>\n\
             <DisplayName>1250000000</DisplayName>\n</Owner>\n<StorageClass>STANDARD</StorageClass>\n\
             <PartNumberMarker>0</PartNumberMarker>\n<NextPartNumberMarker>2</NextPartNumberMarker>\n\
             <MaxParts>1000</MaxParts>\n<IsTruncated>false</IsTruncated>\n<Part>\n\
             <PartNumber>1</PartNumber>\n<LastModified>2020-10-28T08:17:19.000Z</LastModified>\n\
             <ETag>&quot;aa&quot;</ETag>\n<Size>1048576</Size>\n</Part>\n<Part>\n\
             <PartNumber>2</PartNumber>\n<LastModified>2020-10-28T08:17:20.000Z</LastModified>\n\
             <ETag>&quot;bb&quot;</ETag>\n<Size>7</Size>\n</Part>\n</ListPartsResult>"
        );
        assert_eq!(ListPartsResult::from_xml(&xml)?, doc);
        Ok(())
    }

    #[test]
    fn list_uploads_byte_exact_and_back() -> Result<(), ResultError> {
        let doc = ListMultipartUploadsResult {
            bucket: "b-1250000000".into(),
            encoding_type: Some("url".into()),
            key_marker: String::new(),
            upload_id_marker: String::new(),
            next_key_marker: None,
            next_upload_id_marker: None,
            max_uploads: 1000,
            is_truncated: false,
            prefix: "a".into(),
            delimiter: None,
            uploads: vec![ListedUpload {
                key: "a%20b".into(),
                upload_id: "u1".into(),
                storage_class: "STANDARD".into(),
                initiator: owner(),
                owner: owner(),
                initiated: "2020-10-28T08:17:19.000Z".into(),
            }],
            common_prefixes: vec![],
        };
        let xml = doc.to_xml();
        assert_eq!(
            xml,
            "<ListMultipartUploadsResult>\n<Bucket>b-1250000000</Bucket>\n\
             <Encoding-Type>url</Encoding-Type>\n<KeyMarker/>\n<UploadIdMarker/>\n\
             <MaxUploads>1000</MaxUploads>\n<IsTruncated>false</IsTruncated>\n<Prefix>a</Prefix>\n\
             <Upload>\n<Key>a%20b</Key>\n<UploadId>u1</UploadId>\n\
             <StorageClass>STANDARD</StorageClass>\n<Initiator>\n<ID>1250000000</ID>\n\
             <DisplayName>1250000000</DisplayName>\n</Initiator>\n<Owner>\n<ID>1250000000</ID>\n\
             <DisplayName>1250000000</DisplayName>\n</Owner>\n\
             <Initiated>2020-10-28T08:17:19.000Z</Initiated>\n</Upload>\n\
             </ListMultipartUploadsResult>"
        );
        assert_eq!(ListMultipartUploadsResult::from_xml(&xml)?, doc);
        Ok(())
    }

    #[test]
    fn copy_result_parses_cloud_sample() -> Result<(), ResultError> {
        let doc = CopyObjectResult::from_xml(
            "<?xml version='1.0' encoding='utf-8' ?>\n<CopyObjectResult>\n\
             \t<ETag>\"ee8de918d05640145b18f70f4c3aa602\"</ETag>\n\
             \t<CRC64>16749565679157681890</CRC64>\n\
             \t<LastModified>2020-12-10T07:23:38Z</LastModified>\n\
             \t<VersionId>MTg0NDUxNzcwMDk0ODk1NDk</VersionId>\n</CopyObjectResult>",
        )?;
        assert_eq!(doc.etag, "\"ee8de918d05640145b18f70f4c3aa602\"");
        assert_eq!(doc.crc64, Some(16749565679157681890));
        assert_eq!(doc.last_modified, "2020-12-10T07:23:38Z");
        assert_eq!(doc.version_id.as_deref(), Some("MTg0NDUxNzcwMDk0ODk1NDk"));
        assert!(matches!(
            CopyObjectResult::from_xml("<CopyObjectResult><ETag>x</ETag><LastModified>t</LastModified><CRC64>-1</CRC64></CopyObjectResult>"),
            Err(ResultError::XmlShape { document: "CopyObjectResult", .. })
        ));
        Ok(())
    }

    #[test]
    fn service_byte_exact_and_back() -> Result<(), ResultError> {
        let doc = ListAllMyBucketsResult {
            owner: owner(),
            buckets: BucketList {
                buckets: vec![BucketEntry {
                    name: "examplebucket-1250000000".into(),
                    location: "ap-guangzhou".into(),
                    creation_date: "2019-05-24T11:49:50Z".into(),
                    bucket_type: "cos".into(),
                }],
            },
        };
        let xml = doc.to_xml();
        assert_eq!(
            xml,
            "<ListAllMyBucketsResult>\n<Owner>\n<ID>1250000000</ID>\n\
             <DisplayName>1250000000</DisplayName>\n</Owner>\n<Buckets>\n<Bucket>\n\
             <Name>examplebucket-1250000000</Name>\n<Location>ap-guangzhou</Location>\n\
             <CreationDate>2019-05-24T11:49:50Z</CreationDate>\n<BucketType>cos</BucketType>\n\
             </Bucket>\n</Buckets>\n</ListAllMyBucketsResult>"
        );
        assert_eq!(ListAllMyBucketsResult::from_xml(&xml)?, doc);
        let none = ListAllMyBucketsResult::default();
        assert_eq!(ListAllMyBucketsResult::from_xml(&none.to_xml())?, none);
        Ok(())
    }

    #[test]
    fn wrong_roots_are_refused() {
        assert!(matches!(
            ListPartsResult::from_xml("<ListBucketResult/>"),
            Err(ResultError::UnexpectedRoot {
                expected: "ListPartsResult",
                ..
            })
        ));
        assert!(ListAllMyBucketsResult::from_xml("<ListAllMyBucketsResult>").is_err());
    }
}
