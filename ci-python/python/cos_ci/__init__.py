"""cos-ci: Tencent Cloud Infinite persistent image processing on COS.

A drop-in for the official ``cos-python-sdk-v5``'s CI calls: change
``from qcloud_cos import CosConfig, CosS3Client`` to
``from cos_ci import CosConfig, CosS3Client``. The work (signing, HTTP, XML, bodies,
errors) is done in Rust with the GIL released; this package gives it the SDK's
signatures.
"""

from __future__ import annotations

import json
import threading
from typing import IO, Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Set, Tuple, Union
from xml.sax.saxutils import escape as _xml_escape

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
    PicJob,
    PicOperations,
    PicOperationsError,
    ProcessError,
    ProcessResult,
    Rule,
    RuleError,
    UploadResult,
    build_info,
    image_info,
    inspect,
    parse_rule,
    process,
    resolve_fileid,
    sign,
    thumbnail_jpeg,
    xml_to_dict,
)
from ._stream import BytesStream, StreamBody

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
    "format_dict",
    "format_xml",
    "image_info",
    "inspect",
    "process",
    "thumbnail_jpeg",
    "PicJob",
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


def format_dict(data: Any, keys: List[str]) -> Any:
    """The official SDK's ``format_dict``: each of ``keys`` whose value is one dict or
    text becomes a one-item list, ``None`` an empty list (in place; returns ``data``)."""
    if not isinstance(data, dict):
        return data
    for key in keys:
        if key in data and isinstance(data[key], (dict, str)):
            data[key] = [data[key]]
        if key in data and data[key] is None:
            data[key] = []
    return data


def format_xml(data: Any, root: str) -> str:
    """The XML the official SDK's ``format_xml`` (``xmltodict.unparse``) writes for
    ``{root: data}``, without the declaration: dicts nest, lists repeat the element,
    ``@name`` keys are attributes, ``#text`` is text, booleans ``true`` / ``false``."""
    out: List[str] = []
    _unparse(root, data, out)
    return "".join(out)


def _unparse(name: str, value: Any, out: List[str]) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _unparse(name, item, out)
        return
    attrs = ""
    children: List[Tuple[str, Any]] = []
    text = ""
    if isinstance(value, Mapping):
        for k, v in value.items():
            k = str(k)
            if k.startswith("@"):
                attrs += ' %s="%s"' % (k[1:], _xml_escape(_xml_text(v), {'"': "&quot;"}))
            elif k == "#text":
                text = _xml_escape(_xml_text(v))
            else:
                children.append((k, v))
    elif value is not None:
        text = _xml_escape(_xml_text(value))
    out.append("<%s%s>%s" % (name, attrs, text))
    for k, v in children:
        _unparse(k, v, out)
    out.append("</%s>" % name)


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query(params: List[Tuple[str, Any]]) -> List[Tuple[str, str]]:
    """Query parameters as the SDK's requests session sends them: bytes decoded, other
    values ``str()`` (``True`` is ``True``), ``None`` left out."""
    return [
        (str(k), v.decode("utf-8") if isinstance(v, bytes) else str(v))
        for k, v in params
        if v is not None
    ]


def _answer_data(headers: Mapping[str, str], xml: str, keys: List[str]) -> Any:
    """The data of ``ci_open_pic_bucket`` / ``ci_close_pic_bucket`` as the SDK reads it:
    an ``application/xml`` answer with a length as ``xml_to_dict`` + ``format_dict``,
    anything else as bytes."""
    if headers.get("Content-Type") == "application/xml" and "Content-Length" in headers:
        return format_dict(xml_to_dict(xml), keys)
    return xml.encode("utf-8")


