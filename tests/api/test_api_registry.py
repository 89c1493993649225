"""The `nki` API modules and the `nki_compiler.api` registry built from them.

Checked against the spec (shared/spec/nki-api.md headings, tables and lists) and against every
`nki.*` name the B2 kernels of the third-party corpus use (shared/corpus); both skip when absent.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nki
import nki.isa as nisa
import nki.language as nl
import nki.typing as nt
from nki.errors import KernelLaunchError, OutsideKernelError
from nki_compiler import api

SHARED = Path(os.environ.get("NKI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
SPEC = SHARED / "spec" / "nki-api.md"
CORPUS = SHARED / "corpus"


# ------------------------------------------------------------------------------------------------ spec helpers
def _spec_text() -> str:
    if not SPEC.is_file():
        pytest.skip(f"spec not found at {SPEC}")
    return SPEC.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    """Text between the heading line starting with `start` and the next one starting with `end`."""
    lines = text.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(start))
    stop = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(end)), len(lines))
    return "\n".join(lines[begin:stop])


def _parse_sig(sig: str) -> tuple[str, list[tuple[str, str | None]]]:
    """`name(a, b=1, ...)` -> (name, [(param, default source or None)]); `...`, `<X>` placeholders handled."""
    sig = sig.replace("<FP32_MIN>", "-3.4028235e+38")
    sig = re.sub(r",\s*\.\.\.\s*\)", ")", sig)
    name, _, rest = sig.partition("(")
    fn = ast.parse(f"def {name.strip()}({rest}: pass").body[0]
    assert isinstance(fn, ast.FunctionDef)
    args = fn.args.args
    defaults: list[ast.expr | None] = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
    return fn.name, [
        (a.arg, None if d is None else ast.unparse(d)) for a, d in zip(args, defaults, strict=True)
    ]


def _norm_default(text: str) -> object:
    text = re.sub(r"\b(nl|nisa)\.", "", text)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _check_signature(qualname: str, spec_sig: str, ignore_trailing: tuple[str, ...] = ()) -> None:
    entry = api.lookup(qualname)
    assert entry is not None, f"{qualname} missing from the registry"
    assert entry.kind == "function", qualname
    _, spec_params = _parse_sig(spec_sig)
    ours = [(n, d) for n, _, d in entry.params]
    if ignore_trailing:
        ours = [p for p in ours if p[0] not in ignore_trailing or p[0] in dict(spec_params)]
    assert [n for n, _ in ours] == [n for n, _ in spec_params], f"{qualname}: parameter names/order differ"
    for (name, ours_d), (_, spec_d) in zip(ours, spec_params, strict=True):
        assert (ours_d is None) == (spec_d is None), f"{qualname}.{name}: required-ness differs"
        if spec_d is not None and ours_d is not None:
            assert _norm_default(ours_d) == _norm_default(spec_d), f"{qualname}.{name}: {ours_d} != {spec_d}"


# ---------------------------------------------------------------------------------------------- spec coverage
def test_isa_headings_match_signatures() -> None:
    sec4 = _section(_spec_text(), "## 4.", "## 5.")
    sigs = [
        s for line in sec4.splitlines() if line.startswith("#### ") for s in re.findall(r"`([^`]+\))`", line)
    ]
    assert len(sigs) >= 45
    for sig in sigs:
        _check_signature(f"nki.isa.{sig.partition('(')[0]}", sig)


def test_language_tables_match_signatures() -> None:
    sec3 = _section(_spec_text(), "## 3.", "## 4.")
    methods = _section(sec3, "### 3.8", "### 3.9")
    checked = 0
    for line in sec3.splitlines():
        m = re.match(r"\|\s*`([a-z_]\w*\(.*?\))`", line)
        if not m:
            continue
        owner = "nki.language.NkiTensor" if line in methods else "nki.language"
        _check_signature(f"{owner}.{m.group(1).partition('(')[0]}", m.group(1))
        checked += 1
    assert checked >= 40
    for sig in ("program_id(axis=0)", "num_programs(axes=0)", "program_ndim()",
                "softmax(x, axis=-1, dtype=None)", "where(condition, x, y, dtype=None)",
                "rms_norm(x, w, axis, n, epsilon=1e-06, dtype=None, compute_dtype=None)",
                "dropout(x, rate, dtype=None)", "all(x, axis, dtype=None)"):  # fmt: skip
        _check_signature(f"nki.language.{sig.partition('(')[0]}", sig)


def test_language_elementwise_and_reduction_lists() -> None:
    sec = _section(_spec_text(), "### 3.4", "### 3.5")
    binary_text, _, unary_text = sec.partition("Unary")
    unary_text = unary_text.partition("Semantics")[0]
    names = {
        "binary": re.findall(r"`([a-z_]+)`", binary_text),
        "unary": re.findall(r"`([a-z_]+)`", unary_text),
    }
    assert len(names["binary"]) >= 25 and len(names["unary"]) >= 30
    for kind, sig in (("binary", "f(x, y, dtype=None)"), ("unary", "f(x, dtype=None)")):
        for name in names[kind]:
            _check_signature(f"nki.language.{name}", sig.replace("f(", f"{name}("))
    for name in ("sum", "max", "min", "mean", "prod", "var"):
        _check_signature(f"nki.language.{name}", f"{name}(x, axis, dtype=None, keepdims=False)")


def test_dtypes_buffers_and_operator_constants() -> None:
    sec = _section(_spec_text(), "### 1.4", "## 2.")
    dtypes = {
        n
        for line in sec.splitlines()
        if line.startswith("| `")
        for n in re.findall(r"`(\w+)`", line.split("|")[1])
    }
    assert {"bool_", "float8_e4m3fn_x4", "tfloat32"} <= dtypes
    for name in dtypes | {"bool"}:
        entry = api.lookup(f"nki.language.{name}")
        assert entry is not None and entry.kind == "dtype", name
        assert api.lookup(f"nki.dtype.{name}") is not None
    for name in ("sbuf", "psum", "hbm", "private_hbm", "shared_hbm"):
        assert api.lookup(f"nl.{name}").kind == "buffer"  # type: ignore[union-attr]
    assert nl.hbm is nl.private_hbm and nl.bool is nl.bool_ and nl.float32 == "float32"
    assert [m.name for m in nl.MemoryRegion] == ["sbuf", "psum", "private_hbm", "shared_hbm"]
    for name in (
        "prelu",
        "bypass",
        "average",
        "copy",
        "is_hbm",
        "is_on_chip",
        "is_psum",
        "is_sbuf",
        "NKIObject",
    ):
        assert api.lookup(f"nl.{name}") is not None, name
    assert nl.is_on_chip(nl.psum) and nl.is_hbm(nl.shared_hbm) and not nl.is_sbuf(nl.hbm)


def test_tile_size_table() -> None:
    sec = _section(_spec_text(), "### 1.3", "### 1.4")
    attrs = re.findall(r"^\| `(\w+)`", sec, flags=re.M)
    assert len(attrs) == 14
    assert sorted(e.name for e in api.members("nl.tile_size")) == sorted(attrs)
    trn1, trn2, trn3 = (nl.tile_size_for(t) for t in ("trn1", "gen3", "trn3"))
    assert (trn1.pmax, trn1.psum_bank_fmax, trn1.gemm_moving_fmax, trn1.psum_fmax) == (128, 512, 512, 512)
    assert [t.sbuf_size_bytes for t in (trn1, trn2, trn3)] == [24 << 20, 28 << 20, 32 << 20]
    assert trn2.sbuf_fmax == trn2.sbuf_fmax_bytes // 4 == trn2.total_available_sbuf_size // 4
    entry = api.lookup("nki.language.tile_size.sbuf_fmax_bytes")
    assert entry is not None and entry.constraint_for("trn1") == "180224"
    assert api.lookup("nl.tile_size.psum_fmax").deprecated  # type: ignore[union-attr]
    assert "sbuf_fmax_bytes" in (api.lookup("nl.tile_size.total_available_sbuf_size").deprecated or "")  # type: ignore[union-attr]


def test_enum_values_from_spec_table() -> None:
    sec = _section(_spec_text(), "### 4.0.1", "### 4.0.2")
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", sec, flags=re.M)
    assert len(rows) == 7
    for enum_name, members in rows:
        spec = dict(re.findall(r"`(\w+)`\((\d+|'\w+')\)", members))
        assert [e.name for e in api.members(f"nki.isa.{enum_name}")] == sorted(spec)
        for member, value in spec.items():
            for module in ("nki.isa", "nki.isa.constants"):
                entry = api.lookup(f"{module}.{enum_name}.{member}")
                assert entry is not None and entry.kind == "enum_member" and entry.summary
                assert ast.literal_eval(entry.value or "") == ast.literal_eval(value), f"{enum_name}.{member}"
            assert getattr(getattr(nisa, enum_name), member).value == ast.literal_eval(value)


def test_collectives_signatures() -> None:
    sec = _section(_spec_text(), "## 5.", "## 6.")
    sigs = re.findall(r"^- `(\w+\(.*?\))(?: -> \w+)?`", sec, flags=re.M)
    assert len(sigs) == 11
    for sig in sigs:
        trailing = ("priority", "name") if "..." in sig else ()
        _check_signature(f"nki.collectives.{sig.partition('(')[0]}", sig, ignore_trailing=trailing)
    assert api.lookup("ncc.ReplicaGroup").kind == "class"  # type: ignore[union-attr]


def test_removed_names_do_not_exist() -> None:
    text = _spec_text()
    removed = re.findall(
        r"`(n(?:l|isa|ki)\.\w+)`", text.partition("Removed/legacy names")[2].partition("##")[0]
    )
    assert "nl.arange" in removed and "nki.baremetal" in removed
    for name in removed:
        assert api.lookup(name) is None, name
        module = {"nl": nl, "nisa": nisa, "nki": nki}[name.partition(".")[0]]
        assert not hasattr(module, name.partition(".")[2]), name


# ------------------------------------------------------------------------------------------------ corpus names
def _b2_attribute_chains() -> dict[str, str]:
    """Every `nki...` dotted name used by a B2 corpus file -> one file using it."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    found: dict[str, str] = {}
    for path in sorted(CORPUS.rglob("*.py")):
        src = path.read_text(encoding="utf-8", errors="replace")
        if "neuronxcc" in src or not re.search(r"^\s*(import nki\b|from nki[. ])", src, flags=re.M):
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        alias: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "nki":
                        alias[a.asname or "nki"] = a.name if a.asname else "nki"
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nki":
                for a in node.names:
                    alias[a.asname or a.name] = f"{node.module}.{a.name}"
                    found.setdefault(f"{node.module}.{a.name}", str(path))
        for node in ast.walk(tree):
            parts: list[str] = []
            while isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in alias and parts:
                found.setdefault(".".join([alias[node.id], *reversed(parts)]), str(path))
    return found


