"""NKI 0.6 kernels measured by `bench/sim_bench.py` (and checked against NumPy in tests/runtime)."""
