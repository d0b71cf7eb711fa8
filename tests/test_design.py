"""The design issue 23 asks for, held by tests that read the code and watch it run: each rule
once, every node made by one builder, the chain rule written once, and looking (drawings,
step pages) never writing a gradient, not even for a moment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autodiff import Value, backward_steps, draw_graph, stepper_html
from autodiff.rules import PRIMITIVES

ROOT = Path(__file__).resolve().parent.parent
AUTODIFF = ROOT / "autodiff"


def _tree(name: str) -> ast.Module:
    return ast.parse((AUTODIFF / name).read_text(encoding="utf-8"))


def _calls(node: ast.AST) -> set[str]:
    return {
        call.func.id for call in ast.walk(node)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    }


OPERATORS = [
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__neg__", "__pow__", "__rpow__", "__abs__", "exp", "log", "tanh",
    "sigmoid", "relu", "sin", "cos", "sqrt", "abs",
]


def _value_methods() -> dict[str, ast.FunctionDef]:
    (cls,) = [n for n in _tree("value.py").body
              if isinstance(n, ast.ClassDef) and n.name == "Value"]
    return {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}


@pytest.mark.parametrize("name", OPERATORS)
def test_every_operator_makes_its_node_through_build_and_computes_nothing_itself(name):
    """Each operator is written as a call of `build`; the usual ones run as the builder
    generated from the same table entry (tests/test_builders.py holds those to `build`, bit for
    bit), which keeps the written method as its source."""
    from autodiff import rules, value

    method = _value_methods()[name]
    assert "build" in _calls(method)
    arithmetic = [n for n in ast.walk(method) if isinstance(n, (ast.BinOp, ast.UnaryOp))
                  and not isinstance(n.op, ast.Not)]
    assert arithmetic == [], f"{name} computes something itself instead of its rule"
    if name in value.GENERATED:
        running = getattr(Value, name)
        assert running.primitive is PRIMITIVES[value.GENERATED[name]]
        assert running.__wrapped__.__code__.co_firstlineno == method.lineno
        named = [c.args[0].attr for c in ast.walk(method) if isinstance(c, ast.Call)
                 and isinstance(c.func, ast.Name) and c.func.id == "build"]
        assert [getattr(rules, n) for n in named] == [running.primitive]


def test_only_build_and_the_constructor_fill_in_a_node():
    """object.__new__(Value) (a node filled in by hand) appears in build alone."""
    makers = []
    for path in AUTODIFF.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "_new"
                for c in ast.walk(node)
            ):
                makers.append(node.name)
    assert makers == ["build"]


def test_the_chain_rule_is_written_once():
    """`.grad += ...` (the chain rule's accumulation) appears in graph.chain_rule alone."""
    places = []
    for path in AUTODIFF.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute)
                        and node.target.attr == "grad"):
                    places.append(f"{path.relative_to(AUTODIFF)}:{function.name}")
    assert set(places) == {"graph.py:chain_rule"}


class Watched(Value):
    """A leaf that keeps every number written into its `.grad`."""

    @property
    def grad(self):
        return self.__dict__.get("watched_grad", 0.0)

    @grad.setter
    def grad(self, number):
        self.__dict__.setdefault("writes", []).append(number)
        self.__dict__["watched_grad"] = number


def _watched_graph():
    x, y = Watched(2.0, name="x"), Watched(-3.0, name="y")
    x.grad, y.grad = 0.5, 0.25  # gradients a user's earlier backward left
    for leaf in (x, y):
        leaf.writes.clear()
    return x, y, (x * y + x.tanh()) * y


@pytest.mark.parametrize("look", [
    lambda root: draw_graph(root).source,
    lambda root: [draw_graph(root, step=s).source for s in backward_steps_snapshot(root)],
    lambda root: stepper_html(root),
], ids=["drawing", "drawn steps", "stepper page"])
def test_looking_never_writes_a_gradient_not_even_for_a_moment(look):
    x, y, root = _watched_graph()
    look(root)
    assert (x.writes, y.writes) == ([], []), "a drawing's pass wrote .grad"
    assert (x.grad, y.grad) == (0.5, 0.25)


def backward_steps_snapshot(root):
    """The steps a drawing shows, taken from its own pass (as `step_through` does)."""
    from autodiff.draw.steps import BackwardPass

    return BackwardPass.fresh(root).steps


def test_the_drawings_pass_gives_the_numbers_backward_gives():
    from autodiff.draw.steps import BackwardPass

    x, y, root = _watched_graph()
    drawn = BackwardPass.fresh(root).steps
    steps = list(backward_steps(root))  # this one adds into .grad, as documented
    assert [(s.node, s.grad, s.terms) for s in drawn] == [
        (s.node, s.grad, tuple(t.__class__(t.parent, t.local, t.contribution, t.before,
                                           t.total, t.total) for t in s.terms))
        for s in steps
    ]
    assert (x.grad, y.grad) == (0.5 + steps[-1].totals()[x], 0.25 + steps[-1].totals()[y])
