"""Which Trainium generation the `nki` API answers for (`nl.tile_size`, `nisa.get_nc_version`)."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

TARGETS: tuple[str, ...] = ("trn1", "trn2", "trn3")

#: Accepted spellings of `NEURON_PLATFORM_TARGET_OVERRIDE` (nki-api.md §1.2) -> canonical target.
_ALIASES = {
    "trn1": "trn1", "inf2": "trn1", "gen2": "trn1",
    "trn2": "trn2", "gen3": "trn2",
    "trn3": "trn3", "gen4": "trn3",
}  # fmt: skip

#: Target used when nothing selects one (the reference simulator's default without a device).
DEFAULT_TARGET = "trn3"

_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("nki_target", default=None)


def normalize_target(name: str) -> str:
    """Map `trn1|inf2|gen2`, `trn2|gen3`, `trn3|gen4` to `trn1`/`trn2`/`trn3`; raise ValueError otherwise."""
    try:
        return _ALIASES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown NKI target {name!r}; expected one of trn1, trn2, trn3") from None


def current_target() -> str:
    """Target in effect: `use_target(...)` scope, else `NEURON_PLATFORM_TARGET_OVERRIDE`, else trn3."""
    scoped = _override.get()
    if scoped is not None:
        return scoped
    env = os.environ.get("NEURON_PLATFORM_TARGET_OVERRIDE")
    if env:
        return normalize_target(env)
    return DEFAULT_TARGET


@contextlib.contextmanager
def use_target(target: str) -> Iterator[str]:
    """Context manager: make `target` the current target (used by the checker and the simulator)."""
    token = _override.set(normalize_target(target))
    try:
        yield _override.get() or target
    finally:
        _override.reset(token)
