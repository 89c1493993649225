"""Front-end check families. Importing this package registers every check."""

from nki_compiler.frontend.checks import expressions, statements  # noqa: F401
from nki_compiler.frontend.checks import functions  # noqa: F401
from nki_compiler.frontend.checks import calls  # noqa: F401
from nki_compiler.frontend.checks import values  # noqa: F401
from nki_compiler.frontend.checks import classes  # noqa: F401
from nki_compiler.frontend.checks import runtime_loops  # noqa: F401
from nki_compiler.frontend.checks import launches  # noqa: F401
from nki_compiler.frontend.checks import hints  # noqa: F401
from nki_compiler.frontend.checks import signatures  # noqa: F401
from nki_compiler.frontend.checks import migration_common, migration_entry, migration_isa, migration_loops, migration_tiles  # noqa: F401
from nki_compiler.frontend.checks.base import CheckOptions

__all__ = ["CheckOptions"]
