"""Incremental re-analysis equals analysis from scratch, after any sequence of edits.

Seeded random edits (characters, whole lines, duplicated and deleted lines, renamed names) are applied
to the annotated kernels, a generated many-kernel file and corpus files; after each edit the result of
`analyze` with a long-lived `FunctionCache` must equal a fresh analysis exactly (spans, notes, fixes).
"""

from __future__ import annotations

import ast
import random
import re
import warnings
from pathlib import Path

import pytest

from nki_compiler.check import CheckConfig, analyze, check_source
from nki_compiler.diagnostics.model import Diagnostic
from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.scope import KernelScope, ReferenceCache, build_scope
from nki_compiler.frontend.walk import clear_caches
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.incremental import FunctionCache
from nki_ls.features.diagnostics import Documents, normalize

KERNELS = Path(__file__).resolve().parent.parent / "data" / "kernels"
CORPUS_FILES = (
    "nki-library/src/nkilib_src/nkilib/core/qkv/qkv_cte.py",
    "nki-library/src/nkilib_src/nkilib/core/qkv/qkv.py",
)
SNIPPETS = ("x", " ", "\n", "(", ")", ":", "nl.", "# nki: ignore", "    y = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.sbuf)\n",
            "nki.jit", "@nki.jit\n", "def ", "return ", "import nki.isa as nisa\n", "fori_loop", "**kw", "self.")  # fmt: skip


def generated_file(kernels: int = 12) -> str:
    parts = ["import nki\nimport nki.isa as nisa\nimport nki.language as nl\n"]
    for i in range(kernels):
        parts.append(
            f"\ndef scale_{i}(tile, factor):\n"
            "    result = nl.ndarray(tile.shape, dtype=nl.float32, buffer=nl.sbuf)\n"
            "    nisa.tensor_scalar(dst=result, data=tile, op0=nl.multiply, operand0=factor)\n"
            "    return result\n\n\n@nki.jit\n"
            f"def kernel_{i}(a, b):\n"
            "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
            "    for t in nl.affine_range(a.shape[0] // 128):\n"
            "        x = nl.load(a[t * 128 : (t + 1) * 128, 0:512])\n"
            f"        w = scale_{i}(x, 2.0)\n"
            "        nl.store(out[t * 128 : (t + 1) * 128, 0:512], value=w)\n"
            "    return out\n"
        )
    return "".join(parts)


def host_code_file(functions: int = 8) -> str:
    """Host functions (outside kernel scope) with legacy constructs the migration rules flag, and kernels."""
    parts = ["import numpy as np\n\nimport nki\nimport nki.isa as nisa\nimport nki.language as nl\n"]
    for i in range(functions):
        parts.append(
            f"\n\ndef host_helper_{i}(a):\n"
            "    i_p = nl.arange(128)[:, None]\n"
            "    x = nl.load(a[i_p, 0:512], mask=(i_p < 64))\n"
            "    nl.store(a[0:128, 0:512], value=x)\n"
            "    return nl.par_dim(128)\n\n\n"
            f"def launch_{i}(a):\n"
            "    out = np.zeros((128, 512), dtype=np.float32)\n"
            f"    return kernel_{i}(a), out\n\n\n@nki.jit\n"
            f"def kernel_{i}(a):\n"
            "    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)\n"
            "    return out\n"
        )
    return "".join(parts)


def edit(text: str, rng: random.Random) -> str:
    """Mostly edits that still parse (a syntax error skips the checks, so it tests little)."""
    candidate = text
    for _ in range(20):
        candidate = _any_edit(text, rng)
        if rng.random() < 0.1 or _parses(candidate):
            return candidate
    return candidate


def _parses(text: str) -> bool:
    return _full_tree(text) is not None


def _any_edit(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True) or [""]
    choice = rng.randrange(7)
    at = rng.randrange(len(lines))
    if choice == 0:  # type something
        offset = rng.randrange(len(text) + 1)
        return text[:offset] + rng.choice(SNIPPETS) + text[offset:]
    if choice == 1:  # delete a few characters
        offset = rng.randrange(len(text) + 1)
        return text[:offset] + text[offset + rng.randrange(1, 6) :]
    if choice == 2:
        return "".join(lines[:at] + lines[at + 1 :])
    if choice == 3:
        return "".join(lines[: at + 1] + [lines[at]] + lines[at + 1 :])
    if choice == 5:
        return _call_another_function(lines, rng)
    if choice == 4:  # rename one identifier everywhere on a line
        names = re.findall(r"[A-Za-z_]\w*", lines[at])
        if names:
            name = rng.choice(names)
            lines[at] = re.sub(rf"\b{name}\b", name + "_r", lines[at])
        return "".join(lines)
    other = rng.randrange(len(lines))  # move a line
    moved = lines.pop(at)
    lines.insert(other, moved)
    return "".join(lines)


