"""`nki.jit` / `nki.simulate` through our pipeline, `nki_sim.run`, and `nki-ls --run`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nki
import nki_sim
from nki._runtime import KernelCompileError, cache_info, clear_cache
from nki_ls.cli import main
from tests.runtime import kernels as k

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(7)
A = RNG.standard_normal((128, 512)).astype(np.float32)
B = RNG.standard_normal((128, 512)).astype(np.float32)


def test_add_through_jit_simulate_and_lnc() -> None:
    expected = A + B
    assert np.allclose(k.add_kernel(A, B), expected)
    assert np.allclose(nki.simulate(k.add_kernel)(A, B), expected)
    assert np.allclose(k.add_kernel[2](A, B), expected)
    assert np.allclose(nki.cpu_simulate(k.add_kernel)[1](a=A, b=B), expected)


def test_tiled_matmul_accumulates_in_psum() -> None:
    lhs_t = RNG.standard_normal((256, 128)).astype(np.float32)
    rhs = RNG.standard_normal((256, 1024)).astype(np.float32)
    out = k.tiled_matmul(lhs_t, rhs)
    assert out.shape == (128, 1024) and out.dtype == np.float32
    assert np.allclose(out, lhs_t.T @ rhs, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    ("kernel", "args", "reference"),
    [
        (k.exp_scale_kernel, (A, 0.5), lambda: np.exp(A * 0.5)),
        (k.affine_kernel, (A,), lambda: A * 2 + 1),
        (k.row_max_kernel, (A,), lambda: A.max(axis=1, keepdims=True)),
        (k.transpose_kernel, (np.ascontiguousarray(A[:, :128]),), lambda: A[:, :128].T),
        (k.repeat_add_kernel, (A,), lambda: 8 * A),
    ],
    ids=["activation", "tensor_scalar", "reduce", "transpose", "fori_loop"],
)
def test_kernel_matches_numpy(kernel: nki.Kernel, args: tuple, reference) -> None:  # type: ignore[no-untyped-def]
    assert np.allclose(kernel(*args), reference(), rtol=1e-5, atol=1e-5)


def test_bfloat16_inputs_round_like_ml_dtypes() -> None:
    import ml_dtypes

    a, b = A.astype(ml_dtypes.bfloat16), B.astype(ml_dtypes.bfloat16)
    out = k.add_kernel(a, b)
    assert out.dtype == ml_dtypes.bfloat16
    assert np.array_equal(out, (a.astype(np.float32) + b.astype(np.float32)).astype(ml_dtypes.bfloat16))


def test_written_input_is_updated_in_place_and_several_outputs_are_a_tuple() -> None:
    x = A.copy()
    assert k.scale_in_place_kernel(x) is None
    assert np.allclose(x, 3 * A)
    strided = np.asfortranarray(A)  # not C-contiguous: copied in, then written back
    k.scale_in_place_kernel(strided)
    assert np.allclose(strided, 3 * A)
    first, second = k.two_outputs_kernel(A)
    assert np.array_equal(first, A) and np.allclose(second, A + 1)


def test_uninitialised_memory_reads_as_nan() -> None:
    assert np.isnan(k.uninitialised_kernel(A)).all()


def test_programs_are_cached_on_source_and_argument_facts() -> None:
    clear_cache()
    k.add_kernel(A, B)
    k.add_kernel(A + 1, B)
    assert cache_info()["misses"] == 1 and cache_info()["hits"] == 1
    small = np.ones((128, 64), np.float32)
    k.add_kernel(small, small)
    assert cache_info()["misses"] == 2


def test_runtime_error_names_instruction_rule_and_source_line() -> None:
    with pytest.raises(nki_sim.SimulationError) as caught:
        k.out_of_bounds_kernel(A)
    line = _line_of(k.__file__, "nisa.dma_copy(dst=t, src=a)", after="def out_of_bounds_kernel")
    assert caught.value.opcode == "dma_copy"
    assert caught.value.location == f"{k.__file__}:{line}"
    assert str(caught.value).startswith(f"{k.__file__}:{line}: dma_copy:")
    assert "[rule:" in str(caught.value)


def test_compile_error_lists_diagnostics_with_positions() -> None:
    with pytest.raises(KernelCompileError) as caught:
        k.bad_kernel(A)
    line = _line_of(k.__file__, "assert a.shape[0] == 64", after="def bad_kernel")
    assert f"{k.__file__}:{line}:5: NKI218 needs 64 rows" in str(caught.value)
    assert [d.code for d in caught.value.diagnostics] == ["NKI218"]


def test_nested_kernels_are_refused_clearly() -> None:
    @nki.jit
    def local(a):  # type: ignore[no-untyped-def]
        return a

    with pytest.raises(nki.errors.KernelLaunchError, match="top-level function"):
        local(A)


def test_torch_tensors_in_and_out() -> None:
    torch = pytest.importorskip("torch")
    out = k.add_kernel(torch.from_numpy(A), torch.from_numpy(B))
    assert isinstance(out, torch.Tensor) and np.allclose(out.numpy(), A + B)


def test_nki_ls_run_prints_output_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--run", str(ROOT / "examples/add_kernel.py::add_kernel")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("out[0]: float32[128,512] min=-") and out.rstrip().endswith("nan=0")


def test_nki_ls_run_reports_runtime_error_with_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = Path(k.__file__).read_text(encoding="utf-8")
    path = tmp_path / "kernels.py"
    declared = "# nki: args a=float32[128,512]\n@nki.jit\ndef out_of_bounds_kernel(a):"
    path.write_text(source.replace("@nki.jit\ndef out_of_bounds_kernel(a):", declared), encoding="utf-8")
    assert main(["--run", f"{path}::out_of_bounds_kernel"]) == 1
    out = capsys.readouterr().out
    line = _line_of(str(path), "nisa.dma_copy(dst=t, src=a)", after="def out_of_bounds_kernel")
    assert f"error: runtime error: {path}:{line}: dma_copy:" in out


def test_nki_ls_run_needs_argument_facts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--run", f"{k.__file__}::add_kernel"]) == 1
    assert "argument facts are unknown" in capsys.readouterr().out


def _line_of(path: str, text: str, after: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1
