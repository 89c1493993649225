"""Hover on kernel code: tensors (buffer, dtype, shape, bytes per partition per unrolled iteration),
compile-time scalars (their value, or the values across unrolled iterations), kernel parameters (where their argument facts come from, or how to declare them) and loops (trip count).

Facts come from the specializer (`FileSpecialization`), so only kernels with known argument facts
show shapes; everything else says what is unknown and how to declare it.
"""

from __future__ import annotations

import ast
import re

from nki_compiler.frontend.modules import ModuleInfo
from nki_compiler.ir.program import Loop, Node
from nki_compiler.source import Span
from nki_compiler.specializer.emit import COUNTED_SCALARS, ScalarValues, TensorFact
from nki_ls.features.specialized import FileSpecialization, FunctionNode, KernelFacts

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: At most this many distinct iterations are listed in a hover.
MAX_LISTED = 8
#: A listed scalar value's text is cut to this many characters.
MAX_VALUE_TEXT = 60
_SOURCE_TEXT = {
    "pragma": "the `# nki: args` comment above the kernel",
    "pyproject": "`[tool.nki-ls.kernels]` in pyproject.toml",
    "annotation": "its `nt.tensor[...]` annotation",
    "default": "its default value",
}
_RANGES = {"range", "affine_range", "sequential_range", "static_range"}


def word_at(module: ModuleInfo, offset: int) -> Span | None:
    """Span of the identifier under (or just before) the cursor."""
    index = module.source.index
    line = index.line_of(offset)
    start = index.line_starts[line]
    for match in _WORD.finditer(index.line_text(line)):
        if match.start() <= offset - start <= match.end():
            return Span(start + match.start(), start + match.end())
    return None


def tensor_hover_markdown(
    module: ModuleInfo, spec: FileSpecialization, offset: int
) -> tuple[Span, str] | None:
    """Markdown and the hovered span, or None when the cursor is on nothing this hover knows."""
    word = word_at(module, offset)
    if word is None or module.tree is None:
        return None
    name = module.source.text[word.start : word.end]
    kernel = _enclosing_kernel(module, spec, word.start)
    if kernel is not None and _is_parameter(module, kernel.node, word):
        return word, parameter_markdown(name, kernel, spec.facts_at(word), spec.scalars_at(word))
    if name == "for":
        loop = _loop_at(module, word.start)
        if loop is not None:
            return word, loop_markdown(module, spec, loop)
    facts, scalars = spec.facts_at(word), spec.scalars_at(word)
    if not facts and scalars is None:
        facts, scalars = _reaching_binding(module, spec, name, word)
    if facts:
        return word, tensor_markdown(name, facts)
    text = scalar_markdown(name, scalars) if scalars is not None and kernel is not None else None
    return (word, text) if text is not None else None


def tensor_markdown(name: str, facts: list[TensorFact]) -> str:
    if len(facts) == 1:
        fact = facts[0]
        return f"```\n{name}: {fact.text()}\n```\n\n{_bytes(fact)}"
    listed = "\n".join(f"- `{fact.text()}` · {_bytes(fact)}" for fact in facts[:MAX_LISTED])
    more = f"\n- … and {len(facts) - MAX_LISTED} more" if len(facts) > MAX_LISTED else ""
    return f"```\n{name}: tensor\n```\n\nvaries across unrolled iterations ({len(facts)} distinct):\n{listed}{more}"


