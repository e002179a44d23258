"""Real-world style vision / data-pipeline / training-utility scripts (tests/scripts/real_vision/):
each runs under real PyTorch (plain ``python``) and under ``python -m ember run``, from a temporary
current directory, and the two outputs must agree line by line: the same text, or, where a line
differs only in its numbers, numbers equal within rtol 1e-4."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, 'tests', 'scripts', 'real_vision')
NAMES = sorted(f for f in os.listdir(SCRIPTS) if f.endswith('.py'))
NUMBER = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan')

# lines left out of the comparison: {script: [regex matching the torch line, why]}
SKIP = {}


def python(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def same_line(a, b, rtol=1e-4, atol=1e-6):
    """The lines are equal, or equal once their numbers are taken out and the numbers agree."""
    if a == b:
        return True
    if NUMBER.sub('#', a) != NUMBER.sub('#', b):
        return False
    for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
        if x == y:
            continue
        fx, fy = float(x), float(y)
        if not abs(fx - fy) <= atol + rtol * abs(fx):
            return False
    return True


def compare_outputs(torch_out, ember_out, skip=()):
    t, e = torch_out.splitlines(), ember_out.splitlines()
    assert len(t) == len(e), f'torch printed {len(t)} lines, ember {len(e)}'
    for i, (a, b) in enumerate(zip(t, e), 1):
        if any(re.search(pattern, a) for pattern, _ in skip):
            continue
        assert same_line(a, b), f'line {i} differs:\n torch: {a}\n ember: {b}'


def test_same_line_helper():
    assert same_line('loss 0.12345 acc 0.5', 'loss 0.12346 acc 0.5')
    assert not same_line('loss 0.1234 acc 0.5', 'loss 0.1334 acc 0.5')
    assert not same_line('tensor([1., 2.])', 'tensor([1., 2.], dtype=torch.float64)')
    assert same_line('tensor([1.0000e-05, 2.0000e+00])', 'tensor([1.0000e-05, 2.0000e+00])')
    assert not same_line('a 1', 'b 1')


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path):
    pytest.importorskip('torch')
    script = os.path.join(SCRIPTS, name)
    (tmp_path / 'torch').mkdir()
    (tmp_path / 'ember').mkdir()
    on_torch = python(script, cwd=tmp_path / 'torch')
    assert on_torch.returncode == 0, on_torch.stderr
    on_ember = python('-m', 'ember', 'run', script, cwd=tmp_path / 'ember')
    assert on_ember.returncode == 0, on_ember.stderr
    compare_outputs(on_torch.stdout, on_ember.stdout, SKIP.get(name, ()))
