"""Beta-1 tutorials and contributed kernels of nki-samples (and the ISA unit tests whose results are random)
after our migration, run against NumPy re-implementations of their own references.

Same approach as test_migrated_b1.py (whose import helper this reuses): each file is copied to a temporary
folder, migrated with `fix_text` over `check_source` with unsafe fixes (`nki-ls --check --fix
--unsafe-fixes`), imported from there and launched the way its own driver launches it. A case the migration
cannot finish yet is a strict xfail naming the diagnostic it leaves (`GAPS` checks that the diagnostic is
still there; when it disappears, the test fails so that the case gets simulated).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import nki
from nki_compiler.check import check_source
from nki_compiler.diagnostics.model import Severity
from nki_compiler.fixer import fix_text
from tests.helpers.corpus import KNOWN_SYNTAX_ERRORS, locate, manifest
from tests.helpers.modules import import_file

pytestmark = pytest.mark.corpus

SAMPLES = Path("nki-samples")
LEGACY = Path("nki-samples-legacy")
TUTORIALS = Path("src/nki_samples/tutorials")
B1_TESTS = Path("aws-neuron-sdk/nki/test")
Pair = tuple[np.ndarray, np.ndarray]  # (simulated, expected)


def _migrate(corpus: Path, folder: Path, file: Path) -> tuple[Path, str]:
    source = corpus / file
    if not source.is_file():
        pytest.skip(f"{file} is not in this corpus half")
    target = folder / source.name
    text = source.read_text(encoding="utf-8")
    fixed, _ = fix_text(text, lambda t: check_source(t, str(target)), unsafe=True)
    target.write_text(fixed, encoding="utf-8")
    return target, fixed


def _errors(path: Path, text: str) -> list[tuple[str, str]]:
    found = [d for d in check_source(text, str(path)) if d.severity is Severity.ERROR]
    return [(d.code, text[d.span.start : d.span.end]) for d in found]


# ---- the files' references, re-implemented in NumPy ----------------------------------------------


def _rmsnorm(rows: int) -> Callable[[ModuleType], list[Pair]]:
    def run(module: ModuleType) -> list[Pair]:
        rng = np.random.default_rng(0)
        a = rng.random((rows, 512), dtype=np.float32)
        g = rng.random(512, dtype=np.float32)
        expected = a * (1.0 / np.sqrt(np.mean(a * a, axis=1).reshape(rows, 1))) * g
        return [(module.nki_rmsnorm_kernel(a, g), expected)]

    return run


def _matmul(module: ModuleType) -> list[Pair]:
    """contributed/matmul.py's `check_correct` (smallest legal shape): `nki.baremetal()(matmul)` migrated."""
    rng = np.random.default_rng(0)
    a = rng.random((1024, 512)).astype(np.float16)
    b = rng.random((1024, 2048)).astype(np.float16)
    expected = a.T.astype(np.float32) @ b.astype(np.float32)
    return [(nki.jit(module.matmul)(a, b), expected)]


def _mamba_layer(delta: np.ndarray, a: np.ndarray, b: np.ndarray, u: np.ndarray, c: np.ndarray) -> np.ndarray:
    """fused_mamba/mamba_torch.py's `mamba_layer` with its sequential `associative_scan`."""
    delta_a = np.exp(delta[:, :, None, :] * a[None, :, :, None])
    delta_bu = delta[:, :, None, :] * b[:, None, :, :] * u[:, :, None, :]
    scan = np.empty_like(delta_a)
    for i in range(delta_a.shape[-1]):
        scan[..., i] = delta_a[..., i] * (scan[..., i - 1] if i else 0) + delta_bu[..., i]
    return (c[:, None, :, :] * scan).sum(axis=-2)


