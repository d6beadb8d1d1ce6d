#!/usr/bin/env python3
"""The curves of issue #20, side by side in one run, with their plots (run bench/show.sh).

mp     thumbnail (800 px wide, JPEG q85) time against the input's megapixels (1, 4, 15,
       60, 240 MP, all made from the SafeLanding photograph): ours (the engine bench,
       in-process), pyvips ``thumbnail_buffer``, Pillow with ``draft``. Inputs in memory.
batch  a folder of every Debian wallpaper (plasma-workspace-wallpapers and
       gnome-backgrounds: JPEG, PNG, WebP) to 800 px wide JPEG / WebP / AVIF:
       ``cos-ci process --batch`` (RAYON_NUM_THREADS workers), a Pillow
       ``multiprocessing.Pool`` of that many processes, and ``vipsthumbnail`` under
       ``parallel -X -j N``; images/s against the worker count. AVIF twice: each tool's
       default quality ("avif") and all at quality 75 ("avif-q75"). Then the JPEG
       output at 1 worker on the JPEG, PNG and WebP inputs apart.
rules  the server's PUT throughput (``cos-ci serve``, release) with 5 rules per upload
       against 1 rule, uploads by the official SDK from 2 threads.

Contestants are interleaved round by round (the machine is shared); medians are reported.
Writes bench/results/{mp,batch,batch_by_input,rules}.csv and mp.png, batch.png.
"""
import glob
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyvips  # noqa: E402
from PIL import Image  # noqa: E402

import common  # noqa: E402
from common import HERE, PHOTO, RESULTS, ROOT, engine_json, load, start_server, stop_server, timed  # noqa: E402

