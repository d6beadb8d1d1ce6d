"""The pytest plugin of the cos-ci wheel (entry point ``pytest11``: ``cos_ci``).

Fixtures:

* ``cos_server``: a ``cos_ci.testing.LocalCos``, the local COS + CI server for one test
  on a free port of ``127.0.0.1``, storing under the test's ``tmp_path``, with known
  credentials (``.secret_id``, ``.secret_key``) and a bucket name (``.bucket``);
* ``cos_client``: a ``CosS3Client`` for it: the official SDK's (``qcloud_cos``) when
  ``cos-python-sdk-v5`` is installed, else cos-ci's;
* ``cos_styles``: the styles of ``cos_server``'s bucket (name -> rule); empty unless you
  override it (``@pytest.fixture def cos_styles(): return {"thumb": "imageMogr2/..."}``).

Nothing is imported nor started until a test asks for a fixture, so test runs that do
not use them are not slowed down; ``-p no:cos_ci`` turns the plugin off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator

import pytest

if TYPE_CHECKING:
    from .testing import LocalCos


@pytest.fixture
def cos_styles() -> Dict[str, str]:
    """Styles (name -> rule) of ``cos_server``'s bucket; override to set some."""
    return {}


@pytest.fixture
def cos_server(tmp_path: Path, cos_styles: Dict[str, str]) -> Iterator["LocalCos"]:
    """The local COS + CI server for one test (a ``cos_ci.testing.LocalCos``)."""
    from .testing import local_cos

    root = tmp_path / "cos-ci-server"
    root.mkdir()
    with local_cos(str(root), styles=cos_styles) as cos:
        yield cos


@pytest.fixture
def cos_client(cos_server: "LocalCos") -> Any:
    """A ``CosS3Client`` for ``cos_server``: the official SDK's when installed, else
    cos-ci's."""
    return cos_server.client()
