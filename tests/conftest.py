"""Test set-up: the conformance harness, and the device axis.

Every test that compares ember with PyTorch (through the ``both`` fixture or ``run_both``) runs
once per device: ``cpu`` always, and ``cuda`` when ``ember.cuda.is_available()``; elsewhere the
``cuda`` case is reported as skipped, by name. On ``cuda`` the test body runs with the default
device set to CUDA in both libraries (``set_default_device``), so the tensors and modules it makes
live on the GPU; results are compared with PyTorch on CUDA and with ember on the CPU.

``EMBER_FAKE_CUDA=1`` puts tests/fake_cupy (a CuPy stand-in over NumPy that refuses host arrays
as CuPy does) first on the path, to check ember's device routing on a machine without a GPU.
"""
import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
if os.environ.get('EMBER_FAKE_CUDA') == '1':
    sys.path.insert(0, os.path.join(HERE, 'fake_cupy'))

import pytest  # noqa: E402
import conformance  # noqa: E402
from conformance import both  # noqa: E402,F401  (the fixture)

_uses_harness = {}


def _module_uses_harness(module):
    name = module.__name__
    if name not in _uses_harness:
        try:
            src = open(module.__file__, encoding='utf-8').read()
        except OSError:
            src = ''
        _uses_harness[name] = 'run_both' in src
    return _uses_harness[name]


def pytest_generate_tests(metafunc):
    if metafunc.module is not None and not getattr(metafunc.module, 'DEVICE_AXIS', True):
        return              # the module places its tensors itself (tests/test_cuda.py)
    if 'both' in metafunc.fixturenames or (metafunc.module is not None and _module_uses_harness(metafunc.module)):
        metafunc.fixturenames.append('ember_device')
        metafunc.parametrize('ember_device', ['cpu', 'cuda'])


@pytest.fixture(autouse=True)
def _device_axis(request):
    spec = getattr(request.node, 'callspec', None)
    dev = spec.params.get('ember_device', 'cpu') if spec is not None else 'cpu'
    if dev == 'cuda':
        import ember
        if not ember.cuda.is_available():
            pytest.skip('cuda: no GPU here (ember.cuda.is_available() is False)')
    conformance.DEVICE[0] = dev
    try:
        yield dev
    finally:
        conformance.DEVICE[0] = 'cpu'
        if dev == 'cuda':
            _check_cuda_context(request.node.nodeid)


def _check_cuda_context(nodeid):
    """After a test on a real GPU: a device-side assert (torch's kernels check indices on the
    device) leaves the process's CUDA context unusable, and every later test in this process
    would fail with it. Name the test that caused it and end the process: pytest-xdist replaces
    a worker that dies; without xdist the run stops here."""
    import ember
    torch = conformance.torch
    if not (torch.cuda.is_available() and ember.cuda.is_available()):
        return
    try:
        torch.cuda.synchronize()
        import cupy
        cupy.cuda.runtime.deviceSynchronize()
    except Exception as exc:   # noqa: BLE001 - any error here means the context is lost
        msg = f'{nodeid}: the CUDA context was lost during this test ({type(exc).__name__}: {exc})'
        sys.stderr.write('\n' + msg + '\n')
        sys.stderr.flush()
        if os.environ.get('PYTEST_XDIST_WORKER'):
            os._exit(3)
        pytest.exit(msg, returncode=3)


@pytest.fixture(autouse=True)
def _distribution_validation_on():
    """torch.compile's first use turns torch.distributions' argument validation off for the whole
    process (torch/_dynamo/eval_frame.py); a test comparing validation errors may run after one
    that compiled in the same worker. Put torch's default (on, as ``__debug__``) back first."""
    td = sys.modules.get('torch.distributions')
    if td is not None:
        td.Distribution.set_default_validate_args(True)
    yield
