"""The error catalogue: every failure a user can meet, with a stable code and a solution.

Why one module: the manual of the product we replace lists "possible error messages together with
their solution"; keeping every code here lets `orderexchange explain CODE`, the docs page and the
tests all read the same table, and stops two modules from inventing the same code twice.

A code is `OX-<AREA>-<NNN>`. Areas: CFG config, IMP import, CAT catalogue, BLD build, CHK check,
DB supplier database, WRT write, MAIL mail, LIC licence, PLG plug-ins, STO state store, CLI usage.
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

# --- import ----------------------------------------------------------------------------------
_define("OX-IMP-001", "Import file unreadable",
        "Import file {path} cannot be read: {detail}.",
        "Check the path and the file permissions.")
_define("OX-IMP-002", "Unsupported import format",
        "Import file {path} has an unknown format (expected .jsonl or .csv).",
        "Export the orders as JSON Lines (.jsonl) or CSV (.csv); docs/import-format.md describes both.")
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

# --- catalogue -------------------------------------------------------------------------------
_define("OX-CAT-001", "Catalogue row invalid",
        "Catalogue row {row}: {detail}.",
        "Columns are sku, supplier, supplier_sku, purchase_price (name optional); fix row {row}.")
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
        "Order {order} line {line}: quantity {value} is not a positive whole number.",
        "Correct the quantity in the distributor shop.")
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

# --- write (step 2) --------------------------------------------------------------------------
_define("OX-WRT-001", "Write refused, supplier order not checked",
        "Supplier order {id} is in state {state}; only checked supplier orders are written.",
        "Fix the errors `orderexchange show {id}` lists, then send again: step 1 runs first.")
_define("OX-WRT-002", "Write failed",
        "Order {order} could not be written into supplier {supplier}'s shop: {detail}.",
        "Nothing was stored for this order (the transaction was rolled back); "
        "`orderexchange send {id}` resumes when the cause is fixed.",
        transient=True)

# --- mail ------------------------------------------------------------------------------------
_define("OX-MAIL-001", "Mail server unreachable",
        "Cannot reach the mail server {host}:{port}: {detail}.",
        "Check [mail] host and port and that the server runs; the order was written, only the "
        "email is missing: `orderexchange send {id}` sends it without writing again.",
        transient=True)
_define("OX-MAIL-002", "Mail login refused",
        "The mail server {host} refused the login for {user}.",
        "Check [mail] user and password (the password is not shown here on purpose).")
_define("OX-MAIL-003", "Mail server rejected the message",
        "The mail server rejected the message to {to}: {detail}.",
        "Check the recipient address for supplier {supplier} and the sender address in [mail].")
_define("OX-MAIL-004", "Mail server temporarily refused",
        "The mail server deferred the message to {to}: {detail}.",
        "Nothing to fix in orderexchange; send again later (`orderexchange send {id}`).",
        transient=True)
_define("OX-MAIL-005", "TLS failed",
        "TLS with the mail server {host}:{port} failed: {detail}.",
        "Check [mail] security (starttls / tls / none) and, for a private CA, `ca_file`.")
_define("OX-MAIL-006", "Template error",
        "Mail template {template} cannot be rendered: {detail}.",
        "Fix the template; `orderexchange config check` renders every template with sample data.")
_define("OX-MAIL-007", "Unknown mail transport",
        "Mail transport {transport} is not available.",
        "Use one of: {known}.")
_define("OX-MAIL-008", "Mail output folder not writable",
        "Cannot write the email file into {path}: {detail}.",
        "Check [mail] outbox folder and its permissions.")

# --- state store -----------------------------------------------------------------------------
_define("OX-STO-001", "State store unreachable",
        "Cannot open the state store {where}: {detail}.",
        "Check [store] url; for SQLite, that the folder exists and is writable.")
_define("OX-STO-002", "Customer order not found",
        "Customer order {order} does not exist.",
        "List the imported orders with `orderexchange orders`.")

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
