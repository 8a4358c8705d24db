"""The error codes of the transfer log (LOG) and mail (MAIL). A new code goes at the end of its
family."""

from .core import _define

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
