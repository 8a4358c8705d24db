"""The error catalogue: every failure a user can meet, with a stable code and a solution.

Why one module: the manual of the product we replace lists "possible error messages together with
their solution"; keeping every code here lets `orderexchange explain CODE`, the docs page and the
tests all read the same table, and stops two modules from inventing the same code twice.

A code is `OX-<AREA>-<NNN>`. Areas: CFG config, IMP import, CAT catalogue, BLD build, CHK check,
DB supplier database, SSH tunnel to it, TLS its certificate, WRT write, LOG transfer log, MAIL mail, LIC licence, PLG plug-ins,
STO state store, CLI usage, SRC order sources, SHP test shops (`shop create`).
Messages are `str.format` templates filled with named fields (order, line, field, supplier, ...);
a field that is missing is left as its placeholder rather than raising, so a catalogue typo can
never hide the original failure.
"""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    title: str
    message: str
    solution: str
    #: transient failures may succeed on a later attempt (network, lock wait, SMTP 4xx)
    transient: bool = False


CATALOGUE: dict[str, ErrorCode] = {}


def _define(code: str, title: str, message: str, solution: str, transient: bool = False) -> None:
    if code in CATALOGUE:  # pragma: no cover - guards the catalogue itself
        raise RuntimeError(f"error code {code} defined twice")
    CATALOGUE[code] = ErrorCode(code, title, message, solution, transient)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class OXError(Exception):
    """An expected failure: carries its catalogue entry and the facts that fill its message."""

    def __init__(self, code: str, /, **facts: object) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown error code {code}")
        self.entry = CATALOGUE[code]
        self.facts = facts
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def message(self) -> str:
        return string.Formatter().vformat(self.entry.message, (), _Lenient(self.facts))

    @property
    def solution(self) -> str:
        return string.Formatter().vformat(self.entry.solution, (), _Lenient(self.facts))

    @property
    def transient(self) -> bool:
        return self.entry.transient

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "solution": self.solution}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def explain(code: str) -> ErrorCode:
    try:
        return CATALOGUE[code.strip().upper()]
    except KeyError:
        raise OXError("OX-CLI-002", code=code) from None


# --- configuration ---------------------------------------------------------------------------
_define("OX-CFG-001", "Config file missing",
        "Config file {path} does not exist.",
        "Create it with `orderexchange init`, or name another file with --config PATH "
        "(or the ORDEREXCHANGE_CONFIG environment variable).")
_define("OX-CFG-002", "Config file is not valid TOML",
        "Config file {path} is not valid TOML: {detail}.",
        "Fix the syntax at the position given; compare with config.example.toml.")
_define("OX-CFG-003", "Config value missing",
        "Config key {key} is required but missing.",
        "Add `{key}` to the config file; config.example.toml shows an example value.")
_define("OX-CFG-004", "Config value invalid",
        "Config key {key} is invalid: {detail}.",
        "Correct `{key}` in the config file: {hint}")
_define("OX-CFG-005", "Environment variable not set",
        "Config key {key} refers to environment variable ${{{var}}}, which is not set.",
        "Export {var} in the environment of orderexchange (for the daemon: its service file), "
        "or write the value into the config file.")
_define("OX-CFG-006", "Unknown supplier",
        "Supplier {supplier} is not configured.",
        "Use one of the supplier ids in the config ([suppliers.<id>] sections): {known}.")
_define("OX-CFG-007", "Unknown connector type",
        "Supplier {supplier} uses connector type {type}, which no loaded plug-in provides.",
        "Use one of the available types ({known}) or install the plug-in that provides {type}; "
        "`orderexchange plugins` lists what is loaded.")
_define("OX-CFG-008", "Unknown config key",
        "Config key {key} is not known.",
        "Remove or correct the key; config.example.toml lists every key with a comment.")
_define("OX-CFG-009", "Unknown order source type",
        "Order source {source} uses type {type}, which no loaded plug-in provides.",
        "Use one of the available types ({known}) or install the plug-in that provides {type}.")
_define("OX-CFG-010", "Unknown order source",
        "Order source {source} is not configured.",
        "Use one of the [sources.<name>] tables of the config: {known}.")
_define("OX-CFG-011", "Example value left in the config",
        "Config key {key} still holds the example value {value!r} of config.example.toml.",
        "Write your own value into `{key}` (suppliers would see the example's in their emails and "
        "shops); nothing is sent over SMTP until it is replaced. `orderexchange config check` "
        "lists every example value left.")

# --- import ----------------------------------------------------------------------------------
_define("OX-IMP-001", "Import file unreadable",
        "Import file {path} cannot be read: {detail}.",
        "Check the path and the file permissions.")
_define("OX-IMP-002", "Unsupported import format",
        "Import file {path} has an unknown format (expected .jsonl or .csv).",
        "Export the orders as JSON Lines (.jsonl) or CSV (.csv); docs/import-format.md describes "
        "both.")
_define("OX-IMP-003", "Row is not valid JSON",
        "Row {row}: not valid JSON ({detail}).",
        "Each line of a .jsonl file must be one complete JSON object; fix or remove row {row}.")
_define("OX-IMP-004", "Required field missing",
        "Order {order} row {row}: required field {field} is missing or empty.",
        "Fill in {field} in the source data and import the file again.")
_define("OX-IMP-005", "Invalid email address",
        "Order {order} row {row}: field {field} is not a valid email address ({value!r}): {detail}.",
        "Correct the customer's email address in the source shop and import again.")
_define("OX-IMP-006", "Unknown country code",
        "Order {order} row {row}: field {field} is not an ISO 3166-1 alpha-2 country code ({value!r}).",
        "Use the two-letter country code, e.g. DE, AT, CH, GB, US.")
_define("OX-IMP-007", "Not a number",
        "Order {order} row {row}: field {field} must be a {kind} ({value!r}).",
        "Correct the value in the source data: use digits and a dot as decimal separator.")
_define("OX-IMP-008", "Text is not valid UTF-8",
        "Row {row}: the text is not valid UTF-8 (near {sample!r}).",
        "Export the file as UTF-8; the other rows were imported, this one was skipped.")
