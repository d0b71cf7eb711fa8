"""The names `from autodiff import *`, `import nn` and `autodiff.testing` offer: a contract.

Pinned before the redesign of issue 23 moved the modules behind them into folders; internal
module paths may change, these names may not (more may be added).
"""

from __future__ import annotations

import pytest

AUTODIFF = {
    "AnomalyError", "CompileWarning", "Compiled", "GradcheckError", "PRIMITIVES", "Primitive",
    "Report", "Step", "Value", "backpropagate", "backward_steps", "check_partials", "compile",
    "detect_anomaly", "draw_dot", "draw_graph", "enable_grad", "grad", "gradcheck", "hessian",
    "is_grad_enabled", "local_derivatives", "no_grad", "primitive", "step_through",
    "stepper_html", "testing", "topological_order", "value_and_grad", "weighted_sum",
    "weighted_sums", "write_step_svgs", "write_stepper_html",
}
NN = {
    "Adam", "Layer", "MLP", "Module", "Neuron", "Optimizer", "SGD", "accuracy", "batch_loss",
    "data", "fit", "from_torch", "functional_call", "load", "losses", "plot", "reference",
    "save", "to_torch",
}


def star(module: str) -> set[str]:
    namespace: dict = {}
    exec(f"from {module} import *", namespace)
    return {name for name in namespace if not name.startswith("__")}


@pytest.mark.parametrize(("module", "names"), [("autodiff", AUTODIFF), ("nn", NN)])
def test_star_import_offers_every_name_it_offered(module, names):
    assert names <= star(module)


def test_import_nn_offers_its_names_as_attributes():
    import nn

    assert {name for name in NN if not hasattr(nn, name)} == set()


def test_autodiff_testing_offers_the_pytest_helpers():
    import autodiff
    from autodiff.testing import Report, assert_gradcheck, assert_partials

    assert autodiff.testing.assert_gradcheck is assert_gradcheck
    assert callable(assert_partials) and Report is autodiff.Report


def test_compile_is_the_function_not_a_package():
    """`autodiff.compile` is the public function; the compiler's folder has another name."""
    import autodiff

    assert callable(autodiff.compile) and not hasattr(autodiff.compile, "__path__")
