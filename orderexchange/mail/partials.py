"""The shipped order partials (`_order.txt.j2`, `_order.html.j2`, English and German) rendered
by plain Python: the same text as the compiled template, at a fraction of its cost.

Why: a notification includes both partials once per customer order, and jinja's compiled code
looks every value up through `environment.getattr` (a call per attribute, `o.delivery` again for
each of its fields) and escapes it by a call of its own — 60 % of rendering a 100-order email,
the largest cost of the notification outside the SMTP transaction (issue 15).

When it applies: only to a template whose *source* is, byte for byte, one of the shipped partials
this module implements (`_KNOWN`: the SHA-256 of each file), wherever it was loaded from — a
template folder that overrides a partial, or a shipped partial edited, gets its own compiled code
as before. And only for an order sheet of the model's own types (`SheetOrder`, `Customer`,
`Address`, `SheetLine`): a template that includes a partial with anything else as `o` gets the
compiled code. Values are escaped (`markupsafe.escape`), turned into text (`str`) and formatted
(the environment's filters, `%`) exactly as the compiled template does, so the output is the
same: tests/test_mail_partials.py renders every branch of every shipped partial both ways, and
the golden files (tests/test_mail_golden.py, tests/test_mail_wire.py) are unchanged.

After an edit of a shipped partial, its fast path no longer applies (the hash differs) and
tests/test_mail_partials.py says so: update the function below to the new template and `_KNOWN`
to the new hash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2.runtime import Context, missing
from markupsafe import escape

from ..documents.sheet import SheetLine, SheetOrder
from ..model import Address, Customer

#: the words of the shipped partials, per language (the only difference between the languages)
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "shop_order": "Your shop order ", "not_written": "(not written)",
        "our_order": "Our order ", "our_order_lc": "our order ", "of": " of ",
        "ordered_on": "Ordered on ", "reference": "reference ",
        "quote_html": " (please quote it)", "quote_txt": ": please quote it",
        "blind_html": "<strong>Blind drop-shipment:</strong> ship to the address below in "
                      "neutral packaging, without prices, invoice or advertising in the parcel; "
                      "invoice us.",
        "blind_txt": "*** Blind drop-shipment: ship to the address below in neutral packaging,\n"
                     "*** without prices, invoice or advertising in the parcel; invoice us.\n",
        "deliver_html": "Deliver to", "deliver_txt": "Deliver to:", "phone": "Phone: ",
        "customer_html": "Customer", "customer_txt": "Customer: ",
        "account": " (our account with you)", "guest_html": "Guest order: ",
        "guest_txt": "guest order for ", "new": " (new customer in your shop)",
        "existing": " (existing customer in your shop)",
        "head_html": ("Qty", "Your SKU", "Product", "Unit net", "Line net"),
        "head_txt": ("Qty", "Your SKU", "Product", "Unit net", "Line net"),
        "subtotal_html": "Subtotal net", "shipping_html": "Shipping net", "tax_html": "Tax",
        "total_html": "Total ", "subtotal_txt": "Subtotal net ", "shipping_txt": ", shipping ",
        "tax_txt": ", tax ", "total_txt": ", total ",
    },
    "de": {
        "shop_order": "Ihre Shop-Bestellung ", "not_written": "(nicht angelegt)",
        "our_order": "Unser Auftrag ", "our_order_lc": "unser Auftrag ", "of": " vom ",
        "ordered_on": "Bestellt am ", "reference": "Referenz ",
        "quote_html": " (bitte angeben)", "quote_txt": ": bitte angeben",
        "blind_html": "<strong>Neutraler Versand (Streckengeschäft):</strong> bitte an die "
                      "Adresse unten in neutraler Verpackung liefern, ohne Preise, Rechnung oder "
                      "Werbung im Paket; die Rechnung geht an uns.",
        "blind_txt": "*** Neutraler Versand (Streckengeschäft): bitte an die Adresse unten in "
                     "neutraler\n*** Verpackung liefern, ohne Preise, Rechnung oder Werbung im "
                     "Paket; Rechnung an uns.\n",
        "deliver_html": "Lieferadresse", "deliver_txt": "Lieferadresse:", "phone": "Telefon: ",
        "customer_html": "Kunde", "customer_txt": "Kunde: ",
        "account": " (unser Kundenkonto bei Ihnen)", "guest_html": "Gastbestellung: ",
        "guest_txt": "Gastbestellung für ", "new": " (neuer Kunde in Ihrem Shop)",
        "existing": " (bestehender Kunde in Ihrem Shop)",
        "head_html": ("Menge", "Ihre Art.-Nr.", "Artikel", "Einzelpreis netto", "Netto"),
        "head_txt": ("Menge", "Ihre Art.-Nr.", "Artikel", "Einzelpr.", "Netto"),
        "subtotal_html": "Warenwert netto", "shipping_html": "Versand netto", "tax_html": "MwSt.",
        "total_html": "Gesamt ", "subtotal_txt": "Warenwert netto ", "shipping_txt": ", Versand ",
        "tax_txt": ", MwSt. ", "total_txt": ", gesamt ",
    },
}

_TD = '<td style="border:1px solid #ccc">'
_TD_R = '<td align="right" style="border:1px solid #ccc">'
_TH_R = '<th align="right" style="border:1px solid #ccc">'
_TH_L = '<th align="left" style="border:1px solid #ccc">'
_TOTAL_ROW = '</td></tr>\n<tr><td colspan="4" align="right">'
_ROW_FORMAT = "%-8s %-20s %-30s %10s  %10s"


def _html_pieces(w: dict[str, str]) -> dict[str, str]:
    """The markup between the values of `_order.html.j2`, in one language."""
    head = w["head_html"]
    table = ('</td></tr></table>\n</td></tr>\n<tr><td>\n<table cellpadding="4" cellspacing="0" '
             'style="border-collapse:collapse;width:100%;font-size:14px">\n'
             '<tr style="background:#eee">' + _TH_R + head[0] + "</th>" + _TH_L + head[1]
             + "</th>" + _TH_L + head[2] + "</th>" + _TH_R + head[3] + "</th>" + _TH_R + head[4]
             + "</th></tr>\n")
    start = ('<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
             'style="border-top:2px solid #444;margin:18px 0 0 0">\n'
             '<tr><td style="padding:8px 0 4px 0">\n<h3 style="margin:0;font-size:16px">')
    subtotal = '<tr><td colspan="4" align="right">' + w["subtotal_html"] + '</td><td align="right">'
    return {
        "start_shop": start + w["shop_order"],
        "start_email": start + w["our_order"],
        "our_order": '</h3>\n<div style="color:#555">' + w["our_order"],
        "ordered_on": '</h3>\n<div style="color:#555">' + w["ordered_on"],
        "reference": " · " + w["reference"] + "<code>",
        "end_shop": "</code></div>\n</td></tr>\n",
        "end_email": "</code>" + w["quote_html"] + "</div>\n</td></tr>\n",
        "blind": '<tr><td style="background:#fff3cd;border:1px solid #e0c36a;padding:6px 8px">'
                 + w["blind_html"] + "</td></tr>\n",
        "deliver": '<tr><td style="padding:8px 0">\n<table role="presentation" width="100%" '
                   'cellpadding="0" cellspacing="0"><tr>\n<td valign="top" width="50%"><strong>'
                   + w["deliver_html"] + "</strong><br>\n",
        "phone": "<br>" + w["phone"],
        "customer": '</td>\n<td valign="top" width="50%"><strong>' + w["customer_html"]
                    + "</strong><br>\n",
        "account": w["account"] + "\n",
        "new": "<br>" + w["new"].lstrip(), "existing": "<br>" + w["existing"].lstrip(),
        "table": table, "table_rows": table + "<tr>" + _TD_R,
        "td": "</td>" + _TD, "td_r": "</td>" + _TD_R, "next_row": "</td></tr>\n<tr>" + _TD_R,
        "subtotal": subtotal, "last_row": "</td></tr>\n" + subtotal,
        "shipping": _TOTAL_ROW + w["shipping_html"] + '</td><td align="right">',
        "tax": _TOTAL_ROW + w["tax_html"] + '</td><td align="right">',
        "total": _TOTAL_ROW + "<strong>" + w["total_html"],
        "total_value": '</strong></td><td align="right"><strong>',
        "end": "</strong></td></tr>\n</table>\n</td></tr>\n</table>\n",
    }


_PIECES = {language: _html_pieces(words) for language, words in WORDS.items()}


def _plain(o: Any) -> bool:
    """Whether `o` is an order sheet of the model's own types (what the fast path reads)."""
    return (type(o) is SheetOrder and type(o.customer) is Customer
            and type(o.delivery) is Address and type(o.lines) is list
            and all(type(line) is SheetLine for line in o.lines))


