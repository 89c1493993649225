"""Memoised traversals and per-module caches never change results: re-analysis after they are
dropped (as the language server does after each run) gives the same diagnostics."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, analyze
from nki_compiler.frontend.walk import clear_caches
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer.binding import bind_arguments

KERNELS = sorted((Path(__file__).parent.parent / "data" / "kernels").glob("*.py"))


def _diagnostics(workspace: Workspace, path: Path) -> list[tuple[str, object, str]]:
    module = workspace.module(path)
    assert module is not None
    found = analyze(workspace, [module], CheckConfig())[module.path]
    return [(d.code, d.span, d.message) for d in found]


@pytest.mark.parametrize("path", KERNELS, ids=[p.name for p in KERNELS])
def test_reanalysis_after_dropping_caches_is_identical(path: Path) -> None:
    workspace = Workspace()
    first = _diagnostics(workspace, path)
    module = workspace.module(path)
    assert module is not None
    module.release_caches()
    clear_caches()
    assert _diagnostics(workspace, path) == first
    assert _diagnostics(workspace, path) == first  # warm caches


def _api(a, b=1, *rest, c, d=2, **extra):  # noqa: ANN001, ANN002, ANN003, ANN202
    return None


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {"c": 3}), ((1, 2, 3, 4), {"c": 3, "z": 9}), ((), {"a": 1, "c": 2, "d": 4}), ((1, 2), {"c": 5})],
)
def test_bind_arguments_matches_inspect(args: tuple, kwargs: dict) -> None:
    signature = inspect.signature(_api)
    expected = dict(signature.bind(*args, **kwargs).arguments)
    for _ in range(2):  # the second call replays the memoised plan
        assert bind_arguments(_api, signature, list(args), dict(kwargs)) == expected


def test_bind_arguments_raises_like_inspect() -> None:
    signature = inspect.signature(_api)
    for _ in range(2):
        with pytest.raises(TypeError):
            bind_arguments(_api, signature, [], {})
    partial = bind_arguments(_api, signature, [], {}, partial=True)
    assert partial == dict(signature.bind_partial().arguments)
