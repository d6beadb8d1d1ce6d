"""cos-ci: Tencent Cloud Infinite persistent image processing on COS.

A drop-in for the official ``cos-python-sdk-v5``'s CI calls: change
``from qcloud_cos import CosConfig, CosS3Client`` to
``from cos_ci import CosConfig, CosS3Client``. The work (signing, HTTP, XML, bodies,
errors) is done in Rust with the GIL released; this package gives it the SDK's
signatures.
"""

from __future__ import annotations

import threading
from typing import IO, Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

from . import _cos_ci, _official
from ._cos_ci import (
    CHUNK,
    CosClientError,
    CosException,
    CosServiceError,
    ImageInfo,
    LocalServer,
    OriginalInfo,
    ParsedRule,
    PicOperations,
    PicOperationsError,
    ProcessError,
    ProcessResult,
    Rule,
    RuleError,
    UploadResult,
    build_info,
    image_info,
    parse_rule,
    process,
    resolve_fileid,
    sign,
    thumbnail_jpeg,
    xml_to_dict,
)
from ._stream import StreamBody

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
    "NATIVE_CALLS",
    "OriginalInfo",
    "ParsedRule",
    "build_info",
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


class CosConfig:
    """Where and as whom to connect (the official SDK's keyword names).

    Attributes and methods it lacks (``uri``, ``get_host``, ``_ua``, ...) come from an
    official ``qcloud_cos.CosConfig`` built from the same arguments on first use (needs
    ``cos-python-sdk-v5``).
    """

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
        # Bumped by the setters: clients rebuild their native side when it changes.
        self._generation = 0
        given = dict(
            Appid=Appid, Region=Region, SecretId=SecretId, SecretKey=SecretKey, Token=Token,
            Scheme=Scheme, Timeout=Timeout, Endpoint=Endpoint, IP=IP, Port=Port, Domain=Domain,
        )
        # The arguments as given, for the official config and client (``_official``).
        self._official_args: Dict[str, Any] = {
            k: v for k, v in given.items() if v is not None
        }
        self._official_args.update(kwargs)
        self._official_conf: Any = None
        self._official_lock = threading.Lock()

    def get_secret_id(self) -> str:
        return self._secret_id

    def get_secret_key(self) -> str:
        return self._secret_key

    def get_token(self) -> Optional[str]:
        return self._token

    def set_ip_port(self, IP: Optional[str], Port: Optional[int] = None) -> None:
        """Sends the requests to ``IP:Port`` (clients made from this config follow)."""
        self._ip = IP
        self._port = Port
        self._changed(IP=IP, Port=Port)

    def set_credential(self, SecretId: str, SecretKey: str, Token: Optional[str] = None) -> None:
        """New credentials, e.g. refreshed temporary ones (clients made from this config
        sign their next requests with them)."""
        if not SecretId or not SecretKey:
            raise CosClientError("SecretId and SecretKey is Required!")
        self._secret_id = SecretId
        self._secret_key = SecretKey
        self._token = Token
        self._changed(SecretId=SecretId, SecretKey=SecretKey, Token=Token)

    def _changed(self, **args: Any) -> None:
        for k, v in args.items():
            if v is None:
                self._official_args.pop(k, None)
            else:
                self._official_args[k] = v
        with self._official_lock:
            official = self._official_conf
            self._generation += 1
        if official is not None:
            if "IP" in args:
                official.set_ip_port(args["IP"], args["Port"])
            else:
                # The official set_credential fails on Token=None (it strips the token):
                # give it "" and then None, the value it holds without a token.
                token = args["Token"]
                official.set_credential(
                    args["SecretId"], args["SecretKey"], "" if token is None else token
                )
                if token is None:
                    official._token = None

    def _official(self, name: str) -> Any:
        """The official ``qcloud_cos.CosConfig`` with the same arguments (built once)."""
        with self._official_lock:
            if self._official_conf is None:
                sdk = _official.import_official("CosConfig", name)
                self._official_conf = sdk.CosConfig(**self._official_args)
            return self._official_conf

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this class lacks. Never for dunders (copy, pickle)
        # nor before __init__ has run.
        if name.startswith("__") or "_official_lock" not in self.__dict__:
            raise AttributeError(name)
        return _official.translated(getattr(self._official(name), name))


