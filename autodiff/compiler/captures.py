"""Where a compiled function finds the `Value`s it reads from outside its arguments.

`compile` reads such a Value from its `.data` on every call, but a program may also replace it
(`model.w = Value(10.0)`), and then `f` reads the new object while a replay would read the old
one. So each captured Value is looked for, once per recording, along the ways `f` can reach
objects without running code: its closure's cells, the object a method is bound to, its
defaults, the globals it names, and from there instance attributes, list and tuple items and
dictionary values (breadth first: the shortest ways). The replay checks that each way still
leads to the same object, and records `f` again when one does not. A Value reached some other
way (through a call, a property, an object with slots only) is not checked: it stays read
from `.data`.
"""

from __future__ import annotations

import types
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..value import Value

_MAX_OBJECTS = 20_000  # objects looked into per recording: the search stays a small cost
_MAX_DEPTH = 8  # steps from f
_MAX_WAYS = 4  # ways checked per captured Value


class Step(NamedTuple):
    """One step of a way to a captured Value: `code` applies it to an expression."""

    kind: str  # "contents", "attr", "item", "self", "closure", "defaults"
    key: Any = None


class Way(NamedTuple):
    """From a fixed object (a cell, a bound object, globals, f) to a captured Value."""

    start: Any
    steps: tuple[Step, ...]
    text: str  # for people: model.w, ws[2]


Ways = dict[Value, list[Way]]


def ways_to(f: Callable, targets: list[Value]) -> Ways:
    """The shortest ways (up to `_MAX_WAYS`) from `f` to each of `targets` that has one (see
    the module docstring). A replay checks them all: whichever way `f` takes, a Value replaced
    there is noticed (one replaced on a way f does not take costs a recording, never a wrong
    number)."""
    wanted = {id(v) for v in targets}
    found: Ways = {}
    seen: set[int] = set()
    queue = deque(_starts(f))
    looked = 0
    while queue and looked < _MAX_OBJECTS:
        obj, way = queue.popleft()
        if isinstance(obj, Value):  # each arrival is another way
            if id(obj) in wanted and len(found.setdefault(obj, [])) < _MAX_WAYS:
                found[obj].append(way)
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        looked += 1
        if len(way.steps) < _MAX_DEPTH:
            queue.extend((child, _longer(way, step, text)) for child, step, text in _inside(obj))
    return found


def _longer(way: Way, step: Step, text: str) -> Way:
    return Way(way.start, (*way.steps, step), way.text + text)


def _starts(f: Callable) -> Iterator[tuple[Any, Way]]:
    """The objects `f` holds itself, each with the way to it."""
    if isinstance(f, types.MethodType):
        yield f.__self__, Way(f.__self__, (), "self")
        f = f.__func__
    if not isinstance(f, types.FunctionType):
        yield f, Way(f, (), "f")  # a callable object: its attributes
        return
    for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
        yield from _contents(cell, name)
    if f.__defaults__:
        yield f.__defaults__, Way(f, (Step("defaults"),), "defaults")
    for name in _global_names(f.__code__):
        if name in f.__globals__:
            yield f.__globals__[name], Way(f.__globals__, (Step("item", name),), name)


def _contents(cell: types.CellType, name: str) -> Iterator[tuple[Any, Way]]:
    try:
        yield cell.cell_contents, Way(cell, (Step("contents"),), name)
    except ValueError:  # an empty cell
        return


def _global_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:  # the lambdas and comprehensions inside f
        if isinstance(const, types.CodeType):
            yield from _global_names(const)


def _inside(obj: Any) -> Iterator[tuple[Any, Step, str]]:
    """The objects `obj` holds where reading them runs no code of the program."""
    kind = type(obj)
    if kind is list or kind is tuple:
        for i, item in enumerate(obj):
            yield item, Step("item", i), f"[{i}]"
    elif kind is dict:
        for key, item in obj.items():
            yield item, Step("item", key), f"[{key!r}]"
    elif kind is types.MethodType:
        yield obj.__self__, Step("self"), ".__self__"
    elif kind is types.FunctionType:
        for i, (name, cell) in enumerate(zip(obj.__code__.co_freevars, obj.__closure__ or ())):
            for contents, _ in _contents(cell, name):
                yield contents, Step("closure", i), f".<{name}>"
    elif not isinstance(obj, (type, types.ModuleType)) and isinstance(
        getattr(obj, "__dict__", None), dict
    ):
        for name, item in vars(obj).items():
            if isinstance(name, str):
                yield item, Step("attr", name), f".{name}"


def step_code(step: Step, bind: Callable[[Any], str]) -> str:
    """Python that takes the step from the expression before it (`bind` names objects)."""
    if step.kind == "contents":
        return ".cell_contents"
    if step.kind == "attr":
        return f".__dict__[{step.key!r}]"
    if step.kind == "item":
        key = step.key
        return f"[{key!r}]" if type(key) in (int, str) else f"[{bind(key)}]"
    if step.kind == "self":
        return ".__self__"
    if step.kind == "closure":
        return f".__closure__[{step.key}].cell_contents"
    if step.kind == "defaults":
        return ".__defaults__"
    raise AssertionError(f"unknown step {step.kind!r}")
