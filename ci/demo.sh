#!/usr/bin/env bash
# Builds django-bolt into .venv-demo and serves the example project (SQLite) on 127.0.0.1:${PORT:-8000}.
# Uses the newest CPython >= 3.10 that ci/pythons.sh finds (PYTHON=... to choose). The Rust build
# takes a few minutes the first time: cargo's progress lines are shown while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-$(bash ci/pythons.sh | tail -n 1)}
python=${python:-python3}
echo "==> CPython: $python ($("$python" -c 'import sys; print(sys.version.split()[0])'))"
"$python" -m venv .venv-demo
.venv-demo/bin/pip install -q --disable-pip-version-check --upgrade pip
echo "==> building django-bolt into .venv-demo (pip install .: maturin + cargo, release profile)"
# pip -v streams the build backend's output: cargo's progress lines are shown as they come, the
# whole log is kept in .venv-demo/build.log (its end is printed if the build fails).
log=.venv-demo/build.log
set +e
.venv-demo/bin/pip install -v --disable-pip-version-check . 2>&1 | tee "$log" |
    grep --line-buffered -E '^\s*(Compiling|Finished|Successfully installed)' | sed -u 's/^ */    /'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "pip install . failed (exit $status); the whole log: $log" >&2
    exit "$status"
fi
echo "==> serving examples/ (Ctrl-C stops it)"
PYTHON="$PWD/.venv-demo/bin/python" exec bash examples/run.sh
