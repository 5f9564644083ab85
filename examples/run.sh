#!/usr/bin/env sh
# Apply migrations and start the example API with django-bolt's runbolt server.
#
#   examples/run.sh                # http://127.0.0.1:8000
#   PORT=9000 examples/run.sh      # another port
#   PYTHON=/path/to/python examples/run.sh
#
# Works from any directory: it changes into the folder that holds this script.
# Uses `python` from PATH (activate your virtualenv first) unless PYTHON is set.
set -eu

cd "$(dirname "$0")"

PY="${PYTHON:-python}"
PORT="${PORT:-8000}"

"$PY" manage.py migrate --noinput
exec "$PY" manage.py runbolt --host 127.0.0.1 --port "$PORT"
