"""Request names to route templates: a template is itself, a raw path is matched, a label is unmapped."""

from __future__ import annotations

from lab.measure.routes import Router, Template, path_of, router

SHOP = [
    ("/items", ["GET"]),
    ("/items/{item_id}", ["GET"]),
    ("/quotes/{item_id}", ["GET"]),
    ("/upstream/price/{item_id}", ["GET"]),
]


def test_a_template_is_itself_and_a_raw_path_finds_its_template() -> None:
    shop = router(SHOP)
    assert shop.template("/items/{item_id}", "GET") == "/items/{item_id}"
    assert shop.template("/items/17", "GET") == "/items/{item_id}"
    assert shop.template("/items?limit=100", "GET") == "/items"
    assert shop.template("http://127.0.0.1:8000/quotes/3?x=1", "GET") == "/quotes/{item_id}"


def test_labels_and_unknown_paths_are_unmapped() -> None:
    shop = router(SHOP)
    assert shop.template("order line", "GET") is None
    assert shop.template("/nowhere/1", "GET") is None
    assert shop.template("/items/17/extra", "GET") is None


def test_routing_order_and_methods_as_starlette_takes_them() -> None:
    routes = Router(
        [Template("/things/{id}", ("POST",)), Template("/things/{id}", ("GET",)), Template("/things/new")]
    )
    assert routes.template("/things/new", "GET") == "/things/new"  # a template name is itself
    assert routes.template("/things/7", "GET") == "/things/{id}"
    wide = Router([Template("/a/{x}", ("GET",)), Template("/a/{x:path}", ("POST",))])
    assert wide.template("/a/b/c", "POST") == "/a/{x:path}"
    assert wide.template("/a/b", "DELETE") == "/a/{x}"  # no method matches: the first path match (405)


def test_handlers_the_server_labelled_complete_the_app_s_routes() -> None:
    raw = router([], served=["/anything", "none"])
    assert raw.template("/anything?q=1", "GET") == "/anything"
    assert raw.template("none", "GET") is None


def test_path_of() -> None:
    assert path_of("/a/b?x=1#f") == "/a/b"
    assert path_of("https://h:1") == "/"
    assert path_of("label") == "label"