class CosS3Client:
    """The COS client: the official SDK's CI calls with the same names and results.

    Keyword arguments are the SDK's (``ContentType``, ``Metadata={...}``,
    ``PicOperations``, ...); an unknown one raises the SDK's ``CosClientError``. The calls
    in ``NATIVE_CALLS`` run natively; every other call of the official SDK
    (``upload_file``, ``list_objects``, ``copy_object``, ...) is served by a
    ``qcloud_cos.CosS3Client`` built on first use from the same configuration, retries and
    session, when ``cos-python-sdk-v5`` is installed.
    """

    def __init__(self, conf: CosConfig, retry: int = 1, session: Any = None) -> None:
        self._conf = conf
        self._retry = retry
        self._session = session
        self._official_client: Any = None
        self._official_lock = threading.Lock()
        self._native_generation = conf._generation
        self._native_client = self._new_native()

    def _new_native(self) -> "_cos_ci.NativeClient":
        conf = self._conf
        return _cos_ci.NativeClient(
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
            retries=max(int(self._retry), 0),
        )

    @property
    def _native(self) -> "_cos_ci.NativeClient":
        # The configuration's setters (set_credential, set_ip_port) bump its generation.
        if self._native_generation != self._conf._generation:
            self._native_generation = self._conf._generation
            self._native_client = self._new_native()
        return self._native_client

    def _official(self, name: str) -> Any:
        """The official ``qcloud_cos.CosS3Client`` for the same configuration (built once,
        on the first call that needs it)."""
        with self._official_lock:
            if self._official_client is None:
                sdk = _official.import_official("CosS3Client", name)
                official_conf = self._conf._official(name)
                self._official_client = sdk.CosS3Client(
                    official_conf, retry=self._retry, session=self._session
                )
            return self._official_client

    def __getattr__(self, name: str) -> Any:
        # Only reached for calls this class lacks: the official client's, errors raised as
        # cos-ci's classes. Never for dunders (copy, pickle) nor before __init__ has run.
        if name.startswith("__") or "_official_lock" not in self.__dict__:
            raise AttributeError(name)
        return _official.translated(getattr(self._official(name), name))

    def get_conf(self) -> CosConfig:
        return self._conf

    # -- CI upload processing ------------------------------------------------------------

    def ci_put_object(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """``PUT /<Key>`` with ``PicOperations``: ``(response_headers, data)``, ``data`` in
        the official ``xml_to_dict`` shape. A file object is streamed."""
        return self._native.ci_put_object(Bucket, Key, Body, bool(EnableMD5), kwargs)

    def ci_put_object_typed(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Optional[UploadResult]]:
        """``ci_put_object`` returning a typed ``UploadResult`` (None without PicOperations)."""
        return self._native.ci_put_object_typed(Bucket, Key, Body, bool(EnableMD5), kwargs)

    def ci_put_object_from_local_file(
        self, Bucket: str, LocalFilePath: str, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        return self._native.ci_put_object_from_local_file(
            Bucket, LocalFilePath, Key, bool(EnableMD5), kwargs
        )

    def ci_image_process(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """``POST /<Key>?image_process`` with ``PicOperations``."""
        return self._native.ci_image_process(Bucket, Key, kwargs)

    def ci_image_process_typed(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], UploadResult]:
        return self._native.ci_image_process_typed(Bucket, Key, kwargs)

    # -- objects --------------------------------------------------------------------------

    def put_object(
        self, Bucket: str, Body: BodyType, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Dict[str, str]:
        return self._native.put_object(Bucket, Key, Body, bool(EnableMD5), kwargs)

    def get_object(
        self, Bucket: str, Key: str, KeySimplifyCheck: bool = True, **kwargs: Any
    ) -> Dict[str, Any]:
        """``GET /<Key>``; ``ProcessRule="imageMogr2/..."`` or ``Style="name"`` (ours)
        process the download. ``response['Body']`` is a ``StreamBody``."""
        headers, stream = self._native.get_object(Bucket, Key, bool(KeySimplifyCheck), kwargs)
        response: Dict[str, Any] = dict(headers)
        response["Body"] = StreamBody(stream, headers)
        return response

    def get_object_to_file(
        self, Bucket: str, Key: str, DestFilePath: str, **kwargs: Any
    ) -> Dict[str, str]:
        """Downloads (optionally processed) straight into a file, never held in memory."""
        return self._native.get_object_to_file(Bucket, Key, DestFilePath, kwargs)

    def ci_get_ai_pic_matting(
        self,
        Bucket: str,
        Key: Optional[str] = None,
        DetectUrl: Optional[str] = None,
        CenterLayout: Optional[int] = None,
        PaddingLayout: Optional[str] = None,
    ) -> Dict[str, Any]:
        """AIPicMatting download: ``response['Body']`` is the matted image."""
        headers, stream = self._native.ai_pic_matting(
            Bucket, Key, DetectUrl, CenterLayout, PaddingLayout
        )
        response: Dict[str, Any] = dict(headers)
        response["Body"] = StreamBody(stream, headers)
        return response

    def head_object(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, str]:
        return self._native.head_object(Bucket, Key, kwargs)

    def delete_object(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, str]:
        return self._native.delete_object(Bucket, Key, kwargs)

    # -- multipart ------------------------------------------------------------------------

    def create_multipart_upload(self, Bucket: str, Key: str, **kwargs: Any) -> Dict[str, Any]:
        return self._native.create_multipart_upload(Bucket, Key, kwargs)

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
        return self._native.upload_part(
            Bucket, Key, Body, int(PartNumber), UploadId, bool(EnableMD5), kwargs
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
        return self._native.complete_multipart_upload(Bucket, Key, UploadId, pairs, kwargs)

    def abort_multipart_upload(
        self, Bucket: str, Key: str, UploadId: str, **kwargs: Any
    ) -> Dict[str, str]:
        return self._native.abort_multipart_upload(Bucket, Key, UploadId, kwargs)

    def ci_multipart_upload_file(
        self, Bucket: str, LocalFilePath: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """Parallel multipart upload of a local file; the data is the completion answer's
        ``xml_to_dict`` (with ``PicOperations``, OriginalInfo and ProcessResults after
        Location, Bucket, Key and ETag)."""
        return self._native.multipart_upload_file(Bucket, Key, LocalFilePath, kwargs)

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
            # The CI endpoint's URL: the official SDK's (same configuration).
            official = _official.translated(self._official("get_presigned_url").get_presigned_url)
            url: str = official(Bucket, Key, Method, Expired, Params, Headers, True, SignHost)
            return url
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


#: The calls of ``CosS3Client`` that run natively (in Rust); the official SDK serves the
#: others (``CosS3Client.__getattr__``).
NATIVE_CALLS: FrozenSet[str] = frozenset(
    name
    for name, value in vars(CosS3Client).items()
    if not name.startswith("_") and callable(value)
)


def serve(
    root: Optional[str] = None,
    port: int = 0,
    SecretId: str = "AKIDexample",
    SecretKey: str = "sk-example",
    Region: str = "ap-guangzhou",
    anonymous: bool = False,
    styles: Optional[Mapping[str, Mapping[str, str]]] = None,
    bucket: Optional[str] = None,
) -> LocalServer:
    """Starts the local COS + CI server (``ci-server``) in-process, on ``127.0.0.1``.

    ``root`` is the data directory (a new temporary one when None); ``port=0`` picks a
    free port; ``styles`` maps bucket -> style name -> rule; ``bucket`` is the bucket of
    requests that name none (the SDKs' pre-signed URLs for ``IP=``/``Port=`` clients).
    Point either SDK at it with ``CosConfig(..., Scheme="http", IP=server.host,
    Port=server.port)``; stop it with ``server.close()``. Processing runs on the local
    engine.
    """
    import tempfile

    if root is None:
        root = tempfile.mkdtemp(prefix="cos-ci-serve-")
    style_list = [
        (str(b), str(n), str(r)) for b, m in (styles or {}).items() for n, r in m.items()
    ]
    return _cos_ci.start_server(
        root, int(port), [(SecretId, SecretKey)], Region, bool(anonymous), style_list, bucket
    )