def _call_another_function(lines: list[str], rng: random.Random) -> str:
    """A call to a module-level function at the top of a random function body (the call graph changes)."""
    names = [m.group(1) for line in lines if (m := re.match(r"def (\w+)", line))]
    starts = [i for i, line in enumerate(lines) if re.match(r"\s*def \w+.*:\s*$", line)]
    if names and starts:
        at = rng.choice(starts)
        indent = re.match(r"\s*", lines[at]).group(0) + "    "  # type: ignore[union-attr]
        lines.insert(at + 1, f"{indent}{rng.choice(names)}(1)\n")
    return "".join(lines)


def full(diagnostics: list[Diagnostic]) -> list[tuple[Diagnostic, tuple]]:
    return [(d, d.data) for d in diagnostics]


def analyse(text: str, path: str, cache: FunctionCache | None) -> list[Diagnostic]:
    workspace = Workspace({path: text})
    module = workspace.module(path)
    assert module is not None
    try:
        return analyze(workspace, [module], CheckConfig(), function_cache=cache)[path]
    finally:
        module.release_caches()
        clear_caches()


def assert_equivalent_under_edits(text: str, path: str, seed: int, steps: int) -> FunctionCache:
    rng = random.Random(seed)
    cache = FunctionCache()
    original = text
    for step in range(steps):
        text = edit(text, rng) if step else text
        if step % 15 == 14:
            text = original  # undo everything: results come back from the cache
        expected = analyse(text, path, None)
        assert full(analyse(text, path, cache)) == full(expected), f"seed {seed} step {step}"
    return cache


@pytest.mark.parametrize("kernel", sorted(KERNELS.glob("*.py")), ids=lambda p: p.stem)
def test_annotated_kernels(kernel: Path, tmp_path: Path) -> None:
    text = kernel.read_text()
    assert_equivalent_under_edits(text, str(tmp_path / kernel.name), seed=len(text), steps=40)


@pytest.mark.parametrize("seed", range(4))
def test_generated_kernels(seed: int, tmp_path: Path) -> None:
    cache = assert_equivalent_under_edits(generated_file(), str(tmp_path / "gen.py"), seed, steps=30)
    assert cache.hits > cache.misses  # edits touch one function at a time: most results are reused


@pytest.mark.parametrize("seed", range(3))
def test_host_code(seed: int, tmp_path: Path) -> None:
    """Host functions' results (migration rules outside kernel scope) are reused too."""
    text = host_code_file()
    assert {"NKI539", "NKI540", "NKI547"} <= {d.code for d in analyse(text, str(tmp_path / "h.py"), None)}
    cache = assert_equivalent_under_edits(text, str(tmp_path / "host.py"), seed, steps=30)
    assert cache.hits > cache.misses


def test_host_functions_replay(tmp_path: Path) -> None:
    path, cache = str(tmp_path / "host.py"), FunctionCache()
    first = analyse(host_code_file(), path, cache)
    assert cache.hits == 0
    assert analyse(host_code_file(), path, cache) == first
    assert cache.hits == 3 * 8  # two host functions and a kernel per block, none checked again


@pytest.mark.parametrize("seed", range(2))
def test_documents_match_check_source(seed: int, tmp_path: Path) -> None:
    """The language server's path (overlays, caches, deferred clean-up) after each edit of a session."""
    rng = random.Random(seed)
    kernels = sorted(KERNELS.glob("*.py"))
    texts = {tmp_path / "gen.py": generated_file(6), tmp_path / "host.py": host_code_file(4)}
    texts |= {tmp_path / k.name: k.read_text() for k in rng.sample(kernels, min(3, len(kernels)))}
    documents = Documents()
    for version, path in enumerate(texts, start=1):
        documents.open(str(path), texts[path], version)
    for version in range(len(texts) + 1, len(texts) + 40):
        path = rng.choice(sorted(texts))
        texts[path] = edit(texts[path], rng)
        documents.change(str(path), texts[path], version)
        analysis = documents.analysis(str(path))
        expected = check_source(texts[path], str(path))
        assert full(list(analysis.diagnostics)) == full(expected), (
            f"seed {seed} version {version} {path.name}"
        )


