"""The native module (Rust, pyo3). Use the ``cos_ci`` package instead."""

from typing import Any, Dict, List, Optional, Tuple, TypedDict, Union, final
import os

__all__ = [
    "CosException",
    "CosClientError",
    "CosServiceError",
    "PicOperationsError",
    "RuleError",
    "ProcessError",
    "NativeClient",
    "NativeStream",
    "UploadResult",
    "OriginalInfo",
    "ImageInfo",
    "ProcessResult",
    "ParsedRule",
    "Rule",
    "PicOperations",
    "PicJob",
    "parse_rule",
    "resolve_fileid",
    "xml_to_dict",
    "sign",
    "LocalServer",
    "image_info",
    "inspect",
    "thumbnail_jpeg",
    "process",
    "start_server",
    "build_info",
    "CHUNK",
    "__version__",
]

CHUNK: int
__version__: str

_Pairs = List[Tuple[str, str]]
_Path = Union[str, "os.PathLike[str]"]
# The SDK's keyword arguments of a call, as given (``**kwargs``).
_Kwargs = Dict[str, Any]
_Bytes = Union[bytes, bytearray, memoryview]
_Digest = Union[Dict[str, Any], str]

class CosException(Exception):
    """Base class of the client's errors (as ``qcloud_cos.cos_exception.CosException``)."""

    def __init__(self, message: Any) -> None: ...

class CosClientError(CosException):
    """A local problem: bad argument, connection failure, timeout, a failed check."""

class CosServiceError(CosException):
    """An error answer of the service, with the official SDK's getters."""

    def __init__(self, method: str, message: Any, status_code: int) -> None: ...
    def get_origin_msg(self) -> Any: ...
    def get_digest_msg(self) -> _Digest: ...
    def get_status_code(self) -> int: ...
    def get_error_code(self) -> Any: ...
    def get_error_msg(self) -> Any: ...
    def get_resource_location(self) -> Any: ...
    def get_trace_id(self) -> Any: ...
    def get_request_id(self) -> Any: ...

class PicOperationsError(ValueError):
    """A ``Pic-Operations`` header that would be refused (``cos_code``: the COS code)."""

    cos_code: str
    def __init__(self, message: str, cos_code: str = "InvalidPicOperations") -> None: ...

class RuleError(PicOperationsError):
    """A processing rule that does not parse: ``offset`` (bytes) and ``token`` say where."""

    offset: int
    token: str
    kind: str
    rule_index: Optional[int]
    def __init__(
        self,
        message: str,
        offset: int,
        token: str,
        kind: str,
        rule_index: Optional[int] = None,
    ) -> None: ...

class ProcessError(ValueError):
    """The local engine refused an image (``code``: the COS error code)."""

    code: str
    def __init__(self, message: str, code: str) -> None: ...

@final
class ImageInfo:
    def __new__(
        cls,
        format: str,
        width: int,
        height: int,
        quality: Optional[int] = None,
        ave: Optional[str] = None,
        orientation: Optional[int] = None,
        frame_count: Optional[int] = None,
        md5: Optional[str] = None,
    ) -> ImageInfo: ...
    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]: ...
    @property
    def format(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def quality(self) -> Optional[int]: ...
    @property
    def ave(self) -> Optional[str]: ...
    @property
    def orientation(self) -> Optional[int]: ...
    @property
    def frame_count(self) -> Optional[int]: ...
    @property
    def md5(self) -> Optional[str]: ...

@final
class OriginalInfo:
    def __new__(
        cls, key: str, location: str, etag: str, image_info: Optional[ImageInfo] = None
    ) -> OriginalInfo: ...
    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]: ...
    @property
    def key(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def etag(self) -> str: ...
    @property
    def image_info(self) -> Optional[ImageInfo]: ...

@final
class ProcessResult:
    def __new__(
        cls,
        key: str,
        location: str,
        etag: str,
        format: Optional[str] = None,
        md5: Optional[str] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        size: Optional[int] = None,
        quality: Optional[int] = None,
        frame_count: Optional[int] = None,
    ) -> ProcessResult: ...
    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]: ...
    @property
    def key(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def format(self) -> Optional[str]: ...
    @property
    def md5(self) -> Optional[str]: ...
    @property
    def width(self) -> Optional[int]: ...
    @property
    def height(self) -> Optional[int]: ...
    @property
    def size(self) -> Optional[int]: ...
    @property
    def quality(self) -> Optional[int]: ...
    @property
    def etag(self) -> str: ...
    @property
    def frame_count(self) -> Optional[int]: ...

@final
class UploadResult:
    @classmethod
    def from_xml(cls, xml: str) -> UploadResult: ...
    def to_xml(self) -> str: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    @property
    def original_info(self) -> Optional[OriginalInfo]: ...
    @property
    def process_results(self) -> List[ProcessResult]: ...

@final
class ParsedRule:
    @property
    def canonical(self) -> str: ...
    @property
    def stages(self) -> List[str]: ...
    @property
    def stage_strings(self) -> List[str]: ...
    @property
    def is_ai_pic_matting(self) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

@final
class Rule:
    def __new__(cls, fileid: str, rule: str, bucket: Optional[str] = None) -> Rule: ...
    @property
    def fileid(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def bucket(self) -> Optional[str]: ...
    def parsed(self) -> ParsedRule: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str, str, Optional[str]]]: ...