def order_html(o: SheetOrder, handover: Any, distributor: Any, filters: dict[str, Callable],
               language: str, getattr_: Callable[[Any, str], Any]) -> str:
    """`_order.html.j2` of `o`: what the compiled template yields, joined.

    `out` alternates: markup at even positions, values at odd ones (an empty markup between
    two values), so the values of the whole order are escaped at once (`_escaped`)."""
    p = _PIECES[language]
    money, qty = filters["money"], filters["qty"]
    d, c = o.delivery, o.customer
    shop = handover == "shop"
    if shop:
        out: list[Any] = [p["start_shop"], o.shop_order_id or WORDS[language]["not_written"],
                          p["our_order"], o.number, WORDS[language]["of"],
                          filters["date"](o.ordered_at), p["reference"], o.reference,
                          p["end_shop"]]
    else:
        out = [p["start_email"], o.number, p["ordered_on"], filters["date"](o.ordered_at),
               p["reference"], o.reference, p["end_email"]]
    blind = o.blind
    if blind:
        out[-1] += p["blind"]
    out[-1] += p["deliver"]
    if d.company:
        out += [d.company, "<br>"]
    out += [d.name, "<br>\n", d.street]
    if d.street2:
        out += [", ", d.street2]
    out += ["<br>\n", d.postcode, " ", d.city, "<br>\n"]
    if d.state:
        out += [d.state, ", "]
    out += [filters["country"](d.country), "\n"]
    if c.phone:
        out[-1] += p["phone"]
        out += [c.phone, ""]  # markup follows: "" keeps markup and values alternating
    out[-1] += p["customer"]
    if blind:
        out += [getattr_(distributor, "name"), p["account"]]
    else:
        guest = o.policy == "guest"
        if guest:
            out[-1] += WORDS[language]["guest_html"]
        out += [c.first_name, " ", c.last_name, " &lt;", c.email, "&gt;\n"]
        if not guest and shop:
            if o.customer_created:
                out[-1] = "&gt;" + p["new"] + "\n"
            elif o.customer_created == False:  # noqa: E712 (the template's `== false`)
                out[-1] = "&gt;" + p["existing"] + "\n"
    if o.lines:
        out[-1] += p["table_rows"]
        for line in o.lines:
            out.append(qty(line.quantity))
            if line.unit_code != "C62":
                out += [" ", line.unit or line.unit_code]
            out += [p["td"], line.supplier_sku, p["td"], line.name, p["td_r"],
                    money(line.unit_price), p["td_r"], money(line.net_total), p["next_row"]]
        out[-1] = p["last_row"]
    else:
        out[-1] += p["table"] + p["subtotal"]
    out += [money(o.subtotal), p["shipping"], money(o.shipping), p["tax"], money(o.tax),
            p["total"], o.currency, p["total_value"], money(o.total), p["end"]]
    out[1::2] = _escaped(out[1::2])
    return "".join(out)