def scope_summary(scope: KernelScope, module: ModuleInfo) -> tuple:
    functions = [(f.module.path, f.name, f.kind, f.chain) for f in scope.functions]
    classes = [(c.module.path, c.node.name, c.chain) for c in scope.classes]
    jit = [getattr(n, "name", "") for n in module.nodes if id(n) in scope.jit_functions]
    return functions, classes, jit


@pytest.mark.parametrize("seed", range(3))
def test_scope_with_reused_references(seed: int, tmp_path: Path) -> None:
    """Kernel scope (order, kinds, call chains with spans) is the same with references kept across edits."""
    rng = random.Random(seed)
    references = ReferenceCache()
    texts = [generated_file(), host_code_file(), *(k.read_text() for k in sorted(KERNELS.glob("*.py"))[:12])]
    path = str(tmp_path / "kernel.py")
    for text in texts:
        for _ in range(8):
            text = edit(text, rng)
            module = Workspace({path: text}).module(path)
            assert module is not None
            fresh = build_scope(Workspace({path: text}), [module])
            again = build_scope(Workspace({path: text}), [module], references)
            assert scope_summary(again, module) == scope_summary(fresh, module)
            clear_caches()


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_files(name: str, corpus: Path, tmp_path: Path) -> None:
    source = corpus / name
    if not source.exists():
        pytest.skip(f"{name} is not in the corpus")
    assert_equivalent_under_edits(source.read_text(), str(tmp_path / source.name), seed=7, steps=12)


def test_cache_reuses_and_rebases(tmp_path: Path) -> None:
    path = str(tmp_path / "gen.py")
    text = generated_file(4).replace("nl.float32", "nl.float32, junk=1", 1)  # a diagnostic in scale_0
    cache = FunctionCache()
    before = analyse(text, path, cache)
    comment = "# a comment moves everything below\n"
    shifted = comment + text
    after = analyse(shifted, path, cache)
    assert after == analyse(shifted, path, None)
    assert cache.hits >= 8 and [d.span.start for d in after] == [d.span.start + len(comment) for d in before]


def test_documents_use_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "gen.py"
    text = generated_file(6)
    documents = Documents()
    documents.open(str(path), text, 1)
    documents.analysis(str(path))
    documents.change(str(path), text.replace("return result", "return  result", 1), 2)
    analysis = documents.analysis(str(path))
    assert documents.function_cache.hits >= 10
    expected = analyse(text.replace("return result", "return  result", 1), normalize(path), None)
    assert list(analysis.diagnostics) == expected


def test_call_graph_matches_the_checks(corpus: Path, tmp_path: Path) -> None:
    from nki_compiler.frontend.checks.functions import _build_call_graph  # noqa: PLC0415

    texts = [p.read_text() for p in sorted(KERNELS.glob("*.py"))] + [generated_file()]
    texts += [(corpus / n).read_text() for n in CORPUS_FILES if (corpus / n).exists()]
    cache = FunctionCache()
    for number, text in enumerate(texts):
        module = Workspace({str(tmp_path / f"m{number}.py"): text}).module(str(tmp_path / f"m{number}.py"))
        assert module is not None and module.tree is not None
        assert cache._call_graph(module) == _build_call_graph(module)
        assert cache._call_graph(module) == _build_call_graph(module)  # again, from the per-text cache


def test_edit_elsewhere_makes_a_function_recursive(tmp_path: Path) -> None:
    path = str(tmp_path / "gen.py")
    text = generated_file(3)
    cache = FunctionCache()
    analyse(text, path, cache)
    recursive = text.replace("    return result\n", "    kernel_0(tile, tile)\n    return result\n", 1)
    expected = analyse(recursive, path, None)
    assert "NKI212" in {d.code for d in expected}
    assert analyse(recursive, path, cache) == expected


LOOP_BODY = """import nki
import nki.language as nl


def step(i):
    if i == 0:
        return i


@nki.jit
def kernel(a):
    CALL(0, 4, step)
    return a
"""

