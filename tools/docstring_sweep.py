"""Run the ``>>>`` examples of PyTorch's docstrings with ``torch`` and with ``ember`` bound to the
name ``torch``, after the same seed, and report where the printed results differ or where only
ember raises: a quick sweep for behaviours no test covers yet (session 8 found complex
householder_product, matrix_rank(hermitian=True), remainder's zero sign, asarray's copy=, typename
and a 9 s randn through it).

Run from the repository root (it works in a temporary folder: some examples write files):
    .venv/bin/python tools/docstring_sweep.py            # torch, nn.functional, linalg, special, fft, Tensor
    .venv/bin/python tools/docstring_sweep.py extra      # nn modules, optim, data, distributions, autograd

Known noise: uninitialised memory (empty, new_empty), object addresses, numerical round-off in
torch.dist(...) checks, unstable sort ties, lazy conjugation flags (is_conj), and examples that
``from torch.x import y`` (that imports real torch's function, whatever the name torch is bound to).
Each example has 10 s for both libraries together.
"""
import contextlib
import doctest
import io
import os
import signal
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.getcwd())         # (ember from this checkout)
import torch  # noqa: E402
import ember  # noqa: E402

warnings.simplefilter('ignore')
os.chdir(tempfile.mkdtemp(prefix='docsweep'))
parser = doctest.DocTestParser()


def examples_of(obj):
    doc = getattr(obj, '__doc__', None) or ''
    try:
        return parser.get_examples(doc)
    except Exception:
        return []


def run(lib, exs):
    lib.set_default_device(None)
    lib.set_default_dtype(lib.float32)
    lib.manual_seed(0)
    ns = {'torch': lib, 'np': np, 'math': __import__('math')}
    outs = []
    for ex in exs:
        src = ex.source
        if 'xdoctest' in src or 'SKIP' in str(ex.options) or 'cuda' in src:
            continue
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                try:
                    code = compile(src, '<ex>', 'single')
                except SyntaxError:
                    code = compile(src, '<ex>', 'exec')
                exec(code, ns)
            outs.append(('ok', buf.getvalue()))
        except Exception as e:
            outs.append(('err', type(e).__name__ + ': ' + str(e).split('\n')[0][:150]))
    return outs


def handler(signum, frame):
    raise TimeoutError


signal.signal(signal.SIGALRM, handler)

def targets(extra):
    """(module name, attribute name, object) of everything whose docstring is swept."""
    import torch.optim.lr_scheduler  # noqa: F401
    import torch.utils.data  # noqa: F401
    import torch.distributions  # noqa: F401
    import torch.nn.utils.rnn  # noqa: F401
    if extra:
        mods = [('torch.nn', torch.nn), ('torch.optim', torch.optim), ('torch.optim.lr_scheduler', torch.optim.lr_scheduler),
                ('torch.utils.data', torch.utils.data), ('torch.distributions', torch.distributions),
                ('torch.nn.utils', torch.nn.utils), ('torch.nn.init', torch.nn.init), ('torch.autograd', torch.autograd),
                ('torch.nn.utils.rnn', torch.nn.utils.rnn)]
    else:
        mods = [('torch', torch), ('torch.nn.functional', torch.nn.functional), ('torch.linalg', torch.linalg),
                ('torch.special', torch.special), ('torch.fft', torch.fft), ('torch.Tensor', torch.Tensor)]
    out = []
    for modname, mod in mods:
        for n in sorted(dir(mod)):
            if n.startswith('_'):
                continue
            obj = getattr(mod, n, None)
            out.append((modname, n, obj))
            if extra and isinstance(obj, type):         # the classes' methods too
                out += [(modname + '.' + n, m, getattr(obj, m, None)) for m in sorted(vars(obj))
                        if not m.startswith('_') or m == '__init__']
    return out


def main(extra):
    stats = {'same': 0, 'diff': 0, 'ember_err': 0, 'both_err': 0, 'none': 0}
    report = []
    for modname, n, obj in targets(extra):
        exs = examples_of(obj)
        if not exs:
            stats['none'] += 1
            continue
        signal.alarm(10)
        try:
            t, e = run(torch, exs), run(ember, exs)
        except TimeoutError:
            report.append((modname, n, 'TIMEOUT', ''))
            continue
        finally:
            signal.alarm(0)
            for lib in (torch, ember):
                lib.set_default_device(None)
                lib.set_default_dtype(lib.float32)
        for i, (a, b) in enumerate(zip(t, e)):       # the first example whose outcome differs
            if a == b:
                continue
            src = exs[i].source.strip()[:120]
            if a[0] == 'err' and b[0] == 'err':
                stats['both_err'] += 1
            elif b[0] == 'err':
                stats['ember_err'] += 1
                report.append((modname, n, 'EMBER_ERR', f'{src!r} -> {b[1]}'))
            elif a[0] == 'err':
                report.append((modname, n, 'TORCH_ERR_ONLY', f'{src!r} -> {a[1]}'))
            else:
                stats['diff'] += 1
                report.append((modname, n, 'DIFF', f'{src!r}\n   torch: {a[1][:300]!r}\n   ember: {b[1][:300]!r}'))
            break
        else:
            stats['same'] += 1
    print(stats)
    for r in report:
        print(*r)


if __name__ == '__main__':
    main(sys.argv[1:] == ['extra'])
