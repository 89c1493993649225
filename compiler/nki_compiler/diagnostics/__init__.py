"""Diagnostics: the code registry, frozen diagnostic objects and their rendering."""

from nki_compiler.diagnostics.codes import RULES, Rule, rule
from nki_compiler.diagnostics.model import Applicability, Diagnostic, Edit, Fix, Note, Severity

__all__ = ["RULES", "Applicability", "Diagnostic", "Edit", "Fix", "Note", "Rule", "Severity", "rule"]
