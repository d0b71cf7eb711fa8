"""`autodiff.compile`: replays give exactly what the plain transforms give, guards record again."""

from __future__ import annotations

import math
import threading

import pytest
from expressions import build, points, trees
from hypothesis import given, settings

import autodiff
import autodiff.compiler.compiled
import autodiff.compiler.rolled
from autodiff import PRIMITIVES, Value, grad, hessian, no_grad, primitive, value_and_grad
from autodiff.compiler.compiled import GIVE_UP_AFTER, MAX_RECORDINGS, REPLAYS_PER_RECORDING
from autodiff.primitive import power


@pytest.fixture(autouse=True, params=["straight", "rolled"])
def writer(request, monkeypatch):
    """Every test runs with both ways of writing a replay: straight-line code, and the loops
    over tables that large graphs get (forced here on small ones, runs of two rolled)."""
    if request.param == "rolled":
        monkeypatch.setattr(autodiff.compiler.compiled, "ROLL_ABOVE", -1)
        monkeypatch.setattr(autodiff.compiler.rolled, "_MIN_REPEATS", 2)
    return request.param


def same(a, b) -> bool:
    """Equal to the bit (NaN equal to NaN, 0.0 not to -0.0), through lists and tuples of the
    same type."""
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a == 0.0 == b:
        return math.copysign(1.0, a) == math.copysign(1.0, b)  # the sign of zero too
    return a == b or (math.isnan(a) and math.isnan(b))


def outcome(call, *args):
    """What a call gives, or the type of the error it raises."""
    try:
        return call(*args)
    except Exception as error:  # the two must fail alike too
        return type(error)


def assert_agree(f, argnums, *points):
    """The compiled function against value_and_grad at each point, from one compiled object."""
    compiled = autodiff.compile(f, argnums)
    for args in points:
        expected = outcome(value_and_grad(f, argnums), *args)
        got = outcome(compiled.value_and_grad, *args)
        if isinstance(expected, type):
            assert got is expected, (args, got)
        else:
            assert same(got, expected), (args, got, expected)
            assert same(compiled(*args), expected[0])
    return compiled


@settings(max_examples=300, derandomize=True)
@given(trees, points, points, points, points)
def test_random_expressions_replay_to_the_bit(tree, x, y, x2, y2):
    f = lambda a, b: build(tree, {"x": a, "y": b})
    assert_agree(f, (0, 1), (x, y), (x2, y2), (y2, x))


EDGES = [-2.5, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.25, 1.0, 3.0, 800.0, math.inf, -math.inf,
         math.nan]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_primitive_replays_to_the_bit_at_its_edges(name):
    p = PRIMITIVES[name]
    arity = p.arity or 5  # weighted_sum: two products and a bias
    rows = [[EDGES[(i + 3 * k) % len(EDGES)] for k in range(arity)] for i in range(len(EDGES))]
    f = lambda *xs: p(*xs)
    assert_agree(f, tuple(range(arity)), *rows)


@pytest.mark.parametrize("n", [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5, 1e3])
def test_constant_powers_replay_to_the_bit(n):
    assert_agree(lambda x: x ** n, 0, *[(x,) for x in EDGES])
    assert power(n) is power(n)


def test_primitives_of_the_user_are_called_by_the_replay():
    @primitive(lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x))
    def erf(x):
        return math.erf(x)

    @primitive(lambda a, b: (b * math.cos(a * b), a * math.cos(a * b)))
    def sin_of_product(a, b):
        return math.sin(a * b)

    f = lambda x, y: erf(x * y) + sin_of_product(x, erf(y)) * x
    compiled = assert_agree(f, (0, 1), (0.3, 0.7), (-1.2, 2.0), (5.0, 0.1))
    assert "erf" not in compiled.recordings[0].source  # names are the compiler's own


def test_list_arguments_give_list_gradients_equal_to_one_per_element():
    f = lambda xs, y, zs: (xs[0] * y).tanh() + xs[1] * xs[2] / y + zs[0] * zs[1].exp()
    per_element = lambda a, b, c, y, d, e: f([a, b, c], y, (d, e))
    args = ([0.5, -1.0, 2.0], 1.5, (0.25, -0.75))
    value, (gx, gy, gz) = value_and_grad(f, (0, 1, 2))(*args)
    assert type(gx) is list and type(gz) is tuple and type(gy) is float
    expected = value_and_grad(per_element, tuple(range(6)))(*args[0], args[1], *args[2])
    assert (value, [*gx, gy, *gz]) == (expected[0], list(expected[1]))
    assert grad(f, (0, 2))(*args) == (gx, gz)
    compiled = autodiff.compile(f, (0, 1, 2))
    assert same(compiled.value_and_grad(*args), (value, (gx, gy, gz)))
    assert same(compiled.grad([0.1, 0.2, 0.3], 2.0, (1.0, 2.0)),
                grad(f, (0, 1, 2))([0.1, 0.2, 0.3], 2.0, (1.0, 2.0)))


