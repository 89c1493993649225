"""The migrated grid kernels (tests/data/migration/migration_grids.fixed) compute what their Beta-1
originals meant: each rewritten kernel runs in the simulator against NumPy indexing of the same grids."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.helpers.modules import import_file

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "migration" / "migration_grids.fixed"
RNG = np.random.default_rng(0)
A = RNG.random((128, 512), dtype=np.float32)
B = RNG.random((64, 256), dtype=np.float32)
TALL = RNG.random((256, 512), dtype=np.float32)
SQUARE = RNG.random((512, 512), dtype=np.float32)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("grids") / "migrated_grids.py"
    shutil.copy(GOLDEN, path)
    module = import_file(path, "migrated_grids")
    return module


def _causal(scores: np.ndarray, q_tile: int, k_tile: int) -> np.ndarray:
    q = q_tile * 128 + np.arange(128)[:, None]
    k = k_tile * 512 + np.arange(512)[None, :]
    return np.where(q >= k, scores, np.float32(-9984.0))


CASES: dict[str, tuple[Callable[[ModuleType], np.ndarray], Callable[[np.ndarray], bool]]] = {
    "inline_and_objects": (lambda m: m.inline_and_objects(A), lambda r: np.array_equal(r, A)),
    "redefined_grids": (lambda m: m.redefined_grids(A, B), lambda r: np.array_equal(r[:64, :256], B)),
    # the last iteration of `for i in range(4)` writes rows 192..255, every other column from 1
    "scaled_and_derived": (
        lambda m: m.scaled_and_derived(TALL, 256),
        lambda r: np.array_equal(r, TALL[192:, 1::2]),
    ),
    "transposed_store": (lambda m: m.transposed_store(A[:, :64]), lambda r: np.array_equal(r, A[:, :64].T)),
    "shared_by_nested_helpers": (lambda m: m.shared_by_nested_helpers(A), lambda r: np.array_equal(r, A)),
    "compile_time_masks": (
        lambda m: m.compile_time_masks(SQUARE, 300),
        lambda r: np.array_equal(r[:384, :300], SQUARE[:384, :300]),
    ),
    "iota_grids": (
        lambda m: m.iota_grids(),
        lambda r: np.array_equal(r, 2 + 2 * np.arange(128)[:, None] - np.arange(64)[None, :]),
    ),
    "causal_select": (lambda m: m.causal_select(A, 4, 1), lambda r: np.allclose(r, _causal(A, 4, 1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_migrated_grid_kernel_matches_numpy(migrated: ModuleType, name: str) -> None:
    run, matches = CASES[name]
    assert matches(np.asarray(run(migrated)))