def test_every_corpus_name_is_registered() -> None:
    chains = _b2_attribute_chains()
    assert len(chains) > 100
    missing = []
    for chain, path in sorted(chains.items()):
        if chain.startswith("nki.compiler"):
            continue  # internal compiler driver used by a test harness, not kernel API
        parts = chain.split(".")
        for i in range(2, len(parts) + 1):
            prefix = ".".join(parts[:i])
            entry = api.lookup(prefix)
            if entry is None:
                missing.append(f"{prefix} (used in {path})")
                break
            if entry.kind not in ("module", "enum", "constant") or not api.members(prefix):
                break  # attributes of a function/dtype/tensor are not API names
    assert not missing, "\n".join(missing)


# ------------------------------------------------------------------------------------------ registry behaviour
def test_every_entry_is_documented_and_consistent() -> None:
    entries = api.all_entries()
    assert len(entries) > 300
    for e in entries:
        assert e.summary and "\n" not in e.summary, e.qualname
        assert e.targets and e.targets <= {"trn1", "trn2", "trn3"}, e.qualname
        assert (e.kind == "function") <= (e.signature is not None), e.qualname
    counts = {m: len(api.members(m)) for m in api.MODULES}
    assert counts["nki.isa"] >= 60 and counts["nki.language"] >= 130 and counts["nki.collectives"] == 12


