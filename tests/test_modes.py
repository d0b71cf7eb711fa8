"""Modes and transforms in the contexts users create: threads, asyncio tasks, nesting, no_grad.

Every mode (`no_grad`, `detect_anomaly`, a transform's own) holds in the thread or task that
entered it and in no other, and a transform computes its gradient whatever the caller's mode.
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading

import pytest

from autodiff import (
    Value,
    check_partials,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    hessian,
    is_grad_enabled,
    no_grad,
    topological_order,
    value_and_grad,
)


@pytest.fixture
def switch_often():
    """Threads take turns every microsecond, so their work interleaves finely."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_while(mode_factory, work):
    """Run `work()` in a thread while another thread sits inside `mode_factory()`."""
    inside, release = threading.Event(), threading.Event()

    def sit():
        with mode_factory():
            inside.set()
            release.wait(timeout=60)

    sitter = threading.Thread(target=sit)
    sitter.start()
    inside.wait(timeout=60)
    results = []
    worker = threading.Thread(target=lambda: results.append(work()))
    try:
        worker.start()
        worker.join(timeout=120)
    finally:
        release.set()
        sitter.join(timeout=60)
    return results[0]


def test_a_thread_inside_no_grad_leaves_another_threads_gradients_alone(switch_often):
    def differentiate_thousands():
        wrong = []
        for i in range(3000):
            x = Value(float(i % 7))
            y = x * x + x
            y.backward()
            if x.grad != 2 * x.data + 1:
                wrong.append((x.data, x.grad))
        return wrong

    assert run_while(no_grad, differentiate_thousands) == []


def test_a_thread_inside_detect_anomaly_does_not_raise_in_another(switch_often):
    def make_a_nan():
        return [math.isnan((Value(math.inf) * 0).data) for _ in range(1000)]

    assert all(run_while(detect_anomaly, make_a_nan))


def test_threads_calling_grad_at_once_each_get_floats(switch_often):
    barrier = threading.Barrier(4)
    results: list[object] = []

    def f(x):
        y = x
        for _ in range(200):
            y = y * 1.0 + 0.0
        return y * y

    def call():
        barrier.wait()
        results.extend(grad(f)(float(k)) for k in range(1, 30))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 * 29
    assert all(type(r) is float for r in results)
    assert sorted(results) == sorted(2.0 * k for k in range(1, 30) for _ in range(4))


def test_threads_sharing_a_parameter_add_up_their_gradients_exactly(switch_often):
    shared = Value(1.5, name="w")
    constant = Value(2.0)
    gradients = []

    def work():
        for _ in range(1000):
            (shared * Value(1.0)).backward()  # each pass adds exactly 1 to shared.grad
            gradients.append(grad(lambda x: x * constant)(3.0))  # never touches constant.grad

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared.grad == 3000.0 and constant.grad == 0.0
    assert gradients == [2.0] * 3000


def test_threads_walking_one_graph_at_once_each_get_all_of_it(switch_often):
    """A walk marks the nodes it reaches; two walks of one graph at once (a drawing in one
    thread, a backward pass in another) must not take each other's marks for their own."""
    x = Value(0.5)
    y = x
    for _ in range(300):
        y = (y * 1.0001 + x).tanh()
    expected = [id(node) for node in topological_order(y)]
    barrier = threading.Barrier(4)
    orders: list[list[int]] = []

    def walk():
        barrier.wait()
        for _ in range(30):
            orders.append([id(node) for node in topological_order(y)])

    def differentiate():
        barrier.wait()
        for _ in range(30):
            y.backward()

    threads = [threading.Thread(target=walk) for _ in range(3)]
    threads.append(threading.Thread(target=differentiate))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(orders) == 90 and all(order == expected for order in orders)


def test_operations_record_the_same_nodes_in_every_recording_mode():
    """+ and * fill in their nodes themselves in the usual mode and go through the general
    path in any other: both must give the same node."""
    def build():
        a, b = Value(1.5), Value(-2.0)
        return [a + b, a * b, a + 3, 2 * a, a - b, sum([a, b], Value(0.25))]

    def described(nodes):
        return [(n.op, n.data, n.local_grads, [p.data for p in n.parents]) for n in nodes]

    plain = described(build())
    with enable_grad():
        assert described(build()) == plain
    with detect_anomaly():
        assert described(build()) == plain
    with no_grad():
        assert all(n.parents == () and n.local_grads == () for n in build())


def test_an_asyncio_task_holding_no_grad_across_an_await_leaves_other_tasks_alone():
    async def hold(started: asyncio.Event, release: asyncio.Event) -> None:
        with no_grad():
            started.set()
            await release.wait()
            assert not is_grad_enabled()

    async def differentiate() -> float:
        x = Value(3.0)
        (x * x).backward()
        return x.grad

    async def main() -> float:
        started, release = asyncio.Event(), asyncio.Event()
        holder = asyncio.create_task(hold(started, release))
        await started.wait()
        gradient = await asyncio.create_task(differentiate())
        release.set()
        await holder
        return gradient

    assert asyncio.run(main()) == 6.0


@pytest.mark.parametrize("make", [no_grad, detect_anomaly])
def test_one_instance_entered_twice_nested_restores_everything(make):
    switch = make()
    with switch:
        with switch:
            pass
        with switch:
            pass
    assert is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()
    assert math.isnan((Value(math.inf) * 0).data)  # no anomaly mode left behind


def test_a_decorated_function_calling_itself_restores_the_mode():
    @no_grad()
    def countdown(n: int) -> bool:
        return countdown(n - 1) if n else is_grad_enabled()

    assert countdown(3) is False and is_grad_enabled()


# --- transforms whatever the caller's mode -------------------------------------------------


def test_transforms_inside_no_grad_compute_their_gradients():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert value_and_grad(lambda x: x.exp())(0.0) == (1.0, 1.0)
        assert hessian(lambda x, y: x * x * y, (0, 1))(1.0, 2.0) == ((4.0, 2.0), (2.0, 0.0))
        assert gradcheck(lambda a, b: a * b.sin(), [0.3, 0.7]).ok
        assert check_partials(lambda a, b: a * b, [2.0, 5.0], {"a": lambda a, b: b}).ok
        assert (Value(1.0) * 2).parents == ()  # and no_grad still holds outside them
    assert is_grad_enabled()


def test_repeated_argnums_each_get_the_whole_gradient():
    assert grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0) == (3.0, 3.0)
    assert grad(lambda x, y: x * y, argnums=(1, 0, 1))(2.0, 3.0) == (2.0, 3.0, 2.0)
    assert value_and_grad(lambda x: x ** 3, argnums=(0, 0))(2.0) == (8.0, (12.0, 12.0))
    assert hessian(lambda x, y: x * x * y, argnums=(0, 0))(1.0, 2.0) == ((4.0, 4.0), (4.0, 4.0))
    assert hessian(lambda x, y: x * x * y, argnums=(0, 1, 0))(1.0, 2.0)[1] == (2.0, 0.0, 2.0)


def test_keyword_arguments_pass_through_and_are_never_differentiated():
    def f(x, y, *, scale=1.0, flip=False):
        out = x * y * scale
        return -out if flip else out

    assert grad(f)(1.0, 2.0, flip=True) == -2.0
    assert grad(f, (0, 1))(1.0, 2.0, scale=3.0) == (6.0, 3.0)
    assert value_and_grad(f)(1.0, 2.0, scale=Value(5.0)) == (10.0, 10.0)
    assert hessian(f, (0, 1))(1.0, 2.0, scale=2.0) == ((0.0, 2.0), (2.0, 0.0))