@final
class PicOperations:
    def __new__(cls, rules: List[Rule], is_pic_info: bool = False) -> PicOperations: ...
    @staticmethod
    def parse(header: str) -> PicOperations: ...
    def to_header(self) -> str: ...
    @property
    def is_pic_info(self) -> bool: ...
    @property
    def rules(self) -> List[Rule]: ...
    def __reduce__(self) -> Tuple[Any, Tuple[List[Rule], bool]]: ...

@final
class PicJob:
    """One asynchronous image job (``<JobsDetail>``)."""
    @classmethod
    def from_xml(cls, xml: str) -> PicJob: ...
    def to_xml(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...
    @property
    def job_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def is_final(self) -> bool: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def queue_id(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def creation_time(self) -> str: ...
    @property
    def start_time(self) -> str: ...
    @property
    def end_time(self) -> str: ...
    @property
    def input_object(self) -> str: ...
    @property
    def output_object(self) -> str: ...
    @property
    def process_rule(self) -> Optional[str]: ...

@final
class NativeStream:
    def read(self, size: int = ...) -> bytes: ...
    def copy_to_file(self, path: _Path) -> int: ...
    def close(self) -> None: ...
    @property
    def content_length(self) -> Optional[int]: ...
    @property
    def bytes_read(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def checks_crc64(self) -> bool: ...

@final
class NativeClient:
    def __new__(
        cls,
        region: str,
        secret_id: str,
        secret_key: str,
        token: Optional[str] = None,
        scheme: Optional[str] = None,
        endpoint: Optional[str] = None,
        domain: Optional[str] = None,
        ip: Optional[str] = None,
        port: Optional[int] = None,
        timeout: Optional[float] = None,
        retries: int = 1,
    ) -> NativeClient: ...
    def ci_put_object(
        self, bucket: str, key: str, body: Any, enable_md5: bool, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], Dict[str, Any]]: ...
    def ci_put_object_typed(
        self, bucket: str, key: str, body: Any, enable_md5: bool, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], Optional[UploadResult]]: ...
    def ci_put_object_from_local_file(
        self, bucket: str, path: _Path, key: str, enable_md5: bool, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], Dict[str, Any]]: ...
    def ci_image_process(
        self, bucket: str, key: str, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], Dict[str, Any]]: ...
    def ci_image_process_typed(
        self, bucket: str, key: str, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], UploadResult]: ...
    def put_object(
        self, bucket: str, key: str, body: Any, enable_md5: bool, kwargs: _Kwargs
    ) -> Dict[str, str]: ...
    def get_object(
        self, bucket: str, key: str, key_simplify_check: bool, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], NativeStream]: ...
    def get_object_to_file(
        self, bucket: str, key: str, path: _Path, kwargs: _Kwargs
    ) -> Dict[str, str]: ...
    def ai_pic_matting(
        self,
        bucket: str,
        key: Optional[str],
        detect_url: Optional[str],
        center_layout: Optional[Any],
        padding_layout: Optional[Any],
    ) -> Tuple[Dict[str, str], NativeStream]: ...
    def head_object(self, bucket: str, key: str, kwargs: _Kwargs) -> Dict[str, str]: ...
    def delete_object(self, bucket: str, key: str, kwargs: _Kwargs) -> Dict[str, str]: ...
    def create_multipart_upload(
        self, bucket: str, key: str, kwargs: _Kwargs
    ) -> Dict[str, Any]: ...
    def upload_part(
        self,
        bucket: str,
        key: str,
        body: Any,
        part_number: int,
        upload_id: str,
        enable_md5: bool,
        kwargs: _Kwargs,
    ) -> Dict[str, str]: ...
    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: List[Tuple[int, str]],
        kwargs: _Kwargs,
    ) -> Dict[str, Any]: ...
    def abort_multipart_upload(
        self, bucket: str, key: str, upload_id: str, kwargs: _Kwargs
    ) -> Dict[str, str]: ...
    def multipart_upload_file(
        self, bucket: str, key: str, path: _Path, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], Dict[str, Any]]: ...
    def ci_put_image_style(self, bucket: str, name: str, body: str) -> Dict[str, str]: ...
    def ci_get_image_style(
        self, bucket: str, name: Optional[str] = None
    ) -> Tuple[Dict[str, str], str]: ...
    def ci_delete_image_style(self, bucket: str, name: str) -> Dict[str, str]: ...
    def ci_process(
        self, bucket: str, key: str, name: str, params: _Pairs
    ) -> Tuple[Dict[str, str], str, Any]: ...
    def ci_process_stream(
        self, bucket: str, key: str, name: str, params: _Pairs, kwargs: _Kwargs
    ) -> Tuple[Dict[str, str], NativeStream]: ...
    def ci_open_pic_bucket(self, bucket: str) -> Tuple[Dict[str, str], str]: ...
    def ci_close_pic_bucket(self, bucket: str) -> Tuple[Dict[str, str], str]: ...
    def ci_get_pic_bucket(
        self,
        regions: str,
        bucket_name: str,
        bucket_names: str,
        page_number: Optional[int],
        page_size: Optional[int],
    ) -> Tuple[Dict[str, str], str]: ...
    def ci_get_media_pic_queue(
        self,
        bucket: str,
        state: Optional[str],
        queue_ids: List[str],
        page_number: Optional[int],
        page_size: Optional[int],
    ) -> Tuple[Dict[str, str], str]: ...
    def ci_update_media_pic_queue(
        self, bucket: str, queue_id: str, request_xml: str
    ) -> Tuple[Dict[str, str], str]: ...
    def ci_create_media_pic_jobs(
        self, bucket: str, jobs_xml: str
    ) -> Tuple[Dict[str, str], str, PicJob]: ...
    def ci_get_media_pic_jobs(
        self, bucket: str, job_ids: List[str]
    ) -> Tuple[Dict[str, str], str, List[PicJob], List[str]]: ...
    def ci_list_media_pic_jobs(
        self,
        bucket: str,
        tag: str,
        queue_id: Optional[str],
        start_creation_time: Optional[str],
        end_creation_time: Optional[str],
        order_by_time: str,
        states: str,
        size: int,
        next_token: str,
    ) -> Tuple[Dict[str, str], str, List[PicJob], str]: ...
    def wait_for_pic_job(self, bucket: str, job_id: str, timeout: float) -> PicJob: ...
    def get_presigned_url(
        self,
        bucket: str,
        key: str,
        method: str,
        expired: int,
        params: List[Tuple[str, Optional[str]]],
        headers: _Pairs,
    ) -> str: ...