JIT_HELPER = """import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def helper(a):
    return a


@nki.jit
def kernel(a):
    helper(a, a, bogus=a)
    return a
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (LOOP_BODY.replace("CALL", "print"), LOOP_BODY.replace("CALL", "nl.fori_loop")),
        (JIT_HELPER, JIT_HELPER.replace("def helper(a):", "def helper(a, b, bogus=None):")),
    ],
    ids=["becomes-a-loop-body", "helper-signature"],
)
def test_edits_elsewhere_change_a_function(before: str, after: str, tmp_path: Path) -> None:
    path = str(tmp_path / "kernel.py")
    cache = FunctionCache()
    first = analyse(before, path, cache)
    expected = analyse(after, path, None)
    assert first != expected  # the edit changes the diagnostics of a function whose text did not change
    assert analyse(after, path, cache) == expected


def test_scheduler_keeps_the_startup_heap_out_of_collections() -> None:
    import gc  # noqa: PLC0415

    from nki_ls.scheduler import Scheduler  # noqa: PLC0415

    runs: list[set[str]] = []
    scheduler = Scheduler(runs.append)
    gc.unfreeze()
    scheduler.now({"a.py"})
    frozen = gc.get_freeze_count()
    scheduler.now({"a.py"})
    assert runs == [{"a.py"}, {"a.py"}] and frozen > 0 and gc.get_freeze_count() == frozen
    gc.unfreeze()


def test_scheduler_pauses_the_collector_while_typing() -> None:
    import gc  # noqa: PLC0415

    from nki_ls.scheduler import Scheduler  # noqa: PLC0415

    states: list[bool] = []

    def run(paths: set[str]) -> None:
        states.append(gc.isenabled())
        if "bad.py" in paths:
            raise RuntimeError("a failing run")

    scheduler = Scheduler(run)
    scheduler.soon({"a.py"})  # an edit after a quiet period: analysed at once
    scheduler.soon({"bad.py"})
    scheduler.now({"opened.py"})  # opening files does not pause it
    assert states == [False, False, True] and gc.isenabled()
    gc.unfreeze()


def test_documents_free_replaced_versions_after_the_callback(tmp_path: Path) -> None:
    import asyncio  # noqa: PLC0415

    path = str(tmp_path / "gen.py")
    documents = Documents()

    async def session() -> None:
        documents.open(path, generated_file(2), 1)
        documents.analysis(path)
        first = documents.module(path)
        await asyncio.sleep(0)
        documents.change(path, generated_file(3), 2)
        analysis = documents.analysis(path)
        assert any(m is first for m in documents.retired) and documents.tidy_pending
        await asyncio.sleep(0)  # the callback that published is over
        assert not documents.retired and not documents.tidy_pending
        assert list(analysis.diagnostics) == check_source(generated_file(3), path)

    asyncio.run(session())


# ---- incremental re-parse ------------------------------------------------------------------------

TRICKY = (" ", "\t", "    ", "\n", "\\\n", ";", "; y = 1", "'", '"""', "#", "(", ")", "else:\n", "    else:\n",
          "except ValueError:\n", "@nki.jit\n", "é", "x = 1\n", "\n    pass\n", "if x:\n", "    ")  # fmt: skip


def tricky_edit(text: str, rng: random.Random) -> str:
    """Edits at the edges of statements: indentation, continuations, strings, separators, blocks."""
    lines = text.splitlines(keepends=True) or [""]
    at = rng.randrange(len(lines))
    line = lines[at]
    choice = rng.randrange(4)
    if choice == 0:  # insert at the start of a line, in its indentation or right after it
        column = rng.choice([0, len(line) - len(line.lstrip()), min(2, len(line))])
        lines[at] = line[:column] + rng.choice(TRICKY) + line[column:]
    elif choice == 1:  # at the end of a line
        lines[at] = line.rstrip("\n") + rng.choice(TRICKY) + ("\n" if line.endswith("\n") else "")
    elif choice == 2:  # re-indent a line
        stripped = line.lstrip(" \t")
        lines[at] = rng.choice(["", "  ", "    ", "\t", "        "]) + stripped
    else:
        offset = rng.randrange(len(text) + 1)
        return text[:offset] + rng.choice(TRICKY) + text[offset:]
    return "".join(lines)


def local_texts() -> list[tuple[str, str]]:
    texts = [(k.name, k.read_text()) for k in sorted(KERNELS.glob("*.py"))]
    return texts + [("generated", generated_file(6)), ("host", host_code_file(3))]