_define("OX-IMP-009", "Order already imported",
        "Order {order} was imported before; the new copy is ignored.",
        "Nothing to do. To change an order that was already imported, cancel it and import it "
        "under a new number.")
_define("OX-IMP-010", "Value out of range",
        "Order {order} row {row}: field {field} is out of range ({value!r}): {detail}.",
        "Correct the value in the source data and import again.")
_define("OX-IMP-011", "Value too long",
        "Order {order} row {row}: field {field} is {length} characters long, at most {limit} are allowed.",
        "Shorten the value in the source data; orderexchange never cuts values silently.")
_define("OX-IMP-012", "Inconsistent order rows",
        "Order {order} row {row}: field {field} differs from the order's first row ({value!r} vs {first!r}).",
        "In a CSV, every row of one order must repeat the same order, customer and address fields.")
_define("OX-IMP-013", "Invalid date",
        "Order {order} row {row}: field {field} is not an ISO 8601 date ({value!r}).",
        "Write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.")
_define("OX-IMP-014", "Control characters in text",
        "Order {order} row {row}: field {field} contains control characters.",
        "Remove line breaks and other control characters from names and address fields.")
_define("OX-IMP-015", "Rows of one order are not together",
        "Order {order} row {row}: rows of this order already appeared earlier in the file, with "
        "other orders in between.",
        "Sort the CSV by order number (or export it grouped by order) and import again; a CSV is "
        "read as a stream, so one order's rows must be consecutive.")
_define("OX-IMP-016", "Error report cannot be written",
        "Cannot write the error report {path}: {detail}.",
        "Name a writable file with --report (.csv or .jsonl); nothing was imported.")
_define("OX-IMP-017", "Order status updated",
        "Order {order} was imported before; its status changed from {old!r} to {new!r}.",
        "Nothing to do: the new status is taken over, so a supplier waiting for status {new!r} "
        "(its `trigger`) now receives the order at the next build.")
_define("OX-IMP-018", "Order corrected",
        "Order {order} was imported before and is in no supplier's shop yet; its stored data was "
        "replaced by this corrected copy.",
        "Nothing to do if it was still waiting; if it is held, `orderexchange retry --held` runs "
        "step 1 for it again.")
_define("OX-IMP-019", "Order differs but cannot be corrected",
        "Order {order} was imported before and this copy differs, but {reason}; the stored order "
        "stays as it was.",
        "Correct it where it is (the supplier's shop), or cancel it (`orderexchange cancel "
        "{order}`) and import the correction under a new order number.")

# --- catalogue -------------------------------------------------------------------------------
_define("OX-CAT-001", "Catalogue row invalid",
        "Catalogue row {row}: {detail}.",
        "Columns are sku, supplier, supplier_sku, purchase_price (name and currency optional); "
        "fix row {row}.")
_define("OX-CAT-002", "Catalogue names an unknown supplier",
        "Catalogue row {row}: supplier {supplier} is not configured.",
        "Add [suppliers.{supplier}] to the config, or correct the supplier id in the file.")

# --- build -----------------------------------------------------------------------------------
_define("OX-BLD-001", "Line has no supplier",
        "Order {order} line {line}: product {sku} is not in the catalogue of any active supplier.",
        "Import a catalogue row for {sku} (`orderexchange catalogue import`), or activate its "
        "supplier; the line stays open and is picked up by the next build.")
_define("OX-BLD-002", "Supplier order not found",
        "Supplier order {id} does not exist.",
        "List the supplier orders with `orderexchange orders`.")
_define("OX-BLD-003", "Order waits for its trigger",
        "Order {order}: status {status!r} does not release it to supplier {supplier} (its trigger "
        "is {trigger}); its lines stay open.",
        "Nothing to do if the order is not yet {trigger}: import it again when its status changed "
        "(only the status is updated) and build again. Otherwise change `trigger` under "
        "[suppliers.{supplier}].")
_define("OX-BLD-004", "Minimum order value not reached",
        "Supplier {supplier}: the open lines are worth {value}, the minimum order value is "
        "{minimum}; {lines} line(s) wait for the next build.",
        "Wait until more orders for {supplier} come in, or lower `min_order_value` under "
        "[suppliers.{supplier}].")

# --- check (step 1) --------------------------------------------------------------------------
_define("OX-CHK-001", "Order has no lines",
        "Order {order}: no lines for supplier {supplier}.",
        "Rebuild the supplier orders (`orderexchange build`).")
_define("OX-CHK-002", "Required field missing",
        "Order {order}: field {field} is empty.",
        "Complete {field} in the distributor shop and import the order again under a new number.")
_define("OX-CHK-003", "Invalid email address",
        "Order {order}: customer email {value!r} is not valid.",
        "Correct the customer's email address in the distributor shop.")
_define("OX-CHK-004", "Country not accepted",
        "Order {order}: {field} country {value} is not known to supplier {supplier}'s shop.",
        "Add the country to the supplier shop's country list, or deliver this order another way.")
_define("OX-CHK-005", "Quantity invalid",
        "Order {order} line {line}: quantity {value} {unit} is not {expected}.",
        "Correct the quantity in the distributor shop; only measured units (kg, m, l, m2, h …) "
        "take decimal quantities.")
_define("OX-CHK-006", "Product unknown in supplier shop",
        "Order {order} line {line}: supplier SKU {sku} does not exist or is inactive in supplier "
        "{supplier}'s shop.",
        "Ask the supplier whether the product was renamed, then fix the catalogue row for {sku}.")
_define("OX-CHK-007", "Value too long for the supplier shop",
        "Order {order}: field {field} has {length} characters, the supplier shop allows {limit}.",
        "Shorten {field} in the distributor shop; orderexchange never cuts values silently.")
_define("OX-CHK-008", "Supplier inactive",
        "Supplier {supplier} is inactive; its supplier orders are skipped.",
        "Set `active = true` under [suppliers.{supplier}] when the supplier should receive orders again.")
_define("OX-CHK-009", "Order status unknown in supplier shop",
        "Supplier {supplier}: order status id {value} does not exist in its shop.",
        "Set `order_status_id` under [suppliers.{supplier}.connector] to a status the shop has.")
_define("OX-CHK-010", "Currency not accepted",
        "Order {order}: currency {value} is not set up in supplier {supplier}'s shop.",
        "Add the currency to the supplier shop, or agree on a currency the shop knows.")
