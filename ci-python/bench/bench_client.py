"""Client-side benchmark: cos_ci vs the official cos-python-sdk-v5 (same machine, same
server), signing throughput from Python, and the local thumbnail vs Pillow.

    python ci-python/bench/bench_client.py [--calls 1000] [--photo PATH]

Needs the cos-ci wheel (build it with `maturin build --release` for meaningful numbers)
and cos-python-sdk-v5 in the interpreter; Pillow is optional. The server is ci-server
started in-process with cos_ci.serve(); both clients upload the same 640-wide JPEG with
`put_object` and with `ci_put_object` + one rule (processed by the local engine inside
the same process: that ratio includes the server's processing time).
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict

import cos_ci
import qcloud_cos
from qcloud_cos.cos_auth import CosS3Auth

BUCKET = "examplebucket-1250000000"
CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus"
RULE = '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}'


def timed(n: int, fn: Callable[[int], Any]) -> float:
    fn(0)  # warm up (connection pool)
    t = time.perf_counter()
    for i in range(n):
        fn(i)
    return time.perf_counter() - t


def client(mod: Any, server: cos_ci.LocalServer) -> Any:
    conf = mod.CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="sk-example",
                         Scheme="http", IP=server.host, Port=server.port, Timeout=30)
    return mod.CosS3Client(conf, retry=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--photo", default=str(CORPUS / "photo.jpg"))
    args = ap.parse_args()
    jpeg = cos_ci.thumbnail_jpeg((CORPUS / "photo.jpg").read_bytes(), 640)
    results: Dict[str, float] = {}
    server = cos_ci.serve()
    try:
        for name, mod in (("official", qcloud_cos), ("cos_ci", cos_ci)):
            c = client(mod, server)
            results[name + " put_object"] = timed(
                args.calls, lambda i: c.put_object(Bucket=BUCKET, Body=jpeg, Key="b/%d.jpg" % i))

            results[name + " ci_put_object"] = timed(
                args.calls, lambda i: c.ci_put_object(Bucket=BUCKET, Body=jpeg,
                                                      Key="c/%d.jpg" % i, PicOperations=RULE))
    finally:
        server.close()

    # Signing throughput.
    headers = {"Host": BUCKET + ".cos.ap-guangzhou.myqcloud.com", "Content-Length": "64",
               "Content-Type": "image/jpeg", "Pic-Operations": RULE}
    n_sign = 20000
    t = time.perf_counter()
    for _ in range(n_sign):
        cos_ci.sign("AKIDexample", "sk-example", "PUT", "/photos/cat 1.jpg",
                    "1795377299;1795387359", [], list(headers.items()))
    results["cos_ci sign"] = time.perf_counter() - t
    conf = qcloud_cos.CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="sk-example")

    class Req:
        method = "PUT"
        url = "http://" + headers["Host"] + "/photos/cat%201.jpg"

    t = time.perf_counter()
    for _ in range(n_sign):
        r = Req()
        r.headers = dict(headers)  # type: ignore[attr-defined]
        CosS3Auth(conf, "photos/cat 1.jpg")(r)
    results["official sign"] = time.perf_counter() - t

    # Thumbnail vs Pillow.
    photo = Path(args.photo).read_bytes()
    t = time.perf_counter()
    for _ in range(5):
        cos_ci.thumbnail_jpeg(photo, 200)
    results["cos_ci thumbnail x5"] = time.perf_counter() - t
    try:
        from PIL import Image

        t = time.perf_counter()
        for _ in range(5):
            im = Image.open(io.BytesIO(photo))
            im.draft("RGB", (200, 200))
            im = im.convert("RGB")
            im.thumbnail((200, 10000), Image.LANCZOS)
            im.save(io.BytesIO(), "JPEG", quality=85)
        results["pillow thumbnail x5"] = time.perf_counter() - t
    except ImportError:
        pass

    for k, v in results.items():
        print("%-28s %8.3f s" % (k, v))
    for what in ("put_object", "ci_put_object"):
        print("ratio %-22s %6.2fx (official / cos_ci)" % (
            what, results["official " + what] / results["cos_ci " + what]))
    print("ratio %-22s %6.2fx" % ("sign", results["official sign"] / results["cos_ci sign"]))
    if "pillow thumbnail x5" in results:
        print("ratio %-22s %6.2fx (pillow / cos_ci)" % (
            "thumbnail", results["pillow thumbnail x5"] / results["cos_ci thumbnail x5"]))
    print("cpu count", os.cpu_count())


if __name__ == "__main__":
    main()