def parse_rule(rule: str) -> ParsedRule: ...
def resolve_fileid(source_key: str, fileid: str) -> str: ...
def xml_to_dict(xml: str) -> Any: ...
def sign(
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    key_time: str,
    params: List[Tuple[str, Optional[str]]] = ...,
    headers: _Pairs = ...,
    token: Optional[str] = None,
) -> str: ...

@final
class LocalServer:
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def running(self) -> bool: ...
    def close(self) -> None: ...

def start_server(
    root: _Path,
    port: int,
    credentials: List[Tuple[str, str]],
    region: str,
    anonymous: bool,
    styles: List[Tuple[str, str, str]],
    default_bucket: Optional[str] = None,
) -> LocalServer: ...

class _BuildInfo(TypedDict):
    version: str
    profile: str
    libjpeg_turbo: str
    jpeg_simd: List[str]
    av1_asm: bool
    avif_encoder: str
    crates: Dict[str, str]
    summary: str

def build_info() -> _BuildInfo: ...

def image_info(data: _Bytes) -> ImageInfo: ...
def inspect(data: _Bytes) -> Dict[str, Any]: ...
def thumbnail_jpeg(data: _Bytes, width: int, quality: int = 85) -> bytes: ...
def process(data: _Bytes, rule: Union[str, ParsedRule]) -> Tuple[bytes, ImageInfo]: ...
