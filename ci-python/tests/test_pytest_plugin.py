"""The test doubles for users' own tests: the pytest plugin (entry point ``pytest11``)
and ``cos_ci.testing.local_cos``, driven as a user would, in separate processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

HERE = Path(__file__).resolve().parent
USER_STYLE = HERE / "user_style"
PHOTO = HERE.parents[1] / "tests" / "fixtures" / "corpus" / "photo.jpg"

# Which SDK `cos_client` was: a test module the harness adds beside the user's.
WHICH_SDK = """
import os
def test_which_sdk(cos_client):
    assert type(cos_client).__module__ == os.environ["EXPECT_CLIENT_MODULE"]
"""

# A run that uses no fixture: the plugin is loaded, and has imported nothing.
UNUSED = """
import sys
def test_plugin_loaded_but_idle(request):
    assert request.config.pluginmanager.has_plugin("cos_ci")
    assert "qcloud_cos" not in sys.modules
    assert "cos_ci.testing" not in sys.modules
"""


def user_project(pytester: pytest.Pytester) -> None:
    for name in ("test_user_uploads.py", "test_user_unittest.py"):
        shutil.copy(USER_STYLE / name, pytester.path / name)
    shutil.copy(PHOTO, pytester.path / "photo.jpg")


def without_official_sdk(pytester: pytest.Pytester) -> Dict[str, str]:
    """An environment in which ``import qcloud_cos`` fails, as where it is not installed."""
    blocker = pytester.path / "no-official-sdk" / "qcloud_cos"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('cos-python-sdk-v5 is absent')\n")
    return {"PYTHONPATH": str(blocker.parent)}


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: Dict[str, str],
        *args: str) -> pytest.RunResult:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)


@pytest.mark.parametrize(
    "sdk", ["official", "cos_ci"], ids=["with-official-sdk", "without-official-sdk"]
)
def test_user_style_modules_pass(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                 sdk: str) -> None:
    user_project(pytester)
    pytester.makepyfile(test_which_sdk=WHICH_SDK)
    env = {"EXPECT_CLIENT_MODULE": "qcloud_cos.cos_client" if sdk == "official" else "cos_ci"}
    if sdk == "cos_ci":
        env.update(without_official_sdk(pytester))
    result = run(pytester, monkeypatch, env, "-v")
    # 4 pytest-style, 4 unittest-style, 1 which-SDK.
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*test_user_uploads.py::test_publish_avatar PASSED*"])


def test_unittest_module_runs_under_unittest(tmp_path: Path) -> None:
    shutil.copy(USER_STYLE / "test_user_unittest.py", tmp_path)
    shutil.copy(PHOTO, tmp_path / "photo.jpg")
    done = subprocess.run([sys.executable, "-m", "unittest", "-v", "test_user_unittest"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().endswith("OK")
    assert "Ran 4 tests" in done.stderr


def test_plugin_is_idle_in_runs_that_do_not_use_it(pytester: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_unused=UNUSED)
    run(pytester, monkeypatch, {}).assert_outcomes(passed=1)


def test_plugin_can_be_turned_off(pytester: pytest.Pytester,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_which_sdk=WHICH_SDK)
    result = run(pytester, monkeypatch, {"EXPECT_CLIENT_MODULE": "-"}, "-p", "no:cos_ci")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'cos_client' not found*"])


def test_local_cos_removes_its_root(tmp_path: Path) -> None:
    from cos_ci.testing import BUCKET, SECRET_ID, local_cos

    with local_cos() as cos:
        root = Path(cos.root)
        client = cos.client("cos_ci")
        client.put_object(Bucket=BUCKET, Body=b"x", Key="k")
        assert root.is_dir() and cos.secret_id == SECRET_ID and cos.server.running
    assert not root.exists() and not cos.server.running
    kept = tmp_path / "kept"
    kept.mkdir()
    with local_cos(str(kept)) as cos:
        pass
    assert kept.is_dir()
    with pytest.raises(ValueError, match="sdk must be one of"):
        cos.config("boto3")
