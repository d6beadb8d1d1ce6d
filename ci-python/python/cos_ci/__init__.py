"""cos-ci: Tencent Cloud Infinite persistent image processing on COS.

A drop-in for the official ``cos-python-sdk-v5``'s CI calls: change
``from qcloud_cos import CosConfig, CosS3Client`` to
``from cos_ci import CosConfig, CosS3Client``. The work (signing, HTTP, XML) is done in
Rust with the GIL released.
"""

from __future__ import annotations

import hashlib
import base64
import io
import os
import uuid
from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from . import _cos_ci
from ._cos_ci import (
    CHUNK,
    LocalServer,
    ImageInfo,
    OriginalInfo,
    ParsedRule,
    PicOperations,
    ProcessResult,
    Rule,
    UploadResult,
    parse_rule,
    resolve_fileid,
    sign,
    xml_to_dict,
)
from ._cos_ci import image_info as _image_info
from ._cos_ci import process as _process
from ._cos_ci import thumbnail_jpeg as _thumbnail_jpeg
from ._exceptions import (
    CosClientError,
    CosException,
    CosServiceError,
    PicOperationsError,
    ProcessError,
    RuleError,
)

__version__: str = _cos_ci.__version__

__all__ = [
    "CHUNK",
    "CosClientError",
    "CosConfig",
    "CosException",
    "CosS3Client",
    "CosServiceError",
    "ImageInfo",
    "LocalServer",
    "OriginalInfo",
    "ParsedRule",
    "image_info",
    "process",
    "thumbnail_jpeg",
    "PicOperations",
    "PicOperationsError",
    "ProcessError",
    "ProcessResult",
    "Rule",
    "RuleError",
    "StreamBody",
    "UploadResult",
    "parse_rule",
    "resolve_fileid",
    "serve",
    "sign",
    "xml_to_dict",
]

BodyType = Union[bytes, bytearray, memoryview, str, IO[bytes], IO[str]]
KwargValue = Union[str, int, bool, Mapping[str, Any], PicOperations]