_SPECIAL = re.compile("[&<>\"']")


def _escaped(values: list[Any]) -> list[str]:
    """`str(escape(v))` of each value: for text values one `escape` of them all, joined by NUL
    (which escaping leaves alone), and none when no value holds a character to escape."""
    if set(map(type, values)) == {str}:
        joined = "\x00".join(values)
        if not _SPECIAL.search(joined):
            return values
        if joined.count("\x00") == len(values) - 1:
            return str.split(escape(joined), "\x00")
    return [str(escape(v)) for v in values]


def order_txt(o: SheetOrder, handover: Any, distributor: Any, filters: dict[str, Callable],
              language: str, getattr_: Callable[[Any, str], Any]) -> str:
    """`_order.txt.j2` of `o`: what the compiled template yields, joined."""
    w = WORDS[language]
    money, qty = filters["money"], filters["qty"]
    d, c = o.delivery, o.customer
    shop = handover == "shop"
    out = ["------------------------------------------------------------------------\n"]
    if shop:
        out += [w["shop_order"], str(o.shop_order_id or w["not_written"]), "    (",
                w["our_order_lc"], str(o.number), ", ", w["reference"], str(o.reference), ")\n"]
    else:
        out += [w["our_order"], str(o.number), "    (", w["reference"], str(o.reference),
                w["quote_txt"], ")\n"]
    out += [w["ordered_on"], str(filters["date"](o.ordered_at)), "\n"]
    if o.blind:
        out += [w["customer_txt"], str(getattr_(distributor, "name")), w["account"], "\n",
                w["blind_txt"]]
    elif o.policy == "guest":
        out += [w["customer_txt"], w["guest_txt"], str(c.first_name), " ", str(c.last_name),
                " <", str(c.email), ">\n"]
    else:
        created = o.customer_created
        out += [w["customer_txt"], str(c.first_name), " ", str(c.last_name), " <",
                str(c.email), ">", w["new"] if shop and created else "",
                w["existing"] if shop and created == False else "", "\n"]  # noqa: E712
    out += ["\n", w["deliver_txt"], "\n"]
    if d.company:
        out += ["  ", str(d.company), "\n"]
    out += ["  ", str(d.name), "\n  ", str(d.street),
            ", " + str(d.street2) if d.street2 else "", "\n  ", str(d.postcode), " ",
            str(d.city), "\n  ", str(d.state) + ", " if d.state else "",
            str(filters["country"](d.country)), "\n"]
    if c.phone:
        out += ["  ", w["phone"], str(c.phone), "\n"]
    out += ["\n  ", _ROW_FORMAT % w["head_txt"], "\n"]
    for line in o.lines:
        unit = "" if line.unit_code == "C62" else " " + str(line.unit or line.unit_code)
        out += ["  ", _ROW_FORMAT % (str(qty(line.quantity)) + unit, line.supplier_sku,
                                     line.name, money(line.unit_price),
                                     money(line.net_total)), "\n"]
    out += ["\n  ", w["subtotal_txt"], str(money(o.subtotal)), w["shipping_txt"],
            str(money(o.shipping)), w["tax_txt"], str(money(o.tax)), w["total_txt"],
            str(money(o.total)), " ", str(o.currency), "\n"]
    return "".join(out)


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


