#!/usr/bin/env bash
# Installs one built artifact into a fresh venv and runs the pytest suite against that install.
# Used by ci/test.sh (this machine) and ci/workflows/wheels.yml (hosted runners, Git Bash on
# Windows, an Alpine container for musllinux).
#
#   bash ci/wheels.sh install VENV PYTHON ARTIFACT   fresh venv at VENV from PYTHON, then
#                                                    `pip install ARTIFACT[test]` (a .whl, or an
#                                                    sdist .tar.gz, which pip builds with cargo)
#   bash ci/wheels.sh pytest VENV [PYTEST ARGS...]   the suite, from the repo root, against VENV
set -euo pipefail
cd "$(dirname "$0")/.."

venv_python() {
    if [ -x "$1/bin/python" ]; then echo "$1/bin/python"; else echo "$1/Scripts/python.exe"; fi
}

command=${1:?usage: ci/wheels.sh install VENV PYTHON ARTIFACT | pytest VENV [ARGS...]}
shift
case "$command" in
install)
    venv=${1:?VENV}
    python=${2:?PYTHON}
    artifact=${3:?ARTIFACT}
    rm -rf "$venv"
    "$python" -m venv "$venv"
    py=$(venv_python "$venv")
    "$py" -m pip install -q --upgrade pip
    # --no-cache-dir: an sdist is always built here, never taken from pip's wheel cache.
    "$py" -m pip install -q --no-cache-dir "$artifact[test]"
    ;;
pytest)
    venv=${1:?VENV}
    shift
    py=$(venv_python "$venv")
    # `tests` imports from the repo root; django_bolt must come from the install, not python/.
    "$py" -c 'import django_bolt, sys; assert "site-packages" in django_bolt.__file__, django_bolt.__file__; print("testing", django_bolt.__version__, django_bolt.build_info())'
    "$py" -m pytest -q -p no:cacheprovider "$@"
    ;;
*)
    echo "unknown command: $command" >&2
    exit 2
    ;;
esac