_define("OX-CHK-011", "Supplier has no shop database configured",
        "Supplier {supplier} uses connector {type}, which needs [suppliers.{supplier}.database].",
        "Add the database section (url, password) for {supplier} to the config.")
_define("OX-CHK-012", "Currency is not an ISO 4217 code",
        "Order {order}: currency {value!r} is not an ISO 4217 currency code.",
        "Correct the currency in the distributor shop (e.g. EUR, USD, CHF).")
_define("OX-CHK-013", "Currency not accepted by the supplier",
        "Order {order}: currency {value} is not accepted by supplier {supplier} (accepts "
        "{accepted}).",
        "Agree on the currency with {supplier}, or add it to `currencies` under "
        "[suppliers.{supplier}].")
_define("OX-CHK-014", "Totals do not add up",
        "Order {order}: the order total is {total}, but lines + shipping{tax} make {expected} "
        "({mode} prices).",
        "Check the order in the distributor shop (prices, quantities, shipping, `tax_mode` net or "
        "gross) and import it again under a new number.")
_define("OX-CHK-015", "Order date implausible",
        "Order {order}: order date {value} is {detail}.",
        "Correct the order date in the distributor shop (check the clock and time zone of the "
        "export) and import the order again under a new number.")
_define("OX-CHK-016", "Order is old",
        "Order {order}: ordered on {value}, {days} days ago (more than {limit}).",
        "Make sure the customer still expects this order; raise `max_order_age_days` under "
        "[suppliers.{supplier}] to silence this warning for older orders.")
_define("OX-CHK-017", "Country is not an ISO 3166 code",
        "Order {order}: {field} country {value!r} is not an ISO 3166-1 alpha-2 code.",
        "Correct the country in the distributor shop (two letters, e.g. DE, AT, GB).")
_define("OX-CHK-018", "Destination country not served by the supplier",
        "Order {order}: supplier {supplier} does not deliver to {value} (delivers to "
        "{accepted}).",
        "Deliver this order through another supplier, or add {value} to `countries` under "
        "[suppliers.{supplier}] if the supplier now delivers there.")
_define("OX-CHK-019", "Postcode missing",
        "Order {order}: {field} is empty, but addresses in {country} need a postcode.",
        "Complete the postcode in the distributor shop and import the order again under a new "
        "number.")
_define("OX-CHK-020", "Phone number not recognised",
        "Order {order}: phone number {value!r} of {field} is not a valid number for {country}; "
        "it is kept as typed.",
        "Nothing blocks the order. Correct the number in the distributor shop if the supplier "
        "must call the customer.")
_define("OX-CHK-021", "Control characters in text",
        "Order {order}: field {field} contains control characters (line breaks, tabs …).",
        "Remove them in the distributor shop; they would break the supplier's address labels.")
_define("OX-CHK-022", "Product not mapped to this supplier",
        "Order {order} line {line}: product {sku} is no longer in supplier {supplier}'s "
        "catalogue as {supplier_sku}.",
        "Import a catalogue row `{sku},{supplier},<supplier SKU>,<price>` "
        "(`orderexchange catalogue import`), then check again.")
_define("OX-CHK-023", "Not enough stock in the supplier shop",
        "Order {order} line {line}: {needed} × {sku} needed in this supplier order, supplier "
        "{supplier}'s shop has {stock} in stock.",
        "Ask {supplier} to restock or to accept a backorder; `check_stock = false` under "
        "[suppliers.{supplier}] forwards orders without looking at the stock.")
_define("OX-CHK-024", "Purchase price differs from the supplier shop's price",
        "Order {order} line {line}: purchase price {price} for {sku} differs by {deviation}% "
        "from supplier {supplier}'s shop price {shop_price} (tolerance {tolerance}%).",
        "Update the catalogue price for {sku} (`orderexchange catalogue import`) or agree the "
        "price with {supplier}; `price_tolerance` / `price_mismatch` under "
        "[suppliers.{supplier}] set the limit and whether it blocks.")
_define("OX-CHK-025", "Minimum order value not reached",
        "Supplier order for {supplier}: net value {value} is below the minimum order value "
        "{minimum}.",
        "Wait for more orders (`orderexchange build` holds lines back until the minimum is "
        "reached), or lower `min_order_value` under [suppliers.{supplier}].")
_define("OX-CHK-026", "Order not released by the supplier's trigger",
        "Order {order}: status {status!r} does not release it to supplier {supplier} (trigger: "
        "{trigger}).",
        "Wait until the order has the required status and import it again (its status is "
        "updated), or change `trigger` under [suppliers.{supplier}].")
_define("OX-CHK-027", "Order sent to this supplier before",
        "Order {order} was already sent to supplier {supplier} in supplier order {other} (shop "
        "order {remote}); this supplier order sends further lines of it as a second shop order.",
        "Nothing blocks the order; tell {supplier} that both shop orders belong to customer "
        "order {order} if they should ship together.")
_define("OX-CHK-028", "Order already in the supplier shop",
        "Order {order} is already in supplier {supplier}'s shop as order {remote} (reference "
        "{reference}); it is recorded, not written again.",
        "Nothing to do: an earlier send got that far before it was interrupted.")
_define("OX-CHK-029", "Customer match ambiguous",
        "Order {order}: the customer matches two different customers in supplier {supplier}'s "
        "shop: {first_id} by {first_key} and {second_id} by {second_key}.",
        "Merge or correct the two customer accounts in {supplier}'s shop (or correct the order's "
        "email, phone or address in the distributor shop), then check again.")
_define("OX-CHK-030", "Configured shop customer missing",
        "Supplier {supplier}: {setting} = {value} cannot be used: {detail}.",
        "Set `{setting}` under [suppliers.{supplier}] to the id of an existing customer account "
        "in {supplier}'s shop (`customers_id` in osCommerce).")
_define("OX-CHK-031", "Quantity must be whole for this shop",
        "Order {order} line {line}: quantity {value} {unit} is not a whole number, and supplier "
        "{supplier}'s shop stores whole quantities only.",
        "Order whole units from {supplier} (change the order or the catalogue unit), or forward "
        "this product through another supplier.")
