"""Hover on compile-time scalars in kernel scope: one value, or the values across unrolled iterations."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from nki_compiler.source import Encoding
from nki_compiler.specializer.emit import COUNTED_SCALARS, ScalarValues
from nki_ls.features import hover
from nki_ls.features.diagnostics import Documents
from nki_ls.features.specialized import Specializations
from nki_ls.features.tensor_hover import scalar_markdown

KERNEL = (
    "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
    "# nki: args x=float32[128,16384]\n"
    "@nki.jit\n"
    "def tiled(x, scale=2):\n"
    "    tile = 512\n"
    "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
    "    for i in range(x.shape[1] // tile):\n"
    "        offset = i * tile\n"
    "        t = nl.ndarray((128, tile), dtype=x.dtype, buffer=nl.sbuf)\n"
    "        nisa.dma_copy(dst=t, src=x[:, offset:offset + tile])\n"
    "        nisa.dma_copy(dst=out[:, offset:offset + tile], src=t)\n"
    "    for j in nl.dynamic_range(4):\n"
    "        moving = j * tile\n"
    "        moving_use = moving\n"
    "    tile = 'rebound'\n"
    "    label = tile\n"
    "    return out\n"
    "\n\n"
    "def helper():\n"
    "    width = 7\n"
    "    return width\n"
)


def _hover(tmp_path: Path, line_text: str, needle: str, shift: int = 0) -> str | None:
    path = tmp_path / "kernel.py"
    path.write_text(KERNEL, encoding="utf-8")
    documents = Documents()
    documents.open(str(path), KERNEL, 1)
    lines = KERNEL.splitlines()
    line = next(n for n, text in enumerate(lines) if line_text in text)
    position = types.Position(line=line, character=lines[line].index(needle) + shift)
    found = hover.hover(
        documents, path.as_uri(), position, Encoding.UTF16, "trn2", Specializations(documents)
    )
    return None if found is None else str(found.contents.value)  # type: ignore[union-attr]


def test_binding_of_a_scalar_shows_its_compile_time_value(tmp_path: Path) -> None:
    text = _hover(tmp_path, "    tile = 512", "tile")
    assert text is not None and "tile: int" in text and "compile-time int: `512`" in text


def test_use_of_a_scalar_shows_its_reaching_binding(tmp_path: Path) -> None:
    text = _hover(tmp_path, "        t = nl.ndarray((128, tile)", "tile")
    assert text is not None and "compile-time int: `512`" in text
    rebound = _hover(tmp_path, "    label = tile", "tile")
    assert rebound is not None and "compile-time str: `'rebound'`" in rebound


def test_unrolled_values_are_listed_with_their_distinct_count(tmp_path: Path) -> None:
    text = _hover(tmp_path, "        offset = i * tile", "offset")
    assert text is not None
    assert (
        "values across unrolled iterations: `0, 512, 1024, 1536, 2048, 2560, 3072, 3584`, … (32 distinct)"
        in text
    )
    loop_variable = _hover(tmp_path, "    for i in range", "i in")
    assert loop_variable is not None and "(32 distinct)" in loop_variable


def test_runtime_values_show_nothing(tmp_path: Path) -> None:
    assert _hover(tmp_path, "        moving = j * tile", "moving") is None
    assert _hover(tmp_path, "        moving_use = moving", "= moving", shift=2) is None


def test_scalar_parameter_shows_its_value(tmp_path: Path) -> None:
    text = _hover(tmp_path, "def tiled(x, scale=2)", "scale")
    assert text is not None and "scale: int = 2" in text and "its default value" in text


def test_tensors_still_show_tensor_facts(tmp_path: Path) -> None:
    text = _hover(tmp_path, "        t = nl.ndarray", "t =")
    assert text is not None and "sbuf float32[128, 512]" in text


def test_functions_outside_kernels_show_nothing(tmp_path: Path) -> None:
    assert _hover(tmp_path, "    width = 7", "width") is None


def test_markdown_of_partial_and_saturated_records() -> None:
    partial = ScalarValues()
    partial.add(3)
    partial.opaque = 2
    text = scalar_markdown("k", partial)
    assert text is not None and "compile-time value seen: `3`" in text and "not known at compile time" in text
    many = ScalarValues()
    for value in range(COUNTED_SCALARS + 1):
        many.add(value)
    text = scalar_markdown("k", many)
    assert text is not None and f"(more than {COUNTED_SCALARS} distinct)" in text
    assert scalar_markdown("k", ScalarValues()) is None
    mixed = ScalarValues()
    for value in (1, "a" * 200):
        mixed.add(value)
    text = scalar_markdown("k", mixed)
    assert text is not None and "```\nk\n```" in text and "…" in text and "a" * 100 not in text
