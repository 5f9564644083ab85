#!/usr/bin/env bash
# The whole test suite, from a fresh clone: lint, Rust unit tests, one abi3 wheel built once,
# then the pytest suite against that installed wheel on every CPython >= 3.10 on this machine.
# Usage: bash ci/test.sh            (PYTHONS="path ..." to choose interpreters, SKIP_LINT=1 to skip lint)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work="$root/.ci-work"
mkdir -p "$work"

stage() { printf '\n==> %s (%s)\n' "$1" "$(date +%T)"; }

read -r -a pythons <<<"${PYTHONS:-$(bash ci/pythons.sh | tr '\n' ' ')}"
if [ "${#pythons[@]}" -eq 0 ]; then
    echo "no CPython >= 3.10 found" >&2
    exit 1
fi
build_python=${pythons[0]}
echo "interpreters: ${pythons[*]}"

stage "tools venv"
"$build_python" -m venv "$work/tools"
"$work/tools/bin/pip" install -q --upgrade pip
"$work/tools/bin/pip" install -q "maturin>=1.5,<2" ruff

if [ "${SKIP_LINT:-0}" != "1" ]; then
    stage "lint"
    cargo fmt --check
    cargo clippy --profile quick-release --all-targets -- -D warnings
    "$work/tools/bin/ruff" check python tests bench examples ci
    "$work/tools/bin/ruff" format --check python tests bench examples ci
fi

stage "pure-Rust dependency tree"
if cargo tree --prefix none --edges normal,build | grep -E '^(ring|aws-lc-[a-z-]+|openssl(-sys)?|native-tls) ' ; then
    echo "a C crypto library is in the dependency tree" >&2
    exit 1
fi

stage "rust unit tests"
cargo test --profile quick-release

stage "build abi3 wheel"
rm -rf "$work/wheels"
"$work/tools/bin/maturin" build --profile quick-release --interpreter "$build_python" --out "$work/wheels"
wheel=$(ls "$work"/wheels/django_bolt-*.whl)

for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    stage "pytest on CPython $version"
    venv="$work/py$version"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q "$wheel[test]"
    # Run from the repo root so `tests` imports; `django_bolt` comes from the installed wheel.
    "$venv/bin/python" -c 'import django_bolt, sys; assert "site-packages" in django_bolt.__file__, django_bolt.__file__'
    "$venv/bin/python" -m pytest -q -p no:cacheprovider
done

stage "handler tests with uvloop (CPython $version)"
"$venv/bin/pip" install -q uvloop
BOLT_TEST_EVENT_LOOP=uvloop "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/handlers
stage "done"
