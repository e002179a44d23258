"""`python -m ember.demo` (what `make demo` runs) works end to end."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_runs_and_trains():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    p = subprocess.run([sys.executable, '-m', 'ember.demo'], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # the seed's worked example S17
    assert 'a.grad = tensor([40.])' in out
    assert 'b.grad = tensor([20.])' in out
    assert 'F.grad = None' in out
    assert re.search(r'F\.grad_fn = <MulBackward0 object at 0x[0-9a-f]+>', out)
    # the training run: the loss falls
    losses = [float(x) for x in re.findall(r'^epoch +\d+ +loss ([0-9.]+)$', out, re.M)]
    assert len(losses) >= 2, out
    assert losses[-1] < losses[0]
    assert re.search(r'test accuracy [0-9.]+%', out)
