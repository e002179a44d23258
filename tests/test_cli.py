"""``python -m ember``: the environment report (S01, S02) and ``--help`` listing the commands."""
import os
import subprocess
import sys

import numpy as np

import ember
from ember.tools import env_report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ember_cli(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, '-m', 'ember', *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_seed_S02_python_m_ember_prints_the_environment_report():
    p = ember_cli()
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # the seed's test section, fact by fact: 'label  value' lines under a title
    lines = dict(line.strip().split('  ', 1) for line in out.splitlines()[1:])
    lines = {k: v.strip() for k, v in lines.items()}
    assert lines['ember.__version__'] == ember.__version__
    assert lines['ember.version.cuda'] == repr(ember.version.cuda)
    assert lines['Python'].startswith(sys.version.split()[0])
    assert lines['NumPy'].startswith(np.__version__) and 'BLAS' in lines['NumPy']
    assert 'CuPy' in lines
    available = ember.cuda.is_available()
    assert lines['ember.cuda.is_available()'] == repr(available)
    assert lines['ember.cuda.device_count()'] == repr(ember.cuda.device_count())
    if available:
        assert 'device 0' in out and 'GiB' in out
    else:
        # as PyTorch's CPU build answers current_device()
        assert 'Torch not compiled with CUDA enabled' in lines['ember.cuda.current_device()']


def test_env_is_the_default_command():
    assert ember_cli('env').stdout == ember_cli().stdout


def test_report_facts_never_raise():
    rows = env_report.facts()
    assert [k for k, _ in rows][:2] == ['ember.__version__', 'ember.version.cuda']
    assert all(isinstance(v, str) for _, v in rows)


def test_help_lists_the_commands():
    p = ember_cli('--help')
    assert p.returncode == 0
    for command in ('env', 'run', 'demo'):
        assert command in p.stdout
    assert 'environment report' in p.stdout


def test_unknown_command_fails():
    p = ember_cli('frobnicate')
    assert p.returncode == 2
    assert 'invalid choice' in p.stderr


def test_run_without_a_script_fails_with_usage():
    p = ember_cli('run')
    assert p.returncode == 2
    assert 'script' in p.stderr