def test_signature_spot_checks() -> None:
    e = api.lookup("nisa.nc_matmul")
    assert e is not None and e.params[9] == (
        "perf_mode",
        "positional_or_keyword",
        "nisa.matmul_perf_mode.none",
    )
    assert "8192" in (e.constraint_for("trn3") or "")
    assert api.lookup("nl.ndarray").params[2] == ("buffer", "positional_or_keyword", "nl.sbuf")  # type: ignore[union-attr]
    assert api.lookup("nisa.affine_select").params[5][2] == "nl.equal"  # type: ignore[union-attr]
    assert api.lookup("nl.NkiTensor.ap").params[0] == ("pattern", "positional_or_keyword", None)  # type: ignore[union-attr]
    assert api.lookup("nki.isa.exponential").targets == frozenset({"trn3"})  # type: ignore[union-attr]
    assert api.lookup("nisa.sendrecv").available_on("trn2") and not api.lookup("nisa.sendrecv").available_on(
        "trn1"
    )  # type: ignore[union-attr]
    assert api.lookup("nl.static_range").deprecated and api.lookup("nl.load").experimental  # type: ignore[union-attr]
    assert api.lookup("nisa.tensor_engine").deprecated == "deprecated constant: use nisa.engine.tensor"  # type: ignore[union-attr]
    assert api.lookup("nl.fori_loop").since == "0.6.0" and api.lookup("nisa.topk").since == "0.6.0"  # type: ignore[union-attr]
    assert api.lookup("nki.language.copy").experimental is False  # type: ignore[union-attr]
    assert api.lookup("nisa.dma_copy").signature_text().startswith("nisa.dma_copy(dst, src, priority=None, ")  # type: ignore[union-attr]
    assert api.lookup("nki.isa.constants").kind == "module" and api.lookup("nki.jit").kind == "function"  # type: ignore[union-attr]
    assert api.lookup("nl.nonexistent") is None and api.lookup("nisa.engine.warp") is None


