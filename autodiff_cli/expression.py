"""Parse an arithmetic expression into a `Value` graph without ever evaluating Python.

The text is parsed by `ast` and walked against a whitelist: numbers, bound names, `+ - * / **`,
unary minus and plus, and calls of the engine's functions. Anything else (attributes,
subscripts, keywords, strings, lambdas, ...) is refused with `ExpressionError` before any
computation starts.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from autodiff import PRIMITIVES, Value
from autodiff.value import FUNCTIONS as FUNCTION_NAMES

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


def parse(text: str, variables: dict[str, Value]) -> Value:
    """The graph of `text` with `variables` bound to their names."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if "^" in text:  # Python's XOR, nothing an expression here can use
        raise ExpressionError(f"^ is not a power: write ** instead: {text.replace('^', '**')!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(_syntax_error(text, error)) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression nested too deeply") from None
    try:
        result = _evaluate(tree.body, variables)
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None
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


def _evaluate(node: ast.AST, variables: dict[str, Value]) -> Value | float:
    if isinstance(node, ast.Constant):
        if type(node.value) in (int, float):
            return float(node.value)  # float arithmetic: no unbounded integer powers
        raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
    if isinstance(node, ast.Name):
        if node.id in variables:
            return variables[node.id]
        hint = " (a function: call it)" if node.id in FUNCTIONS else ""
        raise ExpressionError(f"unbound name {node.id!r}{hint}: bind it with {node.id}=VALUE")
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _evaluate(node.left, variables), _evaluate(node.right, variables)
        try:
            return BINARY[type(node.op)](left, right)
        except OverflowError:
            raise ExpressionError(f"{ast.unparse(node)!r} overflows a float") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, variables)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        return _call(node, variables)
    raise ExpressionError(f"not allowed in an expression: {ast.unparse(node)!r}")


def _call(node: ast.Call, variables: dict[str, Value]) -> Value:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {ast.unparse(node.func)!r}; allowed: {', '.join(FUNCTIONS)}"
        )
    if node.keywords or len(node.args) != 1:
        raise ExpressionError(f"{name}() takes exactly one positional argument")
    argument = _evaluate(node.args[0], variables)
    if not isinstance(argument, Value):
        argument = Value(argument)
    return FUNCTIONS[name](argument)