def test_hessian_of_a_list_argument_is_a_matrix_of_lists():
    f = lambda xs, y: xs[0] * xs[0] * xs[1] + xs[1] * y * y
    assert hessian(f)([1.0, 2.0], 3.0) == [[4.0, 2.0], [2.0, 0.0]]
    h = hessian(f, (0, 1))([1.0, 2.0], 3.0)
    assert h == (([[4.0, 2.0], [2.0, 0.0]], [0.0, 6.0]), ([0.0, 6.0], 4.0))


def test_an_argnum_given_twice_gets_the_whole_gradient_each_time():
    f = lambda xs, y: xs[0] * xs[1] * y
    assert_agree(f, (0, 1, 0), ([2.0, 3.0], 4.0), ([1.0, -1.0], 0.5))


def test_a_comparison_is_a_guard_and_each_side_gets_its_own_recording():
    def f(x, y):
        if x > 0:
            return (x * y).log()
        return (-x * y).exp()

    compiled = assert_agree(f, (0, 1), (2.0, 3.0), (-2.0, 3.0), (1.0, 1.0), (-0.5, 2.0))
    assert len(compiled.recordings) == 2
    assert same(compiled(3.0, 1.0), math.log(3.0))  # the path of the most recent comes first
    assert same(compiled(-3.0, 1.0), math.exp(3.0))
    assert len(compiled.recordings) == 2


def test_comparisons_inside_max_and_on_nodes_outside_the_output_are_guarded():
    f = lambda x, y: max(x, y, x * y) * 2 if (x - y).exp() > 2 else x
    assert_agree(f, (0, 1), *[(a, b) for a in (-2.0, 0.5, 3.0) for b in (-1.0, 0.25, 2.5)])


def test_the_recordings_are_bounded_and_the_most_recently_used_kept():
    paths = MAX_RECORDINGS + 4

    def f(x):
        for k in range(paths):  # a loop that stops at the first k above x: one path per bucket
            if x < k:
                return x * k
        return x

    compiled = autodiff.compile(f)
    for k in range(paths):
        for _ in range(REPLAYS_PER_RECORDING + 1):  # replayed enough to pay for recording
            assert compiled(k - 0.5) == (k - 0.5) * k
        assert len(compiled.recordings) == min(k + 1, MAX_RECORDINGS)
    kept = compiled.recordings
    compiled(paths - 1.5)
    assert compiled.recordings == kept  # the most recent one again: nothing recorded
    compiled(0.5)
    assert len(compiled.recordings) == MAX_RECORDINGS and compiled.recordings[1] is kept[0]
    assert not compiled.eager and compiled.recorded == paths + 1


def test_values_read_from_outside_f_are_read_on_each_call():
    w = Value(2.0)
    compiled = autodiff.compile(lambda x: w * x + 1)
    assert compiled.value_and_grad(3.0) == (7.0, 2.0)
    w.data = -1.0
    assert compiled.value_and_grad(3.0) == (-2.0, -1.0)
    assert len(compiled.recordings) == 1


def test_other_arguments_and_keywords_select_the_recording():
    f = lambda x, n, scale=1.0: x ** n * scale
    compiled = autodiff.compile(f)
    for n, scale in [(2, 1.0), (3, 1.0), (2, 0.5), (2.0, 1.0), (2, 1.0)]:
        assert same(compiled.value_and_grad(1.5, n, scale=scale),
                    value_and_grad(f)(1.5, n, scale=scale))
    assert len(compiled.recordings) == 4  # 2 and 2.0 are recorded apart


def test_a_list_of_outputs_has_a_vjp_equal_to_the_chain_rule_seeded_with_it():
    f = lambda x, y: [x * y, (x + y).tanh(), x * y, 3.0]
    compiled = autodiff.compile(f, (0, 1))
    outputs, pullback = compiled.vjp(0.5, -2.0)
    assert outputs == [-1.0, math.tanh(-1.5), -1.0, 3.0]
    cotangent = [0.25, -1.5, 2.0, 7.0]
    x, y = Value(0.5), Value(-2.0)
    seeded = autodiff.weighted_sum(cotangent, f(x, y))  # Σ c_k · output_k
    expected = autodiff.backpropagate(seeded)
    assert pullback(cotangent) == (expected[x], expected[y])
    with pytest.raises(RuntimeError, match="once"):
        pullback(cotangent)
    with pytest.raises(ValueError, match="4 outputs"):
        compiled.vjp(0.5, -2.0)[1]([1.0])
    with pytest.raises(TypeError, match=r"list of 4.*vjp"):
        compiled.value_and_grad(0.5, -2.0)


