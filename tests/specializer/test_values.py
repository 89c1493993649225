"""The value model of the meta-program: what `print` shows for small kernels."""

from __future__ import annotations

import textwrap

import pytest

from nki_compiler.frontend.workspace import Workspace
from nki_compiler.specializer import specialize


def run(body: str, prelude: str = "", facts: str = "") -> list[str]:
    text = "import math\nimport nki\nimport nki.language as nl\nimport nki.isa as nisa\n" + textwrap.dedent(
        prelude
    )
    text += f"\n# nki: args {facts}\n" if facts else "\n"
    text += "@nki.jit\ndef k(x=None):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    workspace = Workspace({"/tmp/nki_values_test.py": text})
    module = workspace.module("/tmp/nki_values_test.py")
    assert module is not None
    result = specialize(workspace, module, "k")
    assert result.program is not None, result.diagnostics
    return result.program.prints


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("print(7 // 2, 7 / 2, -7 % 3, 2 ** 10, 1 << 4)", "3 3.5 2 1024 16"),
        ("print(math.ceil(5 / 2), math.floor(2.5), math.gcd(12, 18), math.sqrt(16.0))", "3 2 6 4.0"),
        (
            "xs = [1, 2]\nxs.append(3)\nxs.extend((4,))\nprint(xs, len(xs), xs[-1], xs[1:3])",
            "[1, 2, 3, 4] 4 4 [2, 3]",
        ),
        (
            "d = {'a': 1}\nd['b'] = 2\nprint(list(d.keys()), d.get('c', 0), d.pop('a'), d)",
            "['a', 'b'] 0 1 {'b': 2}",
        ),
        ("a, (b, c) = 1, (2, 3)\nprint(a + b + c, min(a, b), max((4, 9)), abs(-2))", "6 1 9 2"),
        (
            "s = 0\nfor i in range(10):\n    if i == 2:\n        continue\n    if i > 4:\n        break\n    s += i\nprint(s)",
            "8",
        ),
        ("n = 0\nwhile n < 5:\n    n += 2\nprint(n)", "6"),
        (
            "print(f'{nl.tile_size.pmax}x{nl.tile_size.gemm_moving_fmax}', nl.float32 == 'float32')",
            "128x512 True",
        ),
        (
            "print(1 if nl.is_sbuf(nl.sbuf) else 0, isinstance(3, int), 3 in (1, 3), 'a' not in 'bcd')",
            "1 True True True",
        ),
        ("print(x == None, x)", "True None"),
    ],
)
def test_values(body: str, expected: str) -> None:
    assert run(body) == [expected]


def test_functions_classes_enums() -> None:
    prelude = """
    from dataclasses import dataclass
    from enum import Enum

    class Kind(Enum):
        A = 1
        B = 2

    class Point(nl.NKIObject):
        def __init__(self, x, y=2):
            self.x = x
            self.y = y

        def norm1(self):
            return abs(self.x) + abs(self.y)

    @dataclass(frozen=True)
    class Cfg(nl.NKIObject):
        n: int
        kind: Kind = Kind.B

    def twice(f, v, *, k=1):
        return f(f(v)) * k

    def inc(v):
        return v + 1

    def fact(n):
        if n <= 1:
            return 1
        return n * fact(n - 1)
    """
    body = """
    p = Point(-3)
    c = Cfg(4)
    fs = {"inc": inc}
    print(p.norm1(), c.n, c.kind == Kind.B, c.kind.value, Kind(1).name, twice(fs["inc"], 1, k=10), fact(5))
    """
    assert run(body, prelude) == ["5 4 True 2 A 30 120"]


def test_unknown_values_stay_silent() -> None:
    text = run("t = x.shape[0] * 2\nif t > 4:\n    print('big')\nprint(t)", facts="")
    assert text == ["?"]
