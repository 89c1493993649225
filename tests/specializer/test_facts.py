"""Argument facts: pragma, pyproject table, `nt.tensor` annotations, precedence."""

from __future__ import annotations

from pathlib import Path

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import ArgumentFact, parse_args_text, specialize
from nki_compiler.specializer.facts import gather_facts

KERNEL = """import nki
import nki.language as nl
import nki.typing as nt


# nki: args a=float32[128,512]
# nki: args n=4 shape=(3, 4) label='x y'
@nki.jit
def k(a, b: nt.tensor[64, 32, nl.bfloat16], c, n, shape, label):
    t = nl.load(a)
    u = nl.load(b)
    return a
"""


def test_parse_args_text() -> None:
    facts = parse_args_text("a=float32[128,512] s=0.5 t=(1, 2) name='a b' bad=float99[1] flag=True z=None")
    assert facts["a"] == ArgumentFact("float32", (128, 512))
    assert facts["s"] == 0.5 and facts["t"] == (1, 2) and facts["name"] == "a b" and facts["flag"] is True
    assert "bad" not in facts and facts["z"] is None


def test_sources_and_precedence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nki-ls.kernels."kern.py::k"]\nc = "int32[8,8]"\nn = 99\nb = "float32[1,1]"\n', encoding="utf-8"
    )
    path = tmp_path / "kern.py"
    path.write_text(KERNEL, encoding="utf-8")
    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    facts = gather_facts(module, module.definitions["k"], {"label": "explicit"})  # type: ignore[arg-type]
    assert facts["a"] == ArgumentFact("float32", (128, 512))
    assert facts["n"] == 4 and facts["shape"] == (3, 4)  # pragma beats pyproject
    assert facts["c"] == ArgumentFact("int32", (8, 8))  # pyproject
    assert facts["b"] == ArgumentFact("float32", (1, 1))  # pyproject beats the annotation
    assert facts["label"] == "explicit"


def test_annotation_facts_and_hover_facts(tmp_path: Path) -> None:
    path = tmp_path / "kern.py"
    path.write_text(KERNEL, encoding="utf-8")
    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    result = specialize(workspace, module, "k")
    b_load = KERNEL.index("u = ")
    facts = {span.start: fs for span, fs in result.tensor_facts_by_span.items()}
    assert facts[b_load][0].shape == (64, 32) and facts[b_load][0].dtype == "bfloat16"
    assert facts[b_load][0].buffer == "sbuf" and facts[b_load][0].bytes_per_partition == 64
    assert not result.complete  # `c` has no facts
