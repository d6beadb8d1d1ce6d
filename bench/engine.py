#!/usr/bin/env python3
"""Side-by-side engine benchmark: ci-core vs pyvips vs Pillow on one large JPEG.

Run through bench/engine.sh, which installs the inputs and the peers. The machine is
shared, so contestants are interleaved: for every task, ROUNDS rounds each run ours, then
every peer, ITERS timed iterations apiece (after a warm-up). Reported per contestant: the
median of its round medians and its best single time (best = closest to an idle machine).
Ratios are ours / faster peer, on both. Then, unless BENCH_TASKS excludes them: output
quality (SSIM of our 800 px thumbnail against pyvips's, by dssim-core and by scikit-image's
structural_similarity with the Wang et al. 2004 settings: Gaussian window sigma 1.5,
population covariance) and
the peak RSS of a process that makes one thumbnail (VmHWM).
"""
import io
import os
import statistics
import subprocess
import sys
import hashlib

from PIL import Image, ImageStat
import pyvips

from common import PHOTO, bench_exe, engine_json, ssim_exe, timed

JPEG = sys.argv[1] if len(sys.argv) > 1 else PHOTO
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ITERS = int(os.environ.get("BENCH_ITERS", "7"))
HEAVY_ITERS = int(os.environ.get("BENCH_HEAVY_ITERS", "1"))
ONLY = [t for t in os.environ.get("BENCH_TASKS", "").split(",") if t]  # e.g. thumb,decode8
WIDTH, Q = 800, 85


EXE = bench_exe()


