"""Tensor/parameter/loop hovers, inlay hints and specializer diagnostics at the feature level."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from nki_compiler.check import CheckConfig
from nki_compiler.source import Encoding
from nki_ls.features import hover, inlay_hints
from nki_ls.features.diagnostics import Documents
from nki_ls.features.specialized import Specializations

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
TILED = HEADER + (
    "# nki: args x=float32[128,1024]\n"
    "@nki.jit\n"
    "def tiled(x, scale=2):\n"
    "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
    "    for i in range(4):\n"
    "        t = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.sbuf)\n"
    "        nisa.dma_copy(dst=t, src=x[:, i * 256:(i + 1) * 256])\n"
    "        nisa.dma_copy(dst=out[:, i * 256:(i + 1) * 256], src=t)\n"
    "    for j in range(x.shape[1] // 512):\n"
    "        w = nl.ndarray((128, 128 * (j + 1)), dtype=nl.bfloat16, buffer=nl.sbuf)\n"
    "        nisa.memset(dst=w, value=0.0)\n"
    "    return out\n"
    "\n\n"
    "@nki.jit\n"
    "def unknown(y):\n"
    "    return y\n"
)
BAD = HEADER + (
    "# nki: args x=float32[256,512]\n"
    "@nki.jit\n"
    "def bad(x):\n"
    "    big = nl.ndarray((256, 512), dtype=nl.float32, buffer=nl.sbuf)\n"
    "    return x\n"
)


def _open(tmp_path: Path, text: str) -> tuple[Documents, Specializations, str, str]:
    path = tmp_path / "kernel.py"
    path.write_text(text, encoding="utf-8")
    documents = Documents()
    documents.open(str(path), text, 1)
    return documents, Specializations(documents), str(path), path.as_uri()


def _hover(tmp_path: Path, text: str, line: int, needle: str) -> str | None:
    documents, specs, _, uri = _open(tmp_path, text)
    character = text.splitlines()[line].index(needle)
    found = hover.hover(
        documents, uri, types.Position(line=line, character=character), Encoding.UTF16, "trn2", specs
    )
    return None if found is None else str(found.contents.value)  # type: ignore[union-attr]


def test_tensor_binding_and_use_show_buffer_dtype_shape_and_bytes(tmp_path: Path) -> None:
    binding = _hover(tmp_path, TILED, 10, "t =")
    assert (
        binding is not None
        and "t: sbuf float32[128, 256]" in binding
        and "1,024 bytes per partition" in binding
    )
    use = _hover(tmp_path, TILED, 11, "t, src")
    assert use is not None and "sbuf float32[128, 256]" in use


def test_shape_varying_across_unrolled_iterations_is_listed(tmp_path: Path) -> None:
    text = _hover(tmp_path, TILED, 14, "w =")
    assert text is not None and "2 distinct" in text
    assert "sbuf bfloat16[128, 128]" in text and "sbuf bfloat16[128, 256]" in text


def test_parameters_say_where_facts_come_from_or_how_to_declare_them(tmp_path: Path) -> None:
    declared = _hover(tmp_path, TILED, 7, "x,")
    assert declared is not None and "private_hbm float32[128, 1024]" in declared and "# nki: args" in declared
    default = _hover(tmp_path, TILED, 7, "scale")
    assert default is not None and "default value" in default
    unknown = _hover(tmp_path, TILED, 20, "y)")
    assert unknown is not None and "unknown" in unknown and "# nki: args y=float32[128,512]" in unknown


def test_loops_show_their_trip_count(tmp_path: Path) -> None:
    literal = _hover(tmp_path, TILED, 9, "for")
    assert literal is not None and "4 iterations" in literal
    computed = _hover(tmp_path, TILED, 13, "for")
    assert computed is not None and "2 iterations" in computed


def test_api_names_keep_their_documentation_hover(tmp_path: Path) -> None:
    text = _hover(tmp_path, TILED, 10, "ndarray")
    assert text is not None and "ndarray(" in text


def test_inlay_hints_after_tensor_bindings(tmp_path: Path) -> None:
    documents, specs, _, uri = _open(tmp_path, TILED)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=40, character=0))
    hints = inlay_hints.inlay_hints(documents, specs, uri, whole, Encoding.UTF16, "trn2")
    labels = {(h.position.line, str(h.label)) for h in hints}
    assert (10, ": sbuf float32[128, 256]") in labels
    assert (14, ": sbuf bfloat16[128, 128] (+1 more)") in labels
    assert all(h.position.line < 18 for h in hints)  # the kernel without facts gets none


def test_specializer_diagnostics_only_for_kernels_with_known_facts(tmp_path: Path) -> None:
    documents, specs, path, _ = _open(tmp_path, BAD)
    found = specs.diagnostics(path, CheckConfig(), ())
    assert [d.code for d in found] == ["NKI301"]
    assert specs.cached(path) is not None
    documents.change(path, BAD.replace("# nki: args x=float32[256,512]\n", ""), 2)
    assert specs.cached(path) is None  # a new version invalidates the result
    assert specs.diagnostics(path, CheckConfig(), ()) == []
    assert specs.diagnostics(path, CheckConfig(ignore=("NKI3",)), ()) == []


def test_suppression_comments_apply_to_specializer_diagnostics(tmp_path: Path) -> None:
    text = BAD.replace("buffer=nl.sbuf)\n", "buffer=nl.sbuf)  # nki: ignore[NKI301]\n")
    _, specs, path, _ = _open(tmp_path, text)
    assert specs.diagnostics(path, CheckConfig(), ()) == []


def test_garbage_never_raises(tmp_path: Path) -> None:
    for text in ["\x00\xff", "(" * 3000, "@nki.jit\ndef k(a: int", BAD[:-20]]:
        documents, specs, path, uri = _open(tmp_path, text)
        specs.diagnostics(path, CheckConfig(), ())
        for line in range(min(text.count("\n") + 1, 12)):
            hover.hover(documents, uri, types.Position(line=line, character=4), Encoding.UTF16, "trn2", specs)
