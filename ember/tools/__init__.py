"""The commands of ``python -m ember``: the environment report, running a PyTorch script on
ember (an import hook), and the demo (``ember/demo.py``). ``ember/__main__.py`` only parses
arguments and calls into these."""