def _full_tree(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # random edits make invalid escapes and the like
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def assert_reparse_equals_full_parse(texts: list[tuple[str, str]], steps: int = 40) -> None:
    """Property: whenever `reparse` returns a tree, it is the tree a full parse gives (positions included)."""
    from nki_compiler.frontend.parse import reparse  # noqa: PLC0415
    from nki_compiler.source import LineIndex  # noqa: PLC0415

    reused = attempts = 0
    for name, original in texts:
        rng = random.Random(name)
        text, tree = original, ast.parse(original)
        for step in range(steps):
            new = tricky_edit(text, rng) if step % 2 else edit(text, rng)
            spliced = reparse(tree, text, new, LineIndex(text).line_starts)
            full_tree = _full_tree(new)
            attempts += 1
            if spliced is not None:
                reused += 1
                assert full_tree is not None, f"{name} step {step}: spliced a text that does not parse"
                expected = ast.dump(full_tree, include_attributes=True)
                assert ast.dump(spliced, include_attributes=True) == expected, f"{name} step {step}"
            if full_tree is not None:
                text, tree = new, full_tree if spliced is None else spliced
    assert reused > attempts / 3  # most edits re-parse one statement or a suffix


def test_reparse_equals_a_full_parse() -> None:
    assert_reparse_equals_full_parse(local_texts())


def test_reparse_equals_a_full_parse_on_corpus_files(corpus: Path) -> None:
    texts = [(n, (corpus / n).read_text()) for n in CORPUS_FILES if (corpus / n).exists()]
    assert_reparse_equals_full_parse(texts, steps=80)


SPLICE_CASES = {
    "in a handler": ("try:\n    x = 1\nexcept E:\n    y = 2\n", "try:\n    x = 1\nexcept E:\n    y = 22\n"),
    "last of a body": ("def f():\n    if a:\n        b = 1\n    return b\n", "def f():\n    if a:\n        b = 1  # c\n    return b\n"),
    "end column of the parents": ("def f():\n    for i in r:\n        g(i)\n", "def f():\n    for i in r:\n        g(i, 2)\n"),
    "match case": ("match x:\n    case 1:\n        y = 1\n", "match x:\n    case 1:\n        y = 10\n"),
    "decorated method": ("class A:\n    @d\n    def f(self):\n        pass\n", "class A:\n    @dd\n    def f(self):\n        pass\n"),
    "non-ASCII column": ("def f():\n    s = 'é'; t = 1\n    u = 2\n", "def f():\n    s = 'é'; t = 1\n    u = 23\n"),
    "statement becomes two": ("def f():\n    a = 1\n    b = 2\n", "def f():\n    a = 1\n    c = 3; b = 2\n"),
    "line added": ("x = 1\n\ndef f():\n    a = 1\n", "x = 1\n\ndef f():\n    a = 1\n    b = 2\n"),
    "line removed above": ("import a\n\nimport b\ndef f():\n    pass\n", "import a\nimport b\ndef f():\n    pass\n"),
}  # fmt: skip

FULL_PARSE_CASES = {
    "dedent leaves the block": ("def f():\n    if a:\n        b = 1\n    c = 2\n", "def f():\n    if a:\n        b = 1\n     c = 2\n"),
    "tab for spaces": ("def f():\n    a = 1\n    b = 2\n", "def f():\n    a = 1\n\tb = 2\n"),
    "joins the next line": ("def f():\n    a = 1 + \\\n        2\n", "def f():\n    a = 1 + \\\n        2 \\\n"),
    "carriage returns": ("def f():\r\n    a = 1\r\n", "def f():\r\n    a = 2\r\n"),
    "opens a string": ("def f():\n    a = 1\n    b = 2\n", "def f():\n    a = '''1\n    b = 2\n"),
    "first statement": ("x = 1\n", "x = (1\n"),
}  # fmt: skip


@pytest.mark.parametrize("case", [*SPLICE_CASES, *FULL_PARSE_CASES])
def test_reparse_cases(case: str) -> None:
    from nki_compiler.frontend.parse import reparse  # noqa: PLC0415
    from nki_compiler.source import LineIndex  # noqa: PLC0415

    old, new = SPLICE_CASES.get(case) or FULL_PARSE_CASES[case]
    previous = ast.parse(old)
    spliced = reparse(previous, old, new, LineIndex(old).line_starts)
    if case in FULL_PARSE_CASES:
        assert spliced is None
        return
    assert spliced is not None
    assert ast.dump(spliced, include_attributes=True) == ast.dump(ast.parse(new), include_attributes=True)
    untouched = [s for s in previous.body if any(s is t for t in spliced.body)]
    assert untouched or len(previous.body) == 1  # statements an edit left alone are shared


def test_module_walk_merged_from_statements(tmp_path: Path) -> None:
    """`ModuleInfo.nodes`/`parents` merged from per-statement walks equal one walk of the spliced tree."""
    from nki_compiler.frontend.walk import walk_with_parents  # noqa: PLC0415

    path = str(tmp_path / "gen.py")
    workspace = Workspace({path: generated_file(4)})
    first = workspace.module(path)
    assert first is not None
    first.nodes  # noqa: B018  (computes the per-statement walks)
    workspace.set_text(path, generated_file(4).replace("2.0)", "3.0)", 1))
    second = workspace.module(path)
    assert second is not None and second.tree is not None
    shared = [s for s in second.tree.body if any(s is t for t in first.tree.body)]  # type: ignore[union-attr]
    assert len(shared) == len(second.tree.body) - 1  # only the edited statement was parsed again
    nodes, parents = walk_with_parents(second.tree)
    assert second.nodes == nodes and second.parents == parents


@pytest.mark.parametrize("seed", range(3))
def test_documents_splice_and_keep_statement_facts(seed: int, tmp_path: Path) -> None:
    """A long editing session of one file (edits that keep the line count, as typing mostly does): the
    server's results equal a fresh check after each edit."""
    rng = random.Random(seed)
    path = tmp_path / "host.py"
    text = host_code_file(3) + generated_file(3)
    documents = Documents()
    documents.open(str(path), text, 1)
    documents.analysis(str(path))
    for version in range(2, 50):
        candidate = edit(text, rng) if version % 3 else tricky_edit(text, rng)
        if candidate.count("\n") == text.count("\n") or version % 4 == 0:
            text = candidate
        documents.change(str(path), text, version)
        documents.tidy()
        analysis = documents.analysis(str(path))
        assert full(list(analysis.diagnostics)) == full(check_source(text, str(path))), f"version {version}"


IMPORT_EDIT = """import nki
import nki.language as nl
import torch_neuronx as tn


@tn.nki_jit
def legacy(a):
    out = nl.ndarray((128, 512), dtype=a.dtype, buffer=nl.shared_hbm)
    return out


def host(a):
    kernel = nki.baremetal(legacy)
    return kernel(a)
"""


def test_statement_facts_follow_the_imports(tmp_path: Path) -> None:
    """Facts kept for untouched statements depend on the imports: an edited import line re-derives them."""
    path = str(tmp_path / "k.py")
    documents = Documents()
    versions = [IMPORT_EDIT, IMPORT_EDIT.replace("torch_neuronx as tn", "numpy as tn"), IMPORT_EDIT]
    versions.append(IMPORT_EDIT.replace("import nki\n", "import os\n"))
    for version, text in enumerate(versions, start=1):
        (documents.open if version == 1 else documents.change)(path, text, version)
        analysis = documents.analysis(path)
        documents.tidy()
        assert full(list(analysis.diagnostics)) == full(check_source(text, path)), f"version {version}"
    codes = [{d.code for d in check_source(text, path)} for text in versions]
    assert "NKI560" in codes[0] and "NKI560" not in codes[1] and "NKI558" in codes[0] - codes[3]


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_documents_on_corpus_files(name: str, corpus: Path, tmp_path: Path) -> None:
    """The server's path on real kernels: spliced trees and kept statement facts give fresh results."""
    source = corpus / name
    if not source.exists():
        pytest.skip(f"{name} is not in the corpus")
    rng = random.Random(name)
    path = tmp_path / source.name
    text = source.read_text()
    documents = Documents()
    documents.open(str(path), text, 1)
    documents.analysis(str(path))
    for version in range(2, 14):
        text = tricky_edit(text, rng) if version % 3 == 0 else edit(text, rng)
        documents.change(str(path), text, version)
        documents.tidy()
        analysis = documents.analysis(str(path))
        assert full(list(analysis.diagnostics)) == full(check_source(text, str(path))), f"version {version}"
