from __future__ import annotations

from types import ModuleType
from typing import Any, Iterator, Tuple

import pytest

import cos_ci
import qcloud_cos

from cosserver import CosTestServer

# pytester: the user-style test modules (user_style/) run as a user's would, in their own
# process (tests/test_pytest_plugin.py), never collected here.
pytest_plugins = ["pytester"]
collect_ignore = ["user_style", "scripts"]

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
SECRET_ID = "AKIDexample"
SECRET_KEY = "sk-example"


@pytest.fixture(scope="session")
def server() -> Iterator[CosTestServer]:
    s = CosTestServer()
    yield s
    s.close()


def make_client(mod: ModuleType, port: int) -> Any:
    conf = mod.CosConfig(
        Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
        IP="127.0.0.1", Port=port, Timeout=10,
    )
    return mod.CosS3Client(conf, retry=1)


@pytest.fixture
def srv(server: CosTestServer) -> CosTestServer:
    server.reset()
    return server


@pytest.fixture
def ours(srv: CosTestServer) -> Any:
    return make_client(cos_ci, srv.port)


@pytest.fixture
def official(srv: CosTestServer) -> Any:
    return make_client(qcloud_cos, srv.port)


@pytest.fixture(params=["official", "ours"])
def impl(request: pytest.FixtureRequest, srv: CosTestServer) -> Tuple[str, ModuleType, Any]:
    """The same test, once with the official SDK and once with cos_ci."""
    mod = qcloud_cos if request.param == "official" else cos_ci
    return request.param, mod, make_client(mod, srv.port)
