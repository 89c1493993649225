"""Speed of `nki-ls --check` against plain `ast.parse` of the same files.

    python bench/check_bench.py [PATH ...] [--repeat N] [--profile]

With no paths it reads ../shared/corpus. Baseline (`ast.parse` of every file) and candidate
(`check_paths`, one fresh workspace each time) are interleaved in one run and each measured several
times; the medians are compared. The CLI process (`python -m nki_ls --check`) is timed too, which
adds interpreter start-up and imports. Goal: check time <= 3 x parse time.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "compiler"), str(ROOT)]

from nki_compiler.check import CheckConfig, check_paths, discover  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
RATIO_GOAL = 3.0


def parse_all(texts: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for text in texts:
            try:
                ast.parse(text)
            except (SyntaxError, ValueError):
                pass


def check_all(paths: list[str], jobs: int) -> None:
    check_paths(paths, CheckConfig(jobs=jobs))


def run_cli(paths: list[str]) -> None:
    command = [sys.executable, "-m", "nki_ls", "--check", *paths, "--format", "json"]
    env = {"PYTHONPATH": f"{ROOT / 'compiler'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    if result.returncode not in (0, 1):
        raise SystemExit(f"nki-ls --check failed with exit {result.returncode}:\n{result.stderr.decode()}")


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(actions: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Median wall time of each action; the actions take turns so drift in machine load hits all of them."""
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():  # warm-up: imports, file cache, registries
        action()
    for _ in range(repeat):
        for name, action in actions.items():
            samples[name].append(timed(action))
    return {name: statistics.median(times) for name, times in samples.items()}


def profile(paths: list[str]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    check_all(paths, jobs=1)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", help="files and folders (default: ../shared/corpus)")
    parser.add_argument("--repeat", type=int, default=5, help="measurements per variant (median is kept)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one serial check run")
    parser.add_argument("--no-cli", action="store_true", help="skip timing the CLI process")
    args = parser.parse_args(argv)
    paths = args.paths or ([str(DEFAULT_CORPUS)] if DEFAULT_CORPUS.is_dir() else [])
    if not paths:
        print("no paths given and ../shared/corpus is absent: nothing to measure")
        return 0
    files = [str(f) for f in discover(paths)]
    texts = [Path(f).read_text(encoding="utf-8", errors="replace") for f in files]
    size = sum(len(t) for t in texts)
    print(f"{len(files)} files, {size / 1e6:.2f} M characters, median of {args.repeat} runs")
    if args.profile:
        profile(files)
        return 0
    actions: dict[str, Callable[[], None]] = {
        "ast.parse": lambda: parse_all(texts),
        "check_paths (serial)": lambda: check_all(files, jobs=1),
        "check_paths (auto jobs)": lambda: check_all(files, jobs=0),
    }
    if not args.no_cli:
        actions["nki-ls --check (process)"] = lambda: run_cli(paths)
    medians = interleaved(actions, args.repeat)
    baseline = medians["ast.parse"]
    for name, seconds in medians.items():
        print(
            f"  {name:<26} {seconds * 1000:8.1f} ms  {len(files) / seconds:8.0f} files/s  x{seconds / baseline:5.2f}"
        )
    ratio = medians["check_paths (serial)"] / baseline
    verdict = "meets" if ratio <= RATIO_GOAL else "misses"
    print(f"check/parse ratio (serial, in-process): {ratio:.2f} ({verdict} the goal of <= {RATIO_GOAL:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