def scalar_markdown(name: str, scalars: ScalarValues) -> str | None:
    """`compile-time int: 128`, or the values across unrolled iterations; None when none is known."""
    values = scalars.values
    if not values:
        return None
    kinds = {_type_name(v) for v in values}
    kind = kinds.pop() if len(kinds) == 1 else ""
    header = f"```\n{name}: {kind}\n```" if kind else f"```\n{name}\n```"
    partial = "\n\nsome iterations bind a value not known at compile time" if scalars.opaque else ""
    if len(values) == 1 and not scalars.saturated:
        label = f"compile-time {kind}" if not scalars.opaque else "compile-time value seen"
        return f"{header}\n\n{label}: `{_value_text(values[0])}`{partial}"
    listed = ", ".join(_value_text(v) for v in values)
    more = scalars.saturated or scalars.distinct > len(values)
    count = f"more than {COUNTED_SCALARS}" if scalars.saturated else str(scalars.distinct)
    return (
        f"{header}\n\nvalues across unrolled iterations: `{listed}`{', …' if more else ''} "
        f"({count} distinct){partial}"
    )


def parameter_markdown(
    name: str, kernel: KernelFacts, facts: list[TensorFact], scalars: ScalarValues | None = None
) -> str:
    header = f"```\n{name}: {facts[0].text()}\n```" if len(facts) == 1 else f"```\n(parameter) {name}\n```"
    if not facts and scalars is not None and len(scalars.values) == 1 and not scalars.opaque:
        value = scalars.values[0]
        header = f"```\n{name}: {_type_name(value)} = {_value_text(value)}\n```"
    source = kernel.sources.get(name)
    if source is not None:
        return f"{header}\n\nkernel parameter of `{kernel.name}`; facts from {_SOURCE_TEXT[source]}"
    return (
        f"{header}\n\nkernel parameter of `{kernel.name}`: shape and dtype unknown. Declare them above the "
        f"kernel, e.g.\n\n```python\n# nki: args {name}=float32[128,512]\n```"
    )


def loop_markdown(module: ModuleInfo, spec: FileSpecialization, loop: ast.For) -> str:
    runtime = _runtime_trip_count(module, spec, loop)
    if runtime is not None:
        return f"runtime loop: {runtime} iterations (not unrolled)"
    count = _literal_trip_count(loop)
    if count is None:
        count = _unrolled_trip_count(module, spec, loop)
    if count is not None:
        return f"loop: {count} iterations, unrolled into {count} copies at specialization"
    if spec.results:
        return "loop: unrolled at specialization; trip count not determined"
    return "loop: trip count known only at specialization (declare the kernel's argument facts to see it)"


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _value_text(value: object) -> str:
    text = repr(value).replace("`", "'")
    return text if len(text) <= MAX_VALUE_TEXT else text[: MAX_VALUE_TEXT - 1] + "…"


def _bytes(fact: TensorFact) -> str:
    if fact.bytes_per_partition is None:
        return "bytes per partition unknown"
    return f"{fact.bytes_per_partition:,} bytes per partition"


def _enclosing_kernel(module: ModuleInfo, spec: FileSpecialization, offset: int) -> KernelFacts | None:
    index = module.source.index
    for kernel in spec.kernels:
        span = index.span_of_ast(kernel.node)
        if span is not None and span.start <= offset <= span.end:
            return kernel
    return None


def _is_parameter(module: ModuleInfo, node: FunctionNode, word: Span) -> bool:
    index = module.source.index
    for param in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
        span = index.span_of_ast(param)
        if span is not None and span.start == word.start:
            return True
    return False


def _reaching_binding(
    module: ModuleInfo, spec: FileSpecialization, name: str, word: Span
) -> tuple[list[TensorFact], ScalarValues | None]:
    """A use of a name: the tensor facts or scalar values of its closest binding above it in the same
    function (a binding may hold both: a tensor in some iterations, something else in others)."""
    function = _enclosing_function(module, word.start)
    scope = module.source.index.span_of_ast(function) if function is not None else None
    if scope is None:
        return [], None
    text = module.source.text
    tensors = {
        s: f for s, f in spec.facts_in(scope.start, word.start).items() if text[s.start : s.end] == name
    }
    scalars = {
        s: v for s, v in spec.scalars_in(scope.start, word.start).items() if text[s.start : s.end] == name
    }
    spans = [*tensors, *scalars]
    if not spans:
        return [], None
    closest = max(spans, key=lambda span: span.start)
    return tensors.get(closest, []), scalars.get(closest)


