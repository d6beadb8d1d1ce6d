"""The official SDK (``cos-python-sdk-v5``) behind the calls cos-ci does not implement.

Switching ``from qcloud_cos import ...`` to ``from cos_ci import ...`` must never lose a
call: ``CosS3Client`` and ``CosConfig`` hand every attribute they lack to an official
``qcloud_cos`` object built lazily from the same arguments. Its errors come back as
cos-ci's classes, so a script's ``except CosServiceError`` catches them wherever the call
ran. Without the package installed, the ``AttributeError`` names the call and the fix.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import Any, Callable, Optional

from ._cos_ci import CosClientError, CosServiceError

__all__ = ["INSTALL_HINT", "import_official", "translated"]

INSTALL_HINT = "pip install cos-python-sdk-v5"


def import_official(owner: str, name: str) -> ModuleType:
    """``qcloud_cos``, or an ``AttributeError`` naming ``owner.name`` and how to get it."""
    try:
        # (importlib: the SDK ships no type information.)
        return importlib.import_module("qcloud_cos")
    except ImportError as e:
        raise AttributeError(
            f"{owner}.{name} is not one of cos-ci's native calls (cos_ci.NATIVE_CALLS); "
            f"the official SDK's other calls are served by cos-python-sdk-v5, which is not "
            f"installed: {INSTALL_HINT}"
        ) from e


def _as_ours(error: BaseException) -> Optional[BaseException]:
    """An official ``CosServiceError`` / ``CosClientError`` as cos-ci's, else None."""
    cos_exception = importlib.import_module("qcloud_cos.cos_exception")

    if isinstance(error, cos_exception.CosServiceError):
        # The official class keeps the raw body, or '' and a dict for a bodiless answer
        # (HEAD); cos-ci's class digests either the same way.
        origin = error.get_origin_msg()
        message: Any = origin if origin else error.get_digest_msg()
        return CosServiceError("", message, error.get_status_code())
    if isinstance(error, cos_exception.CosClientError):
        return CosClientError(str(error))
    return None


def translated(value: Any) -> Any:
    """A callable of the official SDK whose errors are raised as cos-ci's classes (the
    original chained as ``__cause__``); any other value as it is."""
    if not callable(value):
        return value
    call: Callable[..., Any] = value

    @functools.wraps(call)
    def served(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except Exception as e:
            ours = _as_ours(e)
            if ours is None:
                raise
            raise ours from e

    return served
