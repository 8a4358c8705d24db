"""The error codes of step 1, the check (CHK), and held customer orders (HLD). A new code goes at
the end of its family."""

from .core import _define

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
        "Supplier order for {supplier}: net value {value} {currency} is below the minimum "
        "order value {minimum} {currency}.",
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
_define("OX-CHK-052", "Currency disabled in the shop",
        "Order {order}: currency {value} is in supplier {supplier}'s shop but disabled ({where}); "
        "the shop takes no orders in it (its storefront and its admin's order editing offer only "
        "enabled currencies).",
        "Ask the supplier to enable {value} in the shop's admin (System > Localisation > "
        "Currencies, status Enabled), then `orderexchange retry --held`; or agree on a currency "
        "the shop takes. The order is held and nothing was written.")
_define("OX-CHK-053", "No exchange rate for the minimum order value",
        "Supplier order for {supplier}: its lines are priced in {currencies}, its minimum "
        "order value is in {currency}, and the distributor has no rate for {missing}, so "
        "whether the minimum is reached is unknown.",
        "Set `currency` under [distributor] (e.g. \"{base}\") and, under [distributor.rates], "
        "the units of {missing} that one unit of it buys; then send again. Or quote the "
        "catalogue of {supplier} in {currency}, its `price_currency`.")
_define("OX-CHK-054", "No exchange rate for the order's documents",
        "Order {order}: supplier {supplier}'s purchase prices for it are in {currencies}; its "
        "documents state it in {currency} (the supplier's `price_currency`, that of "
        "`shipping_cost`), but the distributor has no rate for {missing}.",
        "Set `currency` under [distributor] (e.g. \"{base}\") and, under [distributor.rates], "
        "the units of {missing} that one unit of it buys; then send again. Or import "
        "{supplier}'s catalogue in {currency}. The order is held and nothing was written.")

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
