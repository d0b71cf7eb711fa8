"""The operators' builders, generated from the table (compiler/builders.py), against `build`,
the general builder: the same node to the bit, the same error, in every mode."""

from __future__ import annotations

import math
import struct
import sys
from contextlib import contextmanager, nullcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, detect_anomaly, no_grad
from autodiff.mode import _MODE, current
from autodiff.rules import PRIMITIVES
from autodiff.value import GENERATED, build

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324,
         sys.float_info.max, -sys.float_info.max, sys.float_info.min, 1e300, 710.0, -710.0]
floats = st.one_of(st.sampled_from(EDGES), st.floats(allow_nan=True, allow_infinity=True))


class Recording:
    """What compile's recording is told: the nodes made and the constants written."""

    def __init__(self) -> None:
        self.made: set[int] = set()
        self.constants: set[Value] = set()


@contextmanager
def recording():
    token = _MODE.set(current().entered(recording=Recording()))
    try:
        yield
    finally:
        _MODE.reset(token)


MODES = {"plain": nullcontext, "no_grad": no_grad, "detect_anomaly": detect_anomaly,
         "recording": recording}


def bits(x: object) -> object:
    return struct.pack("<d", x) if type(x) is float else x


def make(primitive, generated, args):
    """One line for both builders, so that detect_anomaly names the same place for both."""
    return generated(*args) if generated else build(primitive, tuple(args))


def outcome(method, args, mode, generated):
    primitive = PRIMITIVES[GENERATED[method]]
    with MODES[mode]():
        try:
            node = make(primitive, getattr(Value, method) if generated else None, args)
        except Exception as error:  # the error itself is what is compared
            return type(error), str(error)
        recorded = current().recording
        made = recorded is not None and id(node) in recorded.made
        constants = 0 if recorded is None else len(recorded.constants)
    parents = [bits(p.data) if p not in args else args.index(p) for p in node.parents]
    local_grads = node.local_grads if node.local_grads is None else tuple(
        map(bits, node.local_grads))
    return (bits(node.data), bits(node.grad), parents, local_grads, node.primitive, node.name,
            made, constants)


def _compare(method, numbers, constant, mode):
    args = [Value(x) for x in numbers]
    if constant is not None:  # a number beside a Value, on either side
        args[constant] = numbers[constant]
    assert outcome(method, args, mode, True) == outcome(method, args, mode, False)


UNARY = [m for m, name in GENERATED.items() if PRIMITIVES[name].arity == 1]
BINARY = [m for m, name in GENERATED.items() if PRIMITIVES[name].arity == 2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", UNARY)
@settings(max_examples=60, deadline=None)
@given(x=floats)
def test_a_generated_unary_builder_makes_builds_node_to_the_bit(method, mode, x):
    _compare(method, [x], None, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", BINARY)
@settings(max_examples=60, deadline=None)
@given(x=floats, y=floats, constant=st.sampled_from([None, 0, 1]))
def test_a_generated_binary_builder_makes_builds_node_to_the_bit(method, mode, x, y, constant):
    _compare(method, [x, y], constant, mode)


@pytest.mark.parametrize("method", BINARY)
def test_a_generated_builder_refuses_what_build_refuses(method):
    for other in ("2", None, [1.0]):
        _compare_refusal(method, other)


def _compare_refusal(method, other):
    args = [Value(1.5), other]
    refused = outcome(method, args, "plain", True)
    assert refused == outcome(method, args, "plain", False) and refused[0] is TypeError


def test_every_generated_operator_is_generated_from_its_own_entry():
    for method, name in GENERATED.items():
        assert getattr(Value, method).primitive is PRIMITIVES[name]
    # traced inline, not calls to the entry's functions
    assert "data = x * y" in Value.__mul__.source and "(y, x,)" in Value.__mul__.source
