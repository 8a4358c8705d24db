"""The shipped order partials rendered by Python (orderexchange/mail/partials.py) give the text
their compiled templates give: every branch of `_order.txt.j2` and `_order.html.j2`, in every
shipped language, with awkward values (characters to escape, NUL, values that are no text);
anything the fast path does not know is rendered by the template itself."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from decimal import Decimal

import jinja2
import pytest
from markupsafe import Markup
from test_mail_wire import alpha, realistic_supplier_order

from orderexchange import documents, mail
from orderexchange.documents.sheet import SheetLine
from orderexchange.mail import partials, render
from orderexchange.model import Address, Customer

SHIPPED = sorted(p.name for p in mail.TEMPLATES.iterdir() if p.is_dir())
PARTS = ("_order.txt.j2", "_order.html.j2")


def environments(config, supplier) -> tuple[tuple[jinja2.Environment, jinja2.Environment],
                                            tuple[jinja2.Environment, jinja2.Environment]]:
    """(text, HTML) environments of the supplier as rendering uses them, and the same with the
    plain jinja loader (every template by its compiled code)."""
    dirs = tuple(render.template_dirs(config, supplier))
    render._environments.cache_clear()
    fast = render._environments(dirs, documents.language_of(supplier))
    plain = tuple(env.overlay(loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
                              cache_size=50) for env in fast)
    return fast, plain  # type: ignore[return-value]


def variants(sheet_orders):
    """Order sheets that take every branch of the partials, with awkward values."""
    base = sheet_orders[0]
    line = base.lines[0]
    addresses = [
        base.delivery,
        Address("Zoë", "O'Brien & Söhne", "Rue <b>1</b>", "75001", "Paris", "FR",
                company='Café "Chez Zoë"', street2="Bât. A", state="Île-de-France"),
        Address("A", "B", "S", "1", "C", "XX"),  # a country code pycountry does not know
        Address("Nul", "Byte\x00", "Street", "1", "City", "DE", company="", state="Bayern"),
    ]
    customers = [base.customer, Customer("x@example.com", "Ünal", "<Müller>", phone=""),
                 Customer("y@example.com", "Jo", "Ko", phone="+49 30 1234 & 5")]
    lines = [
        [], [line],
        [replace(line, quantity=Decimal("12.5"), unit="m", unit_code="MTR",
                 name='Hose 1/2" <blue> & green', supplier_sku="A&B-1")],
        [replace(line, quantity=3, unit="", unit_code="MTR"),
         replace(line, quantity=Decimal("0.25"), unit="kg", unit_code="KGM",
                 unit_price=Decimal("1234567.891"), net_total=Decimal("-3.5"))],
    ]
    out = []
    for i, (policy, created, address, customer, order_lines) in enumerate(itertools.product(
            ("customer", "guest", "distributor"), (True, False, None), addresses, customers,
            lines)):
        out.append(replace(base, policy=policy, customer_created=created, delivery=address,
                           customer=customer, lines=order_lines,
                           shop_order_id=(None, "", "50001", "<5&0>")[i % 4],
                           number=("W-1", "Nr. 'A'")[i % 2]))
    out += sheet_orders
    # values that are no text: escaped and formatted one by one, as the template does
    out += [replace(base, number=4711), replace(base, reference=Markup("<b>ref</b>")),
            replace(base, currency=None, subtotal=Decimal("7"))]
    return out


@pytest.fixture(params=SHIPPED)
def setup(request, make_config):
    config = make_config(suppliers={"alpha": alpha(language=request.param)})
    supplier = config.supplier("alpha")
    sheet = documents.sheet(config, supplier, realistic_supplier_order(12))
    return config, supplier, sheet


def test_every_shipped_partial_has_its_fast_path():
    """Fails after an edit of a shipped partial: bring its function in partials.py and its
    hash in `_KNOWN` up to date (the edited partial is rendered correctly meanwhile, by jinja)."""
    for language in SHIPPED:
        for part in PARTS:
            source = (mail.TEMPLATES / language / part).read_bytes()
            known = partials._KNOWN.get(hashlib.sha256(source).hexdigest())
            assert known is not None, f"{language}/{part} changed: partials.py is out of date"
            want = partials.order_txt if part.endswith(".txt.j2") else partials.order_html
            assert known == (want, language)


@pytest.mark.parametrize("part", PARTS)
def test_the_fast_path_renders_what_the_template_renders(setup, part):
    config, supplier, sheet = setup
    (text, html), (plain_text, plain_html) = environments(config, supplier)
    fast, plain = (text, plain_text) if part.endswith(".txt.j2") else (html, plain_html)
    template = fast.get_template(part)
    assert template.root_render_func.__qualname__ == "fast_root.<locals>.root"
    distributors = [config.distributor, {"name": "Meier & <Co>"}]
    checked = 0
    for o, handover, distributor in itertools.product(variants(sheet.orders), ("shop", "email"),
                                                      distributors):
        if isinstance(distributor, dict) and not o.blind:
            continue
        context = {"o": o, "handover": handover, "distributor": distributor}
        assert template.render(context) == plain.get_template(part).render(context), \
            (o, handover)
        checked += 1
    assert checked > 400


@pytest.mark.parametrize("part", PARTS)
def test_an_order_of_other_types_is_rendered_by_the_template(setup, part):
    config, supplier, sheet = setup
    (text, html), (plain_text, plain_html) = environments(config, supplier)
    fast, plain = (text, plain_text) if part.endswith(".txt.j2") else (html, plain_html)
    o = sheet.orders[0]
    as_dict = {name: getattr(o, name) for name in (
        "number", "reference", "shop_order_id", "ordered_at", "currency", "customer",
        "delivery", "policy", "blind", "customer_created", "lines", "subtotal", "shipping",
        "tax", "total")}
    subclassed = type("Line", (SheetLine,), {})(**vars(o.lines[0]))
    for odd in (as_dict, replace(o, lines=[subclassed]), replace(o, lines=tuple(o.lines))):
        context = {"o": odd, "handover": "shop", "distributor": config.distributor}
        assert fast.get_template(part).render(context) == \
            plain.get_template(part).render(context)
    # a missing variable is the template's error, naming the variable
    with pytest.raises(jinja2.UndefinedError, match="handover"):
        fast.get_template(part).render({"o": o, "distributor": config.distributor})
    blind = replace(o, policy="distributor")
    with pytest.raises(jinja2.UndefinedError, match="name"):
        fast.get_template(part).render({"o": blind, "handover": "shop", "distributor": {}})


def test_a_partial_of_a_template_folder_is_rendered_by_its_own_template(make_config, tmp_path):
    """A folder's own `_order.txt.j2` is its template; a copy of the shipped one, unchanged,
    renders as the shipped one does."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "_order.txt.j2").write_text("ORDER {{ o.number }}\n", encoding="utf-8")
    shipped = (mail.TEMPLATES / "en" / "_order.html.j2").read_text(encoding="utf-8")
    (folder / "_order.html.j2").write_text(shipped, encoding="utf-8")
    config = make_config(suppliers={"alpha": alpha(language="en")},
                         mail={"transport": "memory", "template_folder": str(folder)})
    supplier = config.supplier("alpha")
    so = realistic_supplier_order(3)
    (text, html), _plain = environments(config, supplier)
    assert html.get_template("_order.html.j2").filename == str(folder / "_order.html.j2")
    assert html.get_template("_order.html.j2").root_render_func.__qualname__ == \
        "fast_root.<locals>.root"
    assert text.get_template("_order.txt.j2").root_render_func.__qualname__ == "root"
    message = mail.render_notification(config, supplier, so)
    body = message.get_body(preferencelist=("plain",)).get_content()
    sheet = documents.sheet(config, supplier, so)
    assert [line for line in body.splitlines() if line.startswith("ORDER ")] == \
        [f"ORDER {o.number}" for o in sheet.orders]


