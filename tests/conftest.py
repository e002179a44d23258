import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conformance import both  # noqa: E402,F401  (the fixture)
