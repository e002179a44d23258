"""``python -m ember run script.py [args...]``: an unedited PyTorch script runs on ember.

The scripts run in a subprocess, as a user runs them, from a temporary current directory; where
it matters the same script also runs under plain ``python`` (real PyTorch) and the two outputs are
compared."""
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember.tools.run_script import TorchModule, torch_alias
from real_scripts import python

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICKSTART = os.path.join(ROOT, 'tests', 'scripts', 'quickstart.py')


def ember_run(script, *args, cwd):
    return python('-m', 'ember', 'run', str(script), *args, cwd=cwd)


def write(path, source):
    path.write_text(textwrap.dedent(source))
    return path


# ---------------------------------------------------------------------------- the quickstart
def fashion_tiny(folder, seed=0):
    """A FashionMNIST-shaped set in folder/data/fashion_tiny.npz: 10 classes, each a fixed
    28x28 template plus noise; 512 training and 128 test images."""
    rng = np.random.default_rng(seed)
    templates = rng.random((10, 28, 28)).astype(np.float32)

    def make(n):
        y = rng.integers(0, 10, n)
        x = np.clip(templates[y] + 0.3 * rng.standard_normal((n, 28, 28)), 0, 1).astype(np.float32)
        return x, y.astype(np.int64)
    (a, b), (c, d) = make(512), make(128)
    (folder / 'data').mkdir()
    np.savez(folder / 'data' / 'fashion_tiny.npz', train_images=a, train_labels=b, test_images=c, test_labels=d)


