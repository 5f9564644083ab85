#!/usr/bin/env bash
# Prints one interpreter path per CPython >= 3.10 available here (pyenv builds first, then PATH).
set -euo pipefail
root=${PYENV_ROOT:-$HOME/.pyenv}
for minor in 10 11 12 13 14; do
    found=""
    if [ -d "$root/versions" ]; then
        found=$(ls -d "$root"/versions/3."$minor".* 2>/dev/null | grep -E "/3\.$minor\.[0-9]+$" | sort -V | tail -n 1 || true)
        [ -n "$found" ] && found="$found/bin/python"
    fi
    if [ -z "$found" ] && command -v "python3.$minor" >/dev/null 2>&1; then
        found=$(command -v "python3.$minor")
    fi
    [ -n "$found" ] && [ -x "$found" ] && echo "$found"
done
exit 0
