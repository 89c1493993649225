"""Front-end check families. Importing this package registers every check."""

from nki_compiler.frontend.checks import (  # noqa: F401  (imported for their registrations)
    calls,
    classes,
    expressions,
    functions,
    hints,
    launches,
    migration_advice,
    migration_common,
    migration_constants,
    migration_entry,
    migration_indirect,
    migration_isa,
    migration_loops,
    migration_stores,
    migration_tiles,
    migration_values,
    runtime_loops,
    signatures,
    statements,
    values,
)
from nki_compiler.frontend.checks.base import CheckOptions

__all__ = ["CheckOptions"]
