"""Compile-time scalar values per assignment target, recorded while specializing (issue 3 item 8)."""

from __future__ import annotations

from pathlib import Path

from nki_compiler.source import Span
from nki_compiler.specializer import ScalarValues, SpecializeResult
from nki_compiler.specializer.emit import COUNTED_SCALARS, LISTED_SCALARS, is_scalar_value
from tests.specializer.helpers import specialize_file

KERNEL = """import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[128,4096]
@nki.jit
def scalars(x, scale=2):
    rows, cols = x.shape
    tile = 512
    name = "tile"
    nothing = None
    flag = cols > tile
    shape = (rows, tile)
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for i in range(cols // tile):
        offset = i * tile
        half = offset / 2
        t = nl.ndarray(shape, dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x[:, offset:offset + tile])
        nisa.dma_copy(dst=out[:, offset:offset + tile], src=t)
    for j in nl.dynamic_range(cols // tile):
        runtime = j * tile
    return out
"""


def _specialized(tmp_path: Path) -> tuple[str, SpecializeResult]:
    path = tmp_path / "kernel.py"
    path.write_text(KERNEL, encoding="utf-8")
    result = specialize_file(path)
    assert result.program is not None
    return str(path), result


def _slot_of(result: SpecializeResult, needle: str, name: str | None = None) -> ScalarValues | None:
    """The record of the binding of `name` (default: the needle's first word) at or after `needle`."""
    name = name or needle.split()[0]
    start = KERNEL.index(name, KERNEL.index(needle))
    by_span = next(iter(result.scalar_facts_by_path.values()))
    return by_span.get(Span(start, start + len(name)))


def test_single_compile_time_values_of_every_scalar_kind(tmp_path: Path) -> None:
    _, result = _specialized(tmp_path)
    expected = {
        ("scale=2", "scale"): 2,
        ("rows, cols", "rows"): 128,
        ("rows, cols", "cols"): 4096,
        ("tile = 512", None): 512,
        ('name = "tile"', None): "tile",
        ("nothing = None", None): None,
        ("flag = ", None): True,
        ("shape = ", None): (128, 512),
    }
    for (needle, name), value in expected.items():
        slot = _slot_of(result, needle, name)
        assert slot is not None, needle
        assert slot.values == [value] and type(slot.values[0]) is type(value), needle
        assert slot.distinct == 1 and not slot.opaque


def test_unrolled_iterations_keep_their_distinct_values_in_order(tmp_path: Path) -> None:
    _, result = _specialized(tmp_path)
    loop = _slot_of(result, "for i", "i")
    assert loop is not None and loop.values == list(range(LISTED_SCALARS)) and loop.distinct == 8
    offset = _slot_of(result, "offset = i")
    assert offset is not None and offset.values == [i * 512 for i in range(8)]
    half = _slot_of(result, "half =")
    assert half is not None and half.values == [i * 256.0 for i in range(8)]


def test_runtime_values_are_not_compile_time_scalars(tmp_path: Path) -> None:
    _, result = _specialized(tmp_path)
    runtime = _slot_of(result, "runtime =")
    assert runtime is not None and runtime.values == [] and runtime.opaque >= 1


def test_tensors_stay_tensor_facts_only(tmp_path: Path) -> None:
    path, result = _specialized(tmp_path)
    start = KERNEL.index(" t = nl.ndarray") + 1
    span = Span(start, start + 1)
    assert result.facts_by_path[path][span]
    assert span not in result.scalar_facts_by_path.get(path, {})


def test_values_are_capped_but_counted() -> None:
    slot = ScalarValues()
    for value in [*range(COUNTED_SCALARS + 50), 3, 1.0, True]:
        slot.add(value)
    assert slot.values == list(range(LISTED_SCALARS))
    assert slot.distinct == COUNTED_SCALARS and slot.saturated
    small = ScalarValues()
    for value in (1, 1.0, True, 1):
        small.add(value)
    assert small.values == [1, 1.0, True] and [type(v) for v in small.values] == [int, float, bool]


def test_merge_keeps_first_values_and_counts_distinct() -> None:
    first, second = ScalarValues(), ScalarValues()
    for value in range(4):
        first.add(value)
    for value in range(2, 20):
        second.add(value)
    second.opaque = 1
    first.merge(second)
    assert first.values == list(range(LISTED_SCALARS)) and first.distinct == 20 and first.opaque == 1


def test_only_small_tuples_of_scalars_count_as_scalar() -> None:
    assert is_scalar_value((1, (2.0, "a", None), True))
    assert not is_scalar_value((1, [2]))
    assert not is_scalar_value(tuple(range(100)))
    nested: tuple = (1,)
    for _ in range(10_000):
        nested = (nested,)
    assert not is_scalar_value(nested)