def _enclosing_function(module: ModuleInfo, offset: int) -> FunctionNode | None:
    index = module.source.index
    best: FunctionNode | None = None
    for node in ast.walk(module.tree) if module.tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            span = index.span_of_ast(node)
            if span is not None and span.start <= offset <= span.end:
                if best is None or span.start >= (index.span_of_ast(best) or span).start:
                    best = node
    return best


def _loop_at(module: ModuleInfo, offset: int) -> ast.For | None:
    index = module.source.index
    for node in ast.walk(module.tree) if module.tree is not None else ():
        if isinstance(node, ast.For):
            span = index.span_of_ast(node)
            if span is not None and span.start == offset:
                return node
    return None


def _literal_trip_count(loop: ast.For) -> int | None:
    call = loop.iter
    if not isinstance(call, ast.Call) or call.keywords:
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in _RANGES:
        return None
    values = [a.value for a in call.args if isinstance(a, ast.Constant) and type(a.value) is int]
    if len(values) != len(call.args) or not 1 <= len(values) <= 3:
        return None
    try:
        return len(range(*values))
    except ValueError:  # step 0
        return None


def _runtime_trip_count(module: ModuleInfo, spec: FileSpecialization, loop: ast.For) -> int | None:
    span = module.source.index.span_of_ast(loop)
    if span is None:
        return None
    for result in spec.results.values():
        if result.program is None:
            continue
        for node in _loops(result.program.body):
            if node.origin.path == spec.path and span.start <= node.origin.span.start < span.end:
                if isinstance(node.lower, int) and isinstance(node.upper, int) and node.step:
                    return len(range(node.lower, node.upper, node.step))
    return None


def _unrolled_trip_count(module: ModuleInfo, spec: FileSpecialization, loop: ast.For) -> int | None:
    """Copies of the loop body per entry: emissions of its plainest statement over the enclosing loop's."""
    counts = _emission_counts(spec)
    mine = _body_executions(module, loop, counts)
    if mine is None:
        return None
    parent = _enclosing_loop(module, loop)
    outer = _body_executions(module, parent, counts) if parent is not None else 1
    if not outer or mine % outer:
        return None
    return mine // outer


def _body_executions(module: ModuleInfo, loop: ast.For, counts: dict[Span, int]) -> int | None:
    """How often the body ran in total: the fewest emissions of a statement directly in it."""
    index = module.source.index
    found: list[int] = []
    for statement in loop.body:
        if isinstance(statement, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
            continue
        span = index.span_of_ast(statement)
        if span is None:
            continue
        emitted = sum(n for s, n in counts.items() if span.start <= s.start and s.end <= span.end)
        if emitted:
            found.append(emitted)
    return min(found) if found else None


def _emission_counts(spec: FileSpecialization) -> dict[Span, int]:
    """Instructions per source span of this file (an inlined helper counts at its call site)."""
    counts: dict[Span, int] = {}
    for result in spec.results.values():
        if result.program is None:
            continue
        for instruction in result.program.instructions():
            origin = instruction.origin
            span = origin.span if origin.path == spec.path else None
            if origin.chain and origin.chain[0][1] == spec.path:
                span = origin.chain[0][2]
            if span is not None:
                counts[span] = counts.get(span, 0) + 1
    return counts


def _enclosing_loop(module: ModuleInfo, loop: ast.For) -> ast.For | None:
    best: ast.For | None = None
    for node in ast.walk(module.tree) if module.tree is not None else ():
        if isinstance(node, ast.For) and node is not loop and any(child is loop for child in ast.walk(node)):
            if best is None or any(child is node for child in ast.walk(best)):
                best = node
    return best


def _loops(body: list[Node] | tuple[Node, ...]) -> list[Loop]:
    found: list[Loop] = []
    for node in body:
        if isinstance(node, Loop):
            found.append(node)
            found.extend(_loops(node.body))
    return found
