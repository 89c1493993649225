"""Chrome / Perfetto trace events: one track (thread) per engine and DMA queue, slices named by opcode."""

from __future__ import annotations

import json
from typing import Any

from nki_compiler.backend import BackendResult

TRACK_ORDER = ("tensor", "vector", "scalar", "gpsimd", "sync")


def _track_ids(tracks: set[str]) -> dict[str, int]:
    ordered = [t for t in TRACK_ORDER if t in tracks]
    ordered += sorted((t for t in tracks if t not in TRACK_ORDER), key=lambda t: (len(t), t))
    return {track: number + 1 for number, track in enumerate(ordered)}


def trace_events(result: BackendResult) -> dict[str, Any]:
    slices = result.schedule.slices
    ids = _track_ids({s.track for s in slices})
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": f"NeuronCore ({result.model.target})"}}
    ]
    for track, tid in ids.items():
        events.append({"ph": "M", "pid": 1, "tid": tid, "name": "thread_name", "args": {"name": track}})
        events.append(
            {"ph": "M", "pid": 1, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}}
        )
    for s in sorted(slices, key=lambda s: (s.start, ids[s.track])):
        args: dict[str, Any] = {"line": s.op.line, "path": s.op.path}
        if s.repeat != 1:
            args["repeat"] = s.repeat
        if s.op.label:
            args["name"] = s.op.label
        events.append({"ph": "X", "pid": 1, "tid": ids[s.track], "name": s.op.title,
                       "ts": round(s.start / 1000, 4), "dur": round((s.end - s.start) / 1000, 4), "args": args})  # fmt: skip
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def write_trace(result: BackendResult, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(trace_events(result), handle)
