"""The specializer's fast paths compute exactly what the general code computes."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from nki_compiler.ir.access import Storage, contiguous_pairs, contiguous_strides
from nki_compiler.specializer import tensors
from nki_compiler.specializer.tensors import Tensor, ViewError
from tests.specializer.helpers import specialize_file

BUFFERS = ("sbuf", "private_hbm")


def _tensors() -> list[Tensor]:
    found = []
    for buffer, shape in itertools.product(BUFFERS, [(128, 512), (4, 6, 8)]):
        whole = Tensor.whole(Storage(0, "t", shape, "float32", buffer))
        found += [whole, dataclasses.replace(whole, offset=3, indirect=True, dynamic=("scalar", 1, 0, 4))]
    return found


def _keys(tensor: Tensor, rng: random.Random) -> list[tuple[object, ...]]:
    keys = []
    for _ in range(40):
        key = []
        for _, count in tensor.dims:
            start = rng.choice([None, 0, 1, count // 2, count, count + 1, -1])
            stop = rng.choice([None, 0, 1, count // 2, count, count + 1, -2])
            step = rng.choice([None, None, None, 1, 2])
            key.append(slice(start, stop, step) if rng.random() > 0.1 else rng.randrange(count))
        keys.append(tuple(key))
    return keys


def _index(tensor: Tensor, key: tuple[object, ...]) -> object:
    try:
        return tensor.getitem(key)
    except ViewError as error:
        return ("error", error.code, error.params)


@pytest.mark.parametrize("tensor", _tensors(), ids=lambda t: f"{t.buffer}{t.shape}{t.offset}")
def test_plain_slices_match_the_general_indexing(tensor: Tensor, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _keys(tensor, random.Random(7))
    fast = [_index(tensor, key) for key in keys]
    monkeypatch.setattr(tensors, "_plain_slices", lambda tensor, key: None)
    general = [_index(tensor, key) for key in keys]
    for key, a, b in zip(keys, fast, general, strict=True):
        assert a == b, key
        if isinstance(a, Tensor):
            assert all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(Tensor)), key


def test_pattern_is_shared_by_every_use_of_a_tensor() -> None:
    tensor = _tensors()[0]
    assert tensor.pattern() is tensor.pattern()
    view = tensor.getitem((slice(0, 64), slice(None)))
    assert view.pattern() is not tensor.pattern() and view.pattern().pairs == ((512, 64), (1, 512))


def test_contiguous_layout_of_tuples_and_lists() -> None:
    assert contiguous_strides((2, 3, 4)) == contiguous_strides([2, 3, 4]) == (12, 4, 1)  # type: ignore[arg-type]
    assert contiguous_pairs((2, 3)) == contiguous_pairs([2, 3]) == ((3, 2), (1, 3))  # type: ignore[arg-type]


KERNEL = """import nki
import nki.isa as nisa
import nki.language as nl


# nki: args x=float32[256,512]
@nki.jit
def k(x):
    out = nl.ndarray((256, 512), dtype=x.dtype, buffer=nl.shared_hbm)
    for i in range(2):
        t = nl.ndarray((128, 512), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x[i * 128:(i + 1) * 128, 0:512])
        nisa.dma_copy(dst=out[nl.ds(i * 128, 128), :], src=t)
    return out
"""


def test_unrolled_call_sites_bind_the_same_way_every_iteration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "k.py"
    path.write_text(KERNEL, encoding="utf-8")
    result = specialize_file(path)
    assert result.program is not None and result.complete
    copies = [i for i in result.program.instructions() if i.opcode.value == "dma_copy"]
    assert [name for name, _ in copies[0].operands] == ["dst", "src"]
    assert [c.operand("src").offset for c in copies[::2]] == [0, 128 * 512]
    assert [c.operand("dst").offset for c in copies[1::2]] == [0, 128 * 512]
    assert copies[0].origin is copies[2].origin  # one origin per call site and frame
