"""The error codes of the supplier's shop database (DB), the SSH tunnel to it (SSH), its TLS (TLS)
and step 2, the write (WRT). A new code goes at the end of its family."""

from .core import _define

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