def _mamba(version: str) -> Callable[[ModuleType], list[Pair]]:
    """The driver's accuracy mode with random inputs (A negative, as its comment asks) and 4 states."""

    def run(module: ModuleType) -> list[Pair]:
        rng = np.random.default_rng(0)
        batch, channels, seq_len, states = 1, 256, 512, 4
        delta, u = (rng.random((batch, channels, seq_len), dtype=np.float32) for _ in range(2))
        a = -rng.random((channels, states), dtype=np.float32)
        b, c = (rng.random((batch, states, seq_len), dtype=np.float32) for _ in range(2))
        kernel = getattr(module, f"mamba_{version}")
        return [(kernel(delta, u, a, b, c), _mamba_layer(delta, a, b, u, c))]

    return run


def _attention(version: str, seqlen: int) -> Callable[[ModuleType], list[Pair]]:
    """attention_fwd_performance/test_attention.py: `numpy_attention` on inputs in [-1, 1), fp32."""

    def run(module: ModuleType) -> list[Pair]:
        rng = np.random.default_rng(0)
        q, k, v = (((rng.random((128, seqlen)) - 0.5) * 2).astype(np.float32) for _ in range(3))
        scores = np.exp(q.T @ k - np.max(q.T @ k, axis=1, keepdims=True))
        expected = scores / np.sum(scores, axis=1, keepdims=True) @ v.T
        return [(getattr(module, f"attn_fwd_{version}")(q, k, v), expected)]

    return run


def _rmsnorm_qkv(seqlen: int, dim: int, head_dim: int) -> Callable[[ModuleType], list[Pair]]:
    """nki-samples' test_rmsnorm_qkv.py reference: RMSNorm of `hidden` (eps 1e-6, fp32) @ `weights`, fp16."""

    def run(module: ModuleType) -> list[Pair]:
        rng = np.random.default_rng(0)
        hidden = rng.random((1, seqlen, dim), dtype=np.float32).astype(np.float16)
        weights = ((rng.random((dim, head_dim), dtype=np.float32) - 0.5) * 0.1).astype(np.float16)
        h = hidden.astype(np.float32)
        normed = h / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + 1e-6)
        expected = normed.astype(np.float16).astype(np.float32) @ weights.astype(np.float32)
        return [(module.allocated_fused_rms_norm_qkv(hidden, weights), expected)]

    return run


def _transpose2d(module: ModuleType) -> list[Pair]:
    """transpose2d's own main: every row is a flattened (X, Y) matrix, transposed to (Y, X)."""
    p, x, y = 5, 3, 4
    a = np.arange(p * x * y, dtype=np.int8).reshape((p, x * y))
    expected = np.transpose(a.reshape(p, x, y), (0, 2, 1)).reshape(p, x * y)
    return [(module.tensor_transpose2D_kernel_(a, (x, y)), expected)]


def _upsample2x(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """`torch.nn.functional.interpolate(scale_factor=2, mode="bilinear"/"trilinear")` (align_corners=False):
    separable linear interpolation at source coordinate `(o + 0.5) / 2 - 0.5`, clamped at 0."""
    for axis in axes:
        n = a.shape[axis]
        source = np.maximum((np.arange(2 * n) + 0.5) / 2 - 0.5, 0.0)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n - 1)
        shape = [1] * a.ndim
        shape[axis] = 2 * n
        weight = (source - low).reshape(shape)
        a = np.take(a, low, axis=axis) * (1 - weight) + np.take(a, high, axis=axis) * weight
    return a


def _interpolate(kernel: str, shape: tuple[int, ...]) -> Callable[[ModuleType], list[Pair]]:
    def run(module: ModuleType) -> list[Pair]:
        source = np.random.default_rng(0).random(shape, dtype=np.float32)
        expected = _upsample2x(source.astype(np.float64), tuple(range(2, len(shape))))
        return [(nki.jit(getattr(module, kernel))(source), expected)]

    return run


#: `nki.benchmark(...)(kernel)` has no 0.6 successor (the Neuron profiler measures): the host function stays.
BENCHMARK = ("NKI558", "nki.benchmark")


