"""The `autodiff` command, through its entry point and as an installed console script."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff.draw.dot import CHOICE, formats
from autodiff_cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse's own usage errors and --help
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def gradients(output: str) -> dict[str, float]:
    lines = [line.split(" = ") for line in output.splitlines() if line.startswith("d/d")]
    return {name[3:]: float(number) for name, number in lines}


def test_graph_prints_every_gradient(capsys):
    status, out, _ = run(capsys, "graph", "tanh(w*x + b) * x - 2 / x", "w=0.5", "x=1.5", "b=-0.25")
    assert status == 0
    z = 0.5 * 1.5 - 0.25
    t = math.tanh(z)
    expected = {
        "w": (1 - t * t) * 1.5 * 1.5,
        "x": (1 - t * t) * 0.5 * 1.5 + t + 2 / 1.5**2,
        "b": (1 - t * t) * 1.5,
    }
    assert gradients(out) == pytest.approx(expected, rel=1e-15)
    assert f"value = {t * 1.5 - 2 / 1.5!r}" in out


def test_graph_supports_every_function_and_power(capsys):
    expression = (
        "exp(x) + log(x) + sigmoid(x) + relu(x) + sin(x) + cos(x) + sqrt(x) + abs(-x)"
        " + x**2 + 2**x"
    )
    status, out, _ = run(capsys, "graph", expression, "x=0.5")
    assert status == 0
    s = 1 / (1 + math.exp(-0.5))
    expected = (math.exp(0.5) + 2 + s * (1 - s) + 1 + math.cos(0.5) - math.sin(0.5)
                + 0.5 / math.sqrt(0.5) + 1 + 1 + math.log(2) * 2**0.5)
    assert gradients(out)["x"] == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    "expression, words",
    [
        ("__import__('os').system('touch PWNED')", "unknown function"),
        ("x.__class__", "not allowed"),
        ("x[0]", "not allowed"),
        ("(lambda: 1)()", "unknown function"),
        ("exp(x=1)", "one positional"),
        ("'a' * x", "only numbers"),
        ("x +", "syntax error"),
        ("y * x", "unbound name 'y'"),
        ("exp * x", "a function"),
        ("log(x - 1)", "log(0.0)"),
        ("10.0 ** 1000 * x", "overflows"),
        ("(" * 200 + "x" + ")" * 200, ""),
    ],
)
def test_graph_refuses_bad_expressions_with_status_2_and_one_line(
    capsys, tmp_path, monkeypatch, expression, words
):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "graph", expression, "x=1")
    if expression.startswith("(" * 200):  # deep but legal: accepted or refused cleanly
        assert status in (0, 2)
        return
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err and "Traceback" not in err
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("binding", ["x", "1x=2", "x=abc", "x=nan", "exp=1"])
def test_graph_refuses_bad_bindings(capsys, binding):
    status, _, err = run(capsys, "graph", "x * 2", binding)
    assert status == 2 and err.startswith("autodiff: error:")


def test_help_everywhere(capsys):
    for argv in (["--help"], ["graph", "--help"], ["demo", "--help"], ["check", "--help"],
                 ["notebooks", "--help"]):
        status, out, _ = run(capsys, *argv)
        assert status == 0 and "usage: autodiff" in out


def test_console_script_is_installed_and_refuses_without_a_traceback(tmp_path):
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent))
    assert script, "the autodiff console script is not installed beside the interpreter"
    hostile = subprocess.run(
        [script, "graph", "__import__('os').system('touch PWNED')", "x=1"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert hostile.returncode == 2 and "Traceback" not in hostile.stderr
    assert not (tmp_path / "PWNED").exists()


def test_demo_trains_and_writes_its_pictures(capsys, tmp_path):
    from drawings import parse

    from nn.notation import symbol

    status, out, err = run(capsys, "demo", "--out", str(tmp_path / "pictures"), "--steps", "300")
    assert status == 0
    accuracy = float(out.split("accuracy ")[1].split("%")[0])
    assert accuracy >= 97.0
    drawing = parse((tmp_path / "pictures" / "neuron.svg").read_bytes())
    j = int(re.search(r"neuron (\d+) of layer 1 on sample \d+, the one the model fits worst",
                      out)[1])
    grads = [float(drawing.named(symbol(p, *indices, layer=1)).texts[-1])
             for p, indices in (("w", (j, 1)), ("w", (j, 2)), ("b", (j,)))]
    assert max(map(abs, grads)) > 0.01  # issue 12: on a sample already fitted, 3.787e-5
    png = (tmp_path / "pictures" / "decision_boundary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(tmp_path / "pictures" / "neuron.svg") in out
    assert "fit" in err  # the progress bar


def test_demo_refuses_a_bad_step_count(capsys, tmp_path):
    status, _, err = run(capsys, "demo", "--out", str(tmp_path), "--steps", "0")
    assert status == 2 and "--steps" in err


@pytest.mark.parametrize("seed", range(8))
def test_check_agrees_on_random_networks(capsys, seed):
    status, out, _ = run(capsys, "check", "--seed", str(seed))
    assert status == 0 and "passed" in out and "FAIL" not in out
    assert out.count(" ok") >= 2  # at least one weight and one bias


def test_check_exits_1_when_the_reference_disagrees(capsys, monkeypatch):
    import nn.reference

    real = nn.reference.gradients

    def wrong(mlp, x, y):
        grads = real(mlp, x, y)
        name = next(iter(grads))
        grads[name] *= 1 + 1e-6
        return grads

    monkeypatch.setattr(nn.reference, "gradients", wrong)
    status, out, _ = run(capsys, "check", "--seed", "1")
    assert status == 1 and "FAIL" in out


NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_notebooks_are_copied_into_the_default_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "notebooks")
    assert status == 0 and "jupyter lab autodiff-notebooks" in out
    copied = sorted((tmp_path / "autodiff-notebooks").iterdir())
    assert [c.name for c in copied] == [n.name for n in NOTEBOOKS] and len(copied) >= 3
    assert all(c.read_bytes() == n.read_bytes() for c, n in zip(copied, NOTEBOOKS))


def test_notebooks_never_overwrite_and_copy_nothing_then(capsys, tmp_path):
    mine = tmp_path / "new" / "dir"
    assert run(capsys, "notebooks", str(mine))[0] == 0
    status, _, err = run(capsys, "notebooks", str(mine))
    assert status == 2 and f"not overwriting {mine / NOTEBOOKS[0].name} (and " in err
    edited = mine / NOTEBOOKS[-1].name
    edited.write_text("my edits")
    for other in NOTEBOOKS[:-1]:
        (mine / other.name).unlink()
    status, out, err = run(capsys, "notebooks", str(mine))
    assert status == 2 and out == "" and "Traceback" not in err
    assert err.strip().splitlines() == [f"autodiff: error: not overwriting {edited}: "
                                        "choose another DIR or move the old files away"]
    assert [p.name for p in mine.iterdir()] == [edited.name]  # nothing copied
    assert edited.read_text() == "my edits"


def test_notebooks_into_a_file_are_refused_in_one_line(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    status, _, err = run(capsys, "notebooks", str(tmp_path / "file"))
    assert status == 2 and len(err.strip().splitlines()) == 1 and "cannot copy" in err


def test_an_installation_without_notebooks_says_so_in_one_line(capsys, tmp_path, monkeypatch):
    from autodiff_cli import notebooks

    monkeypatch.setattr(notebooks, "SOURCES", (tmp_path / "shipped", tmp_path / "checkout"))
    status, _, err = run(capsys, "notebooks", str(tmp_path / "mine"))
    assert status == 2 and len(err.strip().splitlines()) == 1 and "no notebooks" in err
    assert not (tmp_path / "mine").exists()


@pytest.mark.parametrize("name", ["g.svg", "g.png", "g.dot"])
def test_graph_draws_to_the_format_of_the_extension(capsys, tmp_path, name):
    status, out, _ = run(capsys, "graph", "x * y + 1", "x=2", "y=3", "-o", str(tmp_path / name))
    assert status == 0 and f"graph written to {tmp_path / name}" in out
    written = (tmp_path / name).read_bytes()
    assert {"g.svg": b"<svg", "g.png": b"\x89PNG", "g.dot": b"digraph"}[name] in written[:400]


def test_graph_draws_for_slides_dark_and_sharp(capsys, tmp_path):
    import struct

    sizes = []
    for dpi in ("96", "192"):
        path = tmp_path / f"g{dpi}.png"
        status, _, _ = run(capsys, "graph", "x * y", "x=2", "y=3", "-o", str(path),
                           "--theme", "dark", "--dpi", dpi)
        assert status == 0
        sizes.append(struct.unpack(">II", path.read_bytes()[16:24]))
    assert sizes[1][0] == pytest.approx(2 * sizes[0][0], rel=0.02)
    status, _, err = run(capsys, "graph", "x * y", "x=2", "y=3", "-o", str(path), "--dpi", "0")
    assert status == 2 and "--dpi must be between 10 and 2400, got 0" in err


def refused(err: str, name: str) -> bool:
    """Whether `err` is the one-line refusal of an unwritable format, before any work."""
    return (len(err.strip().splitlines()) == 1 and "unsupported format" in err
            and ".svg, .png" in err and ".dot, .gv" in err
            and ("PDF needs Graphviz" in err) == name.endswith(".pdf"))


@pytest.mark.parametrize("name", ["g", "g.xyz"])
def test_graph_refuses_an_unsupported_format_before_any_work(capsys, tmp_path, name):
    status, out, err = run(capsys, "graph", "x * 2", "x=1", "-o", str(tmp_path / name))
    assert status == 2 and out == "" and refused(err, name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["g.pdf", "g.gif"])
def test_graph_writes_what_the_renderer_found_here_writes(capsys, tmp_path, name):
    """graphviz-pure writes SVG and PNG only; Graphviz's `dot` PDF, GIF and more. The tests ask
    which one they run under (.ci/run runs them under both)."""
    status, out, err = run(capsys, "graph", "x * 2", "x=1", "-o", str(tmp_path / name))
    if name[2:] in formats():
        assert status == 0 and "graph written to" in out
        assert (tmp_path / name).read_bytes()[:4] == {"g.pdf": b"%PDF", "g.gif": b"GIF8"}[name]
    else:
        assert status == 2 and out == "" and refused(err, name)
        assert list(tmp_path.iterdir()) == []


def test_graph_writes_pdf_where_graphviz_is_installed(capsys, tmp_path, monkeypatch):
    """A system `dot` on PATH writes PDF: here a stand-in that answers as one would."""
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\ncat > /dev/null\nprintf '%%PDF-1.4 stand-in'\n")
    fake.chmod(0o755)
    monkeypatch.delenv(CHOICE, raising=False)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    status, out, err = run(capsys, "graph", "x * 2", "x=1", "-o", str(tmp_path / "g.pdf"))
    assert "graph written to" in out
    assert status == 0 and err == ""
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


def test_demo_without_matplotlib_says_how_to_get_it_before_training(capsys, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    status, out, err = run(capsys, "demo", "--out", str(tmp_path))
    assert status == 2 and "autodiff-scalar[demo]" in err and "training" not in out


def autodiff(*argv: str, cwd: Path, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """The installed console script, run as a user runs it."""
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent))
    return subprocess.run([script, *argv], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120)


BIG = " + ".join(["x*y"] * 300)  # 601 nodes: more than draw_graph lays out


@pytest.mark.parametrize("argv, words", [
    (["graph", "x^2", "x=1"], "write ** instead: 'x**2'"),
    (["graph", "x * (y", "x=1", "y=2"], "column 7: '(' was never closed (opened at column 5)"),
    (["graph", "x +", "x=1"], "column 4"),
    (["graph", "x*y", "x=1", "y=2", "-o", "out.xyz"], "out.xyz: unsupported format"),
    (["graph", BIG, "x=1", "y=2", "-o", "big.svg"], "cannot draw big.svg: draw_graph"),
    (["graph", "x * 2", "x=abc"], "'abc' is not a number"),
    (["graph", "x * 2", "x=1", "-q"], "expected NAME=VALUE, got '-q'"),
    (["graph", "x * 2", "x=1", "-o", "missing/g.svg"], "cannot write missing/g.svg"),
    (["graph"], "the following arguments are required: EXPR"),
    (["nonsense"], "invalid choice: 'nonsense'"),
    (["check", "--seed", "one"], "invalid int value: 'one'"),
    (["demo", "--steps", "0"], "--steps must be at least 1"),
], ids=["caret", "unclosed", "early end", "xyz", "too big to draw", "binding", "unknown option",
        "no such directory", "no expression", "no such command", "bad seed", "no steps"])
def test_every_error_is_one_line_status_2_and_no_traceback(tmp_path, argv, words):
    result = autodiff(*argv, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("autodiff") and words in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("output", [[], ["-o", "g.dot"]], ids=["printed", "drawn"])
def test_an_expression_starting_with_a_minus_is_an_expression(tmp_path, output):
    result = autodiff("graph", "-x*y", "x=1", "y=2", *output, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert gradients(result.stdout) == {"x": -2.0, "y": -1.0}
    if output:
        assert (tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's read-only /proc")
def test_demo_into_an_unwritable_place_fails_before_training(tmp_path):
    """/proc takes no new files, even from root; the old demo trained for minutes first."""
    result = autodiff("demo", "--out", "/proc", "--steps", "100000", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("autodiff: error: cannot write to /proc: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_closed_pipe_is_one_line_and_status_2(tmp_path):
    """`autodiff graph ... | head -0`: the reader is gone before the first line is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = autodiff("graph", "x * y", "x=1", "y=2", cwd=tmp_path, stdout=write)
    finally:
        os.close(write)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == "autodiff: error: the output was closed before all of it was written\n"


