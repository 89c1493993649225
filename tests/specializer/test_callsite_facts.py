"""Argument facts from static call sites in the kernel's file (design.md §3 source 3)."""

from __future__ import annotations

from pathlib import Path

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import ArgumentFact, specialize
from nki_compiler.specializer.callsites import callsite_facts
from nki_compiler.specializer.facts import gather_facts

KERNEL = """import numpy as np
import nki
import nki.isa as nisa
import nki.language as nl

N = 512


@nki.jit
def add(a, b, scale, flag):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    return out


def main():
    x = np.random.rand(128, N).astype(np.float32)
    y = np.zeros((128, N), dtype=np.float16)
    nki.simulate(add)(x, y, 0.5, flag=True)


def other():
    add(np.ones((64, 8)), np.empty([2, 3], np.int32), scale=2)
"""


def _facts(tmp_path: Path, text: str, kernel: str = "add") -> dict:
    path = tmp_path / "kern.py"
    path.write_text(text, encoding="utf-8")
    module = Workspace().module(path)
    assert module is not None and module.tree is not None
    node = module.definitions[kernel]
    return callsite_facts(module, node)  # type: ignore[arg-type]


def test_first_call_site_gives_each_argument(tmp_path: Path) -> None:
    facts = _facts(tmp_path, KERNEL)
    assert facts == {
        "a": ArgumentFact("float32", (128, 512)),
        "b": ArgumentFact("float16", (128, 512)),
        "scale": 0.5,
        "flag": True,
    }


def test_numpy_default_dtype_is_not_an_nki_dtype(tmp_path: Path) -> None:
    text = KERNEL.replace("    nki.simulate(add)(x, y, 0.5, flag=True)\n", "    pass\n")
    facts = _facts(tmp_path, text)
    assert facts["a"] == ArgumentFact("?", (64, 8))  # float64: the shape is a fact, the dtype is not
    assert facts["b"] == ArgumentFact("int32", (2, 3)) and facts["scale"] == 2


def test_ambiguous_or_unknown_arguments_are_not_facts(tmp_path: Path) -> None:
    text = KERNEL.replace(
        "    nki.simulate(add)(x, y, 0.5, flag=True)\n",
        "    for y in range(2):\n        pass\n    nki.simulate(add)(x, y, load(), flag=True)\n",
    ).replace("    add(np.ones((64, 8)), np.empty([2, 3], np.int32), scale=2)\n", "    pass\n")
    facts = _facts(tmp_path, text)
    assert set(facts) == {"a", "flag"}


def test_pragma_wins_over_call_sites_and_specialization_uses_them(tmp_path: Path) -> None:
    text = KERNEL.replace("@nki.jit\ndef add", "# nki: args a=bfloat16[32,16]\n@nki.jit\ndef add")
    path = tmp_path / "kern.py"
    path.write_text(text, encoding="utf-8")
    workspace = Workspace()
    module = workspace.module(path)
    assert module is not None
    facts = gather_facts(module, module.definitions["add"])  # type: ignore[arg-type]
    assert facts["a"] == ArgumentFact("bfloat16", (32, 16)) and facts["b"] == ArgumentFact(
        "float16", (128, 512)
    )
    result = specialize(workspace, module, "add")
    assert result.program is not None and result.complete
    assert result.program.outputs[0].shape == (32, 16)


def test_launch_grid_and_jit_wrapper_forms(tmp_path: Path) -> None:
    text = KERNEL.replace(
        "    nki.simulate(add)(x, y, 0.5, flag=True)\n", "    add[2](x, y, 1.0, False)\n"
    ).replace("    add(np.ones", "    nki.jit(add)(np.ones")
    facts = _facts(tmp_path, text)
    assert (
        facts["a"] == ArgumentFact("float32", (128, 512)) and facts["scale"] == 1.0 and facts["flag"] is False
    )
