"""Front-end check families. Importing this package registers every check."""

from nki_compiler.frontend.checks import expressions, statements  # noqa: F401
from nki_compiler.frontend.checks.base import CheckOptions

__all__ = ["CheckOptions"]