#: `nc_version` members compare with `==`/`!=` only in 0.6 (nki-library's qkv_cte.py: "switch to `>=` after the
#: comparison support"), so `get_nc_version() >= gen3` stays undecided; trn2 is gen3.
NC_VERSION_EDIT = (
    "`nisa.get_nc_version() >= nisa.nc_version.gen3`: 0.6 `nc_version` members compare with "
    "`==`/`!=` only; write `nisa.get_nc_version() != nisa.nc_version.gen2` (simulated with `== gen3`, "
    "the trn2 branch)"
)
NC_VERSION_PATCH = (
    ("nisa.get_nc_version() >= nisa.nc_version.gen3", "nisa.get_nc_version() == nisa.nc_version.gen3"),
)
GRID_GAP = "NKI539: `{}` index grids (migration_grids.py turns the affine ones into slices)"
ATTENTION = SAMPLES / TUTORIALS / "attention_fwd_performance/attention_kernels.py"
ATTENTION_VERSIONS = ("v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v8a", "v9", "v10", "v11")
BF16_ATTENTION = ("v7", "v8", "v8a", "v9", "v10", "v11")  # bf16 operands: the test's own `atol=1e-2`
ATTENTION_GAPS: dict[str, str] = {}


@dataclass(frozen=True)
class Sample:
    file: Path
    run: Callable[[ModuleType], list[Pair]]
    rtol: float = 1e-5
    atol: float = 1e-5
    gap: str = ""  # why the migrated kernel does not match yet (strict xfail)
    leaves: tuple[tuple[str, str], ...] = ()  # errors left outside the kernel (code, offending text)
    patches: tuple[tuple[str, str], ...] = ()  # (migrated text, replacement): hand edits before the run
    hand_edit: str = ""  # why the patches are needed (listed as still to do in docs/migration.md)


SAMPLE_CASES = {
    "rmsnorm": Sample(LEGACY / TUTORIALS / "rmsnorm/rmsnorm_nki_kernels.py", _rmsnorm(128), 1e-4, 1e-4),
    "rmsnorm-250-rows": Sample(LEGACY / TUTORIALS / "rmsnorm/rmsnorm_nki_kernels.py", _rmsnorm(250), 1e-4, 1e-4),
    "matmul": Sample(SAMPLES / "contributed/matmul.py", _matmul, 1e-2, 1e-4,
                     leaves=(BENCHMARK,)),
    **{f"mamba_{v}": Sample(SAMPLES / TUTORIALS / "fused_mamba/mamba_nki_kernels.py", _mamba(v), 1e-4, 1e-4,
                            leaves=(BENCHMARK,)) for v in ("v1", "v2", "v3")},
    "transpose2d": Sample(SAMPLES / TUTORIALS / "transpose2d/transpose2d_nki_kernels.py", _transpose2d, 0, 0,
                          gap=GRID_GAP.format("nl.arange")),
    "interpolate_bilinear": Sample(SAMPLES / "contributed/interpolate_bilinear_fwd.py",
                                   _interpolate("interpolate_bilinear_2x_fwd", (2, 64, 128, 128)), 1e-2, 1e-4,
                                   gap=GRID_GAP.format("nl.mgrid")),
    "interpolate_trilinear": Sample(SAMPLES / "contributed/interpolate_trilinear_fwd.py",
                                    _interpolate("interpolate_trilinear_2x_fwd", (2, 64, 23, 23, 23)), 1e-2, 1e-4,
                                    gap=GRID_GAP.format("nl.mgrid")),
    **{f"rmsnorm_qkv_{s}x{d}": Sample(LEGACY / "src/nki_samples/reference/allocated_fused_linear.py",
                                      _rmsnorm_qkv(s, d, 512), 1e-2, 1e-2, patches=NC_VERSION_PATCH,
                                      hand_edit=NC_VERSION_EDIT)
       for s, d in ((256, 512), (512, 1024))},
    **{f"attention_{v}": Sample(ATTENTION, _attention(v, 128 if v in ("v1", "v2") else 512), 0.0,
                                1e-2 if v in BF16_ATTENTION else 1e-4,
                                gap=ATTENTION_GAPS.get(v, "")) for v in ATTENTION_VERSIONS},
}  # fmt: skip


def _params(cases: dict[str, Sample]) -> list[Any]:
    return [pytest.param(name, marks=pytest.mark.xfail(reason=case.gap, strict=True)) if case.gap else name
            for name, case in cases.items()]  # fmt: skip


