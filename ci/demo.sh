#!/usr/bin/env bash
# Builds django-bolt into .venv-demo and serves the example project (SQLite) on 127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-$(bash ci/pythons.sh | sed -n 1p)}
python=${python:-python3}
"$python" -m venv .venv-demo
.venv-demo/bin/pip install -q --upgrade pip
.venv-demo/bin/pip install -q .
PYTHON="$PWD/.venv-demo/bin/python" exec bash examples/run.sh