#: SHA-256 of a shipped partial's source → (renderer, language)
_KNOWN: dict[str, tuple[Callable[..., str], str]] = {
    "a5c6caee1f071c48ad975ebe1e653d054a1d649827917e29dd60492504d135ed": (order_txt, "en"),
    "9fc1ae79338d809ee36976b1b5f0a91410ae37f800379d86de7136e4896dd675": (order_html, "en"),
    "dc1751dd34c0eb511f8c874c4b666f1624acd55056e4955d8180611b4791ebc5": (order_txt, "de"),
    "d18f1b2d2a6c59ddc845f207ab5c5cf2ca6b8bb99eb1f83abf890f4bcf6ebc46": (order_html, "de"),
}


def fast_root(source: str, compiled: Callable[[Context], Iterator[str]],
              environment: jinja2.Environment) -> Callable[[Any], Iterator[str]] | None:
    """The render function for a template of `source` whose compiled one is `compiled`: the
    Python renderer when `source` is a shipped partial it implements and `environment` is the
    kind it was written for (the HTML partial escaping, the text one not, no `finalize`), else
    None (keep `compiled`). It is given a jinja `Context` or an include's `_Included`."""
    known = _KNOWN.get(_sha(source))
    if known is None or environment.finalize is not None:
        return None
    render, language = known
    if environment.autoescape is not (render is order_html):
        return None

    def root(context: Any) -> Iterator[str]:
        o = context.resolve_or_missing("o")
        handover = context.resolve_or_missing("handover")
        distributor = context.resolve_or_missing("distributor")
        if type(handover) is not str or not _plain(o) \
                or (o.blind and not isinstance(getattr(distributor, "name", None), str)):
            yield from compiled(context.context() if type(context) is _Included else context)
            return
        env = context.environment
        yield render(o, handover, distributor, env.filters, language, env.getattr)

    return root


class _Included:
    """What an `{% include %}` of a fast partial gets instead of a jinja `Context`: the
    including template's variables and the include's locals (the loop's `o`), looked up as
    `Context.resolve_or_missing` would, without copying them into a new context per order.
    `context()` makes the jinja context for the compiled code (the fallback)."""

    __slots__ = ("template", "vars", "locals")

    def __init__(self, template: FastTemplate, vars: dict[str, Any] | None,
                 locals: Mapping[str, Any] | None) -> None:
        self.template, self.vars, self.locals = template, vars or {}, locals or {}

    @property
    def environment(self) -> jinja2.Environment:
        return self.template.environment

    def resolve_or_missing(self, key: str) -> Any:
        value = self.locals.get(key, missing)
        return self.vars.get(key, missing) if value is missing else value

    def get_exported(self) -> dict[str, Any]:
        return {}  # a shipped partial sets nothing ({% import ... with context %} of it)

    def context(self) -> Context:
        return jinja2.Template.new_context(self.template, self.vars, True, self.locals)


class FastTemplate(jinja2.Template):
    """The environments' template class: a template with a fast render function (`fast`) is
    given an `_Included` by an include (shared variables), every other context as before."""

    fast = False

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> Any:
        if self.fast and shared:
            return _Included(self, vars, locals)
        return super().new_context(vars, shared, locals)


class Loader(jinja2.FileSystemLoader):
    """`FileSystemLoader` whose templates of a shipped partial's source render by `fast_root`
    (`BaseLoader.load` with the source at hand; an environment with a bytecode cache, which
    ours have not, loads as before)."""

    def load(self, environment: jinja2.Environment, name: str,
             globals: Any = None) -> jinja2.Template:
        if environment.bytecode_cache is not None:
            return super().load(environment, name, globals)
        source, filename, uptodate = self.get_source(environment, name)
        code = environment.compile(source, name, filename)
        template = environment.template_class.from_code(environment, code, globals or {},
                                                        uptodate)
        root = fast_root(source, template.root_render_func, environment)
        if root is not None and isinstance(template, FastTemplate):
            template.root_render_func = root
            template.fast = True
        return template
