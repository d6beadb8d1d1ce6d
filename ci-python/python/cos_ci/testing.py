"""Test doubles for your own tests: the local COS + CI server, in-process.

unittest (or any code)::

    from cos_ci.testing import local_cos

    with local_cos() as cos:                  # a free port, a temporary root
        client = cos.client()                 # qcloud_cos.CosS3Client if installed
        client.put_object(Bucket=cos.bucket, Body=b"hi", Key="a.txt")

pytest: the plugin shipped with the wheel gives the fixtures ``cos_server`` (a
``LocalCos``, one server per test) and ``cos_client``; override the fixture ``cos_styles``
to give the server styles.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import tempfile
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Iterator, Mapping, Optional

from . import LocalServer, serve

__all__ = ["BUCKET", "REGION", "SECRET_ID", "SECRET_KEY", "LocalCos", "local_cos"]

#: The defaults: a bucket name in COS's ``name-appid`` form and known credentials.
BUCKET = "test-1250000000"
REGION = "ap-guangzhou"
SECRET_ID = "AKIDcosciTEST"
SECRET_KEY = "cos-ci-test-secret-key"

_SDKS = ("auto", "official", "cos_ci")


@dataclass(frozen=True)
class LocalCos:
    """A running local server and how to reach it."""

    server: LocalServer
    #: The data directory (objects and the database).
    root: str
    bucket: str
    region: str
    secret_id: str
    secret_key: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.url

    def _sdk(self, sdk: str) -> ModuleType:
        if sdk not in _SDKS:
            raise ValueError(f"sdk must be one of {_SDKS}, not {sdk!r}")
        if sdk != "cos_ci":
            try:
                return importlib.import_module("qcloud_cos")
            except ImportError:
                if sdk == "official":
                    raise
        import cos_ci

        return cos_ci

    def config(self, sdk: str = "auto", **kwargs: Any) -> Any:
        """A ``CosConfig`` for this server: the official SDK's (``sdk="official"``),
        cos-ci's (``"cos_ci"``), or the official one when installed (``"auto"``).
        ``kwargs`` are more ``CosConfig`` arguments (e.g. ``Timeout``)."""
        args = dict(
            Region=self.region, SecretId=self.secret_id, SecretKey=self.secret_key,
            Scheme="http", IP=self.host, Port=self.port,
        )
        args.update(kwargs)
        return self._sdk(sdk).CosConfig(**args)

    def client(self, sdk: str = "auto", retry: int = 1, **kwargs: Any) -> Any:
        """A ``CosS3Client`` for this server (``sdk`` as in ``config``)."""
        module = self._sdk(sdk)
        chosen = "cos_ci" if module.__name__ == "cos_ci" else "official"
        return module.CosS3Client(self.config(chosen, **kwargs), retry=retry)

    def close(self) -> None:
        """Stops the server (idempotent)."""
        self.server.close()


@contextlib.contextmanager
def local_cos(
    root: Optional[str] = None,
    *,
    bucket: str = BUCKET,
    region: str = REGION,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    styles: Optional[Mapping[str, str]] = None,
) -> Iterator[LocalCos]:
    """Runs the local COS + CI server for the ``with`` block.

    ``root`` is the data directory (a temporary one, removed afterwards, when None);
    ``styles`` maps style name -> rule for ``bucket`` (``style/NAME`` in rules, ``Style=``
    in cos-ci's ``get_object``). The server listens on a free port of ``127.0.0.1`` and
    accepts requests signed with ``secret_id`` / ``secret_key``; ``bucket`` is also its
    default bucket, the one of requests whose Host names none (the official SDK's
    ``ci_open_pic_bucket`` / ``ci_close_pic_bucket`` / ``ci_get_pic_bucket`` with
    ``IP=``).
    """
    owned = root is None
    data = tempfile.mkdtemp(prefix="cos-ci-test-") if root is None else root
    try:
        server = serve(
            data, 0, SecretId=secret_id, SecretKey=secret_key, Region=region,
            styles={bucket: dict(styles)} if styles else None, bucket=bucket,
        )
        cos = LocalCos(server, data, bucket, region, secret_id, secret_key)
        try:
            yield cos
        finally:
            cos.close()
    finally:
        if owned:
            shutil.rmtree(data, ignore_errors=True)
