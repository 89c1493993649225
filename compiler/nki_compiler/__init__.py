"""nki_compiler: source model, diagnostics, front end, specializer, IR and back end of the NKI toolchain.

Public entry points live in `nki_compiler.check` (static checking of files and folders).
"""

from nki_compiler.version import __version__

__all__ = ["__version__"]