_define("OX-CHK-032", "Customer template cannot be applied",
        "Supplier {supplier}: customer_template.{key} cannot be stored in its shop: {detail}.",
        "Remove customer_template.{key} under [suppliers.{supplier}], or name the shop column "
        "for it in [suppliers.{supplier}.connector].")
_define("OX-CHK-033", "Postcode format unusual",
        "Order {order}: {field} {value!r} does not look like a postcode of {country} (e.g. "
        "{example}).",
        "Nothing blocks the order. Check the postcode in the distributor shop; a wrong postcode "
        "delays delivery.")
_define("OX-CHK-040", "Shop account of another email passed over",
        "Order {order}: supplier {supplier}'s shop has customer {customer_id} with the same "
        "{key} but another email; the order gets a new shop customer.",
        "Nothing blocks the order. If that account is this customer, set `{setting} = true` "
        "under [suppliers.{supplier}] (or correct the email in the distributor shop), then "
        "check again.")
_define("OX-CHK-041", "Shop account of this email is in another name",
        "Order {order}: {email} is customer {customer_id} in supplier {supplier}'s shop, in "
        "the name of {account}; the order is for {name} and goes on that account with its own "
        "name and addresses.",
        "Nothing blocks the order: one email is one shop account, and the shop order itself "
        "carries {name}. Ask the customer for an email of their own if they should have a "
        "separate account.")
_define("OX-CHK-050", "Purchase price currency not in the shop",
        "Order {order}: purchase prices in {value} cannot be converted into {currency}: supplier "
        "{supplier}'s shop has no {value} in its currency list ({where}).",
        "Add {value} with its exchange rate to the supplier shop, or import the catalogue with "
        "prices in a currency the shop has (the `currency` column, or `price_currency` under "
        "[suppliers.{supplier}]).")
_define("OX-CHK-051", "No exchange rate in the shop",
        "Order {order}: supplier {supplier}'s shop lists {value} without an exchange rate "
        "({where}), so amounts cannot be shown in the order's currency.",
        "Set the exchange rate of {value} in the supplier shop's currency settings, then retry.")
_define("OX-CHK-042", "Customer update not supported by this connector",
        "Supplier {supplier}: update_customer = true, but the {type} connector never changes an "
        "existing shop customer.",
        "Remove `update_customer` under [suppliers.{supplier}] (each shop order carries its own "
        "customer and addresses anyway).")

# --- held customer orders (issue 13 §2) -------------------------------------------------------
_define("OX-HLD-001", "Order held by hand",
        "Order {order} is held for supplier {supplier} by hand (`orderexchange hold`).",
        "`orderexchange release {order} --supplier {supplier}` lets it go with the next send, "
        "`retry` or daemon run.")
_define("OX-HLD-002", "Order already in the supplier shop",
        "Order {order} is already written into supplier {supplier}'s shop (shop order "
        "{remote}); it cannot be held or released any more.",
        "To withdraw it, `orderexchange cancel {order} --supplier {supplier}`.")
_define("OX-HLD-004", "Supplier order being sent right now",
        "Order {order}: supplier order {id} for {supplier} is being sent by {owner} right now; "
        "its orders are neither held nor released meanwhile.",
        "Run the same command again in a minute, when that send is over (orders written by then "
        "are cancelled with `orderexchange cancel {order} --supplier {supplier}`).")
_define("OX-HLD-003", "Order not forwarded to this supplier",
        "Order {order} has no open supplier order at supplier {supplier}.",
        "`orderexchange orders` and `show ID` list which supplier orders hold it; build first if "
        "it has not been built yet.")

# --- supplier database -----------------------------------------------------------------------
_define("OX-DB-001", "Supplier database refused the login",
        "Supplier {supplier}: the shop database refused the login for user {user}.",
        "Check user and password under [suppliers.{supplier}.database]; the password is not shown "
        "here on purpose.")
_define("OX-DB-002", "Supplier database unreachable",
        "Supplier {supplier}: cannot reach the shop database at {where}: {detail}.",
        "Check host, port and firewall; `orderexchange test db {supplier}` retries the connection.",
        transient=True)
_define("OX-DB-003", "Supplier database schema mismatch",
        "Supplier {supplier}: table {table} {detail}.",
        "Check `table_prefix` and `database` for {supplier}; `orderexchange test db {supplier}` "
        "lists every table and column the connector needs.")
_define("OX-DB-004", "Supplier database error",
        "Supplier {supplier}: the shop database failed: {detail}.",
        "Run `orderexchange test db {supplier}`; if the error persists, show it to the shop's "
        "database administrator.",
        transient=True)
_define("OX-DB-005", "Database does not exist",
        "Supplier {supplier}: database {database} does not exist or is not accessible.",
        "Check `database` under [suppliers.{supplier}.database].")
_define("OX-DB-006", "Supplier database rejected a value",
        "Supplier {supplier}: the shop database rejected the data: {detail}.",
        "Compare the value with the shop's column (see `orderexchange test db {supplier}`) and "
        "correct the order or the connector settings; nothing was stored for this order.")
_define("OX-DB-007", "Database user lacks privileges",
        "Supplier {supplier}: database user {user} lacks {privileges} on table {table}.",
        "A database administrator of the shop runs: {grant} — `orderexchange test db "
        "{supplier}` lists every missing grant with the statement that fixes it.")
_define("OX-DB-008", "Trial write failed",
        "Supplier {supplier}: the trial write of a sample order failed: {detail}.",
        "Nothing was kept (the trial runs in a transaction that is rolled back). Fix the cause "
        "named here; `orderexchange test db {supplier}` repeats the trial.")
_define("OX-DB-009", "Configured id missing in the shop",
        "Supplier {supplier}: {setting} = {value} does not exist in its shop ({detail}).",
        "Set `{setting}` under [suppliers.{supplier}.connector] to an id the shop has; "
        "`orderexchange test db {supplier}` shows the ones it looked for.")
_define("OX-DB-010", "Shop version not recognised",
        "Supplier {supplier}: the tables match no {type} version this connector knows "
        "({detail}).",
        "Check `table_prefix` and `database`, or set `version` under "
        "[suppliers.{supplier}.connector] if the shop was customised.")
