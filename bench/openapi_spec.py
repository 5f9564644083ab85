"""Time to build the OpenAPI document (and compile the whole app) for an API of N routes.

The docs are generated once per compile, at startup; this measures what that costs. Routes mix
path/query/header parameters with constraints, JSON bodies of a few Struct types, response models
and auth, like a real API.

    DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=. python bench/openapi_spec.py [--routes 500]
"""

import argparse
import statistics
import time
from typing import Annotated, Literal

import django
import msgspec
from django_bolt import BoltAPI
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated
from django_bolt.openapi import OpenAPIConfig
from django_bolt.param_functions import Header, Query

# Annotations are evaluated as written (no `from __future__ import annotations`): the handlers
# below are made in a function, whose names get_type_hints could not see.


def build(n: int, docs: bool) -> BoltAPI:
    class In(msgspec.Struct):
        name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
        price: float
        tags: list[str] = []

    class Out(msgspec.Struct):
        id: int
        name: str

    config = OpenAPIConfig(title="bench", version="1", enabled=docs)
    api = BoltAPI(openapi_config=config)
    auth = [APIKeyAuthentication(api_keys=["k"])]
    for i in range(n):
        kind = i % 4
        if kind == 0:

            async def handler(
                item_id: int, q: Annotated[str, Query(min_length=2)] = "ab", order: Literal["a", "d"] = "a"
            ) -> Out:
                return Out(id=item_id, name=q)

            api.get(f"/r{i}/{{item_id}}", tags=[f"t{i % 10}"])(handler)
        elif kind == 1:

            async def handler(body: In) -> Out:
                return Out(id=1, name=body.name)

            api.post(f"/r{i}", status_code=201, auth=auth, guards=[IsAuthenticated()])(handler)
        elif kind == 2:

            async def handler(
                limit: Annotated[int, Query(ge=1, le=100)] = 10, x_trace: Annotated[str | None, Header()] = None
            ) -> list[Out]:
                return []

            api.get(f"/r{i}")(handler)
        else:

            async def handler(item_id: int, body: In) -> dict:
                return {}

            api.put(f"/r{i}/{{item_id}}")(handler)
        handler.__name__ = f"op{i}"
    return api


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    django.setup()
    from django_bolt.openapi.schema_generator import SchemaGenerator

    timings: dict[str, list[float]] = {"compile, docs on": [], "compile, docs off": [], "document only": []}
    generate = SchemaGenerator.generate
    spent: list[float] = []

    def timed(self, entries):
        start = time.perf_counter()
        try:
            return generate(self, entries)
        finally:
            spent.append(time.perf_counter() - start)

    SchemaGenerator.generate = timed
    for _ in range(args.repeat):
        for docs in (True, False):
            api = build(args.routes, docs)
            start = time.perf_counter()
            api.compile()
            timings[f"compile, docs {'on' if docs else 'off'}"].append(time.perf_counter() - start)
        timings["document only"].append(spent[-1])
    print(f"{args.routes} routes, median of {args.repeat} runs:")
    for name, values in timings.items():
        print(f"  {name:<20} {statistics.median(values) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
