"""`builtins.builtin` in nki-library's simulation harness. The kernels of the library do not use it: the
harness only installs it, so the module is empty."""
