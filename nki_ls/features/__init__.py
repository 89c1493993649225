"""Language features, one module each; `nki_ls.server` only wires them to LSP methods."""