_define("OX-DB-011", "Trial write left rows behind",
        "Supplier {supplier}: the trial write could not remove {rows} from tables without "
        "transactions.",
        "Delete those rows by hand (the admin does not list them: they carry the hidden status) "
        "and grant DELETE on those tables, as `orderexchange test db {supplier}` shows.")
_define("OX-DB-012", "Shop database connection not encrypted",
        "Supplier {supplier}: the connection to {where} is not encrypted although the config "
        "asks for TLS.",
        "Enable TLS on the shop's database server, or set tls (\"verify\", \"required\", "
        "\"off\") under [suppliers.{supplier}.database]; an SSH tunnel encrypts without it.")
_define("OX-DB-013", "Generic SQL mapping does not fit the shop",
        "Supplier {supplier}: the generic SQL mapping does not fit the shop: {detail}.",
        "Correct [suppliers.{supplier}.connector] (see docs/connectors/generic_sql.md); "
        "`orderexchange test db {supplier}` lists every table, column and value it checked.")
_define("OX-DB-014", "Database user has no privilege on the shop database",
        "Supplier {supplier}: user {user} logs in but has no privilege at all on database "
        "{database}.",
        "A database administrator of the shop runs the GRANT statements that `orderexchange "
        "test db {supplier}` prints (all of them, in one go).")
_define("OX-DB-015", "Optional feature off for lack of a grant",
        "Supplier {supplier}: {feature} is off: database user {user} lacks {privileges} on "
        "table {table}; {without}.",
        "A database administrator of the shop runs: {grant} — `orderexchange test db "
        "{supplier}` then shows the feature on. Without it the orders are still sent.")

# --- SSH tunnel to the supplier database (docs/connectivity.md) -------------------------------
_define("OX-SSH-001", "SSH server unreachable",
        "Supplier {supplier}: cannot reach the SSH server {where}: {detail}.",
        "Check host and port under [suppliers.{supplier}.database.ssh] and that the supplier's "
        "firewall lets this machine in; `orderexchange test db {supplier}` tries again.",
        transient=True)
_define("OX-SSH-002", "SSH host key not pinned",
        "Supplier {supplier}: the SSH server {where} offers host key {fingerprint}, and no "
        "host_key is configured to compare it with.",
        "Ask the supplier's admin to confirm the fingerprint (on the server: `ssh-keygen -lf "
        "/etc/ssh/ssh_host_{keytype}_key.pub`); if it matches, add to "
        "[suppliers.{supplier}.database.ssh]: host_key = \"{key}\" (known_hosts line: {line}).")
_define("OX-SSH-003", "SSH host key changed",
        "Supplier {supplier}: the SSH server {where} offers host key {fingerprint}, which is not "
        "the pinned host_key ({pinned}); nothing was sent.",
        "Do not connect until the supplier's admin confirms the new fingerprint (someone may be "
        "between you and the server). If the server was really re-keyed, replace host_key under "
        "[suppliers.{supplier}.database.ssh] with \"{key}\".")
_define("OX-SSH-004", "SSH login refused",
        "Supplier {supplier}: the SSH server {where} refused the login of user {user} "
        "({method}).",
        "The supplier's admin adds this line to ~{user}/.ssh/authorized_keys on the SSH server "
        "(`orderexchange supplier-setup {supplier}` prints it): {authorized_keys}")
_define("OX-SSH-005", "SSH tunnel refused",
        "Supplier {supplier}: the SSH server {where} refused a tunnel to {target}: {detail}.",
        "The key's permitopen= must name exactly {target} (the database as seen from the SSH "
        "server) and sshd must allow TCP forwarding (AllowTcpForwarding yes); the line to use: "
        "{authorized_keys}")
_define("OX-SSH-006", "Database unreachable from the SSH server",
        "Supplier {supplier}: the SSH server {where} cannot connect to the database at {target}: "
        "{detail}.",
        "Check remote_host / remote_port under [suppliers.{supplier}.database.ssh] (the database "
        "as seen from the SSH server, often 127.0.0.1:3306) and that the database is running.",
        transient=True)
_define("OX-SSH-007", "SSH key cannot be used",
        "Supplier {supplier}: the SSH key {path} cannot be used: {detail}.",
        "Check key_file (and key_passphrase as ${{ENV_VAR}}) under "
        "[suppliers.{supplier}.database.ssh]; a new key: `ssh-keygen -t ed25519 -f {path}`.")

# --- TLS to the supplier database --------------------------------------------------------------
_define("OX-TLS-001", "Database certificate not trusted",
        "Supplier {supplier}: the certificate of the shop database at {where} failed "
        "verification: {detail}.",
        "Set ca_file under [suppliers.{supplier}.database] to the CA that signed the server's "
        "certificate (ask the supplier's admin for it) and check that the URL's host is a name "
        "the certificate holds; tls = \"required\" encrypts without verifying (not advised).")

# --- write (step 2) --------------------------------------------------------------------------
_define("OX-WRT-001", "Write refused, supplier order not checked",
        "Supplier order {id} is in state {state}; only checked supplier orders are written.",
        "Fix the errors `orderexchange show {id}` lists, then send again: step 1 runs first.")
_define("OX-WRT-002", "Write failed",
        "Order {order} could not be written into supplier {supplier}'s shop: {detail}.",
        "Nothing was stored for this order (the transaction was rolled back); "
        "`orderexchange send {id}` resumes when the cause is fixed.",
        transient=True)
_define("OX-WRT-003", "Connector cannot do this",
        "Supplier {supplier}: connector {type} cannot {action} orders.",
        "Do it in the supplier's shop by hand. Where the connector can once it is configured "
        "(osCommerce: set `cancelled_status_id` under [suppliers.{supplier}.connector] to the "
        "shop's cancelled status; generic SQL: `order.status_column`), set that connector "
        "setting; otherwise use a connector that supports it.")
_define("OX-WRT-004", "Order already progressed, not cancelled",
        "Order {order}: supplier {supplier} has moved shop order {remote} on to {status}; it "
        "was not cancelled.",
        "Ask {supplier} to cancel it in its shop. Orders are cancelled automatically only while "
        "they are in {allowed} (connector setting `{setting}`).")
