"""CuPy's NVTX markers, recorded in ``calls`` (the fake has no profiler to send them to)."""
available = True
calls = []


def RangePush(message, color=None, argb_color=None):
    calls.append(('push', message))


def RangePop():
    calls.append(('pop',))


def Mark(message, color=None, argb_color=None):
    calls.append(('mark', message))
