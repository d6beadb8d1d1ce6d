"""A small COS look-alike on loopback that records every request (for the tests)."""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple

SEEDS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "seeds"
UPLOAD_RESULT_PUT = (SEEDS / "upload_result_put.xml").read_bytes()
UPLOAD_RESULT_PROCESS = (SEEDS / "upload_result_image_process.xml").read_bytes()


def complete_with_pic(key: str) -> bytes:
    """The answer to a multipart completion with Pic-Operations: the completion's
    Location, Bucket, Key and ETag, then seed 002's OriginalInfo and ProcessResults."""
    head = (
        "<CompleteMultipartUploadResult>\n<Location>examplebucket-1250000000.cos."
        "ap-guangzhou.myqcloud.com/%s</Location>\n<Bucket>examplebucket-1250000000</Bucket>\n"
        "<Key>%s</Key>\n<ETag>&quot;abc-2&quot;</ETag>" % (key, key)
    )
    return UPLOAD_RESULT_PUT.replace(b"<UploadResult>", head.encode(), 1).replace(
        b"</UploadResult>", b"</CompleteMultipartUploadResult>", 1
    )

ERROR_XML = (
    "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>{code}</Code>\n"
    "<Message>{message}</Message>\n<Resource>{resource}</Resource>\n"
    "<RequestId>{request_id}</RequestId>\n<TraceId>{trace_id}</TraceId>\n</Error>"
)


@dataclass
class Recorded:
    method: str
    path: str
    query: List[Tuple[str, str]]
    headers: Dict[str, str]
    body: bytes
    chunked: bool = False

    @property
    def auth(self) -> Dict[str, str]:
        a = self.headers.get("authorization", "")
        return dict(p.split("=", 1) for p in a.split("&") if "=" in p)

    @property
    def signed_headers(self) -> List[str]:
        return sorted(h for h in self.auth.get("q-header-list", "").split(";") if h)

    @property
    def signed_params(self) -> List[str]:
        return sorted(p for p in self.auth.get("q-url-param-list", "").split(";") if p)


@dataclass
class State:
    requests: List[Recorded] = field(default_factory=list)
    objects: Dict[str, bytes] = field(default_factory=dict)
    parts: Dict[Tuple[str, int], bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    delay: float = 0.0
    # (method, path) -> (status, body, headers): fixed answers (the CI job API's).
    canned: Dict[Tuple[str, str], Tuple[int, bytes, Dict[str, str]]] = field(
        default_factory=dict)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "CosTestServer"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _read_body(self) -> Tuple[bytes, bool]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline().strip()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline().strip():
                        pass
                    return bytes(out), True
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n), False

    def _answer(
        self,
        status: int,
        body: bytes = b"",
        headers: Optional[Dict[str, str]] = None,
        length: Optional[int] = None,
    ) -> None:
        st = self.server.state
        with st.lock:
            st.counter += 1
            rid = "req-%06d" % st.counter
        self.send_response(status)
        self.send_header("x-cos-request-id", rid)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, key: str) -> None:
        body = ERROR_XML.format(
            code=code,
            message=message,
            resource="examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com" + key,
            request_id="NWQ1ZmY4ZjVfMjM1NjE0MDlfYTFmNl8xMjM0",
            trace_id="OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTE=",
        ).encode()
        self._answer(status, body, {"Content-Type": "application/xml"})

    def _handle(self) -> None:
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        key = urllib.parse.unquote(u.path)
        query = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        q = dict(query)
        body, chunked = self._read_body() if self.command in ("PUT", "POST") else (b"", False)
        rec = Recorded(
            self.command,
            key,
            query,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            chunked,
        )
        with st.lock:
            st.requests.append(rec)
            delay = st.delay
            canned = st.canned.get((self.command, key))
        if canned is not None:
            return self._answer(canned[0], canned[1], canned[2])
        if key.startswith("/slow/"):
            time.sleep(delay)
        if key.startswith("/error/"):
            status = int(key.split("/")[2])
            if self.command == "HEAD":
                return self._answer(status)
            return self._error(status, "AccessDenied" if status == 403 else "InvalidArgument",
                               "Access Denied." if status == 403 else "bad", key)
        pic_ops = rec.headers.get("pic-operations")
        m = self.command
        if m == "PUT" and "partNumber" in q:
            st.parts[(q["uploadId"], int(q["partNumber"]))] = body
            return self._answer(200, b"", {"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
        if m == "PUT":
            st.objects[key] = body
            h = {"ETag": '"%s"' % hashlib.md5(body).hexdigest()}
            if pic_ops:
                h["Content-Type"] = "application/xml"
                return self._answer(200, UPLOAD_RESULT_PUT, h)
            return self._answer(200, b"", h)
        if m == "POST" and "image_process" in q:
            return self._answer(200, UPLOAD_RESULT_PROCESS, {"Content-Type": "application/xml"})
        if m == "POST" and "uploads" in q:
            xml = (
                "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>"
                "<Key>%s</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>"
                % key.lstrip("/")
            )
            return self._answer(200, xml.encode(), {"Content-Type": "application/xml"})
        if m == "POST" and "uploadId" in q:
            if pic_ops:
                # /legacy/...: the bare UploadResult older cos-ci servers answered.
                answer = (UPLOAD_RESULT_PUT if key.startswith("/legacy/")
                          else complete_with_pic(key.lstrip("/")))
                return self._answer(200, answer, {"Content-Type": "application/xml"})
            xml = (
                "<CompleteMultipartUploadResult><Location>examplebucket-1250000000.cos."
                "ap-guangzhou.myqcloud.com/%s</Location><Bucket>examplebucket-1250000000"
                "</Bucket><Key>%s</Key><ETag>\"abc-2\"</ETag></CompleteMultipartUploadResult>"
                % (key.lstrip("/"), key.lstrip("/"))
            )
            return self._answer(200, xml.encode(), {"Content-Type": "application/xml"})
        if m in ("GET", "HEAD"):
            data = st.objects.get(key)
            if q.get("ci-process") == "AIPicMatting":
                return self._answer(200, b"MATTED-PNG", {"Content-Type": "image/png"})
            if data is None:
                if m == "HEAD":
                    return self._answer(404)
                return self._error(404, "NoSuchKey", "The specified key does not exist.", key)
            if any(k.startswith(("imageMogr2", "imageView2", "style/")) for k, _ in query):
                data = b"PROCESSED:" + ";".join(k for k, _ in query).encode() + b":" + data
            h = {"Content-Type": "application/octet-stream",
                 "ETag": '"%s"' % hashlib.md5(data).hexdigest()}
            if key.startswith("/badcrc/"):
                h["x-cos-hash-crc64ecma"] = "12345"  # not the CRC of any test body
            if key.startswith("/short/") and m == "GET":
                # Announce more than is sent, then hang up.
                self.close_connection = True
                return self._answer(200, data, h, length=len(data) + 10)
            return self._answer(200, data, h)
        if m == "DELETE":
            st.objects.pop(key, None)
            return self._answer(204)
        self._answer(405)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle


class CosTestServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def reset(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.delay = 0.0
            self.state.canned.clear()

    @property
    def requests(self) -> List[Recorded]:
        with self.state.lock:
            return list(self.state.requests)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
