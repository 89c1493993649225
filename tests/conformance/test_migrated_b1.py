"""Beta 1 unit-test kernels (aws-neuron-sdk/nki/test/test_nki_*.py) after our migration.

Each file is copied to a temporary folder, migrated with our fixes (`fix_text` over `check_source`, unsafe
fixes included, like `nki-ls --check --fix --unsafe-fixes`), imported from there, and its kernels are run
with the inputs of the file's own unittest against NumPy re-implementations of the file's golden code.
Kernels that write their output arguments (`writes`) run through `nki.simulate`, like their unittest.

A case that fails because the migration leaves a construct behind names it in `rewrite_gap` (a strict
xfail). Cases with `patches` stand in for one missing rewrite by a plain text replacement, so that the
simulator side is covered while the front end catches up. `GAPS` lists, per file, the errors that the
migration leaves: when one disappears, its test fails and the file deserves a simulated case here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest

import nki
from nki_compiler.check import check_source
from nki_compiler.diagnostics.model import Severity
from nki_compiler.fixer import fix_text
from tests.helpers.modules import import_file

pytestmark = pytest.mark.corpus

B1 = Path("aws-neuron-sdk/nki/test")
FP32_MIN = -3.4028235e38  # nki-api.md: `nl.fp32.min` was removed, use the literal
Arrays = tuple[np.ndarray, ...]


def _activation_inputs() -> Arrays:
    np.random.seed(0)
    return tuple(np.random.random_sample(shape).astype(np.float32) * 100
                 for shape in ([128, 1024], [128, 512], [128, 1]))  # fmt: skip


def _activation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Arrays:
    with np.errstate(over="ignore"):
        return np.exp(a), np.square(b * 2 + c).astype(ml_dtypes.bfloat16).astype(np.float32)


def _half_true_predicate() -> Arrays:
    predicate = np.zeros((128, 64), dtype=np.uint8)
    predicate[0:64, :] = 1
    return predicate, np.ones((128, 64), dtype=np.float32)


def _select(predicate: np.ndarray, on_true: np.ndarray) -> Arrays:
    return (np.where(predicate != 0, on_true, np.float32(FP32_MIN)),)


def _select_reversed(predicate: np.ndarray, on_true: np.ndarray) -> Arrays:
    return (np.where(predicate == 0, on_true, np.float32(FP32_MIN)),)


def _reduction_inputs(predicate_dtype: Any) -> Callable[[], Arrays]:
    def make() -> Arrays:
        np.random.seed(0)
        on_true = np.random.random_sample([128, 512]).astype(np.float32) * 100
        on_false = np.random.random_sample([128, 1]).astype(np.float32) * 100
        predicate = np.random.randint(low=0, high=2, size=[128, 512], dtype=np.bool_)
        return predicate.astype(predicate_dtype), on_true, on_false

    return make


def _select_with_reduction(predicate: np.ndarray, on_true: np.ndarray, on_false: np.ndarray) -> Arrays:
    selected = np.where(predicate != 0, on_true, on_false)
    return selected, np.max(selected, axis=1, keepdims=True)


def _predicated_copy_inputs(predicate_dtype: Any) -> Callable[[], Arrays]:
    def make() -> Arrays:
        np.random.seed(0)
        on_true, on_false = (np.random.random_sample([128, 512]).astype(np.float32) * 100 for _ in range(2))
        return np.less_equal(on_true, 0.8).astype(predicate_dtype), on_true, on_false

    return make


def _predicated_copy(predicate: np.ndarray, on_true: np.ndarray, on_false: np.ndarray) -> Arrays:
    return (np.where(predicate != 0, on_true, on_false),)


def _chaining_inputs() -> tuple[Any, ...]:
    np.random.seed(0)
    on_true = np.random.random_sample((128, 512)).astype(np.float32)
    bound0, bound1 = np.zeros([128, 1], np.float32), np.full([128, 1], 350, np.float32)
    return on_true, bound0, bound1, np.greater_equal, np.less, 32


def _range_select_chaining(on_true: np.ndarray, bound0: np.ndarray, bound1: np.ndarray, *rest: Any) -> Arrays:
    """The unittest's golden: three chained selections over `on_true + i`, max-reduced together."""
    values, best = on_true.copy(), np.zeros((on_true.shape[0], 1), np.float32)
    selected = best
    for i in range(3):
        indices = np.zeros_like(on_true) + (32 + i * on_true.shape[0] + np.arange(on_true.shape[1]))
        mask = np.greater_equal(indices, bound0) & np.less(indices, bound1)
        selected = np.where(mask, values, np.float32(FP32_MIN))
        best = np.maximum(best, np.max(selected, axis=1, keepdims=True))
        values = values + 1
    return selected, best