_define("OX-WRT-005", "Order no longer in the supplier shop",
        "Order {order}: shop order {remote} (reference {reference}) is no longer in supplier "
        "{supplier}'s shop.",
        "Ask {supplier} whether the order was deleted on purpose; if it should exist, send the "
        "customer order again in a new supplier order.")
_define("OX-WRT-006", "Order does not fit the shop's order model",
        "Order {order}: supplier {supplier}'s shop cannot store it: {detail}.",
        "Split the order or change the lines in the distributor shop so the supplier shop can "
        "hold it, or forward it another way.")

# --- transfer log ----------------------------------------------------------------------------
_define("OX-LOG-001", "Supplier order cannot be confirmed",
        "Supplier order {id} is {state}; only notified supplier orders can be confirmed.",
        "Send it first (`orderexchange send {id}`); a confirmed or cancelled supplier order "
        "needs nothing more.")
_define("OX-LOG-002", "Supplier order has not failed",
        "Supplier order {id} is {state}; retry resumes only check_failed, write_failed and "
        "notify_failed supplier orders.",
        "Use `orderexchange send {id}` for a draft or checked supplier order; "
        "`orderexchange retry --failed` picks every failed one.")
_define("OX-LOG-003", "Unreadable date or age",
        "{option} {value} is neither a date (2026-11-01) nor an age (7d, 12h, 2w).",
        "Give a date as YYYY-MM-DD, or an age as a number followed by d (days), h (hours) or "
        "w (weeks).")
_define("OX-LOG-004", "Customer order partly cancelled",
        "Customer order {order}: {failed} of its supplier transfers could not be cancelled; it "
        "stays {status}.",
        "Fix what the errors above say (or cancel those orders with the supplier by hand), then "
        "run `orderexchange cancel {order}` again: what was cancelled is not cancelled twice.")

_define("OX-LOG-005", "Purge not confirmed",
        "{count} confirmed supplier orders would be deleted with their transfer log; without a "
        "terminal to ask in, nothing was deleted.",
        "Run it in a terminal and answer the question, or add --yes (scripts, cron); --dry-run "
        "lists what would go.")

# --- mail ------------------------------------------------------------------------------------
_define("OX-MAIL-001", "Mail server unreachable",
        "Cannot reach the mail server {host}:{port}: {detail}.",
        "Check [mail] host and port and that the server runs; the order was written, only the "
        "email is missing: `orderexchange send {id}` sends it without writing again.",
        transient=True)
_define("OX-MAIL-002", "Mail login refused",
        "The mail server {host} refused the login for {user}: {detail}.",
        "Check [mail] user and password (the password is not shown here on purpose); some "
        "providers want an app password for SMTP.")
_define("OX-MAIL-003", "Mail server rejected the message",
        "The mail server rejected the message to {to}: {detail}.",
        "Check the recipient address for supplier {supplier} and the sender address in [mail].")
_define("OX-MAIL-004", "Mail server temporarily refused",
        "The mail server deferred the message to {to}: {detail}.",
        "Nothing to fix in orderexchange; send again later (`orderexchange send {id}`).",
        transient=True)
_define("OX-MAIL-005", "TLS failed",
        "TLS with the mail server {host}:{port} failed: {detail}.",
        "Check [mail] security (starttls / tls / none) and port; `orderexchange test mail` shows "
        "the TLS stage on its own.")
_define("OX-MAIL-006", "Template error",
        "Mail template {template} cannot be rendered: {detail}.",
        "Fix the template; `orderexchange config check` renders every template with sample data.")
_define("OX-MAIL-007", "Unknown mail transport",
        "Mail transport {transport} is not available.",
        "Use one of: {known}.")
_define("OX-MAIL-008", "Mail output folder not writable",
        "Cannot write the email file into {path}: {detail}.",
        "Check [mail] outbox folder and its permissions.")
_define("OX-MAIL-009", "Mail server name not found",
        "The mail server name {host} cannot be resolved: {detail}.",
        "Check the spelling of [mail] host; on this machine `getent hosts {host}` must show an "
        "address (for an internal server: this machine's DNS settings).")
_define("OX-MAIL-010", "No greeting from the mail server",
        "The mail server {host}:{port} did not greet: {detail}.",
        "A 4xx greeting or a closed connection means the server is busy or limits connections: "
        "try again later. A 5xx greeting means it refuses this machine: ask its administrator. "
        "No greeting at all often means the port expects implicit TLS (465: security = \"tls\").",
        transient=True)
_define("OX-MAIL-011", "Wrong port for the TLS mode",
        "Port {port} of {host} does not fit security = \"{security}\": {detail}.",
        "{hint}. Usual pairs: port 465 with security = \"tls\", port 587 (or 25) with "
        "security = \"starttls\".")
_define("OX-MAIL-012", "Mail server refused EHLO",
        "The mail server {host}:{port} refused EHLO: {detail}.",
        "Set [mail] local_hostname to this machine's public DNS name (some servers refuse names "
        "that do not resolve), or ask the server's administrator to accept this machine.")
_define("OX-MAIL-013", "Mail server certificate not trusted",
        "The certificate of the mail server {host}:{port} is not trusted: {detail}.",
        "For a server certificate from a private CA set [mail] ca_file to that CA's PEM file; if "
        "the name does not match, write the name the certificate is issued for in [mail] host. "
        "Switch `verify` off only in a test set-up.")
_define("OX-MAIL-014", "Mail server offers no encryption",
        "The mail server {host}:{port} cannot encrypt the connection: {detail}.",
        "Use the server's submission port with STARTTLS (587) or implicit TLS (465, security = "
        "\"tls\"). Only for a server inside your own network: starttls = \"opportunistic\" "
        "(sends unencrypted and never logs in) or security = \"none\".")
_define("OX-MAIL-015", "Mail server offers no usable login",
        "The mail server {host}:{port} does not let orderexchange log in: {detail}.",
        "Most servers offer AUTH only on an encrypted link: use security = \"starttls\" or "
        "\"tls\". If the server relays for this machine without a login, remove [mail] user and "
        "password.")
