#!/usr/bin/env bash
# Prints one interpreter path per CPython >= 3.10 available here (pyenv builds first, then PATH).
#
#   bash ci/pythons.sh              the interpreters found
#   bash ci/pythons.sh --expected   the minor versions this machine must have (ci/test.sh fails
#                                   when one is missing instead of testing less)
#
# EXPECTED is the matrix CI proves on this machine. 3.14 is proven only by the hosted-runner
# matrix (ci/workflows/wheels.yml), where setup-python provides it. BOLT_EXPECT_PYTHONS overrides
# the list (e.g. "3.10 3.11 3.12 3.13 3.14" on a machine that has 3.14).
set -euo pipefail
EXPECTED="3.10 3.11 3.12 3.13"
if [ "${1:-}" = "--expected" ]; then
    echo "${BOLT_EXPECT_PYTHONS:-$EXPECTED}" | tr ' ' '\n' | sed '/^$/d'
    exit 0
fi
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