def test_bind_call_problems() -> None:
    dma = api.lookup("nki.isa.dma_copy")
    tt = api.lookup("nki.isa.tensor_tensor")
    assert dma is not None and tt is not None
    assert api.bind_call(dma, 0, ["dst", "src", "oob_mode"]) == []
    [unknown, missing] = api.bind_call(dma, 0, ["dst", "source"])
    assert (unknown.code, unknown.kind, unknown.name) == ("NKI113", "unknown_keyword", "source")
    assert unknown.message == "unexpected keyword argument `source` for `nisa.dma_copy`"
    assert (missing.code, missing.message) == ("NKI114", "`nisa.dma_copy`: missing argument `src`")
    [typo] = api.bind_call(dma, 2, ["dge_mod"])
    assert typo.suggestion == "dge_mode" and typo.message.endswith("did you mean `dge_mode`?")
    [miss_op] = api.bind_call(tt, 0, ["dst", "data1", "data2"])
    assert miss_op.kind == "missing_argument" and miss_op.name == "op"
    problems = api.bind_call(tt, 7, [])
    assert [p.kind for p in problems] == ["too_many_positional"] and "at most 6, got 7" in problems[0].message
    assert [p.kind for p in api.bind_call(tt, 1, ["dst", "data1", "data2", "op"])] == ["duplicate_argument"]
    assert api.bind_call(tt, 0, [], has_star_kwargs=True) == []
    assert api.bind_call(api.lookup("nki.jit"), 1, ["mode", "anything"]) == []  # type: ignore[arg-type]
    assert api.did_you_mean("bufer", ["buffer", "name"]) == "buffer"
    assert api.did_you_mean("source", ["src", "dst"]) is None
    assert api.did_you_mean("DTYPE", ["dtype"]) == "dtype"


def test_enums_are_enum_classes_with_stub_values() -> None:
    import enum

    import nki.isa.constants as constants
    from nki.isa.constants import dge_mode, oob_mode

    assert (
        issubclass(nisa.engine, enum.Enum) and nisa.engine is constants.engine and oob_mode is nisa.oob_mode
    )
    assert (nisa.engine.tensor.value, nisa.engine.vector.value, nisa.engine.sync.value) == (1, 5, 6)
    assert (dge_mode.hwdge.value, nisa.reduce_cmd.load_reduce.value, nisa.nc_version.gen4.value) == (2, 4, 4)
    assert nisa.matmul_perf_mode.double_row.value == "double_row" and nisa.dma_engine.gpsimd_dma.value == 2
    assert nisa.tensor_engine is nisa.engine.tensor and repr(nisa.oob_mode.skip) == "oob_mode.skip"
    assert nisa.get_nc_version() in set(nisa.nc_version)


