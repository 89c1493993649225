"""`nki.tensor` in nki-library's simulation harness (moved to `nki.meta.tensor` in NKI 0.2, NKI552). The
library's kernels do not use it; the harness only installs it, so the module is empty."""
