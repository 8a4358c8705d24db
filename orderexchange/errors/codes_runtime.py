"""The error codes of the state store (STO), the daemon, order sources (SRC), test shops (SHP),
plug- ins (PLG), usage (CLI), menu and status, and the licence (LIC). A new code goes at the end
of its family."""

from .core import _define

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
