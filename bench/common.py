"""What the Python benchmarks share (bench/engine.py, avif.py, show.py, and
ci-python/bench/bench_client.py by path): finding the engine bench binary, timing a call,
the load average, writing a CSV and starting `cos-ci serve` on a free port.

Standard library only, so that a venv without the image peers (ci-python/bench's) can
import it too.
"""
import csv
import json
import os
import re
import statistics
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
PHOTO = "/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg"


def bench_exe(features=""):
    """The ci-core `engine` bench binary: BENCH_ENGINE=PATH if set (a prebuilt one, no
    cargo), else the one `cargo bench --no-run` builds (with `features` if given)."""
    prebuilt = os.environ.get("BENCH_ENGINE")
    if prebuilt:
        return prebuilt
    cmd = ["cargo", "bench", "-p", "ci-core", "--bench", "engine", "--no-run", "--message-format=json"]
    if features:
        cmd += ["--features", features]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "engine":
            return m["executable"]
    raise SystemExit("engine bench executable not found")


def ssim_exe():
    """bench/ssim's `ssim-bench` (dssim-core): BENCH_SSIM=PATH if set, else its release build."""
    return os.environ.get("BENCH_SSIM") or os.path.join(HERE, "ssim", "target", "release", "ssim-bench")


def engine_json(exe, *args):
    """Runs the engine bench binary; its JSON lines (one per measured task)."""
    out = subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def timed(fn, iters):
    """(median ms, best ms) of `iters` calls of fn, after one warm-up call."""
    fn()
    ts = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts), min(ts)


def load():
    """The 1-minute load average (the machine is shared: every result says it)."""
    return os.getloadavg()[0]


def write_csv(path, rows):
    """Rows (dicts with the same keys, in column order) to a CSV with a header line."""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    return path


def start_server(binary, root, secret_id, secret_key):
    """``cos-ci serve --port 0`` in its own process; (process, port from its banner)."""
    proc = subprocess.Popen([binary, "serve", "--root", root, "--port", "0",
                             "--secret-id", secret_id, "--secret-key", secret_key],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env={**os.environ, "RUST_LOG": "warn"})
    assert proc.stderr is not None
    for _ in range(50):  # bounded: the banner is the first line or close to it
        line = proc.stderr.readline().decode(errors="replace")
        if not line:
            break
        m = re.search(r"serving COS \+ CI on http://[^:]+:(\d+)", line)
        if m:
            # Keep draining its stderr so that the server never blocks on a full pipe.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, int(m.group(1))
    proc.kill()
    raise SystemExit("cos-ci serve did not print its address")


def stop_server(proc):
    """SIGTERM, then SIGKILL after 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