def _random_inputs(shape: list[int]) -> Callable[[], Arrays]:
    def make() -> Arrays:
        np.random.seed(0)
        return (np.random.random_sample(shape).astype(np.float32) * 100,)

    return make


def _mean_and_variance(a: np.ndarray) -> Arrays:
    return np.mean(a, axis=1, keepdims=True), np.var(a, axis=1, keepdims=True)


def _row_sum(a: np.ndarray) -> Arrays:
    return (np.sum(a, axis=1, keepdims=True),)


def _segment_ids() -> Arrays:
    np.random.seed(0)
    ids = np.sort(np.random.randint(low=0, high=32, size=32))
    return (ids.reshape((1, 32), order="F").astype(np.float32),)


def _sequence_bounds(segment_ids: np.ndarray) -> Arrays:
    """Per element: start and one-past-end of its run of equal ids; padding (id 0) gets n and -1."""
    ids = segment_ids[0]
    n = len(ids)
    starts, ends = np.zeros(n, np.float32), np.zeros(n, np.float32)
    for i in range(n):
        starts[i] = n if ids[i] == 0 else (starts[i - 1] if i and ids[i] == ids[i - 1] else i)
    for i in range(n - 1, -1, -1):
        ends[i] = -1 if ids[i] == 0 else (ends[i + 1] if i < n - 1 and ids[i] == ids[i + 1] else i + 1)
    return (np.stack([starts, ends]).reshape(1, 2, n),)


def _tensor_scalar_inputs() -> Arrays:
    np.random.seed(0)
    shapes = ([128, 512], [128, 512], [64, 1024], [64, 1])
    return tuple(np.random.random_sample(shape).astype(np.float32) * 100 for shape in shapes)


def _tensor_scalar(a: np.ndarray, c: np.ndarray, e: np.ndarray, f: np.ndarray) -> Arrays:
    return a - 1, 1 - c, e * f + 2.5


def _transpose_inputs() -> Arrays:
    np.random.seed(0)
    return tuple(np.random.random_sample(shape).astype(np.float32) * 100 for shape in ([128, 64], [32, 2]))


def _transposed(*arrays: np.ndarray) -> Arrays:
    return tuple(np.transpose(a) for a in arrays)


def _reciprocal(a: np.ndarray) -> Arrays:
    return (np.reciprocal(a),)