def test_a_scalar_vjp_seeded_with_one_is_value_and_grad():
    f = lambda x: (x * x).sin()
    value, pullback = autodiff.compile(f).vjp(0.7)
    assert (value, pullback(1.0)) == value_and_grad(f)(0.7)


def test_errors_of_the_forward_pass_are_raised_as_f_raises_them():
    compiled = autodiff.compile(lambda x: x.log() + (x * 2).sqrt())
    assert compiled(1.0) == 0.0 + math.sqrt(2.0)
    with pytest.raises(ValueError, match=r"log\(-1.0\)"):
        compiled(-1.0)
    with pytest.raises(ZeroDivisionError):
        autodiff.compile(lambda x, y: x / y, (0, 1)).grad(1.0, 0.0)


def test_functions_that_ignore_or_return_their_inputs():
    assert_agree(lambda x: 3.0, 0, (1.0,), (2.0,))
    assert_agree(lambda x, y: x, (0, 1), (1.0, 2.0))
    assert_agree(lambda xs: xs[1], 0, ([1.0, 2.0, 3.0],))
    assert autodiff.compile(lambda x: [x, 2.0]).vjp(1.0)[1]([5.0, 1.0]) == 5.0


def test_what_cannot_be_replayed_is_refused_with_a_clear_error():
    def micrograd_style(x):
        out = Value(x.data * 2, (x,), "twice")
        out._backward = lambda: None
        return out

    with pytest.raises(TypeError, match="'twice' made micrograd's way"):
        autodiff.compile(micrograd_style)(1.0)

    def frozen(x):
        with no_grad():
            return x * 2

    with pytest.raises(RuntimeError, match="no_grad"):
        autodiff.compile(frozen)(1.0)
    with pytest.raises(TypeError, match="cannot guard"):
        autodiff.compile(lambda x: grad(lambda t: t.relu() * x)(x))(1.0)
    with pytest.raises(TypeError, match="argument 0 is a Value"):
        autodiff.compile(lambda x: x)(Value(1.0))
    with pytest.raises(TypeError, match=r"argument 0.*flat list of numbers"):
        autodiff.compile(lambda x: x)("1.0")
    with pytest.raises(TypeError, match=r"argument 1.*hashable"):
        autodiff.compile(lambda x, d: x)(1.0, {"a": 1})
    with pytest.raises(TypeError, match="must return"):
        autodiff.compile(lambda x: "x")(1.0)


def test_comparisons_in_another_thread_are_not_guards_of_a_recording():
    started, release = threading.Event(), threading.Event()
    a, b = Value(1.0), Value(2.0)

    def compare_meanwhile():
        started.wait()
        assert a < b
        release.set()

    def f(x):
        started.set()
        release.wait()
        return x * 2

    thread = threading.Thread(target=compare_meanwhile)
    thread.start()
    compiled = autodiff.compile(f)
    assert compiled(1.0) == 2.0
    thread.join()
    assert "if" not in compiled.recordings[0].source


def test_the_generated_code_holds_constants_and_no_name_from_the_program(writer):
    x = Value(2.0, name="secret")
    compiled = autodiff.compile(lambda t: t * x + (t * 0.25).relu() - math.inf)
    assert compiled(1.0) == 2.25 - math.inf
    source = compiled.recordings[0].source
    assert "secret" not in source and source.startswith("def replay(") and ".data" in source
    if writer == "straight":
        assert " * 0.25" in source  # the constant written in, x read


# --- captured Values, leaf or not, and the arguments that select a recording -----------------


def test_a_captured_value_that_is_not_a_leaf_is_read_from_its_data_on_each_call():
    """The issue's numbers: c = a * 3 captured; after a.data = 5 and c.data = 100, f reads
    c.data, 100, and so must the replay (it gave 15, recomputing c from a)."""
    a = Value(2.0)
    c = a * 3.0
    f = lambda x: x * c
    compiled = autodiff.compile(f)
    assert compiled(1.0) == 6.0
    a.data, c.data = 5.0, 100.0
    assert compiled(1.0) == f(Value(1.0)).data == 100.0
    assert compiled.value_and_grad(2.0) == value_and_grad(f)(2.0) == (200.0, 100.0)
    assert len(compiled.recordings) == 1 and compiled.recordings[0].captured == (c,)


