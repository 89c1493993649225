"""Language features without a server: documents and caching, code actions, names, completion, settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from nki_compiler.source import Encoding, LineIndex
from nki_ls import settings
from nki_ls.features import code_actions, completion, hover, names, signature, symbols
from nki_ls.features.diagnostics import Documents
from nki_ls.scheduler import Scheduler

HEADER = "import nki\nimport nki.isa as nisa\nimport nki.language as nl\n\n\n"
KERNEL = HEADER + "@nki.jit\ndef k(a):\n    dims = a.shape\n    del dims\n    return a\n"
HELPER = "def helper(x):\n    return x\n"
BROKEN_HELPER = "def helper(x):\n    try:\n        pass\n    except Exception:\n        pass\n    return x\n"
USES_HELPER = HEADER + "from helpers import helper\n\n\n@nki.jit\ndef k(a):\n    return helper(a)\n"


def _codes(documents: Documents, path: Path) -> list[str]:
    return [d.code for d in documents.analysis(str(path)).diagnostics]


def test_cache_by_version_and_invalidation_through_imports(tmp_path: Path) -> None:
    documents = Documents()
    helper, kernel = tmp_path / "helpers.py", tmp_path / "kernel.py"
    documents.open(str(helper), HELPER, 1)
    documents.open(str(kernel), USES_HELPER, 1)
    first = documents.analysis(str(kernel))
    assert documents.analysis(str(kernel)) is first  # cached
    assert str(helper) in documents.take_stale()  # the kernel now reaches into the open helper
    affected = documents.change(str(helper), BROKEN_HELPER, 2)
    assert affected == {str(helper), str(kernel)}
    assert "NKI002" in _codes(documents, helper)  # in kernel scope through the open kernel
    assert documents.analysis(str(kernel)) is not first
    assert documents.close(str(kernel)) == {str(helper)}
    assert _codes(documents, helper) == []  # no open kernel calls it any more


def test_settings_change_reanalyses_with_the_new_config(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "k.py"
    documents.open(str(path), KERNEL, 1)
    assert _codes(documents, path) == ["NKI005"]
    new, warnings = settings.merge(settings.Settings(), {"nki": {"ignore": ["NKI0"]}}, "test")
    assert not warnings
    assert documents.set_config(new.check_config()) == {str(path)}
    assert _codes(documents, path) == []


def test_garbage_never_raises(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "g.py"
    for text in ["\x00\x01\xff", "(" * 5000, "def f(:\n", "@nki.jit\n" * 3, ""]:
        documents.change(str(path), text, None)
        documents.analysis(str(path))
        position = types.Position(line=0, character=3)
        uri = path.as_uri()
        hover.hover(documents, uri, position, Encoding.UTF16, "trn2")
        completion.completion(documents, uri, position, Encoding.UTF16, "trn2")
        signature.signature_help(documents, uri, position, Encoding.UTF16, "trn2")
        symbols.document_symbols(documents, uri, Encoding.UTF16)


def _actions(
    documents: Documents, path: Path, line: int, only: list[str] | None = None
) -> list[types.CodeAction]:
    range_ = types.Range(start=types.Position(line, 0), end=types.Position(line, 1))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        range=range_,
        context=types.CodeActionContext(diagnostics=[], only=only),
    )
    return code_actions.code_actions(documents, path.as_uri(), params, Encoding.UTF16)


def test_code_actions_without_client_data_use_the_cached_fixes(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "k.py"
    documents.open(str(path), KERNEL, 3)
    actions = _actions(documents, path, 8)
    titles = [a.title for a in actions]
    assert titles[0].endswith("(NKI005)") and actions[0].is_preferred
    assert "Ignore NKI005 on this line" in titles
    assert any(a.kind == code_actions.FIX_ALL_KIND for a in actions)
    fix_all = _actions(documents, path, 0, only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in fix_all] == [code_actions.FIX_ALL_KIND]
    change = fix_all[0].edit.document_changes[0]  # type: ignore[union-attr,index]
    assert change.text_document.version == 3
    assert "del dims" not in change.edits[0].new_text  # type: ignore[union-attr]


LEGACY = (
    "import neuronxcc.nki as nki\nimport neuronxcc.nki.language as nl\n\n\n"
    "@nki.jit\ndef k(a):\n    for i in nl.affine_range(4):\n        pass\n    return a\n"
)


def test_migrate_source_action_rewrites_legacy_constructs(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "legacy.py"
    documents.open(str(path), LEGACY, 1)
    actions = _actions(documents, path, 0, only=[code_actions.MIGRATE_KIND])
    assert [a.kind for a in actions] == [code_actions.MIGRATE_KIND]
    assert actions[0].title.startswith("Migrate this file to NKI 0.6")
    new_text = actions[0].edit.document_changes[0].edits[0].new_text  # type: ignore[union-attr,index]
    assert "neuronxcc" not in new_text and "for i in range(4):" in new_text
    documents.change(str(path), new_text, 2)
    assert not [c for c in _codes(documents, path) if c.startswith("NKI5")]
    assert _actions(documents, path, 0, only=[code_actions.MIGRATE_KIND]) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    del dims", "    del dims  # nki: ignore[NKI005]"),
        ("    del dims  # nki: ignore[NKI001]", "    del dims  # nki: ignore[NKI001, NKI005]"),
        ("    del dims  # nki: ignore", None),
        ("    del dims  # nki: ignore[NKI005]", None),
    ],
)
def test_suppression_edit(line: str, expected: str | None) -> None:
    index = LineIndex(f"x = 1\n{line}\n")
    edit = code_actions.suppression_edit(index, 1, "NKI005", Encoding.UTF16)
    if expected is None:
        assert edit is None
        return
    assert edit is not None
    start, end = edit.range.start.character, edit.range.end.character
    assert line[:start] + edit.new_text + line[end:] == expected


def test_names_resolve_aliases_even_in_broken_files() -> None:
    text = "from neuronxcc import nki\nimport nki.isa as nisa\nfrom nki import language as nl\nx = nl.\n"
    bases = names.import_bases(None, text)
    assert names.qualify("nl.zeros", bases) == "nki.language.zeros"
    assert names.qualify("nisa.engine.tensor", bases) == "nki.isa.engine.tensor"
    assert names.qualify("nki.jit", bases) == "nki.jit"
    assert names.qualify("np.zeros", bases) is None
    assert names.member_prefix("    x = nisa.engine.te") == ("nisa.engine", "te")
    reference = names.reference_at("    nisa.dma_copy(dst=b)", 12)
    assert reference is not None and reference.dotted == "nisa.dma_copy"


def test_call_context_tracks_arguments_and_keywords() -> None:
    text = "nisa.dma_copy(dst=b[0:(1 + 2)], src"
    call = names.call_at(text, len(text))
    assert call is not None
    assert (call.callee, call.active_argument, call.keyword, call.used_keywords) == (
        "nisa.dma_copy",
        1,
        None,
        ("dst",),
    )
    assert names.call_at("x = (1, 2)\n", 10) is None


def test_keyword_and_enum_member_completion(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "k.py"
    text = HEADER + "@nki.jit\ndef k(a, b):\n    nisa.dma_copy(dst=b, \n    e = nisa.engine.\n"
    documents.open(str(path), text, 1)
    keyword = completion.completion(documents, path.as_uri(), types.Position(7, 25), Encoding.UTF16, "trn2")
    assert keyword is not None
    labels = [item.label for item in keyword.items]
    assert "src=" in labels and "dst=" not in labels
    members = completion.completion(documents, path.as_uri(), types.Position(8, 20), Encoding.UTF16, "trn2")
    assert members is not None and {"tensor", "vector", "scalar"} <= {i.label for i in members.items}
    help_ = signature.signature_help(documents, path.as_uri(), types.Position(7, 25), Encoding.UTF16, "trn2")
    assert help_ is not None and help_.active_parameter == 1
    label = help_.signatures[0].label
    start, end = help_.signatures[0].parameters[1].label  # type: ignore[index,misc]
    assert label[start:end] == "src"


def test_document_symbols_mark_kernels_and_helpers(tmp_path: Path) -> None:
    documents = Documents()
    path = tmp_path / "k.py"
    text = (
        HEADER
        + "def helper(x):\n    return x\n\n\ndef host():\n    pass\n\n\n@nki.jit\ndef k(a):\n    return helper(a)\n"
    )
    documents.open(str(path), text, 1)
    found = {s.name: s.detail for s in symbols.document_symbols(documents, path.as_uri(), Encoding.UTF16)}
    assert found == {"helper": "kernel helper", "host": "", "k": "NKI kernel"}


def test_settings_sources_and_invalid_values() -> None:
    base, warnings = settings.merge(
        settings.Settings(), {"nki.target": "TRN1", "simulator": {"timeoutSeconds": 5}}, "a"
    )
    assert (base.target, base.simulator_timeout_seconds, warnings) == ("trn1", 5.0, [])
    new, warnings = settings.merge(base, {"nki": {"target": "trn9", "inlayHints": "yes", "bogus": 1}}, "b")
    assert new == base
    assert len(warnings) == 3 and "nki.target" in warnings[0]
    assert settings.merge(base, [1, 2], "c")[1]


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nki-ls]\ntarget = "trn3"\nselect = ["NKI2"]\n')
    table = settings.from_pyproject(str(tmp_path))
    merged, warnings = settings.merge(settings.Settings(), table, "pyproject.toml")
    assert (merged.target, merged.select, warnings) == ("trn3", ("NKI2",), [])
    assert settings.from_pyproject(str(tmp_path / "missing")) is None


def test_scheduler_runs_at_once_then_coalesces() -> None:
    runs: list[set[str]] = []

    async def scenario() -> None:
        scheduler = Scheduler(runs.append, debounce=0.05)
        scheduler.soon({"a"})  # quiet: runs immediately
        scheduler.soon({"a"})  # within the window: deferred
        scheduler.soon({"a"})  # coalesced with the deferred run
        assert runs == [{"a"}]
        await asyncio.sleep(0.12)
        assert runs == [{"a"}, {"a"}]
        scheduler.soon({"b"})
        scheduler.now({"b"})
        assert runs[-2:] == [{"b"}, {"b"}]

    asyncio.run(scenario())
