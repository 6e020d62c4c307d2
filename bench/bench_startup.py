"""How long `measure-ledger serve` takes to answer, beside Python's own start in the same run.

    python bench/bench_startup.py                          # a demo store, 10 starts
    python bench/bench_startup.py --store sqlite:///demo.db --runs 20 --format json

Starts the installed `measure-ledger --store URL serve --port FREE` (the console script; `python
-m cli` where it is not installed) `--runs` times, one after the other, and times each from
the process start to the first 200 from `/healthz`, polling every 5 ms over a fresh loopback
connection. Beside it, in the same run and on the same machine, two baselines that time the
process to its exit: `python -c pass` (the interpreter alone) and `python -c "import fastapi,
uvicorn"` (the web stack alone, the floor for any FastAPI server). Prints median and max of
each, the CPU seconds `serve` had used by its first answer (from /proc: less noisy than wall
time on a shared machine) and the load average before and after, since timings on a shared
2-core machine are only meaningful next to it.

Without `--store`, a demo store (`measure-ledger demo`, 300 measures) is built in a
temporary directory first, as the README's first command does. The issue's target: under
2 s to the first answer on the demo store.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def entry_point() -> list[str]:
    """The console script beside this interpreter, as an operator runs it; else `-m cli`."""
    script = Path(sys.executable).with_name("measure-ledger")
    if script.exists():
        return [str(script)]
    found = shutil.which("measure-ledger")
    return [found] if found else [sys.executable, "-m", "cli"]


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU of a running process, from /proc (None where there is none)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_serve(url: str, log: Path, timeout_s: float) -> tuple[float, float | None]:
    """One start: seconds to the first 200 from /healthz, and the CPU seconds used by then."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_FEED_KEY")}
    env |= {"LEDGER_FEED_KEY": "k" * 64, "LEDGER_LOG_LEVEL": "warning"}
    command = [*entry_point(), "--store", url, "serve", "--port", str(port)]
    with log.open("ab") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        while not healthy(port):
            if process.poll() is not None:
                raise SystemExit(f"serve exited {process.returncode}: {log.read_text()[-2000:]}")
            if time.perf_counter() - started > timeout_s:
                raise SystemExit(f"serve did not answer /healthz within {timeout_s:.0f} s")
            time.sleep(POLL_S)
        elapsed = time.perf_counter() - started
        return elapsed, cpu_seconds(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_to_exit(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def summary(values: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(values), 3), "max_s": round(max(values), 3)}


def demo_store(work: Path) -> str:
    url = f"sqlite:///{work / 'demo.db'}"
    subprocess.run(
        [*entry_point(), "--store", url, "demo"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work,
    )  # fmt: skip
    return url


def measure(url: str, runs: int, work: Path, timeout_s: float) -> dict:
    load_before = os.getloadavg()
    baselines = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import fastapi, uvicorn'": [sys.executable, "-c", "import fastapi, uvicorn"],
    }
    found: dict[str, dict] = {}
    serve_wall: list[float] = []
    serve_cpu: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in baselines}
    for _ in range(runs):  # interleaved, so a burst of load hits every figure alike
        for name, command in baselines.items():
            times[name].append(run_to_exit(command))
        wall, cpu = start_serve(url, work / "serve.log", timeout_s)
        serve_wall.append(wall)
        if cpu is not None:
            serve_cpu.append(cpu)
    for name, values in times.items():
        found[name] = summary(values)
    found["serve to first /healthz"] = summary(serve_wall)
    if serve_cpu:
        found["serve CPU by first /healthz"] = summary(serve_cpu)
    return {
        "runs": runs,
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "figures": found,
    }


def table(result: dict) -> None:
    print(
        f"{result['runs']} runs each, {result['cpus']} CPUs; load average before "
        f"{result['load_before']}, after {result['load_after']}"
    )
    print(f"{'':<38}{'median s':>10}{'max s':>10}")
    for name, figures in result["figures"].items():
        print(f"{name:<38}{figures['median_s']:>10.3f}{figures['max_s']:>10.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="a store URL (default: a fresh demo store)")
    parser.add_argument("--runs", type=int, default=10, help="starts of serve (default 10)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait per start")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = args.store or demo_store(work)
        result = measure(url, args.runs, work, args.timeout)
    if args.format == "json":
        print(json.dumps(result))
    else:
        table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
