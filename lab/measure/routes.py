"""Which route template a Locust request name stands for (issue 11 §4).

Locust names a request after its `name=` or, without one, after its URL (`/items/17?x=1`); the server
labels it by route template (`/items/{item_id}`). A name equal to a template is that template; otherwise
its path (query string and host dropped) is matched against the templates the way Starlette routes, in
order; a name that matches none (`name="order line"`) is unmapped. Starlette's `compile_path` is plain
regex building: importing it pulls in no server and no Locust.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.routing import compile_path


@dataclass(frozen=True)
class Template:
    """A route template and the methods it answers (empty: any)."""

    path: str
    methods: tuple[str, ...] = ()

    @property
    def regex(self) -> re.Pattern[str]:
        return compile_path(self.path)[0]


def path_of(name: str) -> str:
    """The path a request name holds: "/items/1?x=2" -> "/items/1", "http://h:1/a" -> "/a"."""
    parts = urlsplit(name)
    if parts.scheme and parts.netloc:
        return parts.path or "/"
    return name.split("?", 1)[0].split("#", 1)[0]


class Router:
    """Maps request names to `templates` (in the app's routing order); results cached per name."""

    def __init__(self, templates: Iterable[Template]) -> None:
        self.templates = list(dict.fromkeys(templates))
        self._compiled = [(t, t.regex) for t in self.templates]
        self._cache: dict[tuple[str, str], str | None] = {}

    def template(self, name: str, method: str = "") -> str | None:
        """The route template `name` (requested with `method`) reached, None if no route matches."""
        key = (name, method.upper())
        if key not in self._cache:
            self._cache[key] = self._find(name, method.upper())
        return self._cache[key]

    def _find(self, name: str, method: str) -> str | None:
        if any(t.path == name for t in self.templates):
            return name
        path = path_of(name)
        if not path.startswith("/"):
            return None  # a label, not a URL
        matching = [t for t, regex in self._compiled if regex.match(path)]
        # Starlette takes the first route whose path and method match; a path match alone answers 405.
        allowed = [t for t in matching if not t.methods or not method or method in t.methods]
        chosen = (allowed or matching)[:1]
        return chosen[0].path if chosen else None


def router(app_routes: Iterable[tuple[str, Iterable[str]]], served: Iterable[str] = ()) -> Router:
    """A router over the app's routes ((template, methods), in order), then the handlers the server
    labelled that the app's introspection did not list (a raw ASGI app's bounded raw paths, a catalogue)."""
    templates = [Template(path, tuple(m.upper() for m in methods)) for path, methods in app_routes]
    known = {t.path for t in templates}
    templates += [Template(h) for h in served if h not in known and h.startswith("/")]
    return Router(templates)
