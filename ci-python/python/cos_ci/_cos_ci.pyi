"""The native module (Rust, pyo3). Use the ``cos_ci`` package instead."""

from typing import Any, Dict, List, Optional, Tuple, Union, final
import os

__all__ = [
    "NativeClient",
    "NativeStream",
    "UploadResult",
    "OriginalInfo",
    "ImageInfo",
    "ProcessResult",
    "ParsedRule",
    "Rule",
    "PicOperations",
    "parse_rule",
    "resolve_fileid",
    "xml_to_dict",
    "sign",
    "check_kwargs",
    "LocalServer",
    "image_info",
    "thumbnail_jpeg",
    "process",
    "start_server",
    "CHUNK",
    "__version__",
]

CHUNK: int
__version__: str

_Pairs = List[Tuple[str, str]]
_Path = Union[str, "os.PathLike[str]"]

@final
class ImageInfo:
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
    @staticmethod
    def from_xml(xml: str) -> UploadResult: ...
    def to_xml(self) -> str: ...
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
        self,
        bucket: str,
        key: str,
        body: Any,
        kwargs: _Pairs,
        length: Optional[int] = None,
        typed: bool = False,
    ) -> Tuple[Dict[str, str], Any, Optional[UploadResult]]: ...
    def ci_put_object_from_local_file(
        self, bucket: str, path: _Path, key: str, kwargs: _Pairs, typed: bool = False
    ) -> Tuple[Dict[str, str], Any, Optional[UploadResult]]: ...
    def ci_image_process(
        self, bucket: str, key: str, kwargs: _Pairs
    ) -> Tuple[Dict[str, str], Any, UploadResult]: ...
    def get_object(
        self, bucket: str, key: str, rule: Optional[str], kwargs: _Pairs
    ) -> Tuple[Dict[str, str], NativeStream]: ...
    def get_object_to_file(
        self, bucket: str, key: str, rule: Optional[str], kwargs: _Pairs, path: _Path
    ) -> Dict[str, str]: ...
    def ai_pic_matting(
        self, bucket: str, key: Optional[str], detect_url: Optional[str], args: _Pairs
    ) -> Tuple[Dict[str, str], NativeStream]: ...
    def put_object(
        self, bucket: str, key: str, body: Any, kwargs: _Pairs, length: Optional[int] = None
    ) -> Dict[str, str]: ...
    def head_object(self, bucket: str, key: str, kwargs: _Pairs) -> Dict[str, str]: ...
    def delete_object(self, bucket: str, key: str) -> Dict[str, str]: ...
    def create_multipart_upload(
        self, bucket: str, key: str, kwargs: _Pairs
    ) -> Tuple[str, str, str]: ...
    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: Any,
        enable_md5: bool,
        length: Optional[int] = None,
    ) -> Dict[str, str]: ...
    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: List[Tuple[int, str]],
        kwargs: _Pairs,
    ) -> Tuple[Dict[str, str], Any, Optional[UploadResult]]: ...
    def abort_multipart_upload(
        self, bucket: str, key: str, upload_id: str
    ) -> Dict[str, str]: ...
    def multipart_upload_file(
        self, bucket: str, key: str, path: _Path, kwargs: _Pairs
    ) -> Tuple[Dict[str, str], Any, Optional[UploadResult]]: ...
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
def check_kwargs(kwargs: _Pairs) -> None: ...
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
) -> LocalServer: ...

def image_info(data: bytes) -> ImageInfo: ...
def thumbnail_jpeg(data: bytes, width: int, quality: int = 85) -> bytes: ...
def process(data: bytes, rule: str) -> Tuple[bytes, ImageInfo]: ...
