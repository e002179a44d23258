#!/bin/sh
# Graphviz's `dot`, which tests/test_viz.py uses to render real SVG and PNG (those tests skip,
# naming the reason, without it). `make test` runs this first. It tries the system's package
# manager (apt-get on Debian/Ubuntu, as CI; dnf, apk or brew elsewhere), as root or with
# password-less sudo, and never fails the build: without `dot` the rendering tests are skipped.
command -v dot >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
elif ! command -v brew >/dev/null 2>&1; then
    echo "note: Graphviz's dot is not installed and this user cannot install it; tests/test_viz.py's rendering tests will be skipped" >&2
    exit 0
fi
echo "installing Graphviz (dot) for tests/test_viz.py ..." >&2
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q graphviz >/dev/null 2>&1 ||
        { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q graphviz >/dev/null 2>&1; }
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y -q graphviz >/dev/null 2>&1
elif command -v apk >/dev/null 2>&1; then
    $SUDO apk add -q graphviz >/dev/null 2>&1
elif command -v brew >/dev/null 2>&1; then
    brew install -q graphviz >/dev/null 2>&1
fi
command -v dot >/dev/null 2>&1 ||
    echo "note: Graphviz's dot could not be installed; tests/test_viz.py's rendering tests will be skipped" >&2
exit 0
