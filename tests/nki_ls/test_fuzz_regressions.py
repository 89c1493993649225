"""Inputs from the 10,000-message LSP fuzz (issue 5) that once raised inside a feature function.

Each test drives the feature function directly with the failing input and asserts an ordinary answer
and no ERROR record: a raise there is a bug, never a diagnostic.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from lsprotocol import types

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.frontend.workspace import Workspace
from nki_compiler.source import Encoding, SourceFile
from nki_compiler.specializer import specialize
from nki_ls import convert
from nki_ls.commands import CommandError
from nki_ls.features import commands, completion, hover
from nki_ls.features.diagnostics import Documents
from nki_ls.features.specialized import Specializations

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
KERNEL = HEADER + (
    "# nki: args a=float32[128,512]\n"
    "@nki.jit\n"
    "def add_kernel(a):\n"
    "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
    "    nisa.dma_copy(dst=out, src=a)\n"
    "    return out\n"
)
#: The fuzz's "huge line" mutation landed inside `nki.language`: a module name no file system accepts.
HUGE_IMPORT = KERNEL.replace("import nki.language as nl", "import n" + "a" * 5000 + "ki.language as nl")
#: `%00` decodes to a NUL, which every os path call refuses with ValueError.
NUL_URIS = ["file:///tmp/a%00b.py", "file:///tmp/a\x00b.py", "untitled:\x00"]
POSITION = types.Position(line=0, character=3)


@pytest.fixture
def no_errors(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    yield
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


def test_path_of_never_yields_a_nul() -> None:
    for uri in NUL_URIS:
        path = convert.path_of(uri)
        assert "\x00" not in path and "\ufffd" in path
    assert convert.path_of("file:///tmp/a%00b.py") != convert.path_of("file:///tmp/ab.py")


@pytest.mark.parametrize("uri", NUL_URIS)
def test_completion_and_hover_at_a_nul_uri(uri: str, no_errors: None) -> None:
    documents = Documents()
    assert completion.completion(documents, uri, POSITION, Encoding.UTF16, "trn2") is None
    assert hover.hover(documents, uri, POSITION, Encoding.UTF16, "trn2", Specializations(documents)) is None


def test_open_document_at_a_nul_uri_still_completes(no_errors: None) -> None:
    documents = Documents()
    uri = "file:///tmp/k%00.py"
    documents.open(convert.path_of(uri), "import nki.language as nl\nnl.\n", 1)
    answer = completion.completion(
        documents, uri, types.Position(line=1, character=3), Encoding.UTF16, "trn2"
    )
    assert answer is not None and any(item.label == "ndarray" for item in answer.items)


@pytest.mark.parametrize("uri", NUL_URIS)
def test_show_ir_at_a_nul_uri_is_a_usage_error(uri: str, no_errors: None) -> None:
    with pytest.raises(CommandError, match="cannot parse"):
        commands.show_ir(Documents(), [uri, "add_kernel"], Encoding.UTF16, "trn2")


def test_analysis_of_an_import_name_too_long_for_the_file_system(tmp_path: Path, no_errors: None) -> None:
    documents = Documents()
    path = tmp_path / "on_disk.py"
    path.write_text(KERNEL, encoding="utf-8")
    documents.open(str(path), KERNEL, 1)
    documents.change(str(path), HUGE_IMPORT, 2)
    # The analysis used to stop at the first stat of the impossible name; `no_errors` sees its log.
    assert documents.analysis(str(path)) is not None


def test_specializing_with_an_import_name_too_long_for_the_file_system(
    tmp_path: Path, no_errors: None
) -> None:
    documents = Documents()
    path = tmp_path / "on_disk.py"
    documents.open(str(path), HUGE_IMPORT, 1)
    entry = Specializations(documents).get(str(path), "trn2")
    assert entry is not None and "add_kernel" in entry.results


def test_workspace_resolves_impossible_module_names_to_nothing(tmp_path: Path) -> None:
    importer = ModuleInfo.from_source(SourceFile(str(tmp_path / "k.py"), HUGE_IMPORT))
    workspace = Workspace()
    assert workspace.resolve_module(importer, "n" + "a" * 5000, 0) is None
    assert workspace.module(str(tmp_path / "a\x00b.py")) is None
    result = specialize(workspace, importer, "add_kernel", target="trn2")
    assert result is not None


@pytest.mark.parametrize("word", ["a" * 100_000, "nl." * 30_000])
def test_completion_and_hover_on_a_huge_word_are_fast(tmp_path: Path, word: str) -> None:
    # The `$`-anchored name patterns once scanned the whole word from every start: minutes per request.
    documents = Documents()
    path = tmp_path / "k.py"
    documents.open(str(path), "import nki.language as nl\nx = " + word + "\n", 1)
    end = types.Position(line=1, character=4 + len(word))
    middle = types.Position(line=1, character=4 + len(word) // 2)
    started = time.perf_counter()
    for position in (end, middle):
        completion.completion(documents, path.as_uri(), position, Encoding.UTF16, "trn2")
        hover.hover(documents, path.as_uri(), position, Encoding.UTF16, "trn2", Specializations(documents))
    assert time.perf_counter() - started < 5
