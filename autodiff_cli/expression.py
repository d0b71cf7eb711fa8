"""Parse an arithmetic expression into a `Value` graph without ever evaluating Python.

The text is parsed by `ast` and walked against a whitelist: finite numbers, bound names,
`+ - * / **`, unary minus and plus, and calls of the engine's functions. Anything else
(attributes, subscripts, keywords, strings, lambdas, ...) is refused with `ExpressionError`
before any computation starts. Names are compared as Python compares identifiers, after NFKC
normalisation (`ｘ` and `𝑥` are `x`): `identifier` does the same to a binding's name.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Callable

from autodiff import PRIMITIVES, Value
from autodiff.rules import FUNCTIONS as FUNCTION_NAMES

FUNCTIONS: dict[str, Callable[[Value], Value]] = {name: PRIMITIVES[name] for name in FUNCTION_NAMES}
BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
MAX_LENGTH = 10_000


class ExpressionError(ValueError):
    """The expression is not one this parser accepts; the message says why."""


def identifier(name: str) -> str:
    """`name` as Python's parser reads it in an expression (PEP 3131: NFKC)."""
    return unicodedata.normalize("NFKC", name)


def parse(text: str, variables: dict[str, Value]) -> Value:
    """The graph of `text` with `variables` bound to their names (as `identifier` gives them)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if "^" in text:  # Python's XOR, nothing an expression here can use
        raise ExpressionError(f"^ is not a power: write ** instead: {text.replace('^', '**')!r}")
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(_syntax_error(text, error)) from None
    except (RecursionError, MemoryError):  # Python's parser has a depth limit of its own
        raise ExpressionError(
            "expression too deep for Python's parser: nested too deeply, or a chain of "
            "thousands of operations in a row"
        ) from None
    result = _evaluate(tree.body, variables, source)
    if not isinstance(result, Value):
        raise ExpressionError("the expression uses no variable: bind one with NAME=VALUE")
    return result


def _syntax_error(text: str, error: SyntaxError) -> str:
    """Where `text` is wrong, as a 1-based column of `text` itself: Python counts in the
    stripped text, and gives no column when the text ends too early. A bracket never closed
    is missing at the end."""
    lead = len(text) - len(text.lstrip())
    end = len(text.rstrip()) + 1
    at = lead + error.offset if error.offset else end
    if error.msg.endswith("was never closed"):
        return f"syntax error at column {end}: {error.msg} (opened at column {at}): {text!r}"
    return f"syntax error at column {at}: {error.msg}: {text!r}"


def _evaluate(tree: ast.AST, variables: dict[str, Value], source: str) -> Value | float:
    """The value of `tree`, walked with a stack of its own: a sum of a thousand terms is a
    tree a thousand deep, deeper than Python lets a function recurse."""
    results: list[Value | float] = []
    stack = [(tree, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node, source)
        if operands_done:
            start = len(results) - len(operands)
            value = _apply(node, results[start:], variables, source)
            del results[start:]
            results.append(value)
        else:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))
    return results[0]


def _operands(node: ast.AST, source: str) -> list[ast.AST]:
    """The nodes `node` is computed from, once it is known to be allowed."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {_text(node.func, source)!r}; "
                                  f"allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{name}() takes exactly one positional argument")
        return [node.args[0]]
    raise ExpressionError(f"not allowed in an expression: {_text(node, source)!r}")


def _apply(
    node: ast.AST, operands: list, variables: dict[str, Value], source: str
) -> Value | float:
    """The value of `node` from the values of its operands."""
    if isinstance(node, ast.Constant):
        return _number(node, source)
    if isinstance(node, ast.Name):
        if node.id in variables:
            return variables[node.id]
        hint = " (a function: call it)" if node.id in FUNCTIONS else ""
        raise ExpressionError(f"unbound name {node.id!r}{hint}: bind it with {node.id}=VALUE")
    if isinstance(node, ast.BinOp):
        try:
            return BINARY[type(node.op)](*operands)
        except OverflowError:
            raise ExpressionError(f"{_text(node, source)!r} overflows a float") from None
    if isinstance(node, ast.UnaryOp):
        return -operands[0] if isinstance(node.op, ast.USub) else operands[0]
    argument = operands[0] if isinstance(operands[0], Value) else Value(operands[0])
    return FUNCTIONS[node.func.id](argument)


def _number(node: ast.Constant, source: str) -> float:
    """A literal as a float (float arithmetic: no unbounded integer powers), finite as a
    binding must be: `1e400` is infinity to Python."""
    if type(node.value) not in (int, float):
        raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
    try:
        number = float(node.value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(f"the number {_text(node, source)} is not finite")
    return number


def _text(node: ast.AST, source: str) -> str:
    """The source of `node` (`ast.unparse` recurses, as deep as the tree)."""
    return ast.get_source_segment(source, node) or type(node).__name__
