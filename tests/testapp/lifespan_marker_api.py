"""An API whose lifespan says on stderr that it started (runbolt must bind before it runs)."""

import sys
from contextlib import asynccontextmanager

from django_bolt import BoltAPI


@asynccontextmanager
async def announce(api):
    sys.stderr.write("lifespan started\n")
    yield


api = BoltAPI(lifespan=announce)


@api.get("/ok")
async def ok():
    return {"ok": True}