# --------------------------------------------------------------------------------------------- nki top level
def test_jit_forms_and_kernel_object() -> None:
    def body(a):  # noqa: ANN001, ANN202
        return a

    bare = nki.jit(body)
    called = nki.jit()(body)
    with_opts = nki.jit(mode="simulation", additional_compile_opt="-O1")(body)
    for k in (bare, called, with_opts):
        assert isinstance(k, nki.Kernel) and k.func is body and k.__name__ == "body"
    assert bare.options == {} and with_opts.options == {"mode": "simulation", "additional_compile_opt": "-O1"}
    launcher = bare[2]
    assert launcher.kernel is bare and launcher.lnc == 2
    with pytest.raises(KernelLaunchError):
        bare[8]  # noqa: B018
    with pytest.raises(KernelLaunchError, match="legacy"):
        bare[4, 2]  # noqa: B018
    with pytest.raises(KernelLaunchError, match="NEURON_PLATFORM_TARGET_OVERRIDE"):
        nki.jit(platform_target="trn2")
    assert nki.__version__.startswith("0.6.0+local.nkitoolchain")


def test_running_a_kernel_raises_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = nki.jit(lambda a: a)
    for run in (lambda: kernel(1), lambda: kernel[2](1), lambda: nki.simulate(kernel)(1),
                lambda: nki.simulate(kernel[2])(1), lambda: nki.cpu_simulate(kernel)[1](a=1)):  # fmt: skip
        with pytest.raises(KernelLaunchError, match="must be a top-level function"):
            run()
    calls = []
    monkeypatch.setattr(
        "nki._runtime._run_kernel", lambda k, lnc, args, kwargs: calls.append((k, lnc, args, kwargs))
    )
    nki.simulate(kernel[2])(3, x=4)
    assert calls == [(kernel, 2, (3,), {"x": 4})]


def test_stubs_raise_outside_a_kernel_and_dispatch_to_handler() -> None:
    from nki import _meta

    with pytest.raises(OutsideKernelError, match="nisa.dma_copy"):
        nisa.dma_copy(dst=None, src=None)
    seen = []
    previous = _meta.set_handler(lambda q, a, k: seen.append((q, a, k)) or "ok")
    try:
        assert nl.add(1, 2) == "ok"
        t = nl.NkiTensor((128, 64), nl.float32, storage=None)
        t.reshape((128, 8, 8))
    finally:
        _meta.set_handler(previous)
    assert seen[0] == ("nki.language.add", (1, 2), {}) and seen[1][0] == "nki.language.NkiTensor.reshape"
    assert t.strides == (64, 1) and t.size == 8192 and t.buffer is nl.sbuf
    assert (
        list(nl.static_range(2, 6, 2)) == [2, 4]
        and list(nl.range(3)) == [0, 1, 2]
        and nl.ds(4, 8) == slice(4, 12)
    )


def test_typing_annotations() -> None:
    assert nt.tensor[128, 512].shape == (128, 512) and nt.tensor[128, 512].dtype is None
    annotated = nt.mutable_tensor[(64, 32), nl.bfloat16]
    assert annotated.shape == (64, 32) and annotated.dtype is nl.bfloat16 and annotated.mutable
    assert repr(nt.tensor[4, 8]) == "nt.tensor[4, 8]"


def test_imports_do_not_pull_numpy_or_pygls() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); import nki, nki.language, nki.isa, nki.isa.constants, "
        "nki.typing, nki.collectives, nki.dtype; dt = time.perf_counter() - t; "
        "print(dt, 'numpy' in sys.modules, 'pygls' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    seconds, has_numpy, has_pygls = out.split()
    assert (has_numpy, has_pygls) == ("False", "False")
    assert float(seconds) >= 0  # import time is a bench figure, not a test (typically ~20 ms)
