#!/usr/bin/env python3
"""AVIF (or, with BENCH_CODEC=webp, WebP) encode of the 800 px thumbnail: ci-core (libaom or
rav1e; libwebp) vs Pillow (libavif + aom; libwebp) vs pyvips (heifsave, libheif + aom;
webpsave, libwebp), side by side, in one run. Run through bench/avif.sh (bench/webp.sh).

Every contestant encodes the same pixels: pyvips's lossless 800 px thumbnail of the photo
(the reference). Measured per contestant and quality:
- time of the encode alone, in process (ours: the bench binary `engine --task avif`, which
  times `process::encode` in a loop), interleaved rounds: ours, Pillow, pyvips, again;
- bytes;
- quality against the reference: SSIM by dssim-core (bench/ssim, the issue's instrument,
  multi-scale, L*a*b*) and PSNR over R, G, B (the other measure).
Each AVIF is decoded by Pillow (libavif + dav1d) for scoring, which also proves that the
output is readable.

Compared: each tool at its default settings, and at matched quality: a quality sweep per
tool gives its size-vs-SSIM curve; our size and SSIM are interpolated at each peer's
default point, and our time is taken at the lowest quality whose SSIM reaches the peer's.
Writes bench/results/avif.csv and avif.png (webp.csv and webp.png for WebP).
"""
import io
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
import pyvips

from common import PHOTO, RESULTS, bench_exe, engine_json, load, ssim_exe, timed, write_csv

JPEG = sys.argv[1] if len(sys.argv) > 1 else PHOTO
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ITERS = int(os.environ.get("BENCH_ITERS", "3"))
WIDTH = 800
SWEEP = [int(q) for q in os.environ.get("BENCH_SWEEP", "30,40,50,60,70,75,80,85,90").split(",")]
OUT_DIR = RESULTS
SSIM_EXE = ssim_exe()
CODEC = os.environ.get("BENCH_CODEC", "avif")
LABEL = {"avif": "AVIF", "webp": "WebP"}.get(CODEC, CODEC)
if CODEC not in ("avif", "webp"):
    sys.exit(f"BENCH_CODEC must be avif or webp, not {CODEC!r}")
# Defaults of each tool when asked for AVIF with nothing else: ours as the engine's
# `format/avif` without quality on a non-JPEG input would be 85, but the thumbnail rule of
# the issue is quality 75 (`EncodeOptions::quality(75)`), Pillow's default quality is 75,
# pyvips heifsave's default Q is 50 (compression must be named: its default is HEVC).
# For WebP: Pillow's default quality is 80, pyvips webpsave's Q 75 (all three: libwebp's
# method / effort 4, lossy, 4:2:0).
DEFAULTS = {"ours": 75, "Pillow": 75, "pyvips": 50} if CODEC == "avif" else {"ours": 75, "Pillow": 80, "pyvips": 75}


EXE = bench_exe(os.environ.get("BENCH_FEATURES", ""))