def test_demo_that_cannot_write_a_picture_after_training_says_so_in_one_line(tmp_path):
    (tmp_path / "neuron.svg").mkdir()  # the directory is writable, the picture's name is taken
    result = autodiff("demo", "--out", str(tmp_path), "--steps", "1", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("autodiff: error: cannot write the pictures:")
    assert "neuron.svg" in result.stderr.splitlines()[-1]


# Names, literals, long sums and a leading minus (issue 20): the expression and the bindings
# must read a name the same way, and every refusal is one line with status 2.


@pytest.mark.parametrize("argv, expected", [
    (["𝑥*𝑦", "𝑥=2", "𝑦=3"], {"𝑥": 3.0, "𝑦": 2.0}),  # mathematical italic: x and y to Python
    (["ｘ*3 + x", "x=1"], {"x": 4.0}),  # fullwidth ｘ is x in the expression too
    (["ﬁ*2", "fi=1.5"], {"fi": 2.0}),  # a ligature
    (["x*3", "ｘ=2"], {"ｘ": 3.0}),
])
def test_graph_reads_a_name_as_python_does_in_the_expression_and_the_bindings(
    capsys, argv, expected
):
    status, out, err = run(capsys, "graph", *argv)
    assert (status, err) == (0, "") and gradients(out) == expected


@pytest.mark.parametrize("bindings, words", [
    (["x=1", "x=5"], "x is bound twice: x=1 and x=5"),  # the last one silently won
    (["x=1", "ｘ=2"], "ｘ is bound twice: x=1 and ｘ=2 (Python reads ｘ as x)"),  # d/dｘ = 0
    (["𝑥=1", "x=2"], "x is bound twice: 𝑥=1 and x=2"),
    (["ｔａｎｈ=1"], "'ｔａｎｈ' is a function and cannot be bound"),
])
def test_graph_refuses_a_name_bound_twice_in_any_spelling(tmp_path, bindings, words):
    result = autodiff("graph", "ｘ*3", *bindings, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"autodiff: error: {words}\n"


@pytest.mark.parametrize("expression, literal", [
    ("1e400*x", "1e400"), ("x - 2e308", "2e308"), ("x * " + "9" * 400, "9" * 400)])
def test_graph_refuses_a_literal_that_is_not_finite_as_it_refuses_a_binding(
    tmp_path, expression, literal
):
    """`1e400` is infinity to Python: it printed value = inf, as x=1e309 is refused."""
    result = autodiff("graph", expression, "x=1", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"autodiff: error: the number {literal} is not finite\n"
    assert autodiff("graph", "x", "x=1e309", cwd=tmp_path).stderr == (
        "autodiff: error: x: '1e309' is not a finite number\n")


@pytest.mark.parametrize("expression, value, gradient", [
    (" + ".join(["x"] * 1000), 2000.0, 1000.0),  # was refused as "nested too deeply"
    ("+".join(f"{k}*x" for k in range(1, 1501)), 1125750.0 * 2, 1125750.0),
    ("-" * 2000 + "x", 2.0, 1.0),
    ("x" + "*1" * 2500, 2.0, 1.0),
])
def test_graph_takes_a_chain_of_thousands_of_operations(capsys, expression, value, gradient):
    status, out, err = run(capsys, "graph", expression, "x=2")
    assert (status, err) == (0, "")
    assert f"value = {value!r}" in out and gradients(out) == {"x": gradient}


@pytest.mark.parametrize("expression", [
    "(" * 300 + "x" + ")" * 300, "tanh(" * 300 + "x" + ")" * 300, "-" * 4000 + "x",
    "+".join(["x"] * 4000), "**".join(["x"] * 3000)],
    ids=["brackets", "calls", "minus signs", "4000 terms", "3000 powers"])
def test_graph_refuses_what_python_cannot_parse_in_one_line(tmp_path, expression):
    result = autodiff("graph", expression, "x=1", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("autodiff: error: ")
    assert "nested" in result.stderr


@pytest.mark.parametrize("argv, expected", [
    (["-o*2", "o=3"], {"o": -2.0}),  # was taken for -o with the file name '*2'
    (["-h*2", "h=3"], {"h": -2.0}),  # was -h with an argument
    (["-hx", "hx=1"], {"hx": -1.0}),
    (["--x", "x=1"], {"x": 1.0}),  # was an unknown option
    (["-1*x", "x=1"], {"x": -1.0}),
    (["--", "-o", "o=1"], {"o": -1.0}),  # the one spelling that needs --: -o alone is -o
    (["-oh*x", "oh=1", "x=2", "-o", "g.dot"], {"oh": -2.0, "x": -1.0}),
    (["-x*2", "x=1", "-og.dot"], {"x": -2.0}),  # -oFILE stays an option
    (["-x*2", "x=1", "--out=g.dot"], {"x": -2.0}),
    (["-x*2", "x=1", "--the", "dark", "--out", "g.dot"], {"x": -2.0}),
])
def test_graph_takes_an_expression_that_starts_with_a_minus(tmp_path, argv, expected):
    result = autodiff("graph", *argv, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert gradients(result.stdout) == expected
    drawn = [p.name for p in tmp_path.iterdir()]
    assert drawn == (["g.dot"] if "g.dot" in "".join(argv) else [])


def test_graph_options_are_those_protect_expression_knows(capsys):
    """`protect_expression` must know each of graph's options, and which take a value, as its
    help lists them ("-o FILE, --output FILE"): a new option is an option, not an EXPR."""
    from autodiff_cli.graph_command import OPTIONS

    status, out, _ = run(capsys, "graph", "--help")
    listed = re.findall(r"^  (-\S.*?)(?:  |$)", out.partition("options:")[2], re.M)
    options = {}
    for line in listed:
        for spelling in line.split(", "):
            flag, _, value = spelling.partition(" ")
            options[flag] = bool(value)
    assert status == 0 and options == OPTIONS