def test_learn_the_basics_quickstart_runs_on_ember(tmp_path):
    fashion_tiny(tmp_path)
    p = ember_run(QUICKSTART, '3', cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # `import torch` gave ember, and real PyTorch was not imported
    assert f"torch is torch from {os.path.join(ROOT, 'ember', '__init__.py')}" in out
    # (ember's Tensor class prints as torch's, as print(type(x)) does under PyTorch: the line above
    # shows that it is ember's)
    assert "tensors are <class 'torch.Tensor'>" in out
    assert 'Shape of X [N, C, H, W]: torch.Size([64, 1, 28, 28])' in out
    assert 'Shape of y: torch.Size([64]) torch.int64' in out
    assert f"Using {'cuda' if ember.cuda.is_available() else 'cpu'} device" in out
    assert '(4): Linear(in_features=512, out_features=10, bias=True)' in out
    losses = [float(x) for x in re.findall(r'Avg loss: ([0-9.]+)', out)]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert 'Done!' in out and 'Saved PyTorch Model State to model.pth' in out
    assert (tmp_path / 'model.pth').exists()           # a relative path: the current directory
    assert re.search(r'Predicted: "[^"]+", Actual: "[^"]+"', out)


def test_quickstart_prints_what_pytorch_prints(tmp_path):
    """The lines that do not depend on random weights are the same under PyTorch and ember."""
    pytest.importorskip('torch')
    fashion_tiny(tmp_path)
    on_ember = ember_run(QUICKSTART, '1', cwd=tmp_path)
    on_torch = python(QUICKSTART, '1', cwd=tmp_path)
    assert on_ember.returncode == 0, on_ember.stderr
    assert on_torch.returncode == 0, on_torch.stderr

    def fixed(out):
        return [line for line in out.splitlines()[1:] if not re.search(r'\d\.\d|Predicted|device', line)]
    assert fixed(on_ember.stdout) == fixed(on_torch.stdout)


# ---------------------------------------------------------------------------- as `python script.py`
RUN_AS_SCRIPT = '''
    import json, os, sys
    import helper                       # a module beside the script: sys.path[0] is its folder
    with open('input.txt') as f:        # relative to the current directory
        text = f.read()
    print(json.dumps({'argv': sys.argv, 'name': __name__, 'file': __file__, 'cwd': os.getcwd(),
                      'path0': sys.path[0], 'text': text, 'helper': helper.VALUE,
                      'main_globals': sys.modules['__main__'].__dict__ is globals()}))
    if __name__ == '__main__':
        print('main block ran')
'''


def test_argv_name_main_and_paths_are_as_under_python(tmp_path):
    scripts, work = tmp_path / 'scripts', tmp_path / 'work'
    scripts.mkdir()
    work.mkdir()
    write(scripts / 'show.py', RUN_AS_SCRIPT)
    (scripts / 'helper.py').write_text('VALUE = 42\n')
    (work / 'input.txt').write_text('from the current directory')
    args = ['../scripts/show.py', 'one', '--two', '-3', '--help']
    plain = python(*args, cwd=work)
    on_ember = python('-m', 'ember', 'run', *args, cwd=work)
    assert plain.returncode == 0, plain.stderr
    assert on_ember.returncode == 0, on_ember.stderr
    assert on_ember.stdout == plain.stdout
    facts = json.loads(on_ember.stdout.splitlines()[0])
    assert facts['argv'] == ['../scripts/show.py', 'one', '--two', '-3', '--help']
    assert facts['name'] == '__main__' and facts['main_globals'] is True
    assert facts['path0'] == str(scripts) and facts['cwd'] == str(work)
    assert facts['text'] == 'from the current directory' and facts['helper'] == 42
    assert 'main block ran' in on_ember.stdout


def test_exit_status_is_the_scripts(tmp_path):
    write(tmp_path / 'exits.py', '''
        import sys
        import torch
        sys.exit(int(sys.argv[1]))
    ''')
    assert ember_run('exits.py', '0', cwd=tmp_path).returncode == 0
    assert ember_run('exits.py', '3', cwd=tmp_path).returncode == 3


def test_missing_script_fails(tmp_path):
    p = ember_run('nope.py', cwd=tmp_path)
    assert p.returncode == 2
    assert "can't open file 'nope.py'" in p.stderr


# ---------------------------------------------------------------------------- what ember lacks
def test_missing_function_is_named_with_the_scripts_line(tmp_path):
    script = write(tmp_path / 'spectrum.py', '''
        import torch

        x = torch.randn(8, 8)
        y = torch.linalg.ldl_factor(x)
        print('not reached')
    ''')
    p = ember_run('spectrum.py', cwd=tmp_path)
    assert p.returncode == 1
    assert 'not reached' not in p.stdout
    assert f'{script.name}:5: ember does not implement torch.linalg.ldl_factor' in p.stderr
    assert 'y = torch.linalg.ldl_factor(x)' in p.stderr     # the traceback shows the line
    assert 'run_script.py' not in p.stderr                   # and not the runner's own frames


@pytest.mark.parametrize('line, name', [
    ('import torch.onnx', 'torch.onnx'),
    ('from torch import onnx', 'torch.onnx'),
    ('from torch.nn import NoSuchLayer', 'torch.nn.NoSuchLayer'),
    ('torch.nn.NoSuchLayer(3)', 'torch.nn.NoSuchLayer'),
    ('torch.ones(3).to_sparse_csr()', 'torch.Tensor.to_sparse_csr'),
])
def test_missing_names_are_reported_plainly(tmp_path, line, name):
    write(tmp_path / 'uses.py', f'import torch\n{line}\n')
    p = ember_run('uses.py', cwd=tmp_path)
    assert p.returncode == 1
    assert f'uses.py:2: ember does not implement {name}' in p.stderr, p.stderr


def test_other_errors_are_ordinary_tracebacks(tmp_path):
    write(tmp_path / 'fails.py', '''
        import torch
        raise ValueError('the script failed')
    ''')
    p = ember_run('fails.py', cwd=tmp_path)
    assert p.returncode == 1
    assert 'ValueError: the script failed' in p.stderr and 'line 3' in p.stderr
    assert 'ember does not implement' not in p.stderr


def test_feature_checks_work(tmp_path):
    """hasattr() and try/except around missing parts behave as the script expects."""
    write(tmp_path / 'probe.py', '''
        import torch
        print(hasattr(torch, 'onnx'), hasattr(torch, 'tensor'), torch.backends.mps.is_available())
        try:
            import torch.onnx
        except ImportError as e:
            print('no onnx:', e)
        torch.backends.cudnn.benchmark = True
        import ember
        print(ember.backends.cudnn.benchmark)
    ''')
    p = ember_run('probe.py', cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ['False True False', 'no onnx: ember does not implement torch.onnx', 'True']


# ---------------------------------------------------------------------------- the hook in-process
def test_torch_alias_leaves_real_torch_and_ember_as_they_were():
    real = sys.modules.get('torch')
    ember_nn = ember.nn
    with torch_alias():
        import torch
        import torch.nn
        from torch.utils.data import DataLoader
        assert isinstance(torch, TorchModule) and torch.__name__ == 'torch'
        assert torch.tensor is ember.tensor and torch.nn.Linear is ember.nn.Linear
        assert DataLoader is ember.utils.data.DataLoader
        assert type(torch.ones(2)) is ember.Tensor
    assert sys.modules.get('torch') is real
    assert ember.nn is ember_nn and ember.__name__ == 'ember' and ember.__spec__.name == 'ember'


def test_script_with_torch_compile(tmp_path):
    """A script that compiles its model and its training step runs on ember.compile."""
    write(tmp_path / 'train.py', '''
        import torch
        import torch._dynamo
        torch._dynamo.config.cache_size_limit = 4
        torch.manual_seed(0)
        model = torch.compile(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)))
        opt = torch.optim.SGD(model.parameters(), lr=0.5)

        @torch.compile(mode='reduce-overhead')
        def step(x, y):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        x, y = torch.randn(16, 4), (torch.arange(16) % 2)
        losses = [step(x, y).item() for _ in range(20)]
        print(type(model).__name__, list(model.state_dict())[0], losses[-1] < losses[0])
    ''')
    p = ember_run('train.py', cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ['OptimizedModule', '_orig_mod.0.weight', 'True']


def test_quickstart_with_module_compile(tmp_path):
    """The quickstart with its model compiled in place (``model.compile()``: state_dict keys stay
    as they are, so the saved checkpoint loads back into a plain model)."""
    fashion_tiny(tmp_path)
    src = open(QUICKSTART).read()
    anchor = 'model = NeuralNetwork().to(device)\nprint(model)\n'     # the first model (the one trained)
    assert src.count(anchor) == 1
    (tmp_path / 'quickstart_compiled.py').write_text(src.replace(anchor, anchor + 'model.compile()\n'))
    p = ember_run('quickstart_compiled.py', '2', cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    losses = [float(x) for x in re.findall(r'Avg loss: ([0-9.]+)', p.stdout)]
    assert len(losses) == 2 and losses[-1] < losses[0]
    assert 'Saved PyTorch Model State to model.pth' in p.stdout
    assert re.search(r'Predicted: "[^"]+", Actual: "[^"]+"', p.stdout)


def test_version_checks_see_the_torch_api_level(tmp_path):
    """Scripts gate features on ``torch.__version__``: under the run it is the PyTorch API level
    ember follows (a TorchVersion, comparable with strings and tuples), with ember's version as
    the local label; ``import ember`` itself keeps ember's version."""
    script = write(tmp_path / 'v.py', '''
        import torch, torch.version
        from torch.torch_version import TorchVersion
        v = torch.__version__
        print(type(v).__name__, v.split('+')[0], v >= "2.0", v >= (2, 0), v < (3,), v > "1.13.1",
              torch.version.__version__ == v, TorchVersion('1.10.0') < (1, 2), TorchVersion('2.1') >= '2.1.0')
    ''')
    r = ember_run(script, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ['TorchVersion', '2.13.0', 'True', 'True', 'True', 'True', 'True', 'False', 'True']
    r = python(str(script), cwd=tmp_path)          # real torch answers the same (with its own version)
    import torch
    assert r.returncode == 0 and r.stdout.split() == ['TorchVersion', torch.__version__.split('+')[0], 'True', 'True',
                                                      'True', 'True', 'True', 'False', 'True']
    import ember.torch_version as tv
    assert ember.__version__ == '0.1.0' and tv.__version__ == f'{tv.TORCH_API}+ember{ember.__version__}'
