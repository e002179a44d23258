"""``python -m ember [command]``: argument parsing and dispatch only (the work is in ember/tools
and ember/demo.py).

    python -m ember                      the environment report (seed S01, S02)
    python -m ember run script.py ...    run a PyTorch script on ember, unedited
    python -m ember demo [--epochs N]    train the seed's classifier on a small real dataset
"""
import argparse
import sys



def _parser():
    p = argparse.ArgumentParser(prog='python -m ember',
                                description="ember: PyTorch's programming model on NumPy (CPU) and CuPy (CUDA). "
                                            'With no command, prints the environment report.')
    sub = p.add_subparsers(dest='command', title='commands', metavar='{env,run,demo}')
    sub.add_parser('env', help='the environment report (the default): ember, Python, NumPy and its BLAS, '
                               'CuPy and CUDA, ember.cuda.is_available(), each device and its memory')
    r = sub.add_parser('run', help='run a PyTorch script on ember, unedited: run SCRIPT [ARGS...]',
                       description='Run SCRIPT with ARGS as `python SCRIPT ARGS` would, with `import torch` '
                                   'and `import torch.*` resolving to ember.')
    r.add_argument('script', help='the Python file to run')
    r.add_argument('args', nargs=argparse.REMAINDER, help="the script's own arguments")
    sub.add_parser('demo', help="train the seed's classifier on the Iris data (options: demo --help)", add_help=False)
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ['demo']:            # the demo parses its own options
        from . import demo
        return demo.main(argv[1:])
    if argv[:1] == ['run'] and len(argv) > 1 and not argv[1].startswith('-'):
        # everything after the script is the script's, even `--help`
        from .tools.run_script import run
        return run(argv[1], argv[2:])
    args = _parser().parse_args(argv)
    if args.command == 'run':
        from .tools.run_script import run
        return run(args.script, args.args)
    from .tools.env_report import main as env_main
    return env_main()


if __name__ == '__main__':
    sys.exit(main())
