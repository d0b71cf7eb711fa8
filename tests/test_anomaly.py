"""detect_anomaly: the first NaN or infinity stops the computation where it was made."""

from __future__ import annotations

import inspect
import math

import pytest

from autodiff import AnomalyError, Value, detect_anomaly
from autodiff.mode import current


def here() -> int:
    """The caller's line number."""
    return inspect.currentframe().f_back.f_lineno


def test_inf_times_zero_in_the_forward_pass_names_the_operation_and_the_line():
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        line = here(); Value(math.inf) * 0
    error = caught.value
    assert error.op == "*" and error.inputs == (math.inf, 0.0)
    assert error.site[0] == __file__ and error.site[1] == line
    assert isinstance(error, FloatingPointError)
    message = str(error)
    assert "'*' produced nan in the forward pass" in message
    assert "inputs:    inf, 0.0" in message and f"{__file__}:{line}" in message


def test_the_infinite_derivative_of_sqrt_at_zero_is_caught_in_backward():
    with detect_anomaly():
        x = Value(0.0)
        line = here(); y = x.sqrt() * 3
        with pytest.raises(AnomalyError) as caught:
            y.backward()
    error = caught.value
    assert error.op == "sqrt" and error.inputs == (0.0,) and error.site[1] == line
    assert "the local derivative of 'sqrt' with respect to input 0 is inf" in str(error)
    assert "y = x.sqrt() * 3" in str(error)  # the source line itself


def test_stepping_through_backward_checks_each_step_too():
    from autodiff import backward_steps

    with detect_anomaly():
        x = Value(0.0)
        y = x.sqrt() * 3
        steps = backward_steps(y)
        next(steps)  # the product: finite
        with pytest.raises(AnomalyError, match="'sqrt' with respect to input 0 is inf"):
            next(steps)


def test_a_gradient_that_overflows_in_backward_is_caught():
    with detect_anomaly():
        a, b = Value(1e200), Value(1e-200)
        y = (a * b) * 1e200  # finite forward; ∂y/∂b = 1e200 · 1e200
        with pytest.raises(AnomalyError, match=r"times the gradient 1e\+200 overflows") as caught:
            y.backward()
    assert caught.value.op == "*" and caught.value.inputs == (1e200, 1e-200)


def test_a_node_made_outside_the_mode_has_no_known_site():
    y = Value(0.0).sqrt()
    with detect_anomaly(), pytest.raises(AnomalyError, match="created outside detect_anomaly"):
        y.backward()


def test_off_by_default_the_engine_lets_non_finite_numbers_through():
    x = Value(0.0)
    assert math.isnan((Value(math.inf) * 0).data)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_it_nests_and_restores_the_previous_state():
    assert current().anomaly is False
    with detect_anomaly():
        y = Value(1.0) + 1
        with detect_anomaly():
            pass
        assert current().anomaly is True
    assert current().anomaly is False
    assert y._anomaly_site[0] == __file__  # kept on the node itself: no table to share


def test_it_works_as_a_decorator():
    @detect_anomaly()
    def log_of_zero_gradient():
        return Value(1e-320).log()  # 1/x overflows: the local derivative is inf

    y = log_of_zero_gradient()
    assert current().anomaly is False
    y.backward()  # outside the mode: silently inf
    with pytest.raises(AnomalyError, match="'log'"), detect_anomaly():
        log_of_zero_gradient().backward()


def test_steps_stopped_by_an_anomaly_leave_every_grad_as_backward_does():
    from autodiff import backward_steps

    with detect_anomaly():
        x, w = Value(0.0), Value(2.0)
        y = x.sqrt() * w + w
        x.grad, w.grad = 5.0, 7.0  # from an earlier pass
        with pytest.raises(AnomalyError):
            for _ in backward_steps(y):
                pass
        assert (x.grad, w.grad, y.grad) == (5.0, 7.0, 0.0)
        with pytest.raises(AnomalyError):
            y.backward()
        assert (x.grad, w.grad, y.grad) == (5.0, 7.0, 0.0)