WORK = os.path.join(HERE, ".work")
COS_CI = os.environ.get("BENCH_COS_CI", os.path.join(ROOT, "target", "release", "cos-ci"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WIDTH, Q = 800, 85
Image.MAX_IMAGE_PIXELS = None  # the 240 MP input is on purpose
pyvips.cache_set_max(0)


def write_csv(name, rows):
    path = common.write_csv(os.path.join(RESULTS, name + ".csv"), rows)
    print("wrote", os.path.relpath(path, ROOT))


# ---------------------------------------------------------------- mp


def mp_inputs():
    """SafeLanding resampled to ~1, 4, 15, 60 and 240 MP, baseline JPEG q75, 4:2:0 (q75 keeps
    the 240 MP file under the cloud's 32 MB input limit, which the engine enforces)."""
    out = {}
    src = pyvips.Image.new_from_file(PHOTO)
    os.makedirs(os.path.join(WORK, "mp"), exist_ok=True)
    for mp in (1, 4, 15, 60, 240):
        path = os.path.join(WORK, "mp", "%d.jpg" % mp)
        if not os.path.exists(path):
            scale = (mp * 1e6 / (src.width * src.height)) ** 0.5
            img = src if mp == 15 else src.resize(scale, kernel="lanczos3")
            img.jpegsave(path, Q=75, subsample_mode="on", optimize_coding=False, strip=True)
        out[mp] = path
    return out


def bench_mp(exe):
    rows = []
    inputs = mp_inputs()
    for mp, path in inputs.items():
        data = open(path, "rb").read()
        w, h = Image.open(io.BytesIO(data)).size
        th = round(h * WIDTH / w)
        iters = 7 if mp <= 15 else (3 if mp <= 60 else 1)

        def pil():
            im = Image.open(io.BytesIO(data))
            im.draft("RGB", (WIDTH, th))
            im = im.convert("RGB").resize((WIDTH, th), Image.LANCZOS)
            im.save(io.BytesIO(), "JPEG", quality=Q)

        def vips():
            pyvips.Image.thumbnail_buffer(data, WIDTH).jpegsave_buffer(Q=Q)

        def ours():
            return engine_json(exe, path, "--task", "thumb", "--iters", str(iters))[0]["median_ms"]

        times = {"ours": [], "pyvips": [], "pillow_draft": []}
        for _ in range(ROUNDS):
            times["ours"].append(ours())
            times["pyvips"].append(timed(vips, iters)[0])
            times["pillow_draft"].append(timed(pil, iters)[0])
        med = {k: statistics.median(v) for k, v in times.items()}
        peer = min(med["pyvips"], med["pillow_draft"])
        row = {"mp": round(w * h / 1e6, 1), "width": w, "height": h, "bytes": len(data),
               **{k + "_ms": round(v, 1) for k, v in med.items()},
               "ours_over_faster_peer": round(med["ours"] / peer, 2), "load": round(load(), 1)}
        print(row, flush=True)
        rows.append(row)
    write_csv("mp", rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for key, label in (("ours_ms", "cos-ci"), ("pyvips_ms", "pyvips"), ("pillow_draft_ms", "Pillow + draft")):
        ax.plot([r["mp"] for r in rows], [r[key] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input megapixels (baseline JPEG)")
    ax.set_ylabel("800 px thumbnail, ms (median)")
    ax.set_title("Thumbnail time against input size, 2 cores")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "mp.png"), dpi=110)
    print("wrote bench/results/mp.png")


# ---------------------------------------------------------------- batch

FORMATS = {
    # name: (our rule, Pillow save args, vipsthumbnail output suffix)
    "jpeg": ("imageMogr2/thumbnail/800x/format/jpg/quality/85", ("JPEG", {"quality": 85}), ".jpg[Q=85,strip]"),
    "webp": ("imageMogr2/thumbnail/800x/format/webp/quality/75", ("WEBP", {"quality": 75}), ".webp[Q=75,strip]"),
    # each tool's default quality: ours keeps a JPEG input's estimated quality (else 85),
    # Pillow 75, vipsthumbnail its own
    "avif": ("imageMogr2/thumbnail/800x/format/avif", ("AVIF", {}), ".avif[strip]"),
    # matched settings: all three at quality 75
    "avif-q75": ("imageMogr2/thumbnail/800x/format/avif/quality/75", ("AVIF", {"quality": 75}),
                 ".avif[Q=75,strip]"),
}
# The input types of the per-type breakdown (Pillow's format names), in their order.
INPUT_TYPES = ("JPEG", "PNG", "WEBP")


def batch_inputs():
    """Every raster wallpaper the two Debian packages ship, each once (by content), as
    symlinks named by a numeric prefix (names are unique); also the same links split by
    input type into subfolders. BENCH_BATCH_MAX=N keeps at most N inputs of each type (a
    smoke run). Returns (folder, files, MP, {type: (folder, files, MP)})."""
    folder = os.path.join(WORK, "batch-in")
    by_type_root = os.path.join(WORK, "batch-in-by-type")
    for d in (folder, by_type_root):
        if os.path.isdir(d):
            shutil.rmtree(d)
    os.makedirs(folder)
    most = int(os.environ.get("BENCH_BATCH_MAX", "0")) or None
    seen = set()
    files = []
    mp = 0.0
    by_type = {t: (os.path.join(by_type_root, t.lower()), [], 0.0) for t in INPUT_TYPES}
    for path in sorted(glob.glob("/usr/share/wallpapers/**/*", recursive=True)
                       + glob.glob("/usr/share/backgrounds/**/*", recursive=True)):
        if not re.search(r"\.(jpe?g|png|webp)$", path, re.I) or not os.path.isfile(path):
            continue
        digest = hashlib.sha1(open(path, "rb").read()).hexdigest()
        if digest in seen:
            continue
        with Image.open(path) as im:
            kind, pixels = im.format, im.size[0] * im.size[1] / 1e6
        if most is not None and kind in by_type and len(by_type[kind][1]) >= most:
            continue
        seen.add(digest)
        name = "%03d-%s" % (len(files), os.path.basename(path))
        target = os.path.realpath(path)
        os.symlink(target, os.path.join(folder, name))
        files.append(os.path.join(folder, name))
        mp += pixels
        if kind in by_type:  # (an input of another type is in the whole batch only)
            # the same name in the type's folder: unique there too, and the same output names
            sub, sub_files, sub_mp = by_type[kind]
            os.makedirs(sub, exist_ok=True)
            os.symlink(target, os.path.join(sub, name))
            sub_files.append(os.path.join(sub, name))
            by_type[kind] = (sub, sub_files, sub_mp + pixels)
    return folder, files, mp, by_type


def pil_one(job):
    path, out_dir, fmt = job
    save_fmt, args = FORMATS[fmt][1]
    with Image.open(path) as im:
        th = max(1, round(im.size[1] * WIDTH / im.size[0]))
        if im.format == "JPEG":
            im.draft("RGB", (WIDTH, th))
        rgb = im.convert("RGB").resize((WIDTH, th), Image.LANCZOS)
    stem = os.path.splitext(os.path.basename(path))[0]
    rgb.save(os.path.join(out_dir, stem + "." + fmt.split("-")[0]), save_fmt, **args)


def run_batch(tool, fmt, workers, folder, files):
    out = tempfile.mkdtemp(prefix="batch-out-", dir=WORK)
    try:
        t = time.perf_counter()
        if tool == "ours":
            subprocess.run([COS_CI, "process", "--batch", FORMATS[fmt][0], folder, out], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "RAYON_NUM_THREADS": str(workers)})
        elif tool == "pillow":
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                list(pool.imap_unordered(pil_one, [(f, out, fmt) for f in files], chunksize=1))
        else:
            subprocess.run(["parallel", "-X", "-j", str(workers), "vipsthumbnail", "--size", "%dx" % WIDTH,
                            "-o", os.path.join(out, "%s" + FORMATS[fmt][2]), ":::", *files],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        secs = time.perf_counter() - t
        made = os.listdir(out)
        if len(made) != len(files):
            raise SystemExit("%s %s: %d outputs for %d inputs" % (tool, fmt, len(made), len(files)))
        size = sum(os.path.getsize(os.path.join(out, m)) for m in made)
        return secs, size
    finally:
        shutil.rmtree(out, ignore_errors=True)


def time_tools(fmt, workers, folder, files, rounds):
    """Median seconds and last output bytes per tool, the tools interleaved round by round."""
    secs = {"ours": [], "pillow": [], "vipsthumbnail": []}
    size = {}
    for _ in range(rounds):
        for tool in secs:
            s, b = run_batch(tool, fmt, workers, folder, files)
            secs[tool].append(s)
            size[tool] = b
    return {k: statistics.median(v) for k, v in secs.items()}, size


def bench_batch():
    folder, files, mp, by_type = batch_inputs()
    print("batch: %d files, %.0f MP (%s)" % (len(files), mp, ", ".join(
        "%s %d" % (t, len(by_type[t][1])) for t in INPUT_TYPES)), flush=True)
    # BENCH_BATCH_FORMATS=jpeg,webp: only those outputs (e.g. a quick re-run of one row).
    wanted = os.environ.get("BENCH_BATCH_FORMATS", "").split(",")
    formats = [f for f in FORMATS if f in wanted] if any(wanted) else FORMATS
    plan = [(fmt, w) for fmt in formats
            for w in (os.environ.get("BENCH_BATCH_WORKERS_" + fmt.upper().replace("-", "_"))
                      or ("1,2,4" if fmt == "jpeg" else "2")).split(",")]
    rows = []
    for fmt, workers in plan:
        workers = int(workers)
        rounds = ROUNDS if fmt == "jpeg" else max(1, ROUNDS - 1)
        med, size = time_tools(fmt, workers, folder, files, rounds)
        row = {"format": fmt, "workers": workers, "files": len(files), "mp": round(mp),
               **{k + "_s": round(v, 2) for k, v in med.items()},
               **{k + "_img_per_s": round(len(files) / v, 1) for k, v in med.items()},
               **{k + "_mb": round(size[k] / 1e6, 2) for k in size},
               "pillow_over_ours": round(med["pillow"] / med["ours"], 2),
               "vips_over_ours": round(med["vipsthumbnail"] / med["ours"], 2),
               "load": round(load(), 1)}
        print(row, flush=True)
        rows.append(row)
    write_csv("batch", rows)
    plot_batch(rows, len(files), mp)
    # Per input type: the JPEG output at 1 worker on each type's inputs alone.
    by_input = []
    for kind in INPUT_TYPES:
        sub, sub_files, sub_mp = by_type[kind]
        if not sub_files:
            print("batch by input: no %s inputs" % kind, flush=True)
            continue
        med, _ = time_tools("jpeg", 1, sub, sub_files, ROUNDS)
        row = {"input_type": kind.lower(), "files": len(sub_files), "mp": round(sub_mp, 1),
               **{k + "_s": round(v, 2) for k, v in med.items()},
               "pillow_over_ours": round(med["pillow"] / med["ours"], 2),
               "vips_over_ours": round(med["vipsthumbnail"] / med["ours"], 2),
               "load": round(load(), 1)}
        print(row, flush=True)
        by_input.append(row)
    if by_input:
        write_csv("batch_by_input", by_input)


def plot_batch(rows, files, mp):
    """batch.png: images/s of the JPEG output against the worker count (the other formats
    have one worker count each: they are in the CSV, not on the plot)."""
    jpeg = sorted((r for r in rows if r["format"] == "jpeg"), key=lambda r: r["workers"])
    if not jpeg:
        print("no jpeg rows: bench/results/batch.png not drawn")
        return
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for key, label in (("ours", "cos-ci process --batch"), ("pillow", "Pillow, process pool"),
                       ("vipsthumbnail", "vipsthumbnail, parallel -X")):
        ax.plot([r["workers"] for r in jpeg], [r[key + "_img_per_s"] for r in jpeg], marker="o", label=label)
    ax.set_xlabel("workers (2 cores)")
    ax.set_ylabel("images/s, 800 px JPEG q85 (median)")
    ax.set_title("%d Debian wallpapers (%.0f MP) to thumbnails" % (files, mp))
    ax.set_xticks(sorted({r["workers"] for r in jpeg}))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "batch.png"), dpi=110)
    print("wrote bench/results/batch.png")


# ---------------------------------------------------------------- rules

SECRET_ID, SECRET_KEY, BUCKET = "AKIDbench", "bench-secret", "bench-1250000000"
FIVE_RULES = [
    ("t800.jpg", "imageMogr2/thumbnail/800x/quality/85"),
    ("t400.webp", "imageMogr2/thumbnail/400x/format/webp"),
    ("sq200.jpg", "imageMogr2/thumbnail/200x200/gravity/center/crop/200x200"),
    ("r90.jpg", "imageMogr2/rotate/90/thumbnail/600x"),
    ("t300.png", "imageMogr2/thumbnail/300x/format/png"),
]


def bench_rules():
    import qcloud_cos
    body = pyvips.Image.new_from_file(PHOTO).resize(1920 / 5120, kernel="lanczos3").jpegsave_buffer(Q=85)
    root = tempfile.mkdtemp(prefix="rules-", dir=os.path.join(WORK))
    proc, port = start_server(COS_CI, root, SECRET_ID, SECRET_KEY)
    rows = []
    try:
        conf = qcloud_cos.CosConfig(Region="ap-guangzhou", SecretId=SECRET_ID, SecretKey=SECRET_KEY,
                                    Scheme="http", IP="127.0.0.1", Port=port, Timeout=120)
        client = qcloud_cos.CosS3Client(conf, retry=1)
        ops = {n: json.dumps({"is_pic_info": 1, "rules": [{"fileid": f, "rule": r} for f, r in FIVE_RULES[:n]]})
               for n in (1, 5)}
        for n, op in ops.items():  # check the answers before timing
            _, d = client.ci_put_object(Bucket=BUCKET, Body=body, Key="check%d.jpg" % n, PicOperations=op)
            objs = d["ProcessResults"]["Object"]
            assert len(objs if isinstance(objs, list) else [objs]) == n, d
        uploads = int(os.environ.get("BENCH_UPLOADS", "40"))
        secs = {1: [], 5: []}
        for r in range(ROUNDS):
            for n, op in ops.items():
                def one(i, n=n, op=op, r=r):
                    client.ci_put_object(Bucket=BUCKET, Body=body, Key="r%d/n%d/%d.jpg" % (r, n, i),
                                         PicOperations=op)
                t = time.perf_counter()
                with ThreadPoolExecutor(2) as pool:
                    list(pool.map(one, range(uploads)))
                secs[n].append(time.perf_counter() - t)
        for n in (1, 5):
            med = statistics.median(secs[n])
            rows.append({"rules_per_upload": n, "uploads": uploads, "body_bytes": len(body),
                         "uploads_per_s": round(uploads / med, 1), "rules_per_s": round(uploads * n / med, 1),
                         "load": round(load(), 1)})
            print(rows[-1], flush=True)
    finally:
        stop_server(proc)
        shutil.rmtree(root, ignore_errors=True)
    write_csv("rules", rows)


def main():
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    what = sys.argv[1:] or ["mp", "batch", "rules"]
    print("load average at start: %.1f" % load(), flush=True)
    if "mp" in what:
        bench_mp(common.bench_exe())
    if "batch" in what:
        bench_batch()
    if "rules" in what:
        bench_rules()


if __name__ == "__main__":
    main()