@pytest.mark.parametrize("name", _params(SAMPLE_CASES))
def test_migrated_sample_matches_its_reference(corpus: Path, tmp_path: Path, name: str) -> None:
    case = SAMPLE_CASES[name]
    path, text = _migrate(corpus, tmp_path, case.file)
    assert sorted(_errors(path, text)) == sorted(case.leaves), "the migration left other errors (add GAPS)"
    for old, new in case.patches:
        assert old in text, f"the patch no longer applies: {old!r}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    module = import_file(path, f"migrated_sample_{path.stem}")
    for got, want in case.run(module):
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=case.rtol, atol=case.atol)


#: Errors the migration leaves in sample files (code, start of the offending text): the exact remaining
#: step. When one disappears, its test fails: the file then deserves a simulated case above.
GAPS: dict[Path, tuple[str, str]] = {
    SAMPLES / TUTORIALS / "transpose2d/transpose2d_nki_kernels.py": ("NKI539", "nl.arange"),
    SAMPLES / "contributed/interpolate_bilinear_fwd.py": ("NKI539", "nl.mgrid"),
    SAMPLES / "contributed/interpolate_trilinear_fwd.py": ("NKI539", "nl.mgrid"),
    # A 2-D SPMD launch grid: the kernel must loop over (batch, head) itself (and the module imports
    # torch_neuronx, torch_xla, transformers and loguru, so it is not simulated here even then).
    LEGACY / TUTORIALS / "rotary/rotary_nki_kernels.py": ("NKI216", "nki_apply_rotary_embedding[bs, nh]"),
    # Not in GAPS: spmd_multiple_nc_tensor_addition migrates clean but imports the kernel module
    # `spmd_tensor_addition_nki_kernels`, which this corpus half does not hold.
}


@pytest.mark.parametrize("file", sorted(GAPS), ids=lambda f: f.stem)
def test_sample_migration_gap_is_still_open(corpus: Path, tmp_path: Path, file: Path) -> None:
    path, text = _migrate(corpus, tmp_path, file)
    code, snippet = GAPS[file]
    assert any(c == code and found.startswith(snippet) for c, found in _errors(path, text)), (
        f"{file.name}: the migration now handles `{snippet}` ({code}): add a simulated case for this file"
    )


# ---- ISA unit tests whose kernels draw random numbers, or that test_migrated_b1.py does not cover ----


def _dropout(module: ModuleType) -> None:
    """Every element is either dropped (0) or kept unchanged; per row, the dropped share follows `prob`."""
    rng = np.random.default_rng(0)
    a = (rng.random((128, 512), dtype=np.float32) + 1) * 100
    prob = np.linspace(0.0, 1.0, 128, dtype=np.float32).reshape(128, 1)
    out = module.nki_dropout(a, prob)
    assert np.all((out == 0) | (out == a))
    dropped = np.mean(out == 0, axis=1)
    assert dropped[0] == 0 and dropped[-1] == 1
    assert np.all(np.abs(dropped - prob[:, 0]) < 5 * np.sqrt(0.25 / 512))  # five binomial sigmas


def _dropout_scalar(module: ModuleType) -> None:
    a = (np.random.default_rng(0).random((128, 512), dtype=np.float32) + 1) * 100
    out = module.nki_dropout_scalar(a)
    assert np.all((out == 0) | (out == a))
    assert abs(np.mean(out == 0) - 0.2) < 5 * np.sqrt(0.2 * 0.8 / out.size)


def _max8(module: ModuleType) -> None:
    """The unittest's own checks on `nl.rand` data: values in [0, 1], every row descending."""
    top = module.nki_max8()
    assert top.shape == (32, 8) and np.all((top >= 0) & (top <= 1)) and np.all(np.diff(top, axis=1) <= 0)


def _match_replace8(module: ModuleType) -> None:
    """The unittest's checks: exactly 8 `-inf` per row, everything else from `nl.rand` in [0, 1]."""
    result = module.nki_nc_match_replace8()
    replaced = np.isneginf(result)
    assert result.shape == (4, 16) and np.all(replaced.sum(axis=1) == 8)
    assert np.all((result[~replaced] >= 0) & (result[~replaced] <= 1))


