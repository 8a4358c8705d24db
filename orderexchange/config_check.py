"""`orderexchange config check` as data: every problem of the config in one run.

The loader stops at the first problem (a command cannot run on half a config); a person fixing
a file wants the whole list at once. So this walks every part on its own — the file's keys,
each supplier's connector settings, each order source, the mail transport and its files, each
supplier's templates and documents — and returns one row per part, ok or with its coded error.
The CLI prints the rows as a table or as `--json`; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config as config_mod
from .connector import instantiate
from .errors import OXError
from .plural import count, plural


@dataclass
class Part:
    """One checked part: `ok` with a note, or the coded errors found in it."""

    name: str
    note: str = ""
    #: what "ok" reads as for this part ("render" for templates)
    label: str = "ok"
    errors: list[OXError] = field(default_factory=list)
    warning: str = ""
    #: a longer hint printed below the table (one whole line, to be read and copied)
    advice: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.name, "ok": self.ok, "result": self.label, "note": self.note, "warning": self.warning,
                "advice": self.advice,
                "errors": [e.as_dict() for e in self.errors]}


def check_config(path: Path | None, host_for: Any,
                 catalogue_for: Any = None) -> tuple[Path, list[Part]]:
    """All parts of the config at `path`; `host_for(config)` gives the plug-in host to check
    connector types, sources, transports and attachments with; `catalogue_for(config)` the
    catalogue entries to check the exchange rates against (default: the state store's, if it
    exists; None: not checked). Raises only when the file cannot be read at all
    (OX-CFG-001 / -002)."""
    path, raw = config_mod.read_raw(path)
    problems = config_mod.problems(raw)
    if problems:  # the file itself: every key problem at once; the rest needs a valid file
        return path, [Part("config file", errors=problems)]
    config = config_mod.from_dict(raw, path)
    host = host_for(config)
    parts = [Part("config file", "valid")]
    if host.failures:
        parts.append(Part("plug-ins", errors=list(host.failures)))
    parts += _suppliers(config, host)
    parts += _sources(config, host)
    parts.append(_mail(config, host))
    parts += _templates(config, host)
    parts.append(_currencies(config, (catalogue_for or _stored_catalogue)(config)))
    return path, parts


def _suppliers(config: config_mod.Config, host: Any) -> list[Part]:
    types = host.connector_types()
    parts = []
    for sid, supplier in config.suppliers.items():
        part = Part(f"supplier {sid}",
                    f"{supplier.connector}{', inactive' if not supplier.active else ''}")
        try:
            instantiate(types, supplier)
        except OXError as exc:
            part.errors.append(exc)
        db = supplier.database
        legacy = db.legacy_ssl_parameters() if db is not None else []
        if legacy:  # still honoured; the first-class setting says the same more clearly
            part.warning = "see note"
            part.advice = (f"the URL parameters {', '.join(legacy)} still work; prefer tls = "
                           f"\"verify\" and ca_file under [suppliers.{sid}.database] "
                           "(docs/connectivity.md)")
        parts.append(part)
    return parts


def _sources(config: config_mod.Config, host: Any) -> list[Part]:
    from .sources import make_source

    source_types = host.order_sources()
    parts = []
    for name, spec in config.sources.items():
        # a source's settings are checked here too, not first at the daemon's next fetch
        part = Part(f"source {name}", spec.type)
        try:
            make_source(source_types, name, spec, config)
        except OXError as exc:
            part.errors.append(exc)
        parts.append(part)
    return parts


def _mail(config: config_mod.Config, host: Any) -> Part:
    from .mail import ca_file_error

    mail = config.mail
    part = Part("mail transport", mail.transport)
    transports = host.mail_transports()
    if mail.transport not in transports:
        part.errors.append(OXError("OX-MAIL-007", transport=mail.transport,
                                   known=", ".join(sorted(transports))))
    if mail.transport == "smtp" and mail.ca_file is not None and not mail.ca_file.is_file():
        part.errors.append(ca_file_error(mail.ca_file))
    part.errors += config_mod.example_leftovers(config)
    return part


def _templates(config: config_mod.Config, host: Any) -> list[Part]:
    """Every email kind and every attached document, rendered with a sample supplier order: a
    template missing a variable fails here, not in the daemon at 3 a.m."""
    from .documents import language_of
    from .mail import KINDS, check_rendering, has_templates

    parts = []
    for sid, supplier in config.suppliers.items():
        part = Part(f"mail templates {sid}", label="render")
        try:
            rendered = check_rendering(config, supplier, lambda so, sup=supplier:
                                       host.notification_attachments(config, sup, so))
        except OXError as exc:
            part.errors.append(exc)
        else:
            files = rendered[len(KINDS) * 3:]
            part.note = (f"{language_of(supplier)}: {', '.join(KINDS)}"
                         + (f"; attachments {', '.join(files)}" if files else ""))
            if not has_templates(config, supplier):
                part.warning = f"no templates for language {supplier.language!r}: English"
        parts.append(part)
    return parts


def _stored_catalogue(config: config_mod.Config) -> list[Any] | None:
    """The catalogue of the state store, read only: `config check` changes nothing, so the
    store is not opened as commands open it (that creates a missing store and upgrades an old
    one). None: no store or no catalogue yet, or it cannot be read (every command that needs the
    store reports why)."""
    import sqlalchemy as sa

    from .model import CatalogueEntry
    from .store import catalogue, sqlite_path

    url = config.store.url
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return None
    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ImportError):
        return None
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(catalogue.name):
                return None
            columns = {c["name"] for c in inspector.get_columns(catalogue.name)}
            currency = (catalogue.c.currency if "currency" in columns
                        else sa.null()).label("currency")  # a store from before issue 13
            rows = conn.execute(sa.select(catalogue.c.sku, catalogue.c.supplier_id,
                                          catalogue.c.supplier_sku, catalogue.c.purchase_price,
                                          currency))
            return [CatalogueEntry(r.sku, r.supplier_id, r.supplier_sku, r.purchase_price, "",
                                   r.currency) for r in rows]
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _currencies(config: config_mod.Config, catalogue: list[Any] | None) -> Part:
    """Whether build can compare every SKU's offers: a SKU whose active suppliers quote it in
    several currencies needs `[distributor] currency` and a rate for each (else its lines wait,
    OX-BLD-005). A warning, not an error: the other SKUs build."""
    from .build import choose_suppliers
    from .rates import Rates

    rates = Rates.of(config.distributor)
    part = Part("currencies", (f"compared in {rates.base}" if rates.base else
                               "prices compared only within one currency")
                + (f"; rates for {', '.join(sorted(rates.per_base))}" if rates.per_base else ""))
    if catalogue is None:
        part.note += "; no stored catalogue to check"
        return part
    active = {sid for sid, s in config.suppliers.items() if s.active}
    choice = choose_suppliers([e for e in catalogue if e.supplier_id in config.suppliers],
                              active, config.price_currencies(), rates)
    if choice.incomparable:
        missing = sorted({c for _offers, m in choice.incomparable.values() for c in m})
        skus = sorted(choice.incomparable)
        part.warning = (f"no rate for {', '.join(missing)}: see note" if rates.base else
                        "no [distributor] currency: see note")
        shown = ", ".join(skus[:5]) + (f" and {len(skus) - 5} more" if len(skus) > 5 else "")
        if rates.base is None:
            how = ("set `currency` under [distributor] and, under [distributor.rates], how "
                   "many units of each other currency one unit of it buys")
        else:
            how = (f"add {', '.join(missing)} under [distributor.rates] (units for one "
                   f"{rates.base})")
        part.advice = (f"{count(len(skus), 'product')} ({shown}) {plural(len(skus), 'is', 'are')} "
                       f"offered in several currencies and cannot be compared: {how}, or their "
                       f"lines wait at build (OX-BLD-005)")
    _rows_in_other_currencies(config, catalogue, rates, part)
    return part


def _rows_in_other_currencies(config: config_mod.Config, catalogue: list[Any], rates: Any,
                              part: Part) -> None:
    """An active supplier's catalogue rows quoted in another currency than its
    `price_currency` need the distributor's rate for its minimum order value (else its lines
    wait, OX-BLD-006) and for documents that add them to other lines or to `shipping_cost`
    (else step 1 holds the order, OX-CHK-054): said before an order meets it."""
    quoted: dict[str, set[str]] = {}
    for e in catalogue:
        supplier = config.suppliers.get(e.supplier_id)
        if supplier is not None and supplier.active and e.currency \
                and e.currency != supplier.price_currency:
            quoted.setdefault(e.supplier_id, set()).add(e.currency)
    lacking = {sid: rates.missing_for(cs, config.suppliers[sid].price_currency)
               for sid, cs in sorted(quoted.items())}
    lacking = {sid: m for sid, m in lacking.items() if m}
    if not lacking:
        return
    missing = sorted({c for m in lacking.values() for c in m})
    warning = f"rows in another currency than price_currency need a rate for {', '.join(missing)}"
    advice = ("; ".join(f"supplier {sid} quotes rows in {', '.join(sorted(quoted[sid]))}, its "
                        f"price_currency is {config.suppliers[sid].price_currency}"
                        for sid in lacking)
              + f": add {', '.join(missing)} under [distributor.rates]"
              + ("" if rates.base else " (and `currency` under [distributor])")
              + ", or its lines wait for a minimum order value (OX-BLD-006) and orders that "
                "mix them with other lines or shipping are held (OX-CHK-054)")
    part.warning = "; ".join(w for w in (part.warning, warning) if w)
    part.advice = "; ".join(a for a in (part.advice, advice) if a)
