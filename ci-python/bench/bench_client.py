"""Client-side benchmark of the cos-ci wheel against the official cos-python-sdk-v5, in one
run: ci_put_object against a local server, signing throughput, and the local thumbnail vs
Pillow. Run it through ``ci-python/bench/run.sh`` (release wheel, release server, a venv
with the official SDK and Pillow); by hand:

    python bench_client.py --server target/release/cos-ci [--calls 1000] [--photo JPEG]

Client-side cost is the CPU time of this process (``time.process_time``: every thread,
user + system, so reqwest's runtime thread counts for ours) around the loop of calls. The
server (``cos-ci serve``, release build) runs in a separate process, so its work (the
upload, the rule, the UploadResult) is excluded; it is the same for both clients. Wall
time is reported as well; it includes the server's time and depends on the machine's
load, which is printed alongside. The two clients alternate in rounds so that a change
of load hits both.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import cos_ci
import qcloud_cos
from qcloud_cos.cos_auth import CosS3Auth

BUCKET = "examplebucket-1250000000"
SECRET_ID, SECRET_KEY = "AKIDbench", "sk-bench"
ROOT = Path(__file__).resolve().parents[2]
PHOTO_640 = ROOT / "tests" / "fixtures" / "corpus" / "photo.jpg"
BIG_PHOTO = "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg"
ONE_RULE = json.dumps(
    {"is_pic_info": 1, "rules": [{"fileid": "thumb.jpg", "rule": "imageMogr2/thumbnail/200x"}]},
    separators=(",", ":"),
)
THUMB_RULE = "imageMogr2/thumbnail/800x/quality/85"


def _bench_common() -> Any:
    """bench/common.py (stdlib only), loaded by its path: it holds the one copy of
    starting `cos-ci serve` on a free port that the repository's benchmarks share; this
    directory is not a package and runs from its own venv, so no import path reaches it."""
    path = ROOT / "bench" / "common.py"
    spec = importlib.util.spec_from_file_location("cos_ci_bench_common", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_common = _bench_common()


def make_client(mod: Any, port: int) -> Any:
    conf = mod.CosConfig(Region="ap-guangzhou", SecretId=SECRET_ID, SecretKey=SECRET_KEY,
                         Scheme="http", IP="127.0.0.1", Port=port, Timeout=60)
    return mod.CosS3Client(conf, retry=1)


def measure(fn: Callable[[int], Any], start: int, n: int) -> Tuple[float, float]:
    """(process CPU seconds, wall seconds) of ``fn(start) .. fn(start + n - 1)``."""
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(start, start + n):
        fn(i)
    return time.process_time() - c0, time.perf_counter() - w0


class RawSocketClient:
    """The floor of any Python client: the same request (headers as cos_ci sends them,
    signed once for the whole run) written with ``socket.sendall`` on one keep-alive
    connection, the answer read with no parsing beyond its length. What is left per
    call is the interpreter's loop and the kernel's loopback TCP for the 55 KB body,
    which every client pays."""

    def __init__(self, port: int) -> None:
        import socket
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def put(self, key: str, body: bytes, pic_operations: str | None) -> bytes:
        host = BUCKET + ".cos.ap-guangzhou.myqcloud.com"
        headers = [("Host", host), ("Content-Length", str(len(body)))]
        if pic_operations is not None:
            headers.append(("Pic-Operations", pic_operations))
        now = int(time.time())
        auth = cos_ci.sign(SECRET_ID, SECRET_KEY, "PUT", "/" + key,
                           "%d;%d" % (now - 60, now + 3600), [], headers)
        head = "PUT /%s HTTP/1.1\r\n%sAuthorization: %s\r\n\r\n" % (
            key, "".join("%s: %s\r\n" % kv for kv in headers), auth)
        self.sock.sendall(head.encode() + body)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        head_end = self.buf.index(b"\r\n\r\n") + 4
        m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", self.buf[:head_end])
        need = head_end + (int(m.group(1)) if m else 0)
        while len(self.buf) < need:
            self.buf += self.sock.recv(65536)
        answer, self.buf = self.buf[head_end:need], self.buf[need:]
        assert self.buf == b"", "one answer per request"
        return answer


def bench_uploads(server: str, calls: int, rounds: int, body: bytes,
                  only: str | None = None) -> Dict[str, Dict[str, float]]:
    root = tempfile.mkdtemp(prefix="cos-ci-bench-")
    proc, port = _common.start_server(server, root, SECRET_ID, SECRET_KEY)
    out: Dict[str, Dict[str, float]] = {}
    try:
        clients = {"official": make_client(qcloud_cos, port), "cos_ci": make_client(cos_ci, port)}
        if only == "floor":
            raw = RawSocketClient(port)
            for what, ops in (("ci_put_object", ONE_RULE), ("put_object", None)):
                fn = lambda i: raw.put("floor/%s/%d.jpg" % (what, i), body, ops)  # noqa: E731
                measure(fn, 10**6, 20)
                c, w = measure(fn, 0, calls)
                out["floor " + what] = {"calls": calls, "cpu_s": c, "wall_s": w}
            return out
        calls_of: Dict[str, Callable[[Any, str], Callable[[int], Any]]] = {
            "ci_put_object": lambda c, tag: lambda i: c.ci_put_object(
                Bucket=BUCKET, Body=body, Key="%s/ci/%d.jpg" % (tag, i), PicOperations=ONE_RULE),
            "put_object": lambda c, tag: lambda i: c.put_object(
                Bucket=BUCKET, Body=body, Key="%s/plain/%d.jpg" % (tag, i)),
        }
        # Same answer from both before timing anything.
        _, d1 = clients["official"].ci_put_object(Bucket=BUCKET, Body=body, Key="check/a.jpg",
                                                   PicOperations=ONE_RULE)
        _, d2 = clients["cos_ci"].ci_put_object(Bucket=BUCKET, Body=body, Key="check/b.jpg",
                                                 PicOperations=ONE_RULE)
        w1 = d1["ProcessResults"]["Object"]["Width"]
        w2 = d2["ProcessResults"]["Object"]["Width"]
        assert w1 == w2 == "200", (w1, w2)
        if only is not None:
            clients = {only: clients[only]}
        per_round = max(calls // rounds, 1)
        for what, make in calls_of.items():
            fns = {name: make(c, name) for name, c in clients.items()}
            for name, fn in fns.items():
                measure(fn, 10**6, 20)  # warm up: connection pool, code paths
            cpu = {name: 0.0 for name in fns}
            wall = {name: 0.0 for name in fns}
            for r in range(rounds):
                for name, fn in fns.items():
                    c, w = measure(fn, r * per_round, per_round)
                    cpu[name] += c
                    wall[name] += w
            for name in fns:
                out["%s %s" % (name, what)] = {
                    "calls": per_round * rounds, "cpu_s": cpu[name], "wall_s": wall[name]}
    finally:
        _common.stop_server(proc)
        shutil.rmtree(root, ignore_errors=True)
    return out


def bench_sign(n: int) -> Dict[str, Dict[str, float]]:
    host = BUCKET + ".cos.ap-guangzhou.myqcloud.com"
    headers = {"Host": host, "Content-Length": "64", "Content-Type": "image/jpeg",
               "Pic-Operations": ONE_RULE}
    header_list = list(headers.items())
    conf = qcloud_cos.CosConfig(Region="ap-guangzhou", SecretId=SECRET_ID, SecretKey=SECRET_KEY)

    class Req:
        method = "PUT"
        url = "http://" + host + "/photos/cat%201.jpg"
        headers: Dict[str, str] = {}

    def ours(_: int) -> None:
        now = int(time.time())
        cos_ci.sign(SECRET_ID, SECRET_KEY, "PUT", "/photos/cat 1.jpg",
                    "%d;%d" % (now - 60, now + 10000), [], header_list)

    def official(_: int) -> None:
        r = Req()
        r.headers = dict(headers)
        CosS3Auth(conf, "photos/cat 1.jpg")(r)

    out: Dict[str, Dict[str, float]] = {}
    for name, fn in (("official", official), ("cos_ci", ours)):
        measure(fn, 0, 200)
        c, w = measure(fn, 0, n)
        out[name + " sign"] = {"calls": n, "cpu_s": c, "wall_s": w}
    return out


def bench_thumbnail(photo: bytes, iters: int) -> Dict[str, Dict[str, float]]:
    """Median and best wall time of the 800 px, q85 thumbnail (single call, this thread)."""
    runs: Dict[str, Callable[[], bytes]] = {}

    def ours() -> bytes:
        return cos_ci.process(photo, THUMB_RULE)[0]

    runs["cos_ci process"] = ours
    try:
        from PIL import Image

        def pillow(draft: bool) -> Callable[[], bytes]:
            def run() -> bytes:
                im = Image.open(io.BytesIO(photo))
                h = max(round(im.height * 800 / im.width), 1)
                if draft:
                    im.draft("RGB", (800, h))
                im = im.convert("RGB").resize((800, h), Image.Resampling.LANCZOS)
                buf = io.BytesIO()
                im.save(buf, "JPEG", quality=85)
                return buf.getvalue()
            return run

        runs["pillow + draft"] = pillow(True)
        runs["pillow no draft"] = pillow(False)
    except ImportError:
        print("Pillow not installed: thumbnail comparison skipped", file=sys.stderr)
    times: Dict[str, List[float]] = {k: [] for k in runs}
    sizes: Dict[str, int] = {}
    for name, fn in runs.items():
        sizes[name] = len(fn())  # warm up
    for _ in range(iters):  # interleaved rounds
        for name, fn in runs.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    info = cos_ci.image_info(ours())
    assert (info.width, info.height) == (800, 450), (info.width, info.height)
    return {k: {"median_s": statistics.median(v), "best_s": min(v), "bytes": sizes[k],
                "iters": iters} for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, help="the cos-ci binary (release build)")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--sign", type=int, default=20000)
    ap.add_argument("--photo", default=BIG_PHOTO, help="the 5120x2880 JPEG")
    ap.add_argument("--thumb-iters", type=int, default=7)
    ap.add_argument("--json", help="also write the numbers here")
    ap.add_argument("--only", choices=("cos_ci", "official", "floor"),
                    help="only this client's uploads (for a profiler; 'floor': a raw "
                         "socket client, the least any Python client can spend)")
    args = ap.parse_args()

    load0 = os.getloadavg()
    body = PHOTO_640.read_bytes()
    res: Dict[str, Any] = {"load_before": load0, "cpus": os.cpu_count(),
                           "python": sys.version.split()[0], "body_bytes": len(body)}
    res["uploads"] = bench_uploads(args.server, args.calls, args.rounds, body, args.only)
    if args.only is not None:
        for k, v in res["uploads"].items():
            print("%-26s %7d calls  cpu %8.1f us/call  wall %8.1f us/call" % (
                k, v["calls"], 1e6 * v["cpu_s"] / v["calls"], 1e6 * v["wall_s"] / v["calls"]))
        return
    res["sign"] = bench_sign(args.sign)
    if os.path.exists(args.photo):
        res["thumbnail"] = bench_thumbnail(Path(args.photo).read_bytes(), args.thumb_iters)
    else:
        print("no %s: thumbnail skipped" % args.photo, file=sys.stderr)
    res["load_after"] = os.getloadavg()

    print("load average before %.2f %.2f %.2f, after %.2f %.2f %.2f; %s CPUs; Python %s" % (
        *load0, *res["load_after"], res["cpus"], res["python"]))
    print("\n%-26s %7s %12s %12s %12s %12s" % (
        "call", "calls", "cpu us/call", "wall us/call", "calls/s cpu", "calls/s wall"))
    for group in ("uploads", "sign"):
        for k, v in res[group].items():
            print("%-26s %7d %12.1f %12.1f %12.0f %12.0f" % (
                k, v["calls"], 1e6 * v["cpu_s"] / v["calls"], 1e6 * v["wall_s"] / v["calls"],
                v["calls"] / v["cpu_s"], v["calls"] / v["wall_s"]))
    print()
    for what in ("ci_put_object", "put_object", "sign"):
        group = "sign" if what == "sign" else "uploads"
        a, b = res[group]["official " + what], res[group]["cos_ci " + what]
        print("ratio official / cos_ci %-14s client CPU %5.2fx   wall %5.2fx" % (
            what, a["cpu_s"] / b["cpu_s"], a["wall_s"] / b["wall_s"]))
    if "thumbnail" in res:
        print("\nthumbnail 800x q85 of %s (ms)" % os.path.basename(args.photo))
        t = res["thumbnail"]
        for k, v in t.items():
            print("  %-18s median %7.1f  best %7.1f  (%d bytes)" % (
                k, 1e3 * v["median_s"], 1e3 * v["best_s"], v["bytes"]))
        ours = t["cos_ci process"]
        for k, v in t.items():
            if k != "cos_ci process":
                print("  ratio %s / cos_ci: median %.2fx, best %.2fx" % (
                    k, v["median_s"] / ours["median_s"], v["best_s"] / ours["best_s"]))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
