"""Marks for tests whose expected answer is what torch 2.13 (the oracle these tests were written
against) does, where older torch releases (e.g. 2.11 on the GPU machine) answer differently."""
import re

import pytest

torch = pytest.importorskip('torch')


def _version_tuple(text):
    """'2.11.0+cu130' -> (2, 11, 0); '2.13.0a0+git1234' -> (2, 13, 0); '2.9.1rc2' -> (2, 9, 1)."""
    parts = []
    for piece in str(text).split('+', 1)[0].split('.')[:3]:
        m = re.match(r'\d+', piece)
        if m is None:
            break
        parts.append(int(m.group()))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


TORCH_VERSION = _version_tuple(torch.__version__)
torch_older_than_2_13 = TORCH_VERSION < (2, 13)
REASON = ('checks behaviour of torch 2.13 (the oracle here); this machine has torch '
          f'{torch.__version__}')
requires_torch_2_13 = pytest.mark.skipif(torch_older_than_2_13, reason=REASON)


def skip_cuda_case_on_older_torch():
    """For a test parametrized by device only through the harness, where one item of the body is
    torch-2.13 behaviour: skip its cuda case on an older torch, keep the cpu case everywhere.
    Call it at the top of the test function."""
    import conformance
    if conformance.DEVICE[0] != 'cpu' and torch_older_than_2_13:
        pytest.skip(REASON)