def _shuffled(a: np.ndarray) -> Arrays:
    """The unittest's golden: partition i receives partition (i - 1) % 32 of its own quadrant."""
    rows = [(i - 1) % 32 + quadrant * 32 for quadrant in range(a.shape[0] // 32) for i in range(32)]
    return (a[rows],)


def _broadcast_to_32(a: np.ndarray) -> Arrays:
    return (np.broadcast_to(a, (32, a.shape[1])),)


def _partition_reduce_inputs(shape: list[int], axis: int) -> Callable[[], Arrays]:
    def make() -> Arrays:
        np.random.seed(0)
        a = np.random.random_sample(shape).astype(np.float32) * 100
        out_shape = [*shape[:axis], 1, *shape[axis + 1 :]]
        return a, np.zeros(out_shape, np.float32)

    return make


def _partition_sum(axis: int) -> Callable[..., Arrays]:
    return lambda a, _: (np.sum(a, axis=axis, keepdims=True),)


def _no_inputs() -> Arrays:
    return ()


def _iota() -> Arrays:
    """The unittest's goldens for the five example grids."""
    a, b = np.arange(0, 512)[None, :], np.arange(0, 128)[:, None]
    return a, b, -a, np.arange(5, 260, 2)[:, None], a + b


def _even_rows(a: np.ndarray) -> Arrays:
    return (a[2 * np.arange(64)],)


def _square_of_corner(a: np.ndarray) -> Arrays:
    return (np.square(a[:64, :256]),)


def _indices_and_rows() -> Arrays:
    return _random_inputs([128, 512])()[0], 2 * np.arange(64, dtype=np.int32)


def _rows_and_indices() -> Arrays:
    return _random_inputs([64, 512])()[0], 2 * np.arange(64, dtype=np.int32)


def _broadcast_inputs() -> Arrays:
    np.random.seed(0)
    return ((np.random.random_sample([1, 64]) * 100).astype(np.int32),)


def _broadcast_to_128(a: np.ndarray) -> Arrays:
    return (np.repeat(a, 128, axis=0),)


@dataclass(frozen=True)
class Case:
    file: str
    kernel: str
    make_inputs: Callable[[], tuple[Any, ...]]  # arrays, plus any operator/scalar the kernel takes
    reference: Callable[..., Arrays]
    rtol: float = 1e-5
    atol: float = 1e-8
    patches: tuple[tuple[str, str], ...] = ()  # (migrated text, replacement): stands in for a missing rewrite
    rewrite_gap: str = ""  # why the migrated kernel does not run yet (strict xfail)
    writes: tuple[int, ...] = ()  # the kernel writes these arguments (run with `nki.simulate`, no return)
    compared: Callable[[np.ndarray], np.ndarray] | None = None  # the part of each output the unittest checks


ONE_D_INDEX = ("grid: Beta-1 `idx_tensor[i_p]` with `i_p = nl.arange(64)[:, None]` on a 1-D tensor loaded a `(64, 1)` "
               "tile; the slice `idx_tensor[0:64]` loads `(64,)`, so `idx_tile[0:64, 0]` is NKI313 in the "
               "specializer (the front end cannot see the rank: write `idx_tensor.reshape((64, 1))`)")  # fmt: skip
BOOL_PREDICATE = ("input: the unittest passes an `np.bool_` predicate; 0.6 `select_reduce` and "
                  "`tensor_copy_predicated` take integer predicates (nki-api.md)")  # fmt: skip
CASES = {
    "activation": Case("test_nki_isa_activation.py", "nki_activation", _activation_inputs, _activation, 1e-2),
    "bn_stats_bn_aggr_1": Case("test_nki_isa_bn_stats.py", "nki_bn_stats_bn_aggr_1", _random_inputs([128, 128]),
                               _mean_and_variance, 1e-4),
    "bn_stats_bn_aggr_2": Case("test_nki_isa_bn_stats.py", "nki_bn_stats_bn_aggr_2", _random_inputs([128, 1024]),
                               _mean_and_variance, 1e-4),
    "copy_predicated": Case("test_nki_isa_copypredicated.py", "nki_copy_predicated",
                            _predicated_copy_inputs(np.bool_), _predicated_copy, rewrite_gap=BOOL_PREDICATE),
    "copy_predicated+uint8": Case("test_nki_isa_copypredicated.py", "nki_copy_predicated",
                                  _predicated_copy_inputs(np.uint8), _predicated_copy),
    "range_select_chaining": Case("test_nki_isa_range_select.py", "nki_range_select_chaining", _chaining_inputs,
                                  _range_select_chaining),
    "indirect_load_1": Case("test_nki_nl_load_store_indirect.py", "example_indirect_load_1", _indices_and_rows,
                            lambda a, _: _even_rows(a), rewrite_gap=ONE_D_INDEX),
    "indirect_save_1": Case("test_nki_nl_load_store_indirect.py", "example_indirect_save_1", _rows_and_indices,
                            lambda a, _: (a,), compared=lambda out: out[0::2], rewrite_gap=ONE_D_INDEX),
    "indirect_load_2": Case("test_nki_nl_load_store_indirect.py", "example_indirect_load_2", _random_inputs([128, 512]),
                            _even_rows),
    "indirect_save_2": Case("test_nki_nl_load_store_indirect.py", "example_indirect_save_2", _random_inputs([64, 512]),
                            lambda a: (a,), compared=lambda out: out[0::2]),
    "iota": Case("test_nki_isa_iota.py", "nki_iota", _no_inputs, _iota),
    "mask": Case("test_nki_mask.py", "nki_mask", _random_inputs([128, 512]), _square_of_corner),
    "nl_broadcast": Case("test_nki_nl_broadcast.py", "test_nl_broadcast", _broadcast_inputs, _broadcast_to_128),
    "nc_stream_shuffle": Case("test_nki_isa_nc_stream_shuffle.py", "nki_nc_stream_shuffle",
                              _random_inputs([32, 128]), _shuffled),
    "nc_stream_shuffle_broadcast_partition": Case("test_nki_isa_nc_stream_shuffle.py",
                                                  "nki_nc_stream_shuffle_broadcast_partition",
                                                  _random_inputs([1, 128]), _broadcast_to_32),
    "nc_stream_shuffle_broadcast_mask": Case("test_nki_isa_nc_stream_shuffle.py", "nki_nc_stream_shuffle_broadcast_mask",
                                             _random_inputs([128, 128]), _shuffled),
    "nc_transpose": Case("test_nki_isa_nc_transpose.py", "nki_nc_transpose", _transpose_inputs, _transposed),
    "par_reduce": Case("test_nki_isa_partition_reduce.py", "nki_par_reduce",
                       _partition_reduce_inputs([128, 32, 4], 0), _partition_sum(0), 1e-5, writes=(1,)),
    "par_reduce_nd_b": Case("test_nki_isa_partition_reduce.py", "nki_par_reduce_nd_b",
                            _partition_reduce_inputs([4, 128, 32, 8], 1), _partition_sum(1), 1e-5, writes=(1,)),
    "reciprocal": Case("test_nki_isa_reciprocal.py", "reciprocal_kernel", _random_inputs([128, 512]), _reciprocal),
    "reduce": Case("test_nki_isa_reduce.py", "nki_reduce", _random_inputs([128, 512]), _row_sum, 1e-5),
    "tensor_scalar": Case("test_nki_isa_tensor_scalar.py", "nki_tensor_scalar", _tensor_scalar_inputs,
                          _tensor_scalar),
    "sequence_bounds": Case("test_nki_isa_sequence_bounds.py", "nki_sequence_bounds", _segment_ids,
                            _sequence_bounds),
    "select_reduce_basic": Case("test_nki_isa_select_reduce.py", "nki_select_reduce_basic", _half_true_predicate,
                                _select),
    "select_reduce_reverse_pred": Case("test_nki_isa_select_reduce.py", "nki_select_reduce_reverse_pred",
                                       _half_true_predicate, _select_reversed),
    "select_reduce_with_reduction": Case("test_nki_isa_select_reduce.py", "nki_select_reduce_with_reduction",
                                         _reduction_inputs(np.bool_), _select_with_reduction,
                                         rewrite_gap=BOOL_PREDICATE),
    "select_reduce_with_reduction+uint8": Case("test_nki_isa_select_reduce.py", "nki_select_reduce_with_reduction",
                                               _reduction_inputs(np.uint8), _select_with_reduction),
}  # fmt: skip

#: Errors our migration leaves in B1 files (code, offending text): each names a front-end rewrite problem.
GAPS = {
    "test_nki_isa_iota.py": ("NKI112", "nki_iota()"),  # the kernel takes no arguments
    "test_nki_isa_max8.py": ("NKI112", "nki_max8()"),  # the kernel takes no arguments
    "test_nki_isa_nc_match_replace8.py": ("NKI112", "nki_nc_match_replace8()"),
}


def _migrate(corpus: Path, folder: Path, file: str) -> tuple[Path, str]:
    source = corpus / B1 / file
    if not source.is_file():
        pytest.skip(f"{file} is not in this corpus half")
    target = folder / file
    fixed, _ = fix_text(
        source.read_text(encoding="utf-8"), lambda t: check_source(t, str(target)), unsafe=True
    )
    target.write_text(fixed, encoding="utf-8")
    return target, fixed


def _params() -> list[Any]:
    return [pytest.param(name, marks=pytest.mark.xfail(reason=CASES[name].rewrite_gap, strict=True))
            if CASES[name].rewrite_gap else name for name in CASES]  # fmt: skip


@pytest.mark.parametrize("name", _params())
def test_migrated_kernel_matches_the_files_reference(corpus: Path, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path, text = _migrate(corpus, tmp_path, case.file)
    for old, new in case.patches:
        assert old in text, f"the patch for a missing rewrite no longer applies: {old!r}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    kernel = getattr(import_file(path, f"migrated_b1_{path.stem}"), case.kernel)
    inputs = case.make_inputs()
    expected = case.reference(*inputs)
    if case.writes:
        nki.simulate(kernel)(*inputs)
        outputs: Any = tuple(inputs[i] for i in case.writes)
    else:
        outputs = kernel(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected, strict=True):
        got = case.compared(np.asarray(got)) if case.compared is not None else got
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=case.rtol, atol=case.atol)


@pytest.mark.parametrize("file", sorted(GAPS))
def test_migration_gap_is_still_open(corpus: Path, tmp_path: Path, file: str) -> None:
    _, text = _migrate(corpus, tmp_path, file)
    code, snippet = GAPS[file]
    errors = [d for d in check_source(text, str(tmp_path / file)) if d.severity is Severity.ERROR]
    assert any(d.code == code and text[d.span.start : d.span.end].startswith(snippet) for d in errors), (
        f"{file}: the migration now handles `{snippet}` ({code}): add a simulated case for this file"
    )
