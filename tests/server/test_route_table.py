"""Flat registration and the fixed-path index route exactly as FastAPI's own search and include_router."""

from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.routing import APIRouter
from fastapi.testclient import TestClient
from starlette.routing import Match, Mount

from qmt_bridge.server.answers import add_success_schemas
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.server.error_schema import add_error_schemas
from qmt_bridge.server.route_table import RouteIndex, include_flat
from qmt_bridge.server.routers import OPEN_ROUTERS, ROUTERS
from qmt_bridge.server.security import require_data_auth


@pytest.mark.parametrize("auth", [False, True])
def test_the_schema_is_the_one_include_router_gives(auth):
    """Every route attribute /docs shows survives flat registration, the auth dependency included."""
    settings = Settings(_env_file=None, backend="sim", require_auth_for_data=auth, api_key="k")
    nested = FastAPI(title="QMT Bridge")
    nested.state.settings = settings
    dependencies = [Depends(require_data_auth)] if auth else []
    for router in OPEN_ROUTERS:
        nested.include_router(router)
    for router in ROUTERS:
        nested.include_router(router, dependencies=dependencies)
    ours = create_app(settings)
    # create_app adds the one error shape (error_schema) and the declared answers (answers) to the document.
    # (FastAPI keeps included routers whole in nested.routes: the answers are found from ours'.)
    expected = add_success_schemas(add_error_schemas(nested.openapi()), ours.routes)
    assert ours.openapi()["paths"] == expected["paths"]
    assert ours.openapi()["components"] == expected["components"]


def test_every_data_endpoint_is_found_by_one_lookup():
    app = create_app(Settings(_env_file=None, backend="sim"))
    index = app.router.routes[0]
    assert isinstance(index, RouteIndex)
    others = app.router.routes[1:]
    fixed = [
        (r.path, m) for r in others if hasattr(r, "methods") and not r.param_convertors for m in r.methods
    ]
    assert len(fixed) > 100
    assert set(index.routes) == set(fixed)
    for (path, method), route in index.routes.items():
        scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
        assert index.matches(scope)[1]["route"] is route
        # The route FastAPI's own search would pick.
        assert next(r for r in others if r.matches(scope)[0] == Match.FULL) is route


def _app_with(*routers: APIRouter) -> FastAPI:
    app = FastAPI()
    for router in routers:
        include_flat(app, router)
    RouteIndex.install(app)
    return app


def test_a_parametrised_route_listed_first_keeps_its_precedence():
    router = APIRouter(prefix="/x")

    @router.get("/{name}")
    async def by_name(name: str) -> dict:
        return {"by": "name", "name": name}

    @router.get("/list")
    async def listing() -> dict:  # shadowed by /x/{name}, as FastAPI decides
        return {"by": "list"}

    @router.get("/other/fixed")
    async def fixed() -> dict:
        return {"by": "fixed"}

    app = _app_with(router)
    assert ("/x/list", "GET") not in app.router.routes[0].routes
    assert ("/x/other/fixed", "GET") in app.router.routes[0].routes
    with TestClient(app) as client:
        assert client.get("/x/list").json() == {"by": "name", "name": "list"}
        assert client.get("/x/other/fixed").json() == {"by": "fixed"}


def test_what_the_index_does_not_hold_answers_as_before():
    router = APIRouter(prefix="/y")

    @router.get("/only-get")
    async def only_get(request: Request) -> dict:
        return {"route": request.scope["route"].path, "root_path": request.scope.get("root_path", "")}

    app = _app_with(router)
    with TestClient(app) as client:
        assert client.get("/y/only-get").json() == {"route": "/y/only-get", "root_path": ""}
        assert client.post("/y/only-get").status_code == 405
        assert client.get("/y/only-get/").status_code == 200  # redirect_slashes, from the normal search
        assert client.get("/y/missing").status_code == 404
    with TestClient(app, root_path="/proxy") as client:  # behind a proxy: the normal search strips it
        assert client.get("/y/only-get").json() == {"route": "/y/only-get", "root_path": "/proxy"}


def test_route_dependencies_run_after_the_included_ones():
    calls: list[str] = []

    def outer() -> None:
        calls.append("outer")

    def inner() -> None:
        calls.append("inner")

    def forbid() -> None:
        raise HTTPException(403)

    router = APIRouter(prefix="/z", dependencies=[Depends(inner)])

    @router.get("/ok")
    async def ok() -> dict:
        return {}

    app = FastAPI()
    include_flat(app, router, [Depends(outer)])
    guarded = APIRouter(prefix="/g")
    guarded.add_api_route("/no", ok)
    include_flat(app, guarded, [Depends(forbid)])
    RouteIndex.install(app)
    with TestClient(app) as client:
        assert client.get("/z/ok").status_code == 200
        assert calls == ["outer", "inner"]
        assert client.get("/g/no").status_code == 403


def test_include_flat_refuses_what_it_cannot_register():
    router = APIRouter()
    router.routes.append(Mount("/files", app=FastAPI()))
    with pytest.raises(TypeError, match="Mount"):
        include_flat(FastAPI(), router)
