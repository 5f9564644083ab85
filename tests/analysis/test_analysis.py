"""``django_bolt.analysis`` reads a function's source: what it asks of the database, which calls
block, and which request parts it reads. Each case is a small function read for real."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django_bolt.analysis import (
    DependencyNeeds,
    HandlerAnalysis,
    analyze_dependency_tree,
    analyze_handler,
    resolve_introspection_target,
)

from tests.testapp.models import Article

PARTS = ("body", "query", "headers", "cookies")


def parts(analysis: HandlerAnalysis) -> set[str]:
    return {part for part in PARTS if getattr(analysis, f"request_needs_{part}")}


# --- the database ---


def test_queryset_methods_count_only_on_a_chain_through_a_manager():
    def view(payload):
        payload.get("x")
        return Article.objects.exclude(id=0).select_for_update().last(), payload.copy().count()

    found = analyze_handler(view)
    assert found.uses_orm and found.is_blocking
    assert found.orm_operations == {"exclude", "last"}


def test_iterating_a_queryset_method_and_instance_saves_are_database_work():
    async def view(article, rows):
        titles = {a.title for a in Article._base_manager.using("default")}
        async for item in rows.filter(id=1):
            await item.adelete()
        article.refresh_from_db()
        return titles

    found = analyze_handler(view)
    assert found.orm_operations == {"using", "comprehension_using", "iterate_filter", "adelete", "refresh_from_db"}
    assert not found.has_blocking_io


def test_a_raw_cursor_of_the_connection_is_database_work_and_another_cursor_is_not():
    def raw():
        with connection.cursor() as c:
            return c.fetchall()

    def pager(page):
        return page.cursor

    assert analyze_handler(raw).orm_operations == {"cursor"}
    assert analyze_handler(pager) == HandlerAnalysis()


# --- blocking calls ---


def test_blocking_calls_by_name_and_by_module():
    def view(path):
        time.sleep(0.1)
        with open(path) as f:
            return f.read(), inspect.isfunction(view)

    found = analyze_handler(view)
    assert found.has_blocking_io and not found.uses_orm
    assert found.blocking_operations == {"time.sleep", "open"}


def test_event_loop_blockers_are_direct_sync_work_only():
    async def view(article):
        await asyncio_sleep()
        n = await Article.objects.acount()
        lazy = Article.objects.filter(id=n)  # builds a query, runs none
        later = lambda: Article.objects.count()  # noqa: E731 - runs wherever it is called
        article.save()
        time.sleep(0)
        return [a for a in Article.objects.all()], lazy, later, {k: v for k, v in article.values()}

    assert analyze_handler(view).event_loop_blockers == {"save", "time.sleep", "comprehension_all"}


async def asyncio_sleep() -> None:
    return None


# --- request parts ---


def test_each_request_attribute_reads_its_own_parts():
    def view(request, other):
        return request.headers, request.raw_cookies, request.method, request.user, other.body

    def meta(req):
        return req.META

    assert parts(analyze_handler(view, {"request"})) == {"headers", "cookies"}
    assert parts(analyze_handler(meta, {"req"})) == {"headers", "query"}
    assert parts(analyze_handler(meta, {"request"})) == set()  # req is not a request name here


def test_keys_known_at_definition_read_their_part_and_others_can_read_any():
    def known(request):
        return request["body"], request.get("query", None), request.get("state")

    def unknown(request, key):
        return request[key]

    assert parts(analyze_handler(known, {"request"})) == {"body", "query"}
    assert parts(analyze_handler(unknown, {"request"})) == set(PARTS)


def test_a_request_handed_on_or_an_unknown_attribute_reads_every_part():
    def handed_on(request):
        return str(request)

    def unknown_attribute(request):
        return request.some_helper()

    assert parts(analyze_handler(handed_on, {"request"})) == set(PARTS)
    assert parts(analyze_handler(unknown_attribute, {"request"})) == set(PARTS)


def test_a_wrapper_made_with_functools_wraps_reads_every_part():
    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(request):
            return fn(request)

        return wrapper

    @wrap
    def view(request):
        return request.body

    assert parts(analyze_handler(view, {"request"})) == set(PARTS)


# --- what is read: callables and classes ---


class ReadsCookies:
    def __init__(self, request):
        self.session = request.cookies.get("s")

    def __call__(self, request):
        return request.query


class InheritsInit(ReadsCookies):
    pass


class MakesItselfInNew:
    def __new__(cls, request):
        return super().__new__(cls)


@dataclasses.dataclass
class Generated:
    request: Any


def test_a_class_is_read_through_its_init_and_an_instance_through_its_call():
    assert parts(analyze_handler(ReadsCookies, {"request"})) == {"cookies"}
    assert parts(analyze_handler(InheritsInit, {"request"})) == {"cookies"}
    assert parts(analyze_handler(ReadsCookies(SimpleNamespace(cookies={})), {"request"})) == {"query"}
    assert resolve_introspection_target(print) is inspect.getattr_static(type(print), "__call__")


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (len, "Could not get source: "),
        (Generated, "Could not get source: "),
        (MakesItselfInNew, "MakesItselfInNew runs a __new__ or a metaclass __call__ before __init__"),
    ],
)
def test_what_cannot_be_read_fails_with_its_reason_and_no_exception(target, reason):
    found = analyze_handler(target, {"request"})
    assert found.analysis_failed and found.failure_reason.startswith(reason)


PAIR = [lambda request: request.body, lambda request: request.query]


def test_a_lambda_is_read_when_it_is_alone_on_its_line():
    single = lambda request: request.body  # noqa: E731
    assert parts(analyze_handler(single, {"request"})) == {"body"}
    found = analyze_handler(PAIR[1], {"request"})
    assert found.failure_reason == "Could not find one definition of <lambda> in its source"


# --- the dependency tree ---


def dep_field(fn, source="dependency"):
    name = getattr(fn, "__name__", "dep")
    return SimpleNamespace(name=name, source=source, dependency=SimpleNamespace(dependency=fn))


def reads_headers(request):
    return request.headers


def quiet(request):
    return 1


def test_the_tree_adds_typed_needs_and_source_reads_of_every_dependency_once():
    compiled = []
    metas = {
        reads_headers: {"mode": "request_only", "sig": inspect.signature(reads_headers), "fields": []},
        quiet: {"mode": "mixed", "fields": [dep_field(reads_headers), dep_field(quiet)], "needs_body": True},
    }

    def compile_dep(fn):
        compiled.append(fn)
        return metas[fn]

    needs = analyze_dependency_tree({"fields": [dep_field(quiet), dep_field(quiet)]}, compile_dep)
    assert needs == DependencyNeeds(needs_body=True, needs_headers=True)
    assert compiled == [quiet, reads_headers]


def test_a_dependency_that_cannot_be_compiled_or_read_needs_every_part():
    def broken(fn):
        raise TypeError("no")

    unreadable = functools.partial(reads_headers)
    metas = {unreadable: {"mode": "request_only", "sig": inspect.signature(unreadable), "fields": []}}
    for compile_dep in (broken, metas.__getitem__):
        needs = analyze_dependency_tree({"fields": [dep_field(unreadable)]}, compile_dep)
        assert needs.saturated


def test_a_module_is_not_a_function_and_fails_the_analysis():
    found = analyze_handler(inspect)
    assert found.analysis_failed and found.failure_reason.endswith("is not a function")