def ours(task, iters, *extra):
    return engine_json(EXE, JPEG, "--task", task, "--iters", str(iters), *extra)


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

    def vips_thumb():
        pyvips.Image.thumbnail_buffer(data, WIDTH).jpegsave_buffer(Q=Q)

    def pil_decode8():
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (w // 8, h // 8))
        im.load()

    def vips_decode8():
        pyvips.Image.jpegload_buffer(data, shrink=8).copy_memory()

    def pil_info():
        hashlib.md5(data).hexdigest()
        ImageStat.Stat(Image.open(io.BytesIO(data)).convert("RGB")).mean

    full_pil = Image.open(io.BytesIO(data)).convert("RGB")
    full_vips = pyvips.Image.new_from_buffer(data, "").copy_memory()
    sizes = {}

    def pil_png():
        b = io.BytesIO()
        full_pil.save(b, "PNG")
        sizes["Pillow png"] = b.tell()

    def vips_png():
        sizes["pyvips png"] = len(full_vips.pngsave_buffer())

    def pil_webp():
        b = io.BytesIO()
        full_pil.save(b, "WEBP", quality=75)
        sizes["Pillow webp"] = b.tell()

    def vips_webp():
        sizes["pyvips webp"] = len(full_vips.webpsave_buffer(Q=75))

    tasks = [
        ("thumbnail 800px q85", "thumb", ITERS, {
            "pyvips thumbnail_buffer": vips_thumb,
            "Pillow + draft": lambda: pil_thumb(True),
            "Pillow no draft": lambda: pil_thumb(False)}),
        ("decode at 1/8", "decode8", ITERS, {
            "pyvips jpegload shrink=8": vips_decode8, "Pillow draft 1/8": pil_decode8}),
        ("ImageInfo (md5+mean)", "info", ITERS, {"Pillow open+convert+mean": pil_info}),
        ("PNG encode (decoded photo)", "png", HEAVY_ITERS, {
            "pyvips pngsave": vips_png, "Pillow save PNG": pil_png}),
        ("WebP q75 encode", "webp", HEAVY_ITERS, {
            "pyvips webpsave Q=75": vips_webp, "Pillow save WEBP q75": pil_webp}),
    ]
    print(f"input: {JPEG} ({w}x{h}, {len(data)} bytes); {ROUNDS} interleaved rounds")
    print(f"{'task':28} {'contestant':26} {'median ms':>10} {'best ms':>9} {'ours/it med':>11} {'ours/it best':>12}")
    our_sizes = {}
    for label, task, iters, peers in tasks:
        if ONLY and task not in ONLY:
            continue
        res = {"ours (ci-core)": []}
        res.update({k: [] for k in peers})
        for _ in range(ROUNDS):
            r = ours(task, iters)[0]
            our_sizes[task] = r["bytes"]
            res["ours (ci-core)"].append((r["median_ms"], r["best_ms"]))
            for name, fn in peers.items():
                res[name].append(timed(fn, iters))
        summary = {k: (statistics.median(m for m, _ in v), min(b for _, b in v)) for k, v in res.items()}
        om, ob = summary["ours (ci-core)"]
        for name, (m, b) in summary.items():
            rm, rb = ("", "") if name.startswith("ours") else (f"{om / m:.2f}", f"{ob / b:.2f}")
            print(f"{label:28} {name:26} {m:10.1f} {b:9.1f} {rm:>11} {rb:>12}")
        fm = min(m for k, (m, _) in summary.items() if not k.startswith("ours"))
        fb = min(b for k, (_, b) in summary.items() if not k.startswith("ours"))
        print(f"{'':28} {'=> vs faster peer':26} {'':10} {'':9} {om / fm:11.2f} {ob / fb:12.2f}")
    pieces = ours("pieces", ITERS) if not ONLY or "pieces" in ONLY else []
    print("ours, RGB-path pieces (thumbnail runs in YCbCr): "
          + ", ".join(f"{p['task']} {p['median_ms']} ms" for p in pieces))
    print(f"sizes: ours thumb {our_sizes.get('thumb')} png {our_sizes.get('png')} webp {our_sizes.get('webp')}; "
          + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    if not ONLY or "ssim" in ONLY:
        ssim_report(data)
    if not ONLY or "rss" in ONLY:
        r = ours("rss", 1)[0]
        print(f"peak RSS, one thumbnail (VmHWM of the bench process): {r['peak_rss_kb'] / 1024:.1f} MB")
    if ONLY and "avif" in ONLY:
        r = ours("avif", 3)[0]
        print(f"AVIF q75 of the 800 px thumbnail: median {r['median_ms']} ms, best {r['best_ms']} ms, {r['bytes']} bytes")


def ssim_report(data):
    import tempfile
    import numpy as np
    from skimage.metrics import structural_similarity

    def ssim(a, b, mode="RGB"):
        a = np.asarray(Image.open(a).convert(mode), dtype=np.float64)
        b = np.asarray(Image.open(b).convert(mode), dtype=np.float64)
        assert a.shape == b.shape, (a.shape, b.shape)
        return structural_similarity(a, b, channel_axis=2 if a.ndim == 3 else None, data_range=255,
                                     gaussian_weights=True, sigma=1.5, use_sample_covariance=False)

    def dssim_ssim(reference, other):
        line = subprocess.run([ssim_exe(), reference, other], check=True, capture_output=True, text=True).stdout
        return float(line.split()[1])

    with tempfile.TemporaryDirectory() as d:
        mine, vips = {}, {}
        for q in (Q, 100):
            mine[q] = os.path.join(d, f"ours{q}.jpg")
            ours("thumb", 1, "--out", mine[q], "--quality", str(q))
        # a fresh thumbnail per save: pyvips streams the input once
        vips[Q] = os.path.join(d, f"vips{Q}.jpg")
        with open(vips[Q], "wb") as f:
            f.write(pyvips.Image.thumbnail_buffer(data, WIDTH).jpegsave_buffer(Q=Q))
        vips["png"] = os.path.join(d, "vips.png")
        with open(vips["png"], "wb") as f:
            f.write(pyvips.Image.thumbnail_buffer(data, WIDTH).pngsave_buffer())
        w, h = Image.open(mine[Q]).size
        # dssim-core: multi-scale SSIM in L*a*b* (the instrument); scikit-image: the
        # stricter single-scale SSIM on R, G, B, where two independent q85 JPEGs of this
        # grainy photograph differ mostly by coding noise (pyvips's own q85 JPEG scores
        # about 0.81 against its lossless thumbnail), so q100 against pyvips's lossless
        # thumbnail is shown too.
        print(f"SSIM of our {w}x{h} thumbnail vs pyvips thumbnail_buffer:")
        print(f"  dssim-core: q{Q} vs its q{Q} JPEG {dssim_ssim(vips[Q], mine[Q]):.5f}; "
              f"q100 vs its lossless PNG {dssim_ssim(vips['png'], mine[100]):.5f}")
        print(f"  scikit-image (RGB): q{Q} vs its q{Q} JPEG {ssim(mine[Q], vips[Q]):.4f} "
              f"(luma {ssim(mine[Q], vips[Q], 'L'):.4f}); q100 vs its lossless PNG "
              f"{ssim(mine[100], vips['png']):.4f} (luma {ssim(mine[100], vips['png'], 'L'):.4f}); "
              f"pyvips q{Q} JPEG vs its own PNG {ssim(vips[Q], vips['png']):.4f}")


if __name__ == "__main__":
    main()