def test_nodes_made_inside_f_from_captured_values_are_recomputed():
    w = Value(2.0)
    f = lambda x: x * (w * w) + (w + 1.0).tanh()  # w * w is made in f: computed from w.data
    compiled = autodiff.compile(f)
    compiled(1.0)
    w.data = -3.0
    assert same(compiled.value_and_grad(0.5), value_and_grad(f)(0.5))


def test_a_replaced_captured_value_is_noticed_and_recorded_again():
    class Model:
        def __init__(self):
            self.w = Value(2.0)
            self.layers = [{"b": Value(1.0)}]

    model = Model()
    f = lambda x: model.w * x + model.layers[0]["b"]
    compiled = autodiff.compile(f)
    assert compiled(3.0) == 7.0
    model.w = Value(10.0)  # the replacement: f reads the new object
    assert compiled(3.0) == 31.0 == f(Value(3.0)).data
    model.layers[0]["b"] = Value(-1.0)
    assert compiled.value_and_grad(3.0) == (29.0, 10.0)
    model.layers = []  # the way is gone: f itself fails, and so does the call
    with pytest.raises(IndexError):
        compiled(3.0)
    assert len(compiled.recordings) == 3


def test_replaced_values_in_closures_defaults_globals_and_bound_objects_are_noticed():
    global GLOBAL_W
    GLOBAL_W = Value(1.0)
    holder = [Value(2.0)]

    class Scaled:
        def __init__(self):
            self.s = Value(3.0)

        def __call__(self, x, d=None):
            return x * self.s

        def method(self, x):
            return x * self.s * GLOBAL_W * holder[0]

    scaled = Scaled()
    compiled = autodiff.compile(scaled.method)
    assert compiled(1.0) == 6.0
    for replace, expected in [(lambda: setattr(scaled, "s", Value(5.0)), 10.0),
                              (lambda: holder.__setitem__(0, Value(7.0)), 35.0),
                              (lambda: globals().__setitem__("GLOBAL_W", Value(-1.0)), -35.0)]:
        replace()
        assert compiled(1.0) == expected == scaled.method(Value(1.0)).data

    def with_default(x, w=Value(4.0)):  # noqa: B008 (the default is the captured Value)
        return x * w

    compiled = autodiff.compile(with_default)
    assert compiled(2.0) == 8.0
    with_default.__defaults__ = (Value(0.5),)
    assert compiled(2.0) == 1.0


def test_numbers_that_select_a_recording_are_keyed_by_their_bits():
    """The issue's numbers: f with copysign(1, s) gives (-2, -1) for s = -0.0 eagerly; with
    0.0 and -0.0 sharing a recording the replay gave (2, 1)."""
    f = lambda x, s: x * math.copysign(1.0, s)
    compiled = autodiff.compile(f)
    assert compiled.value_and_grad(2.0, 0.0) == (2.0, 1.0)
    assert compiled.value_and_grad(2.0, -0.0) == value_and_grad(f)(2.0, -0.0) == (-2.0, -1.0)
    assert compiled.value_and_grad(2.0, [0.0, -0.0][1]) == (-2.0, -1.0)
    assert len(compiled.recordings) == 2
    nan = autodiff.compile(lambda x, s: x * 2.0 if s != s else x)
    for _ in range(3):
        assert nan(1.5, math.nan) == 3.0
        assert nan(1.5, -math.nan) == 3.0
    assert nan.recorded == 1 and nan.replayed == 5  # a NaN argument hits its recording


# --- when recording does not pay -----------------------------------------------------------


def fourteen_guards(xs):
    """Fourteen comparisons: random inputs take one of 2**14 paths, so recordings rarely hit."""
    total = xs[0] * 0.0
    for x in xs:
        total = total + (x * x if x > 0 else (x * 0.5).tanh())
    return total


def test_a_function_whose_recordings_rarely_hit_runs_eagerly_and_says_so_once():
    import random
    import warnings

    rng = random.Random(7)
    compiled = autodiff.compile(fourteen_guards)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(200):
            xs = [rng.uniform(-1, 1) for _ in range(14)]
            assert same(compiled.value_and_grad(xs), value_and_grad(fourteen_guards)(xs))
            assert same(compiled(xs), fourteen_guards([Value(x) for x in xs]).data)
    warned = [w for w in caught if issubclass(w.category, autodiff.CompileWarning)]
    assert len(warned) == 1 and compiled.eager and compiled.recordings == ()
    message = str(warned[0].message)
    assert "fourteen_guards" in message and "the comparison '>'" in message
    assert f"test_compile.py:{fourteen_guards.__code__.co_firstlineno + 4}" in message
    assert compiled.recorded == GIVE_UP_AFTER


