#!/usr/bin/env python3
"""Side-by-side engine benchmark: ci-core vs pyvips vs Pillow on one large JPEG.

Run through bench/engine.sh, which installs the inputs and the peers. The machine is
shared, so contestants are interleaved: for every task, ROUNDS rounds each run ours, then
every peer, ITERS timed iterations apiece (after a warm-up). Reported per contestant: the
median of its round medians and its best single time (best = closest to an idle machine).
Ratios are ours / faster peer, on both.
"""
import io
import json
import os
import statistics
import subprocess
import sys
import time
import hashlib

from PIL import Image, ImageStat
import pyvips

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JPEG = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ITERS = int(os.environ.get("BENCH_ITERS", "7"))
HEAVY_ITERS = int(os.environ.get("BENCH_HEAVY_ITERS", "1"))
ONLY = [t for t in os.environ.get("BENCH_TASKS", "").split(",") if t]  # e.g. thumb,decode8
WIDTH, Q = 800, 85


def bench_exe():
    out = subprocess.run(
        ["cargo", "bench", "-p", "ci-core", "--bench", "engine", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "engine":
            return m["executable"]
    raise SystemExit("bench executable not found")


EXE = bench_exe()


def ours(task, iters):
    out = subprocess.run([EXE, JPEG, "--task", task, "--iters", str(iters)],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def timed(fn, iters):
    fn()
    ts = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts), min(ts)


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


if __name__ == "__main__":
    main()
