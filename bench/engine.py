#!/usr/bin/env python3
"""Side-by-side engine benchmark: ci-core vs pyvips vs Pillow on one large JPEG.

Run through bench/engine.sh, which installs the inputs and the peers. Prints a table of
median times (ms) and the ratio ours / faster peer.
"""
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import time

from PIL import Image, ImageStat
import pyvips

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JPEG = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg"
HEAVY = int(os.environ.get("BENCH_HEAVY_ITERS", "2"))
WIDTH, Q = 800, 85


def median_ms(fn, iters=15):
    fn()  # warm-up
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def ours():
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "ci-core", "--bench", "engine", "--", JPEG],
        cwd=ROOT, check=True, capture_output=True, text=True,
        env=dict(os.environ, BENCH_HEAVY_ITERS=str(HEAVY)),
    ).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def main():
    data = open(JPEG, "rb").read()
    pyvips.cache_set_max(0)
    w, h = Image.open(io.BytesIO(data)).size
    th = round(h * WIDTH / w)

    def pil_thumb(draft):
        im = Image.open(io.BytesIO(data))
        if draft:
            im.draft("RGB", (WIDTH, th))
        im = im.convert("RGB").resize((WIDTH, th), Image.LANCZOS)
        b = io.BytesIO()
        im.save(b, "JPEG", quality=Q)
        return b.getvalue()

    def vips_thumb():
        return pyvips.Image.thumbnail_buffer(data, WIDTH).jpegsave_buffer(Q=Q)

    def pil_decode8():
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (w // 8, h // 8))
        im.load()

    def vips_decode8():
        pyvips.Image.jpegload_buffer(data, shrink=8).copy_memory()

    def pil_info():
        hashlib.md5(data).hexdigest()
        im = Image.open(io.BytesIO(data)).convert("RGB")
        return ImageStat.Stat(im).mean

    full_pil = Image.open(io.BytesIO(data)).convert("RGB")
    full_pil.load()
    full_vips = pyvips.Image.new_from_buffer(data, "").copy_memory()
    sizes = {}

    def pil_png():
        b = io.BytesIO()
        full_pil.save(b, "PNG")
        sizes["pil_png"] = b.tell()

    def vips_png():
        sizes["vips_png"] = len(full_vips.pngsave_buffer())

    def pil_webp():
        b = io.BytesIO()
        full_pil.save(b, "WEBP", quality=75)
        sizes["pil_webp"] = b.tell()

    def vips_webp():
        sizes["vips_webp"] = len(full_vips.webpsave_buffer(Q=75))

    r = ours()
    rows = [
        ("thumbnail 800px q85", r["thumb_ms"], {
            "pyvips thumbnail_buffer": median_ms(vips_thumb),
            "Pillow + draft": median_ms(lambda: pil_thumb(True)),
            "Pillow no draft": median_ms(lambda: pil_thumb(False), 5),
        }),
        ("decode at 1/8", r["decode_1_8_ms"], {
            "pyvips shrink=8": median_ms(vips_decode8),
            "Pillow draft": median_ms(pil_decode8),
        }),
        ("ImageInfo (md5+mean)", r["info_ms"], {
            "Pillow open+convert+mean": median_ms(pil_info, 5),
        }),
        ("PNG encode (decoded photo)", r["png_ms"], {
            "pyvips pngsave": median_ms(vips_png, HEAVY),
            "Pillow save PNG": median_ms(pil_png, HEAVY),
        }),
        ("WebP q75 encode", r["webp_ms"], {
            "pyvips webpsave": median_ms(vips_webp, HEAVY),
            "Pillow save WEBP": median_ms(pil_webp, HEAVY),
        }),
    ]
    print(f"input: {JPEG} ({w}x{h}, {len(data)} bytes)")
    print(f"ours, RGB-path pieces (the thumbnail itself runs in YCbCr): decode at 1/{r['shrink']} {r['decode_shrink_ms']} ms, "
          f"resize {r['resize_ms']} ms, encode {r['encode_ms']} ms; full decode {r['decode_full_ms']} ms")
    print(f"{'task':30} {'ours ms':>9}  {'peer':28} {'peer ms':>9} {'ours/peer':>9}")
    for task, mine, peers in rows:
        best = min(peers.values())
        for name, t in peers.items():
            print(f"{task:30} {mine:9.1f}  {name:28} {t:9.1f} {mine / t:9.2f}")
        print(f"{'':30} {'':9}  {'-> ratio vs faster peer':28} {best:9.1f} {mine / best:9.2f}")
    print(f"sizes: ours png {r['png_bytes']} webp {r['webp_bytes']} thumb {r['thumb_bytes']}; "
          + " ".join(f"{k} {v}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
