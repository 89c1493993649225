"""nki-ls: the NKI language server and command-line checker."""

from nki_compiler.version import __version__

__all__ = ["__version__"]