def _match_replace8_against_golden(kernel: str, shape: list[int], imm: float | None, rows: int = 0,
                                   columns: int = 0) -> Callable[[ModuleType], None]:  # fmt: skip
    """The file's own NumPy golden (`get_replaced_output_and_max_indices`), on the unittest's inputs."""

    def check(module: ModuleType) -> None:
        np.random.seed(0)
        a = np.random.random_sample(shape).astype(np.float32)
        args = (a,) if imm is None else (a, np.float32(imm))
        out, idx = getattr(module, kernel)(*args)
        window = a[:rows, :columns] if rows else a
        want, want_idx = module.get_replaced_output_and_max_indices(window, 0 if imm is None else imm)
        got, got_idx = (out[:rows, :columns], idx[:rows, :columns]) if rows else (out, idx)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got_idx, want_idx)

    return check


#: `nki_nc_match_replace8()` launches a kernel without arguments: the user must pass its input from the host.
NO_ARGUMENTS = (("NKI112", "nki_nc_match_replace8()"),)
ISA_CASES: dict[str, tuple[str, Callable[[ModuleType], None], tuple[tuple[str, str], ...]]] = {
    "dropout": ("test_nki_isa_dropout.py", _dropout, ()),
    "dropout_scalar": ("test_nki_isa_dropout.py", _dropout_scalar, ()),
    "max8": ("test_nki_isa_max8.py", _max8, (("NKI112", "nki_max8()"),)),
    "nc_match_replace8": ("test_nki_isa_nc_match_replace8.py", _match_replace8, NO_ARGUMENTS),
    "nc_match_replace_indices8": ("test_nki_isa_nc_match_replace8.py", _match_replace8_against_golden(
        "nki_nc_match_replace_indices8", [128, 512], float("-inf")), NO_ARGUMENTS),
    "nc_match_replace_indices8_mask": ("test_nki_isa_nc_match_replace8.py", _match_replace8_against_golden(
        "nki_nc_match_replace_indices8_mask", [128, 512], float("-inf"), 64, 256),
        NO_ARGUMENTS),
    "nc_match_replace_indices8_3d": ("test_nki_isa_nc_match_replace8.py", _match_replace8_against_golden(
        "nki_nc_match_replace_indices8_3d", [128, 4, 4], None), NO_ARGUMENTS),
    "nc_match_replace_indices8_3d_inplace": ("test_nki_isa_nc_match_replace8.py", _match_replace8_against_golden(
        "nki_nc_match_replace_indices8_3d_inplace", [128, 4, 4], None), NO_ARGUMENTS),
}  # fmt: skip


ISA_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=ISA_GAPS[n], strict=True))
                                  if n in ISA_GAPS else n for n in ISA_CASES])  # fmt: skip
def test_migrated_isa_kernel_behaves_like_its_unittest(corpus: Path, tmp_path: Path, name: str) -> None:
    file, check, leaves = ISA_CASES[name]
    path, text = _migrate(corpus, tmp_path, B1_TESTS / file)
    assert sorted(_errors(path, text)) == sorted(leaves), "the migration left other errors"
    check(import_file(path, f"migrated_isa_{path.stem}"))


def test_every_b1_file_with_a_reference_migrates_to_valid_python(corpus: Path, tmp_path: Path) -> None:
    """Each fix is checked alone; together, on real files, they must still leave parseable Python."""
    entries = [e for e in manifest(corpus) if e.style == "B1" and e.ref == "yes"]
    assert len(entries) >= 30
    broken = []
    for entry in entries:
        path = locate(corpus, entry)
        if path is not None and entry.relative not in KNOWN_SYNTAX_ERRORS:
            _, text = _migrate(corpus, tmp_path, path.relative_to(corpus))
            try:
                ast.parse(text)
            except SyntaxError as error:
                broken.append(f"{entry.relative}: {error}")
    assert not broken, "\n".join(broken)