class CosConfig:
    """Where and as whom to connect (the official SDK's keyword names)."""

    def __init__(
        self,
        Appid: Optional[str] = None,
        Region: Optional[str] = None,
        SecretId: Optional[str] = None,
        SecretKey: Optional[str] = None,
        Token: Optional[str] = None,
        Scheme: Optional[str] = None,
        Timeout: Optional[float] = None,
        Endpoint: Optional[str] = None,
        IP: Optional[str] = None,
        Port: Optional[int] = None,
        Domain: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        if not SecretId or not SecretKey:
            raise CosClientError("SecretId and SecretKey is Required!")
        if not Region and not Endpoint and not Domain:
            raise CosClientError("Region or Endpoint is required not empty!")
        if Scheme is None:
            Scheme = "https"
        if Scheme not in ("http", "https"):
            raise CosClientError("Scheme can be only set to http/https")
        self._appid = Appid
        self._region = Region or ""
        self._secret_id = SecretId
        self._secret_key = SecretKey
        self._token = Token
        self._scheme = Scheme
        self._timeout = Timeout
        self._endpoint = Endpoint
        self._ip = IP
        self._port = Port
        self._domain = Domain

    def get_secret_id(self) -> str:
        return self._secret_id

    def get_secret_key(self) -> str:
        return self._secret_key

    def get_token(self) -> Optional[str]:
        return self._token


def _kwarg_pairs(kwargs: Mapping[str, Any]) -> List[Tuple[str, str]]:
    """The SDK's keyword arguments as (name, text) pairs for the native options parser
    (which gives the SDK's ``No Parameter Named X Please Check It`` for unknown ones)."""
    out: List[Tuple[str, str]] = []
    for name, value in kwargs.items():
        if name == "Metadata" and isinstance(value, Mapping):
            for header, v in value.items():
                out.append(("Metadata." + str(header), str(v)))
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        elif isinstance(value, PicOperations):
            out.append((name, value.to_header()))
        elif isinstance(value, bytes):
            out.append((name, value.decode("utf-8")))
        else:
            out.append((name, str(value)))
    return out


def _remaining_length(f: Any) -> Optional[int]:
    try:
        if hasattr(f, "seekable") and not f.seekable():
            return None
        pos = f.tell()
        end = f.seek(0, os.SEEK_END)
        f.seek(pos, os.SEEK_SET)
        return int(end) - int(pos)
    except Exception:
        return None


def _is_text_file(f: Any) -> bool:
    return isinstance(f, io.TextIOBase)


def _content_md5(body: Any) -> str:
    if isinstance(body, str):
        return base64.standard_b64encode(hashlib.md5(body.encode("utf-8")).digest()).decode()
    if isinstance(body, (bytes, bytearray, memoryview)):
        return base64.standard_b64encode(hashlib.md5(body).digest()).decode()
    pos = body.tell()
    md5 = hashlib.md5()
    while True:
        chunk = body.read(CHUNK)
        if not chunk:
            break
        md5.update(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    try:
        body.seek(pos)
    except Exception:
        raise CosClientError("seek unsupported to calculate md5!")
    return base64.standard_b64encode(md5.digest()).decode()


def _prepare_body(
    body: Any, enable_md5: bool, kwargs: Dict[str, Any]
) -> Tuple[Any, Optional[int]]:
    if isinstance(body, memoryview):
        body = body.tobytes()
    if enable_md5 and "ContentMD5" not in kwargs:
        kwargs["ContentMD5"] = _content_md5(body)
    if isinstance(body, (bytes, bytearray, str)):
        return body, None
    if not hasattr(body, "read"):
        raise CosClientError(
            "Body must be bytes, bytearray, memoryview, str or a file object, not "
            + type(body).__name__
        )
    length = None if _is_text_file(body) else _remaining_length(body)
    if "ContentLength" in kwargs:
        length = int(kwargs["ContentLength"])
    return body, length


class _RawStream(io.RawIOBase):
    """``StreamBody.get_raw_stream()``: a binary file object over the download (the
    official SDK hands out urllib3's raw response; ``read(amt)`` works the same)."""

    def __init__(self, native: "_cos_ci.NativeStream") -> None:
        super().__init__()
        self._native = native

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        return self._native.read(-1 if size is None else size)

    def readall(self) -> bytes:
        return self._native.read(-1)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._native.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._native.close()
        super().close()


class StreamBody:
    """The body of a download, as the official SDK's ``StreamBody``: read as it arrives,
    never held whole (each read releases the GIL).

    At the end of the stream the byte count is checked against ``Content-Length`` and,
    for a whole unprocessed object, the CRC-64 against ``x-cos-hash-crc64ecma``; a
    mismatch raises ``CosClientError``.
    """

    def __init__(self, native: "_cos_ci.NativeStream", headers: Mapping[str, str]) -> None:
        self._native = native
        self._raw: Optional[_RawStream] = None
        self._read_len = 0
        length = native.content_length
        self._content_len = 0 if length is None else int(length)
        self._use_chunked = length is None
        self._use_encoding = "Content-Encoding" in headers

    def __iter__(self) -> Iterator[bytes]:
        return self.get_stream(1024)

    def __len__(self) -> int:
        return self._content_len

    def __enter__(self) -> "StreamBody":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_raw_stream(self) -> io.RawIOBase:
        """A binary file object over the (rest of the) body: ``read(amt)``, ``readinto``."""
        if self._raw is None:
            self._raw = _RawStream(self._native)
        return self._raw

    def get_stream(self, chunk_size: int = 1024) -> Iterator[bytes]:
        """The (rest of the) body in pieces of ``chunk_size`` bytes (the last may be
        shorter)."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        while True:
            chunk = self._native.read(chunk_size)
            if not chunk:
                return
            yield chunk

    def read(self, chunk_size: int = 1024, auto_decompress: bool = False) -> bytes:
        """Up to ``chunk_size`` bytes; ``b""`` at the end."""
        return self._native.read(chunk_size)

    def get_stream_to_file(
        self, file_name: str, disable_tmp_file: bool = False, auto_decompress: bool = False
    ) -> None:
        """Writes the (rest of the) body to ``file_name`` via a temporary file (renamed
        when complete), with the GIL released and nothing held in memory."""
        tmp = file_name if disable_tmp_file else "{}_{}".format(file_name, uuid.uuid4().hex)
        try:
            self._read_len = self._native.copy_to_file(tmp)
        except BaseException:
            if tmp != file_name and os.path.exists(tmp):
                os.remove(tmp)
            raise
        if tmp != file_name:
            os.replace(tmp, file_name)

    def pget_stream_to_file(
        self, fdst: IO[bytes], offset: int, expected_len: int, auto_decompress: bool = False
    ) -> None:
        """Writes the (rest of the) body into the open file ``fdst`` at ``offset``."""
        self._read_len = 0
        fdst.seek(offset, 0)
        while True:
            chunk = self._native.read(1024 * 1024)
            if not chunk:
                break
            self._read_len += len(chunk)
            fdst.write(chunk)
        if not self._use_chunked and self._read_len != expected_len:
            raise IOError("download failed with incomplete file")

    def close(self) -> None:
        """Closes the connection without reading the rest (ours; the official SDK leaves
        it to garbage collection)."""
        self._native.close()


def _split_process(kwargs: Dict[str, Any]) -> Optional[str]:
    rule = kwargs.pop("ProcessRule", None)
    style = kwargs.pop("Style", None)
    if rule is not None and style is not None:
        raise CosClientError("ProcessRule and Style are exclusive")
    if style is not None:
        return "style/" + str(style)
    if isinstance(rule, ParsedRule):
        return rule.canonical
    return None if rule is None else str(rule)


class CosS3Client:
    """The COS client: the official SDK's CI calls with the same names and results."""

    def __init__(self, conf: CosConfig, retry: int = 1, session: Any = None) -> None:
        self._conf = conf
        self._retry = retry
        self._native = _cos_ci.NativeClient(
            conf._region,
            conf._secret_id,
            conf._secret_key,
            token=conf._token,
            scheme=conf._scheme,
            endpoint=conf._endpoint,
            domain=conf._domain,
            ip=conf._ip,
            port=conf._port,
            timeout=conf._timeout,
            retries=max(int(retry), 0),
        )

    def get_conf(self) -> CosConfig:
        return self._conf

    # -- CI upload processing ------------------------------------------------------------

    def ci_put_object(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """``PUT /<Key>`` with ``PicOperations``: ``(response_headers, data)``, ``data`` in
        the official ``xml_to_dict`` shape. A file object is streamed."""
        headers, data, _ = self._ci_put(Bucket, Body, Key, EnableMD5, kwargs, False)
        return headers, data

    def ci_put_object_typed(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Optional[UploadResult]]:
        """``ci_put_object`` returning a typed ``UploadResult`` (None without PicOperations)."""
        headers, _, typed = self._ci_put(Bucket, Body, Key, EnableMD5, kwargs, True)
        return headers, typed

    def _ci_put(
        self,
        bucket: str,
        body: Any,
        key: str,
        enable_md5: bool,
        kwargs: Dict[str, Any],
        typed: bool,
    ) -> Tuple[Dict[str, str], Any, Optional[UploadResult]]:
        body, length = _prepare_body(body, enable_md5, kwargs)
        return self._native.ci_put_object(
            bucket, key, body, _kwarg_pairs(kwargs), length, typed
        )

    def ci_put_object_from_local_file(
        self, Bucket: str, LocalFilePath: str, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        if EnableMD5 and "ContentMD5" not in kwargs:
            with open(LocalFilePath, "rb") as fp:
                kwargs["ContentMD5"] = _content_md5(fp)
        headers, data, _ = self._native.ci_put_object_from_local_file(
            Bucket, LocalFilePath, Key, _kwarg_pairs(kwargs)
        )
        return headers, data

    def ci_image_process(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """``POST /<Key>?image_process`` with ``PicOperations``."""
        headers, data, _ = self._native.ci_image_process(Bucket, Key, _kwarg_pairs(kwargs))
        return headers, data

    def ci_image_process_typed(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], UploadResult]:
        headers, _, typed = self._native.ci_image_process(Bucket, Key, _kwarg_pairs(kwargs))
        return headers, typed

    # -- objects --------------------------------------------------------------------------

    def put_object(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Dict[str, str]:
        body, length = _prepare_body(Body, EnableMD5, kwargs)
        return self._native.put_object(Bucket, Key, body, _kwarg_pairs(kwargs), length)

    def get_object(
        self, Bucket: str, Key: str, KeySimplifyCheck: bool = True, **kwargs: Any
    ) -> Dict[str, Any]:
        """``GET /<Key>``; ``ProcessRule="imageMogr2/..."`` or ``Style="name"`` (ours)
        process the download. ``response['Body']`` is a ``StreamBody``."""
        rule = _split_process(kwargs)
        if KeySimplifyCheck and os.path.normpath("/" + Key.lstrip("/")) == "/":
            raise CosClientError("The Getobject Key is illegal")
        headers, stream = self._native.get_object(Bucket, Key, rule, _kwarg_pairs(kwargs))
        response: Dict[str, Any] = dict(headers)
        response["Body"] = StreamBody(stream, headers)
        return response

    def get_object_to_file(
        self, Bucket: str, Key: str, DestFilePath: str, **kwargs: Any
    ) -> Dict[str, str]:
        """Downloads (optionally processed) straight into a file, never held in memory."""
        rule = _split_process(kwargs)
        return self._native.get_object_to_file(
            Bucket, Key, rule, _kwarg_pairs(kwargs), DestFilePath
        )

    def ci_get_ai_pic_matting(
        self,
        Bucket: str,
        Key: Optional[str] = None,
        DetectUrl: Optional[str] = None,
        CenterLayout: Optional[int] = None,
        PaddingLayout: Optional[str] = None,
    ) -> Dict[str, Any]:
        """AIPicMatting download: ``response['Body']`` is the matted image."""
        args: List[Tuple[str, str]] = []
        if CenterLayout is not None:
            args.append(("center-layout", str(CenterLayout)))
        if PaddingLayout is not None:
            args.append(("padding-layout", str(PaddingLayout)))
        headers, stream = self._native.ai_pic_matting(Bucket, Key, DetectUrl, args)
        response: Dict[str, Any] = dict(headers)
        response["Body"] = StreamBody(stream, headers)
        return response

    def head_object(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, str]:
        return self._native.head_object(Bucket, Key, _kwarg_pairs(kwargs))

    def delete_object(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, str]:
        _cos_ci.check_kwargs(_kwarg_pairs(kwargs))
        return self._native.delete_object(Bucket, Key)

    # -- multipart ------------------------------------------------------------------------

    def create_multipart_upload(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, Any]:
        bucket, key, upload_id = self._native.create_multipart_upload(
            Bucket, Key, _kwarg_pairs(kwargs)
        )
        return {"Bucket": bucket, "Key": key, "UploadId": upload_id}

    def upload_part(
        self,
        Bucket: str,
        Key: str,
        Body: BodyType,
        PartNumber: int,
        UploadId: str,
        EnableMD5: bool = False,
        **kwargs: Any,
    ) -> Dict[str, str]:
        _cos_ci.check_kwargs(_kwarg_pairs(kwargs))
        body: Any = Body
        if EnableMD5 and not isinstance(body, (bytes, bytearray, str, memoryview)):
            # The native client hashes replayable bodies only: a part is read whole here.
            body = body.read()
        body, length = _prepare_body(body, False, {})
        return self._native.upload_part(
            Bucket, Key, UploadId, int(PartNumber), body, EnableMD5, length
        )

    def complete_multipart_upload(
        self,
        Bucket: str,
        Key: str,
        UploadId: str,
        MultipartUpload: Mapping[str, Any] = {},
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Completes; the answer's ``xml_to_dict`` (Location, Bucket, Key, ETag and, with
        ``PicOperations``, OriginalInfo and ProcessResults) merged into the response
        headers, as the SDK merges the completion body."""
        parts = MultipartUpload.get("Part", [])
        if isinstance(parts, Mapping):
            parts = [parts]
        pairs = [(int(p["PartNumber"]), str(p["ETag"])) for p in parts]
        headers, data, _ = self._native.complete_multipart_upload(
            Bucket, Key, UploadId, pairs, _kwarg_pairs(kwargs)
        )
        out: Dict[str, Any] = dict(headers)
        if isinstance(data, dict):
            out.update(data)
        return out

    def abort_multipart_upload(
        self, Bucket: str, Key: str, UploadId: str, **kwargs: Any
    ) -> Dict[str, str]:
        _cos_ci.check_kwargs(_kwarg_pairs(kwargs))
        return self._native.abort_multipart_upload(Bucket, Key, UploadId)

    def ci_multipart_upload_file(
        self, Bucket: str, LocalFilePath: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """Parallel multipart upload of a local file; the data is the completion answer's
        ``xml_to_dict`` (with ``PicOperations``, OriginalInfo and ProcessResults after
        Location, Bucket, Key and ETag)."""
        headers, data, _ = self._native.multipart_upload_file(
            Bucket, Key, LocalFilePath, _kwarg_pairs(kwargs)
        )
        return headers, data

    # -- pre-signed URLs --------------------------------------------------------------

    def get_presigned_url(
        self,
        Bucket: str,
        Key: str,
        Method: str,
        Expired: int = 300,
        Params: Mapping[str, Any] = {},
        Headers: Mapping[str, Any] = {},
        UseCiEndPoint: bool = False,
        SignHost: Optional[bool] = None,
    ) -> str:
        """A pre-signed URL; ``Params`` (e.g. ``{'imageMogr2/thumbnail/200x': ''}``) are
        signed into it."""
        if UseCiEndPoint:
            raise CosClientError("UseCiEndPoint is not supported by cos-ci")
        params: List[Tuple[str, Optional[str]]] = [
            (str(k), None if v is None or v == "" else str(v)) for k, v in Params.items()
        ]
        headers = [(str(k), str(v)) for k, v in Headers.items()]
        return self._native.get_presigned_url(
            Bucket, Key, Method, int(Expired), params, headers
        )

    def get_presigned_download_url(
        self,
        Bucket: str,
        Key: str,
        Expired: int = 300,
        Params: Mapping[str, Any] = {},
        Headers: Mapping[str, Any] = {},
        UseCiEndPoint: bool = False,
        SignHost: Optional[bool] = None,
    ) -> str:
        return self.get_presigned_url(
            Bucket, Key, "GET", Expired, Params, Headers, UseCiEndPoint, SignHost
        )


def serve(
    root: Optional[str] = None,
    port: int = 0,
    SecretId: str = "AKIDexample",
    SecretKey: str = "sk-example",
    Region: str = "ap-guangzhou",
    anonymous: bool = False,
    styles: Optional[Mapping[str, Mapping[str, str]]] = None,
) -> LocalServer:
    """Starts the local COS + CI server (``ci-server``) in-process, on ``127.0.0.1``.

    ``root`` is the data directory (a new temporary one when None); ``port=0`` picks a
    free port; ``styles`` maps bucket -> style name -> rule. Point either SDK at it with
    ``CosConfig(..., Scheme="http", IP=server.host, Port=server.port)``; stop it with
    ``server.close()``. Processing runs on the local engine.
    """
    import tempfile

    if root is None:
        root = tempfile.mkdtemp(prefix="cos-ci-serve-")
    style_list = [
        (str(b), str(n), str(r)) for b, m in (styles or {}).items() for n, r in m.items()
    ]
    return _cos_ci.start_server(
        root, int(port), [(SecretId, SecretKey)], Region, bool(anonymous), style_list
    )


def _as_bytes(data: Union[bytes, bytearray, memoryview]) -> bytes:
    return data if isinstance(data, bytes) else bytes(data)


def image_info(data: Union[bytes, bytearray, memoryview]) -> ImageInfo:
    """``ImageInfo`` of an encoded image, computed locally (GIL released).
    Raises ``ProcessError`` for an undecodable or oversized input."""
    return _image_info(_as_bytes(data))


def thumbnail_jpeg(
    data: Union[bytes, bytearray, memoryview], width: int, quality: int = 85
) -> bytes:
    """A JPEG thumbnail ``width`` pixels wide (ratio kept), computed locally (GIL
    released). Raises ``ProcessError``."""
    return _thumbnail_jpeg(_as_bytes(data), width, quality)


def process(
    data: Union[bytes, bytearray, memoryview], rule: Union[str, ParsedRule]
) -> Tuple[bytes, ImageInfo]:
    """Runs a processing rule locally (GIL released): the output and its ImageInfo.
    Raises ``RuleError`` for a bad rule, ``ProcessError`` for a refused image."""
    text = rule.canonical if isinstance(rule, ParsedRule) else rule
    return _process(_as_bytes(data), text)