def test_after_giving_up_a_vjp_of_a_list_of_outputs_is_still_the_chain_rule():
    f = lambda x, y, n: [x * y if x > y else x - y, (x + y).tanh() * n, 3.0]
    compiled = autodiff.compile(f, (0, 1))
    with pytest.warns(autodiff.CompileWarning, match="the arguments that select a recording"):
        for n in range(GIVE_UP_AFTER + 1):  # a new static argument each call: never replayed
            compiled.vjp(0.5, -2.0, n)
    assert compiled.eager
    outputs, pullback = compiled.vjp(0.5, -2.0, 7)
    x, y = Value(0.5), Value(-2.0)
    cotangent = [0.25, -1.5, 2.0]
    expected = autodiff.backpropagate(autodiff.weighted_sum(cotangent, f(x, y, 7)))
    assert outputs == [-1.0, math.tanh(-1.5) * 7, 3.0]
    assert pullback(cotangent) == (expected[x], expected[y])
    with pytest.raises(RuntimeError, match="once"):
        pullback(cotangent)
    with pytest.raises(TypeError, match="argument 0 is a Value"):
        compiled(Value(1.0), 2.0, 1)


def test_a_function_whose_recordings_pay_keeps_them():
    import warnings

    compiled = autodiff.compile(lambda x: x.relu() if x > 1 else -x if x > 0 else x * x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(300):
            compiled(k % 3 - 0.5)
    assert not compiled.eager and compiled.recorded == 3 and compiled.replayed == 297


# --- large graphs: runs of repeated operations replayed as loops -----------------------------


@primitive(lambda t: 2.0 / math.sqrt(math.pi) * math.exp(-t * t))
def erf(t):
    return math.erf(t)


def long_chain(x, ws, scale):
    """30,000 operations of eight kinds in a repeating pattern, a comparison every 500."""
    v = x
    for k in range(3_000):
        w = ws[k % len(ws)]
        v = (v * w + 0.25).tanh() * scale + erf(v) / 3.0 - (v - w).relu() * 0.5
        v = v.sigmoid() * 2.0 - 1.0 if k % 500 or v > 0 else v * 0.5
    return v


def bits(x):
    return repr(x) if not isinstance(x, (list, tuple)) else [bits(e) for e in x]


def test_a_large_graph_is_replayed_by_loops_to_the_bit():
    scale = Value(0.9)
    compiled = autodiff.compile(lambda x, ws: long_chain(x, ws, scale), (0, 1))
    f = lambda x, ws: long_chain(x, ws, scale)
    for x, ws in [(0.3, [0.5, -1.25, 2.0]), (-0.7, [1.5, 0.25, -0.5]), (0.0, [0.0, -0.0, 1.0])]:
        assert bits(compiled.value_and_grad(x, ws)) == bits(value_and_grad(f, (0, 1))(x, ws))
    scale.data = -0.4  # a captured Value is read on each call in loops too
    assert bits(compiled.value_and_grad(0.2, [1.0, 2.0, 3.0])) == bits(
        value_and_grad(f, (0, 1))(0.2, [1.0, 2.0, 3.0]))
    source = compiled.recordings[0].source
    assert source.count("\n") < 1_000 and "    for " in source  # loops, not 60,000 lines


def test_a_large_graph_with_a_list_of_outputs_has_the_chain_rules_vjp():
    def f(xs):
        outputs, v = [], xs[0]
        for k in range(12_000):
            v = (v * xs[k % 3] + 0.5).tanh()
            if k % 1000 == 0:
                outputs.append(v * 2.0)
        return outputs

    compiled = autodiff.compile(f)
    xs = [0.9, -0.4, 1.1]
    outputs, pullback = compiled.vjp(xs)
    nodes = [Value(x) for x in xs]
    cotangent = [0.5 * k - 2.0 for k in range(len(outputs))]
    expected = autodiff.backpropagate(autodiff.weighted_sum(cotangent, f(nodes)))
    assert outputs == [o.data for o in f([Value(x) for x in xs])]
    assert bits(pullback(cotangent)) == bits([expected[n] for n in nodes])


def test_a_value_reachable_two_ways_is_checked_on_both():
    shared = Value(2.0)
    model = {"w": shared, "all": [shared]}
    compiled = autodiff.compile(lambda x: x * model["w"])
    assert compiled(1.0) == 2.0
    model["all"][0] = Value(5.0)  # not the way f takes: recorded again, the same number
    assert compiled(1.0) == 2.0
    model["w"] = Value(3.0)
    assert compiled(1.0) == 3.0 and compiled.recorded == 3
