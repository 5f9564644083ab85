"""Which public names of the django-bolt release are missing here, module by module.

    python ci/public_names.py                                   # summary of what is absent
    python ci/public_names.py --all                             # every name with its status
    python ci/public_names.py --upstream-python /work/upstream-venv/bin/python --ours-python X

Each interpreter imports every module of its own `django_bolt` (a child process each, with Django
configured minimally) and lists the public names: `__all__` when the module has one, otherwise
the names not starting with `_` defined in that module (classes, functions) or CONSTANTS assigned
there (a constant only imported, such as `TYPE_CHECKING` or `UTC`, and a `TypeVar` are not API). A release name is
`same-mod` when the same module here has it, `elsewhere:<modules>` when another module here
exports it, `ABSENT` otherwise; a release module missing here is marked NO MODULE. Modules with a
private component (`django_bolt._kwargs`, `django_bolt._worker_loop`) are counted apart: they are
not public API (docs/compatibility.md lists the release tests that reach into them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict

# Runs inside each interpreter: prints {module: {name: kind}} as JSON.
DUMPER = r"""
import ast, importlib, inspect, json, pkgutil, sys, typing, warnings
warnings.simplefilter("ignore")
import django
from django.conf import settings
settings.configure(
    SECRET_KEY="x" * 50, DEBUG=True, ALLOWED_HOSTS=["*"], USE_TZ=True,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                    "django.contrib.admin", "django.contrib.messages", "django_bolt"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()
import django_bolt

def kind(obj):
    if inspect.isclass(obj):
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "func"
    if inspect.ismodule(obj):
        return "module"
    return "value"

def assigned_names(mod):
    # Names a module binds by assignment at its top level (also inside if/try), not by import.
    try:
        tree = ast.parse(inspect.getsource(mod))
    except (OSError, TypeError, SyntaxError):
        return None
    found = set()
    def visit(body):
        for node in body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    found.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
                found.add(node.target.id)
            elif isinstance(node, ast.If):
                visit(node.body); visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body); visit(node.orelse); visit(node.finalbody)
                for handler in node.handlers:
                    visit(handler.body)
    visit(tree.body)
    return found

out = {}
names = ["django_bolt"] + [m.name for m in pkgutil.walk_packages(django_bolt.__path__, "django_bolt.")]
for name in names:
    if ".tests" in name or name.endswith("_core") or ".migrations" in name:
        continue
    try:
        mod = importlib.import_module(name)
    except BaseException as exc:  # a module that needs optional extras: note it, go on
        out[name] = {"__import_error__": repr(exc)[:200]}
        continue
    public = getattr(mod, "__all__", None)
    if public is None:
        public = []
        assigned = assigned_names(mod)
        for attr, obj in vars(mod).items():
            if attr.startswith("_") or inspect.ismodule(obj):
                continue
            owner = getattr(obj, "__module__", None) or ""
            # Without __all__, a class or function counts where it is defined, not where imported.
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and owner != name:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                if attr != attr.upper() or isinstance(obj, typing.TypeVar):
                    continue  # plain values count only as CONSTANTS
                if assigned is not None and attr not in assigned:
                    continue  # imported, not defined here
            public.append(attr)
    out[name] = {attr: kind(getattr(mod, attr, None)) for attr in public if hasattr(mod, attr)}
print(json.dumps(out))
"""


def dump(python: str) -> dict[str, dict[str, str]]:
    proc = subprocess.run([python, "-c", DUMPER], capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise SystemExit(f"{python} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream-python", default="/work/upstream-venv/bin/python")
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--all", action="store_true", help="list every release name, not only absent ones")
    parser.add_argument("--json", help="write {module: {name: status}} to this file")
    args = parser.parse_args()

    upstream = dump(args.upstream_python)
    ours = dump(args.ours_python)
    where: dict[str, list[str]] = defaultdict(list)
    for mod, names in ours.items():
        for name in names:
            where[name].append(mod)

    result: dict[str, dict[str, str]] = {}
    absent = total = missing_modules = 0
    private = {"names": 0, "absent": 0, "modules": 0, "missing": 0}
    for mod in sorted(upstream):
        names = upstream[mod]
        has_mod = mod in ours and "__import_error__" not in ours[mod]
        is_private = any(part.startswith("_") for part in mod.split(".")[1:])
        statuses = {}
        for name in names:
            if name == "__import_error__":
                continue
            if has_mod and name in ours[mod]:
                status = "same-mod"
            elif where.get(name):
                status = "elsewhere:" + ",".join(sorted(where[name]))
            else:
                status = "ABSENT"
            statuses[name] = status
        result[mod] = statuses
        n_absent = sum(status == "ABSENT" for status in statuses.values())
        if is_private:
            private["names"] += len(statuses)
            private["absent"] += n_absent
            private["modules"] += 1
            private["missing"] += not has_mod
            continue
        total += len(statuses)
        absent += n_absent
        missing_modules += not has_mod
        shown = {n: s for n, s in statuses.items() if args.all or s == "ABSENT"}
        if shown or not has_mod:
            print(f"## {mod}  ({'ours has module' if has_mod else 'NO MODULE in ours'})")
            for name, status in shown.items():
                print(f"  {name:<40} {names[name]:<8} {status}")
    print(f"\n{total} release names, {absent} absent here;", end=" ")
    print(f"{missing_modules} of {len(upstream) - private['modules']} public release modules missing")
    print(
        f"private modules (not public API): {private['names']} release names, {private['absent']} absent here;"
        f" {private['missing']} of {private['modules']} modules missing"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