_define("OX-MAIL-016", "Relay denied",
        "The mail server {host} refuses to relay the message to {to}: {detail}.",
        "The server does not forward mail to other domains for this sender: set [mail] user and "
        "password (it relays after AUTH), use your provider's submission server, or ask its "
        "administrator to allow relaying for this machine.")
_define("OX-MAIL-017", "Sender address refused",
        "The mail server refused the sender {sender}: {detail}.",
        "Set [mail] from (default: distributor.email) to an address the mail account may send "
        "as.")
_define("OX-MAIL-018", "Some recipients refused",
        "The mail server refused the recipient {to} ({detail}); the message went to {accepted}.",
        "Correct that address in [suppliers.{supplier}] email or notification.cc; the supplier "
        "got the "
        "message through the other address(es), so it is not sent again.")
_define("OX-MAIL-019", "Order document cannot be built",
        "The {format} document for supplier {supplier} cannot be built: {detail}.",
        "Correct [suppliers.{supplier}.notification] (e.g. pdf_font names an existing .ttf file, "
        "or is \"auto\" or \"core\"); `orderexchange config check` builds every document with "
        "sample data.")
_define("OX-MAIL-020", "Supplier gets no digest",
        "Supplier {supplier} does not get a daily digest: its notifications are sent one per "
        "supplier order.",
        "Leave out --supplier {supplier}, or set [suppliers.{supplier}.notification] digest = "
        "true if it wants one email a day.")
_define("OX-MAIL-022", "Not an email address",
        "{value!r} is not an email address: {detail}.",
        "Give a complete address, e.g. you@example.com.")
_define("OX-MAIL-021", "Email too large for the mail server",
        "The mail server refused the email to {to} as too large: {detail}.",
        "Lower [suppliers.{supplier}] max_customer_orders (each supplier order is one email), "
        "attach fewer documents (notification.attachments), or ask the mail administrator to "
        "raise the message size limit; then `orderexchange retry {id}` (only the email is sent "
        "again).")

# --- state store -----------------------------------------------------------------------------
_define("OX-STO-001", "State store unreachable",
        "Cannot open the state store {where}: {detail}.",
        "Check [store] url; for SQLite, that the folder exists and is writable.")
_define("OX-STO-002", "Customer order not found",
        "Customer order {order} does not exist.",
        "Check the customer-order number as it was imported; `orderexchange log --order "
        "NUMBER` shows what happened to an order, `orderexchange show ID` the customer orders of "
        "a supplier order.")
_define("OX-STO-003", "Not a state store",
        "The file {path} is not a valid orderexchange state store: {detail}.",
        "Restore the state store from your backup (`orderexchange backup DEST` makes one) and "
        "point [store] url at it. To start afresh on purpose, move this file away first: "
        "orderexchange never replaces an existing file with an empty store.")
_define("OX-STO-004", "Backup needs the database's own tool",
        "`orderexchange backup` copies SQLite state stores; {where} is a {backend} store.",
        "Back it up with the database's own tool: pg_dump for PostgreSQL, mariadb-dump "
        "(--single-transaction) for MariaDB/MySQL; see README, \"Keeping the state store safe\".")
_define("OX-STO-005", "Backup destination exists",
        "The backup destination {dest} exists already.",
        "Name a new file (e.g. with the date in its name); a backup never overwrites a file.")

# --- daemon ----------------------------------------------------------------------------------
_define("OX-DMN-001", "Another daemon runs on this SQLite store",
        "A daemon already runs on the state store {store} (lock {lock}).",
        "Run one daemon per SQLite store. For several daemons, put the state store on PostgreSQL "
        "or MariaDB 10.6+ ([store] url); stop the other daemon first otherwise.")
_define("OX-DMN-002", "Unknown daemon job",
        "The daemon has no job kind {kind}.",
        "Use the job kinds fetch, build, send and sync under [daemon.jobs].")

# --- order sources ---------------------------------------------------------------------------
# The distributor's own shop read by the `shop` order source: not a supplier's database, so the
# solutions point at [sources.X] (the OX-DB codes name [suppliers.X]).
_define("OX-SRC-001", "Order source database refused the login",
        "Order source {source}: the shop database refused the login for user {user}.",
        "Check user (in `url`) and `password` under [sources.{source}.database]; the password is "
        "not shown here on purpose.")
_define("OX-SRC-002", "Order source database unreachable",
        "Order source {source}: reading the shop database at {where} failed: {detail}.",
        "Check host, port and firewall of [sources.{source}.database]; nothing was lost: the "
        "next `orderexchange fetch {source}` (or the daemon's next fetch) goes on where this one "
        "stopped.",
        transient=True)
_define("OX-SRC-003", "Order source database does not fit",
        "Order source {source}: the shop database {where} does not fit the {shop} source: "
        "{detail}.",
        "Check `database`, `table_prefix` and `shop` under [sources.{source}]; the source reads "
        "the tables orders, orders_products, orders_total, orders_status, customers and "
        "countries.")

# --- test shops (`orderexchange shop create`) ----------------------------------------------
_define("OX-SHP-001", "Test shop database not empty",
        "The database {where} already has the table {table}; `shop create` only fills an empty "
        "database.",
        "Name a new database in --url (it is created if the user may), or drop that shop's "
        "tables first. Never point it at a supplier's real shop.")
_define("OX-SHP-002", "Test shop database unreachable",
        "Cannot open or create the database {where}: {detail}.",
        "Check the URL (user, host, port, database name), that MariaDB or MySQL runs there and "
        "that the password is in the variable named by --password-env; the user needs the "
        "CREATE privilege.")

# --- plug-ins --------------------------------------------------------------------------------
_define("OX-PLG-001", "Plug-in failed to load",
        "Plug-in {name} ({source}) failed to load: {detail}.",
        "Fix or remove the plug-in; the other plug-ins were loaded.")
_define("OX-PLG-002", "Plug-in failed while handling an event",
        "Plug-in {name} raised {detail} while handling {hook}; the dispatch went on unchanged.",
        "Fix the plug-in (its author's logs say more); orderexchange ignored the failure.")
_define("OX-PLG-003", "Plug-in command name taken",
        "Plug-in {name} adds a command {command}, which is already a built-in command.",
        "Rename the plug-in's command; built-in commands cannot be replaced.")

