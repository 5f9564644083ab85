#!/usr/bin/env bash
# Issue 21's figures as benchmarks (printed, never asserted: a loaded CI machine cannot hold a
# threshold; bench/RESULTS.md has the quiet-machine numbers): 10,000 idle WebSocket connections
# held by one server process with server pings (RSS per connection, a fresh connection served
# meanwhile), and the SSE fan-out side by side with the public release from PyPI.
#
#   bash ci/bench.sh VENV PYTHON WORKDIR
#
# VENV has this build installed; PYTHON (CPython >= 3.12) makes WORKDIR/upstream, the release's venv.
# A benchmark that cannot run (a server that does not start, a stream that ends) fails the stage.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
python=$2
work=$3
mkdir -p "$work"

echo "--- 10,000 idle WebSocket connections, server pings every 2 s (bench/idle_connections.py)"
"$venv/bin/python" bench/idle_connections.py --websocket --connections 10000 --hold 6 --ping-interval 2 \
    --python "$venv/bin/python"

echo "--- SSE fan-out, ours vs django-bolt 0.13.0 (bench/sse_fanout.py, one round)"
upstream="$work/upstream"
if [ ! -x "$upstream/bin/python" ]; then
    "$python" -m venv "$upstream"
    "$upstream/bin/pip" install -q --disable-pip-version-check "django-bolt==0.13.0"
fi
"$venv/bin/python" bench/sse_fanout.py --ours-python "$venv/bin/python" --upstream-python "$upstream/bin/python" \
    --seconds 4 --rounds 1
