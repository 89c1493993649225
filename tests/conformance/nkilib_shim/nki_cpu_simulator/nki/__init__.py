"""Placeholder package: `nki_cpu_simulator/__init__.py` replaces `nki_cpu_simulator.nki` by our `nki` package.

Only its three harness-only modules (`builtin`, `compiler`, `tensor`) are loaded from this folder.
"""
