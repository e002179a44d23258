"""Running a real PyTorch script both ways and comparing what it prints (the tests/test_real_*_scripts.py
files): under real PyTorch (``python script.py``) and under ember (``python -m ember run
script.py``), each from its own temporary current directory; the outputs must be the same line by
line: identical, or differing only in numbers that agree within a relative tolerance (float32
rounding in long computations) and are printed in the same form."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python(*args, cwd):
    """Run ``python *args`` in ``cwd`` with the repository importable. Bytecode caching is allowed in
    the children (a machine may set PYTHONDONTWRITEBYTECODE): each of the hundreds of runs would
    otherwise compile ember's sources anew (~0.25 s a run)."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def script_names(folder):
    """The scripts of tests/scripts/<folder>/, sorted."""
    return sorted(f for f in os.listdir(os.path.join(ROOT, 'tests', 'scripts', folder)) if f.endswith('.py'))


def check_script(folder, name, tmp_path):
    """Run tests/scripts/<folder>/<name> under torch and under ember; assert both succeed and print
    the same lines."""
    pytest.importorskip('torch')
    script = os.path.join(ROOT, 'tests', 'scripts', folder, name)
    # each run starts from an empty folder of the same path (a script may print the paths it writes)
    run = tmp_path / 'run'
    run.mkdir()
    on_torch = python(script, cwd=run)
    assert on_torch.returncode == 0, on_torch.stderr
    run.rename(tmp_path / 'torch_run')
    run.mkdir()
    on_ember = python('-m', 'ember', 'run', script, cwd=run)
    assert on_ember.returncode == 0, on_ember.stderr[-4000:]
    bad = compare_outputs(on_torch.stdout, on_ember.stdout)
    assert not bad, f'{name}: {len(bad)} lines differ\n' + '\n'.join(bad[:20])


_NUM = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan')


def _close(a, b, rtol, atol):
    if a == b:
        return True
    if ('.' in a) != ('.' in b) or ('e' in a.lower()) != ('e' in b.lower()):
        return False            # 1 and 1., 0.5 and 5.0000e-01 are different printed forms
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if x != x or y != y:
        return x != x and y != y
    # the last printed digit may round either way: allow one unit of it
    digits = len(a.split('.')[1].split('e')[0].split('E')[0]) if '.' in a else 0
    exp = 0
    m = re.search(r'[eE]([-+]?\d+)$', a)
    if m:
        exp = int(m.group(1))
    ulp = 10.0 ** (exp - digits)
    return abs(x - y) <= max(rtol * max(abs(x), abs(y)), atol, 1.01 * ulp)


def same_line(t, e, rtol=1e-4, atol=1e-6):
    """Lines equal, or equal once their numbers are masked and the numbers close."""
    if t == e:
        return True
    if _NUM.sub('#', t) != _NUM.sub('#', e):
        return False
    return all(_close(a, b, rtol, atol) for a, b in zip(_NUM.findall(t), _NUM.findall(e)))


def compare_outputs(torch_out, ember_out, rtol=1e-4):
    tl, el = torch_out.splitlines(), ember_out.splitlines()
    bad = [f'line {i + 1}:\n  torch: {a!r}\n  ember: {b!r}' for i, (a, b) in enumerate(zip(tl, el))
           if not same_line(a, b, rtol)]
    if len(tl) != len(el):
        bad.append(f'torch printed {len(tl)} lines, ember {len(el)}')
    return bad