def _page(value: Any) -> Optional[int]:
    """A page number or size as the SDK takes it (``''``: not given)."""
    return None if value is None or value == "" else int(value)


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

    # -- the image API: styles, inspection, QR codes, image info, ci-process -----------
    # Called with header keyword arguments, which these native calls do not send, a call
    # is served by the official SDK instead (as are the calls cos-ci lacks).

    def _served_officially(self, name: str) -> Any:
        return _official.translated(getattr(self._official(name), name))

    def ci_put_image_style(
        self, Bucket: str, Request: Mapping[str, Any], **kwargs: Any
    ) -> Dict[str, str]:
        """``PUT /?style`` (``Request={'StyleName': .., 'StyleBody': ..}``): the response
        headers. The name and rule are checked before sending (a ``CosClientError``
        naming the offending token, where the service would answer 400)."""
        if kwargs or set(Request) - {"StyleName", "StyleBody"}:
            return self._served_officially("ci_put_image_style")(Bucket, Request, **kwargs)  # type: ignore[no-any-return]
        return self._native.ci_put_image_style(
            Bucket, str(Request.get("StyleName", "")), str(Request.get("StyleBody", ""))
        )

    def ci_get_image_style(
        self, Bucket: str, Request: Mapping[str, Any], **kwargs: Any
    ) -> Tuple[Dict[str, str], Any]:
        """``GET /?style`` (``Request={}`` or ``{'StyleName': ..}``): ``(headers, data)``,
        ``data`` the ``xml_to_dict`` of ``<StyleList>`` (``{'StyleList': None}`` when
        empty, one ``StyleRule`` a dict, several a list)."""
        if kwargs or set(Request) - {"StyleName"}:
            return self._served_officially("ci_get_image_style")(Bucket, Request, **kwargs)  # type: ignore[no-any-return]
        name = Request.get("StyleName")
        headers, xml = self._native.ci_get_image_style(
            Bucket, None if name is None else str(name)
        )
        return headers, xml_to_dict(xml)

    def ci_delete_image_style(
        self, Bucket: str, Request: Mapping[str, Any], **kwargs: Any
    ) -> Dict[str, str]:
        """``DELETE /?style`` (``Request={'StyleName': ..}``): the response headers."""
        if kwargs or set(Request) - {"StyleName"}:
            return self._served_officially("ci_delete_image_style")(Bucket, Request, **kwargs)  # type: ignore[no-any-return]
        return self._native.ci_delete_image_style(Bucket, str(Request.get("StyleName", "")))

    def ci_get_object(
        self, Bucket: str, Key: str, DestImagePath: str, Rule: str, **kwargs: Any
    ) -> Dict[str, str]:
        """``GET /<Key>?<Rule>`` into ``DestImagePath`` (``style/NAME`` names a style):
        the response headers."""
        return self.get_object_to_file(Bucket, Key, DestImagePath, ProcessRule=Rule, **kwargs)

    def ci_download_compress_image(
        self, Bucket: str, Key: str, DestImagePath: str, CompressType: str, **kwargs: Any
    ) -> Dict[str, str]:
        """``GET /<Key>?imageMogr2/format/<CompressType>`` into ``DestImagePath``."""
        return self.get_object_to_file(
            Bucket, Key, DestImagePath, ProcessRule="imageMogr2/format/" + CompressType,
            **kwargs,
        )

    def ci_get_image_info(
        self, Bucket: str, Key: str, Param: str = "imageInfo", **kwargs: Any
    ) -> Tuple[Dict[str, str], bytes]:
        """``GET /<Key>?<Param>``: ``(headers, body)``, the body the service's JSON as
        bytes (as the SDK returns it)."""
        # (No KeySimplifyCheck: the SDK's call makes none.)
        headers, stream = self._native.get_object(
            Bucket, Key, False, dict(kwargs, ProcessRule=Param)
        )
        return headers, stream.read(-1)

    def ci_get_image_exif_info(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], bytes]:
        """``GET /<Key>?exif``: ``(headers, body)``."""
        return self.ci_get_image_info(Bucket, Key, "exif", **kwargs)

    def ci_get_image_ave_info(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], bytes]:
        """``GET /<Key>?imageAve``: ``(headers, body)``."""
        return self.ci_get_image_info(Bucket, Key, "imageAve", **kwargs)

    def ci_image_inspect(
        self, Bucket: str, Key: str, **kwargs: Any
    ) -> Tuple[Dict[str, str], bytes]:
        """``GET /<Key>?imageInspect``: ``(headers, body)``; ``cos_ci.inspect(data)``
        gives the same report (as a dict) locally."""
        return self.ci_get_image_info(Bucket, Key, "imageInspect", **kwargs)

    def ci_process(
        self,
        Bucket: str,
        Key: str,
        CiProcess: str,
        Params: Optional[Mapping[str, Any]] = {},
        NeedHeader: bool = False,
        Stream: bool = False,
        **kwargs: Any,
    ) -> Any:
        """``GET /<Key>?ci-process=<CiProcess>&<Params>``: the data (with ``NeedHeader``,
        ``(headers, data)``), typed by ``Content-Type`` as the SDK types it: an
        ``application/xml`` answer its ``xml_to_dict``, JSON parsed, anything else the
        bytes (with ``Stream``, a ``StreamBody``)."""
        if kwargs:
            return self._served_officially("ci_process")(
                Bucket, Key, CiProcess, Params, NeedHeader, Stream, **kwargs
            )
        params = _query(list((Params or {}).items()))
        key = Key.lstrip("/")
        data: Any
        if Stream and key:
            headers, native = self._native.ci_process_stream(Bucket, key, CiProcess, params, {})
            content_type = headers.get("Content-Type")
            if content_type == "application/xml" and "Content-Length" in headers:
                data = format_dict(xml_to_dict(native.read(-1).decode("utf-8")), ["Response"])
            elif content_type is not None and content_type.startswith("application/json"):
                data = json.loads(native.read(-1))
            else:
                data = StreamBody(native, headers)
        else:
            headers, kind, value = self._native.ci_process(Bucket, key, CiProcess, params)
            if kind == "xml":
                data = format_dict(value, ["Response"])
            elif kind == "json":
                data = json.loads(value)
            elif "Content-Type" not in headers:
                data = ""
            elif Stream:
                data = StreamBody(BytesStream(value), headers)
            else:
                data = value
        if NeedHeader:
            return headers, data
        return data

    def ci_qrcode_generate(
        self, Bucket: str, QrcodeContent: str, Width: Any, Mode: Any = 0, **kwargs: Any
    ) -> Any:
        """``GET /?ci-process=qrcode-generate``: the ``xml_to_dict`` of the answer
        (``ResultImage`` the Base64 PNG)."""
        if kwargs:
            return self._served_officially("ci_qrcode_generate")(
                Bucket, QrcodeContent, Width, Mode, **kwargs
            )
        params = _query([("qrcode-content", QrcodeContent), ("width", Width), ("mode", Mode)])
        _, kind, value = self._native.ci_process(Bucket, "", "qrcode-generate", params)
        return value if kind == "xml" else xml_to_dict(_as_text(value))

    def ci_get_object_qrcode(
        self, Bucket: str, Key: str, Cover: Any, BarType: Any = 0, **kwargs: Any
    ) -> Tuple[Dict[str, str], Any]:
        """``GET /<Key>?ci-process=QRcode&cover=..&bar-type=..``: ``(headers, data)``,
        ``data`` the answer's ``xml_to_dict``."""
        if kwargs:
            return self._served_officially("ci_get_object_qrcode")(  # type: ignore[no-any-return]
                Bucket, Key, Cover, BarType, **kwargs
            )
        params = _query([("cover", Cover), ("bar-type", BarType)])
        headers, kind, value = self._native.ci_process(Bucket, Key, "QRcode", params)
        return headers, value if kind == "xml" else xml_to_dict(_as_text(value))

    def ci_put_object_from_local_file_and_get_qrcode(
        self, Bucket: str, LocalFilePath: str, Key: str, EnableMD5: bool = False, **kwargs: Any
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        """``ci_put_object`` of a local file (the rules typically ``QRcode/cover/N``)."""
        return self.ci_put_object_from_local_file(Bucket, LocalFilePath, Key, EnableMD5, **kwargs)

    def cos_ai_pic_matting(
        self,
        Bucket: str,
        ObjectKey: str = "",
        DetectUrl: Optional[str] = None,
        CenterLayout: Any = 0,
        PaddingLayout: Optional[str] = None,
        Stream: bool = True,
        **kwargs: Any,
    ) -> Tuple[Dict[str, str], Any]:
        """AIPicMatting of ``ObjectKey`` or ``DetectUrl``: ``(headers, data)``, ``data`` a
        ``StreamBody`` of the image (with ``Stream=False``, bytes)."""
        params: Dict[str, Any] = {}
        if DetectUrl is not None:
            params["detect-url"] = DetectUrl
        if CenterLayout is not None:
            params["center-layout"] = CenterLayout
        if PaddingLayout is not None:
            params["padding-layout"] = PaddingLayout
        return self.ci_process(  # type: ignore[no-any-return]
            Bucket, "/" + ObjectKey, "AIPicMatting", params, True, Stream, **kwargs
        )

    # -- asynchronous image jobs (pic buckets, pic queues, pic jobs) ----------------------
    # The data are the SDK's (its xml_to_dict and format_dict of each answer); the
    # `_typed` forms answer `PicJob`s.

    def ci_open_pic_bucket(self, Bucket: str, **kwargs: Any) -> Tuple[Dict[str, str], Any]:
        """``POST /picbucket``: ``(headers, data)``."""
        if kwargs:
            return self._served_officially("ci_open_pic_bucket")(Bucket, **kwargs)  # type: ignore[no-any-return]
        headers, xml = self._native.ci_open_pic_bucket(Bucket)
        return headers, _answer_data(headers, xml, ["Response"])

    def ci_close_pic_bucket(self, Bucket: str, **kwargs: Any) -> Tuple[Dict[str, str], Any]:
        """``DELETE /picbucket``: ``(headers, data)``."""
        if kwargs:
            return self._served_officially("ci_close_pic_bucket")(Bucket, **kwargs)  # type: ignore[no-any-return]
        headers, xml = self._native.ci_close_pic_bucket(Bucket)
        return headers, _answer_data(headers, xml, ["Response"])

    def ci_get_pic_bucket(
        self,
        Regions: str = "",
        BucketName: str = "",
        BucketNames: str = "",
        PageNumber: Any = "",
        PageSize: Any = "",
        **kwargs: Any,
    ) -> Any:
        """``GET /picbucket`` (region-wide): the data (``PicBucketList`` a list)."""
        if kwargs:
            return self._served_officially("ci_get_pic_bucket")(
                Regions, BucketName, BucketNames, PageNumber, PageSize, **kwargs
            )
        _, xml = self._native.ci_get_pic_bucket(
            Regions, BucketName, BucketNames, _page(PageNumber), _page(PageSize)
        )
        return format_dict(xml_to_dict(xml), ["PicBucketList"])

    def ci_get_media_pic_queue(
        self,
        Bucket: str,
        State: str = "All",
        QueueIds: str = "",
        PageNumber: Any = "",
        PageSize: Any = "",
        **kwargs: Any,
    ) -> Any:
        """``GET /picqueue``: the data (``QueueList`` a list)."""
        if kwargs:
            return self._served_officially("ci_get_media_pic_queue")(
                Bucket, State, QueueIds, PageNumber, PageSize, **kwargs
            )
        ids = [q for q in QueueIds.split(",") if q] if QueueIds else []
        _, xml = self._native.ci_get_media_pic_queue(
            Bucket, None if State == "All" else State, ids, _page(PageNumber), _page(PageSize)
        )
        return format_dict(xml_to_dict(xml), ["QueueList"])

    def ci_update_media_pic_queue(
        self, Bucket: str, QueueId: str, Request: Mapping[str, Any] = {}, **kwargs: Any
    ) -> Any:
        """``PUT /picqueue/<QueueId>`` with ``Request`` (``Name``, ``State``,
        ``NotifyConfig``): the data (``Queue`` a list)."""
        if kwargs:
            return self._served_officially("ci_update_media_pic_queue")(
                Bucket, QueueId, Request, **kwargs
            )
        _, xml = self._native.ci_update_media_pic_queue(
            Bucket, QueueId, format_xml(Request, "Request")
        )
        return format_dict(xml_to_dict(xml), ["Queue"])

    def ci_create_media_pic_jobs(
        self, Bucket: str, Jobs: Mapping[str, Any] = {}, Lst: Any = {}, **kwargs: Any
    ) -> Any:
        """``POST /pic_jobs`` with ``Jobs`` (``Tag``, ``Input``, ``Operation``,
        ``QueueId``, ...): the data (``JobsDetail`` a list)."""
        if kwargs:
            return self._served_officially("ci_create_media_pic_jobs")(
                Bucket, Jobs, Lst, **kwargs
            )
        _, xml, _job = self._native.ci_create_media_pic_jobs(Bucket, format_xml(Jobs, "Request"))
        return format_dict(xml_to_dict(xml), ["JobsDetail"])

    def ci_create_media_pic_jobs_typed(self, Bucket: str, Jobs: Mapping[str, Any]) -> PicJob:
        """``ci_create_media_pic_jobs`` answering the new job as a ``PicJob``."""
        return self._native.ci_create_media_pic_jobs(Bucket, format_xml(Jobs, "Request"))[2]

    def ci_get_media_pic_jobs(self, Bucket: str, JobIDs: str, **kwargs: Any) -> Any:
        """``GET /pic_jobs/<JobIDs>`` (ids separated by commas): the data
        (``JobsDetail`` a list; unknown ids in ``NonExistJobIds``)."""
        if kwargs:
            return self._served_officially("ci_get_media_pic_jobs")(Bucket, JobIDs, **kwargs)
        _, xml, _jobs, _missing = self._native.ci_get_media_pic_jobs(
            Bucket, JobIDs.split(",")
        )
        return format_dict(xml_to_dict(xml), ["JobsDetail"])

    def ci_get_media_pic_jobs_typed(
        self, Bucket: str, JobIDs: Union[str, List[str]]
    ) -> Tuple[List[PicJob], List[str]]:
        """The jobs found (as ``PicJob``s, in the order asked) and the unknown ids."""
        ids = JobIDs.split(",") if isinstance(JobIDs, str) else list(JobIDs)
        _, _xml, jobs, missing = self._native.ci_get_media_pic_jobs(Bucket, ids)
        return jobs, missing

    def ci_list_media_pic_jobs(
        self,
        Bucket: str,
        Tag: str,
        QueueId: Optional[str] = None,
        StartCreationTime: Optional[str] = None,
        EndCreationTime: Optional[str] = None,
        OrderByTime: str = "Desc",
        States: str = "All",
        Size: int = 10,
        NextToken: str = "",
        **kwargs: Any,
    ) -> Any:
        """``GET /pic_jobs?...``: one page, the data (``JobsDetail`` a list,
        ``NextToken`` the next page's)."""
        if kwargs:
            return self._served_officially("ci_list_media_pic_jobs")(
                Bucket, Tag, QueueId, StartCreationTime, EndCreationTime, OrderByTime,
                States, Size, NextToken, **kwargs
            )
        _, xml, _jobs, _token = self._native.ci_list_media_pic_jobs(
            Bucket, Tag, QueueId, StartCreationTime, EndCreationTime, OrderByTime, States,
            int(Size), NextToken,
        )
        return format_dict(xml_to_dict(xml), ["JobsDetail"])

    def ci_list_media_pic_jobs_typed(
        self,
        Bucket: str,
        Tag: str = "PicProcess",
        QueueId: Optional[str] = None,
        StartCreationTime: Optional[str] = None,
        EndCreationTime: Optional[str] = None,
        OrderByTime: str = "Desc",
        States: str = "All",
        Size: int = 10,
        NextToken: str = "",
    ) -> Tuple[List[PicJob], str]:
        """One page of jobs as ``PicJob``s and the next page's token (``''``: the last)."""
        _, _xml, jobs, token = self._native.ci_list_media_pic_jobs(
            Bucket, Tag, QueueId, StartCreationTime, EndCreationTime, OrderByTime, States,
            int(Size), NextToken,
        )
        return jobs, token

    def iter_media_pic_jobs(
        self,
        Bucket: str,
        Tag: str = "PicProcess",
        QueueId: Optional[str] = None,
        StartCreationTime: Optional[str] = None,
        EndCreationTime: Optional[str] = None,
        OrderByTime: str = "Desc",
        States: str = "All",
        Size: int = 100,
        NextToken: str = "",
    ) -> Iterator[PicJob]:
        """Every job from ``NextToken``'s page on, as ``PicJob``s, each page read when the
        iteration reaches it. A page token seen twice raises ``CosClientError`` (a
        service that repeats itself would otherwise loop forever)."""
        seen: Set[str] = set()
        token = NextToken
        while True:
            jobs, token = self.ci_list_media_pic_jobs_typed(
                Bucket, Tag, QueueId, StartCreationTime, EndCreationTime, OrderByTime,
                States, Size, token,
            )
            yield from jobs
            if not token:
                return
            if token in seen:
                raise CosClientError("the job list repeats NextToken %r" % token)
            seen.add(token)

    def wait_for_pic_job(self, Bucket: str, JobId: str, Timeout: float = 60.0) -> PicJob:
        """Polls the job (100 ms doubling to 5 s, GIL released) until it ends or
        ``Timeout`` seconds pass (``CosClientError``); a ``Failed`` job is an answer."""
        return self._native.wait_for_pic_job(Bucket, JobId, float(Timeout))

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


def _as_text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


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
