"""Shared parts of the benchmark suite: thread settings, environment report, timing, memory.

``set_threads(n)`` must run before NumPy or PyTorch is imported: their thread pools read the
environment variables once, at import.
"""
import os
import platform
import statistics
import sys
import time

perf = time.perf_counter
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARS = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS')


def set_threads(n):
    """Environment variables for every pool, before import; the repository root on sys.path."""
    for v in THREAD_VARS:
        os.environ[v] = str(n)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)


def apply_threads(n, torch=None):
    """After import: torch.set_num_threads and threadpoolctl (when installed). Returns the module."""
    if torch is not None:
        torch.set_num_threads(n)
    try:
        import threadpoolctl
    except ImportError:
        return None
    threadpoolctl.threadpool_limits(n)
    return threadpoolctl


# ----------------------------------------------------------------------------- environment
def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def thread_pools(tpc, np):
    """Every native thread pool loaded in this process, as threadpoolctl sees it."""
    if tpc is not None:
        return ['%s %s %s (%s threads, %s)' % (d.get('user_api'), d.get('internal_api'), d.get('version'),
                                               d.get('num_threads'), os.path.basename(d.get('filepath', '')))
                for d in tpc.threadpool_info()]
    try:
        blas = np.show_config(mode='dicts')['Build Dependencies']['blas']
        return [f"NumPy BLAS {blas.get('name')} {blas.get('version')} (numpy.show_config; threadpoolctl "
                f"not installed, thread count unknown)"]
    except Exception as e:       # older NumPy: no mode='dicts'
        return [f'unknown ({type(e).__name__})']


def other_load(interval=0.5):
    """How busy the CPUs are while this process sleeps: other work makes the figures noisy."""
    def snap():
        with open('/proc/stat') as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)          # idle + iowait, total
    try:
        i0, t0 = snap()
        time.sleep(interval)
        i1, t1 = snap()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (i1 - i0) / max(1, t1 - t0)


# ----------------------------------------------------------------------------- timing
def measure(fn_ember, fn_torch, number, reps, warmup, pause=0.05):
    """Median seconds per call of each function, and all repetitions.

    Blocks of ``number`` calls alternate between the libraries, so drift in the machine hits
    both. ``pause`` seconds of sleep before each block let the other library's spinning worker
    threads (OpenMP, OpenBLAS) go idle, so that neither library pays for the other's pool.
    """
    for f in (fn_ember, fn_torch):
        for _ in range(warmup):
            f()
    te, tt = [], []
    for _ in range(reps):
        for f, acc in ((fn_ember, te), (fn_torch, tt)):
            if pause:
                time.sleep(pause)
            s = perf()
            for _ in range(number):
                f()
            acc.append((perf() - s) / number)
    return statistics.median(te), statistics.median(tt), te, tt


# ----------------------------------------------------------------------------- memory
def _status_kib(key):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_now_kib():
    """Current resident set size (VmRSS) in KiB, or None off Linux."""
    return _status_kib('VmRSS:')


def rss_peak_kib():
    """Peak resident set size of this process (VmHWM, KiB). Not ru_maxrss: Linux carries that
    over from the parent across fork and exec, so a child would report the parent's peak."""
    return _status_kib('VmHWM:')


def reset_rss_peak():
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). True if it worked."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False