def test_notification_of_realistic_orders_is_the_templates(make_config):
    """A whole notification (subject, text, HTML) is the same with and without the fast path."""
    for language in SHIPPED:
        config = make_config(suppliers={"alpha": alpha(language=language)})
        supplier = config.supplier("alpha")
        sheet = documents.sheet(config, supplier, realistic_supplier_order(40, seed=3))
        context = render._context(sheet, [])
        (text, html), (plain_text, plain_html) = environments(config, supplier)
        for fast, plain, name in ((text, plain_text, "notification.txt.j2"),
                                  (html, plain_html, "notification.html.j2")):
            assert fast.get_template(name).render(context) == \
                plain.get_template(name).render(context)


def test_a_partial_included_by_the_other_kind_of_template_is_rendered_by_the_template(setup):
    """The text partial included from an HTML template is escaped by its compiled code, the
    HTML partial in a text template is not: the fast path is for the kind it was written for."""
    config, supplier, sheet = setup
    (text, html), (plain_text, plain_html) = environments(config, supplier)
    o = replace(sheet.orders[0], number="<1 & 2>")
    context = {"o": o, "handover": "shop", "distributor": config.distributor}
    for fast, plain, part in ((html, plain_html, "_order.txt.j2"),
                              (text, plain_text, "_order.html.j2")):
        assert fast.get_template(part).root_render_func.__qualname__ == "root"
        assert fast.get_template(part).render(context) == plain.get_template(part).render(context)
    assert "&lt;1 &amp; 2&gt;" in html.get_template("_order.txt.j2").render(context)


def test_an_include_of_an_order_of_other_types_is_rendered_by_the_template(setup):
    """Included from the notification (a light context per order, not jinja's), an order sheet
    the fast path does not know still gets the compiled partial, with the same variables."""
    config, supplier, sheet = setup
    (text, html), (plain_text, plain_html) = environments(config, supplier)
    o = sheet.orders[0]
    as_dict = dict(vars(o), blind=o.blind)
    context = dict(render._context(sheet, []), orders=[as_dict, o, replace(o, lines=())])
    for fast, plain, name in ((text, plain_text, "notification.txt.j2"),
                              (html, plain_html, "notification.html.j2")):
        assert fast.get_template(name).render(context) == \
            plain.get_template(name).render(context)


def test_a_partial_imported_with_context_renders_as_the_template(make_config, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "notification.txt.j2").write_text(
        '{% for o in orders %}{% import "_order.txt.j2" as part with context %}[{{ part }}]'
        '{% endfor %}\n', encoding="utf-8")
    config = make_config(suppliers={"alpha": alpha(language="en")},
                         mail={"transport": "memory", "template_folder": str(folder)})
    supplier = config.supplier("alpha")
    sheet = documents.sheet(config, supplier, realistic_supplier_order(3))
    (text, _html), (plain_text, _plain_html) = environments(config, supplier)
    context = render._context(sheet, [])
    got = text.get_template("notification.txt.j2").render(context)
    assert got == plain_text.get_template("notification.txt.j2").render(context)
    assert got.count("[------") == 3
