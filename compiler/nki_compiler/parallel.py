"""`check_paths` over many files with a process pool, giving exactly the serial result.

Kernel scope crosses files: a kernel in one file makes helpers in another file kernel scope, with call
chains that depend on everything reachable. So files are split into contiguous chunks (at folder
boundaries where possible, since imports mostly stay within a package), each chunk is analysed in a
worker, and each worker says which files its kernel scope reached. A chunk whose scope stayed inside
its own files has exactly the serial result: reachability is a union over roots, and breadth-first
order within the chunk is unchanged. Chunks that reached into each other are merged and analysed again.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from nki_compiler.check import CheckConfig, InternalError, analyze_with_scope, load_modules
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.workspace import Workspace

MIN_FILES_PER_WORKER = 32
Results = dict[str, list[Diagnostic]]
ChunkOutcome = tuple[Results, list[InternalError], set[str]]


def worker_count(config: CheckConfig, file_count: int) -> int:
    if config.jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    wanted = config.jobs if config.jobs > 0 else cores
    return max(1, min(wanted, file_count // MIN_FILES_PER_WORKER))


def check_in_parallel(
    files: list[Path], config: CheckConfig, errors: list[InternalError] | None
) -> Results | None:
    """The serial result computed by several processes, or None when one process is the better choice."""
    workers = worker_count(config, len(files))
    keys = [_key(f) for f in files]
    if workers < 2 or len(set(keys)) != len(keys):
        return None
    chunks = split(files, workers)
    # fork: the workers inherit the loaded check registry instead of importing everything again
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        outcomes = list(
            pool.map(check_chunk, chunks, [config] * len(chunks), [errors is not None] * len(chunks))
        )
        groups = _merge_groups(chunks, keys, outcomes)
        reruns = {
            tuple(g): pool.submit(check_chunk, _files_of(g, chunks), config, errors is not None)
            for g in groups
            if len(g) > 1
        }
        results: Results = {}
        done: set[int] = set()
        for index in range(len(chunks)):
            group = next(g for g in groups if index in g)
            if len(group) == 1:
                _collect(outcomes[index], results, errors)
            elif group[0] == index and index not in done:
                _collect(reruns[tuple(group)].result(), results, errors)
                done.update(group)
    return {key: results[key] for key in keys if key in results}


def check_chunk(files: list[Path], config: CheckConfig, collect_errors: bool) -> ChunkOutcome:
    """Serial analysis of some files (run in a worker) and the files its kernel scope reached."""
    errors: list[InternalError] | None = [] if collect_errors else None
    workspace = Workspace()
    modules = load_modules(workspace, files, errors)
    results, scope = analyze_with_scope(workspace, modules, config, errors)
    reached = {f.module.path for f in scope.functions} | {c.module.path for c in scope.classes}
    if errors and any(e.stage == "kernel scope" for e in errors):
        reached = {"*"}  # the scope is unknown: merging with every chunk gives the serial outcome
    return results, errors or [], reached


def split(files: list[Path], parts: int) -> list[list[Path]]:
    """Contiguous chunks of about equal size, cut where consecutive files share the shortest folder prefix."""
    sizes = [_size(f) for f in files]
    total = sum(sizes)
    cuts: list[int] = []
    running = 0
    prefix_sums = []
    for size in sizes:
        running += size
        prefix_sums.append(running)
    for part in range(1, parts):
        target = total * part / parts
        low, high = target - total / (2 * parts), target + total / (2 * parts)
        candidates = [i for i in range(1, len(files)) if low <= prefix_sums[i - 1] <= high and i not in cuts]
        if not candidates:
            continue
        cuts.append(
            min(
                candidates,
                key=lambda i: (_shared_depth(files[i - 1], files[i]), abs(prefix_sums[i - 1] - target)),
            )
        )
    bounds = [0, *sorted(cuts), len(files)]
    return [files[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _merge_groups(chunks: list[list[Path]], keys: list[str], outcomes: list[ChunkOutcome]) -> list[list[int]]:
    owner: dict[str, int] = {}
    position = 0
    for index, chunk in enumerate(chunks):
        for key in keys[position : position + len(chunk)]:
            owner[key] = index
        position += len(chunk)
    parent = list(range(len(chunks)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for index, (_, _, reached) in enumerate(outcomes):
        others = set(range(len(chunks))) if "*" in reached else {owner[p] for p in reached if p in owner}
        for other in others:
            parent[find(other)] = find(index)
    groups: dict[int, list[int]] = {}
    for index in range(len(chunks)):
        groups.setdefault(find(index), []).append(index)
    return sorted(groups.values())


def _files_of(group: list[int], chunks: list[list[Path]]) -> list[Path]:
    return [f for index in group for f in chunks[index]]


def _collect(outcome: ChunkOutcome, results: Results, errors: list[InternalError] | None) -> None:
    chunk_results, chunk_errors, _ = outcome
    results.update(chunk_results)
    if errors is not None:
        errors.extend(chunk_errors)


def _shared_depth(a: Path, b: Path) -> int:
    depth = 0
    for x, y in zip(a.parent.parts, b.parent.parts, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())
