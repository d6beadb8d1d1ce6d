"""Exceptions, shaped like the official SDK's ``qcloud_cos.cos_exception``.

The native module raises these classes (it imports this module when an error occurs).
"""

from __future__ import annotations

import json
import xml.dom.minidom
from typing import Any, Dict, Optional, Union

__all__ = [
    "CosException",
    "CosClientError",
    "CosServiceError",
    "PicOperationsError",
    "ProcessError",
    "RuleError",
]

Digest = Union[Dict[str, Any], str]


def _digest_xml(data: str) -> Digest:
    # The official SDK's digest_xml, field for field.
    msg: Dict[str, Any] = {}
    try:
        root: Any = xml.dom.minidom.parseString(data).documentElement
        for tag, name in (
            ("Code", "code"),
            ("Message", "message"),
            ("Resource", "resource"),
            ("RequestId", "requestid"),
        ):
            msg[name] = root.getElementsByTagName(tag)[0].childNodes[0].nodeValue
        result = root.getElementsByTagName("TraceId")
        if result and len(result[0].childNodes) > 0:
            msg["traceid"] = result[0].childNodes[0].nodeValue
        else:
            msg["traceid"] = "Unknown"
        return msg
    except Exception:
        return "Response Error Msg Is INVALID"


def _digest_xml_or_json(data: str) -> Digest:
    msg = _digest_xml(data)
    if isinstance(msg, dict):
        return msg
    try:
        parsed: Any = json.loads(data)
        return parsed  # type: ignore[no-any-return]
    except Exception:
        return "Response Error Msg Is INVALID"


class CosException(Exception):
    """Base class of the client's errors (as ``qcloud_cos.cos_exception.CosException``)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self._message = message

    def __str__(self) -> str:
        return str(self._message)


class CosClientError(CosException):
    """A local problem: bad argument, connection failure, timeout."""

    def __init__(self, message: Any) -> None:
        CosException.__init__(self, message)


class CosServiceError(CosException):
    """An error answer of the service, with the official SDK's getters.

    ``message`` is the error body (parsed as the SDK parses it) or, for an answer without
    a body (HEAD), a dict built from the status and headers.
    """

    def __init__(self, method: str, message: Any, status_code: int) -> None:
        CosException.__init__(self, message)
        self._method = method
        self._digest_msg: Digest
        if isinstance(message, dict):
            self._origin_msg = ""
            self._digest_msg = message
        else:
            self._origin_msg = message
            self._digest_msg = _digest_xml_or_json(message)
        self._status_code = status_code

    def __str__(self) -> str:
        return str(self._digest_msg)

    def get_origin_msg(self) -> Any:
        """The raw error body."""
        return self._origin_msg

    def get_digest_msg(self) -> Digest:
        """The error as a dict (code, message, resource, requestid, traceid)."""
        return self._digest_msg

    def get_status_code(self) -> int:
        return self._status_code

    def _field(self, name: str) -> Any:
        if isinstance(self._digest_msg, dict):
            return self._digest_msg[name]
        return "Unknown"

    def get_error_code(self) -> Any:
        return self._field("code")

    def get_error_msg(self) -> Any:
        return self._field("message")

    def get_resource_location(self) -> Any:
        return self._field("resource")

    def get_trace_id(self) -> Any:
        return self._field("traceid")

    def get_request_id(self) -> Any:
        return self._field("requestid")


class PicOperationsError(ValueError):
    """A ``Pic-Operations`` header that would be refused (``cos_code``: the COS code)."""

    def __init__(self, message: str, cos_code: str = "InvalidPicOperations") -> None:
        super().__init__(message)
        self.cos_code = cos_code


class RuleError(PicOperationsError):
    """A processing rule that does not parse: ``offset`` (bytes) and ``token`` say where.

    ``rule_index`` is the index into ``rules`` when the rule came from a header.
    """

    def __init__(
        self,
        message: str,
        offset: int,
        token: str,
        kind: str,
        rule_index: Optional[int] = None,
    ) -> None:
        super().__init__(message, "InvalidArgument")
        self.offset = offset
        self.token = token
        self.kind = kind
        self.rule_index = rule_index


class ProcessError(ValueError):
    """The local engine refused an image (``code``: the COS error code it would answer
    with, e.g. ``InvalidImageFormat``, ``ImageTooLarge``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