# --- usage -----------------------------------------------------------------------------------
_define("OX-CLI-001", "Nothing selected",
        "No supplier orders selected.",
        "Name supplier order ids (see `orderexchange orders`) or use --all.")
_define("OX-CLI-002", "Unknown error code",
        "There is no error code {code}.",
        "Codes look like OX-CHK-004; `orderexchange explain --list` prints them all.")
_define("OX-CLI-003", "Demo workspace is not empty",
        "The folder {path} holds files that are not a previous demo (e.g. {example}).",
        "Name an empty or new folder for `demo --workspace`, or leave the option out (a new "
        "temporary folder). The demo never writes into a folder with other files.")

# --- menu / status ---------------------------------------------------------------------------
_define("OX-MNU-001", "Config file exists",
        "{path} exists already; `orderexchange init` never overwrites a config.",
        "Edit that file, or name another path: `orderexchange init PATH`.")
_define("OX-MNU-002", "Cannot write the config file",
        "Could not write {path}: {detail}.",
        "Check that the folder exists and that you may write to it, then try again.")
_define("OX-MNU-004", "The menu needs a terminal",
        "`orderexchange menu` needs an interactive terminal; its input is not one.",
        "Run it in a terminal (over SSH: `ssh -t`), or use the commands (`orders`, `send`, "
        "`status`) in scripts.")

# --- licence ---------------------------------------------------------------------------------
# (codes OX-LIC-0NN are defined below this line)
_define("OX-LIC-001", "No licence activated",
        "No licence is activated on this installation; building and sending orders is blocked.",
        "Activate the code you received from the vendor with `orderexchange activate CODE`. "
        "If you have no code yet, contact the vendor.")
_define("OX-LIC-002", "Typo in the activation code",
        "Typo in group {group} of the activation code ({text}): {detail}.",
        "Compare group {group} with the code you received and type it again (letters O/I/L count "
        "as 0/1/1, case, spaces and dashes do not matter); if a whole group was left out or typed "
        "twice, the first group after it is the one reported.")
_define("OX-LIC-003", "Activation code incomplete",
        "The activation code is incomplete or too long: {detail}.",
        "Copy the whole code from the vendor's message, every group, and run "
        "`orderexchange activate CODE` again.")
_define("OX-LIC-004", "Code is for another product",
        "This is not an orderexchange activation code (product marker {marker!r}).",
        "Check that you pasted the orderexchange code and not the code of another product; if it "
        "is the one you received, ask the vendor for an orderexchange activation code.")
_define("OX-LIC-005", "Activation code format not supported",
        "The activation code uses format {version}, this orderexchange understands format {supported}.",
        "Update orderexchange to the current release, or ask the vendor for a code for this version.")
_define("OX-LIC-006", "Code signed with an unknown key",
        "The activation code was signed with a key this installation does not trust (key id {key_id}).",
        "Only codes issued by the vendor activate orderexchange; ask the vendor for a new code and "
        "activate it with `orderexchange activate CODE`.")
_define("OX-LIC-007", "Activation code altered",
        "The activation code's signature does not match its content; the code was altered.",
        "Every group's checksum was correct, so this is not a simple typo: paste the code exactly as "
        "the vendor sent it. If it still fails, ask the vendor for a new code.")
_define("OX-LIC-008", "Licence expired",
        "The licence for {licensee} expired on {expires}; new supplier orders are not built or sent.",
        "Ask the vendor for a renewal code and activate it with `orderexchange activate CODE`; "
        "orders already imported stay in the store and are sent once a valid licence is active.")
_define("OX-LIC-009", "Licence expires soon",
        "The licence for {licensee} expires on {expires} ({days} day(s) left).",
        "Ask the vendor for a renewal code now and activate it with `orderexchange activate CODE`; "
        "after {expires} no supplier orders are sent.")
_define("OX-LIC-010", "Too many active suppliers",
        "{active} suppliers are active, the licence allows {limit}.",
        "Deactivate suppliers (`active = false` under [suppliers.<id>]) until at most {limit} "
        "are active, or ask the vendor for a licence with more suppliers and activate it with "
        "`orderexchange activate CODE`.")
_define("OX-LIC-011", "Feature not licensed",
        "The licence does not include {feature} (licensed: {licensed}).",
        "Ask the vendor for a licence that includes {feature} and activate it with "
        "`orderexchange activate CODE`; `orderexchange licence` shows what the current licence "
        "includes.")
_define("OX-LIC-012", "Activation code content unreadable",
        "The activation code is correctly signed but its content cannot be read: {detail}.",
        "The code was issued wrongly; send it to the vendor and ask for a new one.")
_define("OX-LIC-013", "Licence issued for another distributor",
        "The licence for {licensee} was issued for distributor id {licensed!r}, but this "
        "installation's config has [distributor] id = {configured!r}; nothing is built or sent "
        "with it.",
        "Ask the vendor for a code issued for distributor id {configured!r} and activate it with "
        "`orderexchange activate CODE`. Only if {licensed!r} is this installation's real id, "
        "correct `id` under [distributor] in the config instead (it appears in order labels).")
_define("OX-LIC-014", "Connector not licensed",
        "Supplier {supplier} uses connector {connector}, which needs the licence feature "
        "{feature!r}; the licence includes: {licensed}.",
        "Ask the vendor for a licence that includes {feature!r} and activate it with "
        "`orderexchange activate CODE`, or set supplier {supplier} to a licensed connector "
        "(`type` under [suppliers.{supplier}.connector]; \"mail-only\" needs no feature).")


def render_markdown() -> str:
    """The catalogue as the docs page `docs/errors.md` (a test keeps the page current)."""
    lines = ["# Error codes", "",
             "Every expected failure has a stable code, a message naming the order, line or field,",
             "and a solution. `orderexchange explain CODE` prints one entry. Transient errors may",
             "succeed when tried again later; the others need the fix the solution names.", ""]
    for entry in sorted(CATALOGUE.values(), key=lambda e: e.code):
        lines += [f"## {entry.code} — {entry.title}", "",
                  f"- message: `{entry.message}`",
                  f"- solution: {entry.solution}",
                  f"- transient: {'yes' if entry.transient else 'no'}", ""]
    return "\n".join(lines)
