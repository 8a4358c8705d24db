"""The error codes of configuration (CFG), import (IMP), catalogue (CAT) and build (BLD). A new
code goes at the end of its family."""

from .core import _define

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
        "Order {order} row {row}: the rows of this order are not together in the file (other "
        "orders come between them), so none of it was stored.",
        "Sort the CSV by order number (or export it grouped by order) and import the order again: "
        "the error report (--report) holds every row of it. A CSV is read as a stream, so one "
        "order's rows must be consecutive.")
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
_define("OX-IMP-020", "A row of the order could not be read",
        "Order {order} row {row}: row {bad_row} could not be read (not UTF-8) and belongs to this "
        "order, or may: it is next to it and its order number is unreadable too. None of the "
        "order was stored, so it is never forwarded without that line.",
        "Fix row {bad_row} (save the file as UTF-8) and import the order again: the error report "
        "(--report) holds all of its rows.")

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
        "Supplier {supplier}: the open lines are worth {value} {currency}, the minimum order "
        "value is {minimum} {currency}; {lines} line(s) wait for the next build.",
        "Wait until more orders for {supplier} come in, or lower `min_order_value` under "
        "[suppliers.{supplier}].")
_define("OX-BLD-005", "No exchange rate to compare suppliers",
        "Order {order} line {line}: product {sku} is offered in several currencies ({offers}) "
        "and {reason}, so its cheapest supplier cannot be chosen; the line stays open.",
        "Set `currency` under [distributor] (the currency purchase prices are compared in, e.g. "
        "\"{base}\") and, under [distributor.rates], the units of {missing} that one unit of it "
        "buys (the ECB reference rate, e.g. CHF = \"0.9412\"); the next build picks the line "
        "up. Or import {sku} from its suppliers in one currency.")
_define("OX-BLD-006", "No exchange rate for the minimum order value",
        "Supplier {supplier}: its open lines are priced in {currencies}, its minimum order value "
        "is in {currency}, and {reason}, so whether they reach the minimum is unknown; {lines} "
        "line(s) wait for the next build.",
        "Set `currency` under [distributor] (e.g. \"{base}\") and, under [distributor.rates], the "
        "units of {missing} that one unit of it buys (the ECB reference rate); the next build "
        "picks the lines up. Or import {supplier}'s catalogue in {currency}, its `price_currency`.")
