"""How the app's routes are registered and found: flat, and fixed paths by one dict lookup.

FastAPI matches a request by trying each route's path regex in turn; since 0.116 ``include_router`` also
nests each router, which matches twice per level. With ~110 routes that search was ~45% of a small
request's server time, more than the endpoint itself. Here every route is registered on the app itself
(:func:`include_flat`) and :class:`RouteIndex`, the app's first route, answers requests for fixed paths
(every data endpoint) with one lookup. Whatever it does not index (paths with parameters, 405s, redirects,
404s) falls through to the normal search, so routing answers exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, APIRouter, APIWebSocketRoute
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send


def include_flat(
    target: FastAPI | APIRouter, router: APIRouter, dependencies: Sequence[params.Depends] = ()
) -> None:
    """Register ``router``'s routes on ``target`` (an app, or a router whose routes an app takes over) itself,
    as ``include_router`` did before FastAPI nested routers, with ``dependencies`` put before each route's own.

    Routes keep their full paths (a router's prefix is part of each route's path) and their route class.
    """
    table = target.router if isinstance(target, FastAPI) else target
    for route in router.routes:
        if isinstance(route, APIRoute):
            table.add_api_route(
                route.path,
                route.endpoint,
                response_model=route.response_model,
                status_code=route.status_code,
                tags=route.tags,
                dependencies=[*dependencies, *route.dependencies],
                summary=route.summary,
                description=route.description,
                response_description=route.response_description,
                responses=route.responses,
                deprecated=route.deprecated,
                methods=route.methods,
                operation_id=route.operation_id,
                response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                include_in_schema=route.include_in_schema,
                response_class=route.response_class,
                name=route.name,
                route_class_override=type(route),
                callbacks=route.callbacks,
                openapi_extra=route.openapi_extra,
                generate_unique_id_function=route.generate_unique_id_function,
            )
        elif isinstance(route, APIWebSocketRoute):
            table.add_api_websocket_route(
                route.path, route.endpoint, route.name, dependencies=[*dependencies, *route.dependencies]
            )
        else:
            raise TypeError(f"include_flat cannot register a {type(route).__name__} ({route!r})")


class RouteIndex(BaseRoute):
    """The first route of the app: requests for a fixed path go straight to their route.

    Built once from the routes registered at the time (:meth:`install`). A (path, method) is indexed
    only when the normal search would pick that same route for it, so routes added later, or a parametrised
    route listed before a fixed one, still answer as FastAPI would decide.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        # What could answer a fixed path before its own route: a route listed earlier with the same path,
        # or one whose path is a pattern (parameters, mounts). Probing only those keeps building the index
        # linear in the routes (an app is built per test, hundreds of times a run).
        earlier: list[BaseRoute] = []
        same_path: dict[str, list[BaseRoute]] = {}
        for route in routes:
            if isinstance(route, Route) and not route.param_convertors and route.methods:
                rivals = [*same_path.get(route.path, ()), *earlier, route]
                for method in route.methods:
                    probe = {
                        "type": "http",
                        "path": route.path,
                        "root_path": "",
                        "method": method,
                        "headers": [],
                    }
                    if _first_full_match(rivals, probe) is route:
                        self.routes.setdefault((route.path, method), route)
            if isinstance(route, Route) and not route.param_convertors:
                same_path.setdefault(route.path, []).append(route)
            else:
                earlier.append(route)

    @classmethod
    def install(cls, app: FastAPI) -> RouteIndex:
        """Put an index of ``app``'s current routes in front of them."""
        index = cls([r for r in app.router.routes if not isinstance(r, cls)])
        app.router.routes.insert(0, index)
        return index

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # With a root path (behind a proxy), paths carry a prefix: left to the normal search.
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self.routes.get((scope["path"], scope["method"]))
            if route is not None:
                return Match.FULL, {"endpoint": route.endpoint, "path_params": {}, "route": route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        # Names are resolved by the routes themselves, which stay in the app's list.
        raise NoMatchFound(name, path_params)


def _first_full_match(routes: Sequence[BaseRoute], scope: Scope) -> BaseRoute | None:
    for route in routes:
        if route.matches(scope)[0] == Match.FULL:
            return route
    return None