def ours_encode(png, q, iters, out=None):
    args = [JPEG, "--task", "avif" if CODEC == "avif" else "webp800", "--png", png, "--quality", str(q), "--iters", str(iters)]
    if out:
        args += ["--out", out]
    r = engine_json(EXE, *args)[-1]
    return r["median_ms"], r["best_ms"], r["bytes"]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    pyvips.cache_set_max(0)
    tmp = tempfile.mkdtemp(prefix="avif-bench-")
    ref_png = os.path.join(tmp, "reference.png")
    with open(JPEG, "rb") as f:
        data = f.read()
    with open(ref_png, "wb") as f:
        f.write(pyvips.Image.thumbnail_buffer(data, WIDTH).pngsave_buffer())
    ref_pil = Image.open(ref_png).convert("RGB")
    ref_pil.load()
    ref_vips = pyvips.Image.new_from_file(ref_png).copy_memory()
    ref_arr = np.asarray(ref_pil, dtype=np.float64)

    def pil_avif(q):
        b = io.BytesIO()
        ref_pil.save(b, CODEC.upper(), quality=q)
        return b.getvalue()

    def vips_avif(q):
        if CODEC == "webp":
            return ref_vips.webpsave_buffer(Q=q)
        return ref_vips.heifsave_buffer(compression="av1", Q=q)

    def score(avif_bytes, name):
        """(dssim-core SSIM, PSNR RGB) of an AVIF (or WebP) against the reference."""
        im = Image.open(io.BytesIO(avif_bytes))
        assert im.size == ref_pil.size, (name, im.size)
        png = os.path.join(tmp, name + ".png")
        im.convert("RGB").save(png)
        line = subprocess.run([SSIM_EXE, ref_png, png], check=True, capture_output=True, text=True).stdout
        ssim = float(line.split()[1])
        mse = np.mean((np.asarray(im.convert("RGB"), dtype=np.float64) - ref_arr) ** 2)
        psnr = 10 * np.log10(255 ** 2 / mse) if mse > 0 else 99.0
        return ssim, psnr

    print(f"input: {JPEG}; reference: pyvips's lossless {ref_pil.size[0]}x{ref_pil.size[1]} thumbnail; "
          f"Pillow {Image.__version__} ({CODEC}: lib{CODEC} {__import__('PIL.features').features.version(CODEC)}), "
          f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}; load {load():.2f}")

    # -- the quality sweep: size and quality of every point (one encode each) --------------
    rows = []
    curves = {"ours": [], "Pillow": [], "pyvips": []}
    for q in sorted(set(SWEEP) | set(DEFAULTS.values())):
        out = os.path.join(tmp, f"ours{q}.{CODEC}")
        m, _, n = ours_encode(ref_png, q, 1, out)
        with open(out, "rb") as f:
            ob = f.read()
        for tool, b, ms in (("ours", ob, m),
                            ("Pillow", pil_avif(q), None),
                            ("pyvips", vips_avif(q), None)):
            s, p = score(b, f"{tool}{q}")
            curves[tool].append((q, len(b), s, p))
            rows.append({"kind": "sweep", "tool": tool, "quality": q, "bytes": len(b),
                         "ssim_dssim": round(s, 5), "psnr_rgb": round(p, 3), "median_ms": "", "best_ms": ""})

    def at(tool, q):
        return next(c for c in curves[tool] if c[0] == q)

    def interp(tool, x_index, x, y_index):
        """Our curve's y at x (linear between sweep points, sorted by x)."""
        pts = sorted((c[x_index], c[y_index]) for c in curves[tool])
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return float(np.interp(x, xs, ys))

    # -- timed, interleaved: defaults, and ours at each peer's SSIM ------------------------
    matched_q = {}
    for peer in ("Pillow", "pyvips"):
        target = at(peer, DEFAULTS[peer])[2]
        ok = [c for c in sorted(curves["ours"]) if c[2] >= target]
        matched_q[peer] = ok[0][0] if ok else max(curves["ours"])[0]
    contestants = {
        f"ours q{DEFAULTS['ours']} (default)": lambda: ours_encode(ref_png, DEFAULTS["ours"], ITERS),
        f"Pillow quality={DEFAULTS['Pillow']} (default)": lambda: timed(lambda: pil_avif(DEFAULTS["Pillow"]), ITERS),
        f"pyvips Q={DEFAULTS['pyvips']} (default)": lambda: timed(lambda: vips_avif(DEFAULTS["pyvips"]), ITERS),
    }
    for peer, q in matched_q.items():
        if q != DEFAULTS["ours"]:
            contestants[f"ours q{q} (SSIM of {peer})"] = (lambda q=q: ours_encode(ref_png, q, ITERS))
    times = {k: [] for k in contestants}
    for _ in range(ROUNDS):
        for name, fn in contestants.items():
            r = fn()
            times[name].append((r[0], r[1]))
    summary = {k: (statistics.median(m for m, _ in v), min(b for _, b in v)) for k, v in times.items()}

    def quality_of(name):
        tool = name.split()[0]
        q = int(name.split()[1].split("=")[-1].lstrip("q"))
        return at(tool, q)

    print(f"\n{'contestant':34} {'median ms':>10} {'best ms':>8} {'bytes':>7} {'SSIM':>8} {'PSNR':>6}")
    for name, (m, b) in summary.items():
        q, n, s, p = quality_of(name)
        print(f"{name:34} {m:10.1f} {b:8.1f} {n:7d} {s:8.5f} {p:6.2f}")
        rows.append({"kind": "timed", "tool": name, "quality": q, "bytes": n, "ssim_dssim": round(s, 5),
                     "psnr_rgb": round(p, 3), "median_ms": round(m, 2), "best_ms": round(b, 2)})
    fastest = min(("Pillow", "pyvips"), key=lambda t: next(v[0] for k, v in summary.items() if k.startswith(t)))
    peer_ms = {t: next(v for k, v in summary.items() if k.startswith(t)) for t in ("Pillow", "pyvips")}
    ours_default = summary[f"ours q{DEFAULTS['ours']} (default)"]
    print(f"\nfastest peer at its default: {fastest}")
    print(f"defaults, time ours/{fastest}: median {ours_default[0] / peer_ms[fastest][0]:.2f}, "
          f"best {ours_default[1] / peer_ms[fastest][1]:.2f}")
    for peer in ("Pillow", "pyvips"):
        pq, pn, ps, pp = at(peer, DEFAULTS[peer])
        our_ssim_at_size = interp("ours", 1, pn, 2)
        our_size_at_ssim = interp("ours", 2, ps, 1)
        q = matched_q[peer]
        name = next(k for k in summary if k.startswith(f"ours q{q} "))
        om, ob = summary[name]
        print(f"vs {peer} default (q{pq}: {pn} B, SSIM {ps:.5f}): ours at the same size SSIM {our_ssim_at_size:.5f}; "
              f"ours at the same SSIM {our_size_at_ssim:.0f} B ({our_size_at_ssim / pn:.2f}x); "
              f"ours q{q} (SSIM {at('ours', q)[2]:.5f}, {at('ours', q)[1]} B) time / {peer}'s: "
              f"median {om / peer_ms[peer][0]:.2f}, best {ob / peer_ms[peer][1]:.2f}")
        rows.append({"kind": f"matched {peer}", "tool": "ours", "quality": q, "bytes": round(our_size_at_ssim),
                     "ssim_dssim": round(our_ssim_at_size, 5), "psnr_rgb": "",
                     "median_ms": round(om / peer_ms[peer][0], 3), "best_ms": round(ob / peer_ms[peer][1], 3)})

    csv_path = write_csv(os.path.join(OUT_DIR, f"{CODEC}.csv"), rows)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    # labels staggered: with the same libwebp the three WebP curves coincide
    for tool, marker, dy in (("ours", "o", -12), ("Pillow", "s", -24), ("pyvips", "^", -36)):
        pts = sorted(curves[tool], key=lambda c: c[1])
        ax.plot([c[1] / 1024 for c in pts], [c[2] for c in pts], marker=marker, label=tool)
        d = at(tool, DEFAULTS[tool])
        ax.annotate(f"{tool} default", (d[1] / 1024, d[2]), textcoords="offset points", xytext=(5, dy), fontsize=8)
    ax.set_xlabel(f"{LABEL} size (KiB)")
    ax.set_ylabel("SSIM (dssim-core) vs lossless thumbnail")
    ax.set_title(f"{LABEL} of the {ref_pil.size[0]}x{ref_pil.size[1]} thumbnail: size vs SSIM")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    png_path = os.path.join(OUT_DIR, f"{CODEC}.png")
    fig.savefig(png_path, dpi=100)
    print(f"\nwrote {csv_path} and {png_path}; load {load():.2f}")


if __name__ == "__main__":
    main()
