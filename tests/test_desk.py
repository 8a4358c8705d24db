"""The distributor's desk without surprises (issue 16): every message keeps its text on every
output path, the sender survives any distributor name, build says why nothing was built, and
`config check` lists every problem at once."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import sample_order

from orderexchange import present
from orderexchange.cli import main
from orderexchange.demo import write_workspace
from orderexchange.errors import CATALOGUE, OXError

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+(![rsa])?\}")


def run(config, *args, input=None):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input)


def flat(text: str) -> str:
    """Table borders and line breaks away: what a reader sees, as one line."""
    return " ".join(re.sub(r"[│┃─━┏┓┗┛┡┩└┘┌┐├┤┼╇╈╋]", " ", text).split())


def fields(template: str) -> set[str]:
    return {f.split("!")[0] for _t, f, _s, _c in string.Formatter().parse(template) if f}


def sample_facts(code: str) -> dict[str, str]:
    """A value for every field of the code, each holding brackets rich would take for markup."""
    entry = CATALOGUE[code]
    return {f: f"[suppliers.{f}.x]" for f in fields(entry.message) | fields(entry.solution)}


# --- every catalogue message, every output path ---------------------------------------------
def test_every_code_keeps_brackets_and_fills_every_placeholder_on_every_path(capsys,
                                                                              monkeypatch,
                                                                              tmp_path):
    from orderexchange.present.desk import print_status
    from orderexchange.mail import render_cancellation
    from orderexchange import config as config_mod, documents

    monkeypatch.setattr(present.console, "width", 400)  # no wrapping inside table cells
    cfg = config_mod.load(write_workspace(tmp_path / "ws"))
    supplier = cfg.supplier("alpha")
    sample = documents.sample_supplier_order(supplier)
    for code in sorted(CATALOGUE):
        error = OXError(code, **sample_facts(code))
        message, solution = flat(error.message), flat(error.solution)
        assert "[suppliers." in message + solution or not sample_facts(code) or \
            "{" not in CATALOGUE[code].message + CATALOGUE[code].solution
        assert not PLACEHOLDER.search(message + solution), code

        present.print_error(error)  # stderr
        err = flat(capsys.readouterr().err)
        assert message in err and solution in err, (code, err)

        print_status({"licence": {"state": "active", "days_left": None, "message": None,
                                  "licensee": "ACME"},
                      "daemons": [], "open_customer_orders": 0, "supplier_orders": {},
                      "suppliers": [], "failures": [{
                          "id": 7, "supplier": "alpha", "state": "write_failed",
                          "error_code": code, "error_message": error.message,
                          "solution": error.solution}]})  # console table + solution line
        out = flat(capsys.readouterr().out)
        assert message in out and solution in out, (code, out)

        present.emit_json(error.as_dict())  # --json
        assert json.loads(capsys.readouterr().out) == error.as_dict()

        mail = render_cancellation(cfg, supplier, sample, sample.transfers[:1],
                                   reason=error.message)  # email: free text in both parts
        for part in ("plain", "html"):
            body = mail.get_body(preferencelist=(part,)).get_content()
            assert message in flat(body.replace("&#34;", '"').replace("&#39;", "'")
                                   .replace("&quot;", '"')), (code, part)

        explained = flat(CliRunner().invoke(main, ["explain", code]).output)  # explain
        template = OXError(code)
        assert flat(template.message) in explained and flat(template.solution) in explained


def test_explain_shows_config_tables_in_brackets():
    result = CliRunner().invoke(main, ["explain", "OX-CHK-011"])
    assert "[suppliers.{supplier}.database]" in result.output
    result = CliRunner().invoke(main, ["explain", "OX-MAIL-001"])
    assert "Check [mail] host and port" in flat(result.output)


def _oxerror_calls():
    """Every `OXError("CODE", k=...)` in the package with literal code and no **facts."""
    for path in sorted((ROOT / "orderexchange").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [f for f in ast.walk(tree)
                     if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "OXError"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and all(k.arg is not None for k in node.keywords)):
                inner = [f.name for f in functions
                         if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)]
                yield path.name, node, inner[-1] if inner else None


# facts filled in by the one caller that takes such errors (`error.facts.setdefault(...)`):
# (module, function the OXError is made in) → facts
FILLED_BY_CALLER = {("checks.py", "core_findings"): {"supplier"},
                    ("transports.py", "warnings"): {"supplier"}}  # record_delivery_warnings


def test_every_raise_site_passes_every_fact_its_message_and_solution_name():
    missing = []
    for name, node, parent in _oxerror_calls():
        code = node.args[0].value
        if code not in CATALOGUE:
            continue
        given = {k.arg for k in node.keywords}
        given |= FILLED_BY_CALLER.get((name, parent), set())
        entry = CATALOGUE[code]
        lacking = (fields(entry.message) | fields(entry.solution)) - given
        if lacking:
            missing.append(f"{name}:{node.lineno} {code} lacks {sorted(lacking)}")
    assert not missing, "\n".join(missing)


def test_solutions_name_real_commands_and_real_docs():
    """OX-STO-002 pointed to `orderexchange orders` (supplier orders), OX-IMP-002 to a doc that
    did not exist: every command and docs page a solution names must exist."""
    commands = set(main.commands)
    for entry in CATALOGUE.values():
        for command in re.findall(r"`orderexchange ([a-z-]+)", entry.solution):
            assert command in commands, (entry.code, command)
        for doc in re.findall(r"docs/[\w/.-]+\.md", entry.solution):
            assert (ROOT / doc).is_file(), (entry.code, doc)
    assert "log --order" in OXError("OX-STO-002", order="1001").solution


def test_status_fills_the_solution_of_a_waiting_failure(tmp_path, demo_licence_code):
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)
    (ws / "shops" / "alpha.sqlite").write_bytes(b"not a database " * 100)
    run(cfg, "send", "1")
    data = json.loads(run(cfg, "status", "--json").stdout)
    [failure] = data["failures"]
    assert failure["solution"] and not PLACEHOLDER.search(failure["solution"])
    text = flat(run(cfg, "status").output)
    assert failure["error_code"] in text and flat(failure["solution"]) in text
    # retry --failed retries exactly what status counts
    retried = json.loads(run(cfg, "retry", "--failed", "--json").stdout)
    assert [r["supplier_order"] for r in retried] == [failure["id"]]


def test_retry_failed_takes_a_transient_failure_status_counts(tmp_path, demo_licence_code):
    """A shop that was unreachable leaves its supplier order sendable with the failure's code:
    `status` counts it, so `retry --failed` must retry it (it said "none")."""
    from orderexchange.actions.sending import is_failure
    from orderexchange.store import Store, supplier_orders

    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)
    store = Store(f"sqlite:///{ws / 'state.sqlite'}")
    with store.engine.begin() as conn:  # as the dispatch leaves a transient OX-DB failure
        conn.execute(supplier_orders.update().where(supplier_orders.c.id == 2)
                     .values(error_code="OX-DB-001", error_message="shop unreachable"))
    rows = {r["id"]: r for r in store.list_supplier_orders()}
    store.close()
    assert is_failure(rows[2]) and not is_failure(rows[1])
    status = json.loads(run(cfg, "status", "--json").stdout)
    assert [f["id"] for f in status["failures"]] == [2]
    retried = json.loads(run(cfg, "retry", "--failed", "--json").stdout)
    assert [r["supplier_order"] for r in retried] == [2]
    assert retried[0]["state"] == "notified"


# --- the sender --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ['Meier, Müller & Co. KG', 'Shop: "Der Beste" GmbH',
                                  "Plain Name Ltd"])
def test_a_distributor_name_with_comma_colon_or_quote_keeps_one_sender(tmp_path, smtp_server,
                                                                       demo_licence_code, name):
    from email.headerregistry import Address

    server = smtp_server(security="plain")
    cfg = write_workspace(tmp_path / "ws")
    text = cfg.read_text()
    text = text.replace('name = "Demo Distribution Ltd"', f"name = {json.dumps(name)}")
    text = re.sub(r'(?ms)^\[mail\].*?(?=^\[)',
                  f'[mail]\ntransport = "smtp"\nhost = "{server.host}"\nport = {server.port}\n'
                  'security = "none"\n\n', text)
    cfg.write_text(text)
    ws = cfg.parent
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)
    sent = run(cfg, "send", "--all", "--json")
    assert sent.exit_code == 0, sent.output
    sender = json.loads(run(cfg, "config", "check", "--json").stdout)  # still a clean config
    assert sender["ok"], sender
    from orderexchange import config as config_mod

    expected = config_mod.load(cfg).distributor.email
    assert len(server.messages) == 2
    for received in server.messages:
        assert received.mail_from == expected  # the envelope: the address, never a name part
        addresses = received.message["From"].addresses
        assert len(addresses) == 1, received.data[:700]
        [address] = addresses
        assert isinstance(address, Address)
        assert (address.display_name, address.addr_spec) == (name, expected)
    test = run(cfg, "test", "mail", "--to", "me@example.org")
    assert test.exit_code == 0, test.output
    assert server.messages[-1].mail_from == expected


def test_test_mail_refuses_a_recipient_that_is_no_address(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    result = run(cfg, "test", "mail", "--to", "not-an-address")
    assert result.exit_code == 2 and "OX-MAIL-022" in result.output
    assert "'not-an-address' is not an email address" in flat(result.output)
    assert ".." not in result.output  # the validator's own full stop is not doubled


# --- build says why ----------------------------------------------------------------------------
def test_build_counts_orders_waiting_for_a_trigger_and_a_minimum(tmp_path, demo_licence_code):
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    text = cfg.read_text()
    text = text.replace("[suppliers.alpha]\n", '[suppliers.alpha]\ntrigger = ["paid"]\n', 1)
    text = text.replace("[suppliers.beta]\n", '[suppliers.beta]\nmin_order_value = "5000"\n', 1)
    cfg.write_text(text)
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")]):
        run(cfg, *args)
    result = run(cfg, "build")
    out = flat(result.output)
    assert "No open customer-order lines" not in out
    assert "No supplier order built:" in out
    assert re.search(r"\b(1 customer order waits for its|(?!1 )\d+ customer orders wait for "
                     r"their) trigger", out), out
    assert re.search(r"\b(1 line waits|(?!1 )\d+ lines wait) for a minimum order value", out), out
    assert "OX-BLD-003" in out and "OX-BLD-004" in out
    data = json.loads(run(cfg, "build", "--json").stdout)
    assert data["created"] == [] and data["reasons"]["trigger"] >= 1
    assert data["reasons"]["minimum"] >= 1


def test_the_import_format_doc_example_imports_with_its_status(tmp_path):
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", doc, re.S).group(1)
    order = json.loads(" ".join(block.split("\n")))
    assert order["status"] == "paid"
    cfg = write_workspace(tmp_path / "ws")
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(order) + "\n")
    result = run(cfg, "import", str(path), "--json")
    assert json.loads(result.stdout)["stored"] == ["1001"], result.output
    csv_block = re.search(r"```\n(order_number.*?)```", doc, re.S).group(1)
    (tmp_path / "orders.csv").write_text(csv_block.replace("1001", "1002"))
    result = run(cfg, "import", str(tmp_path / "orders.csv"), "--json")
    assert json.loads(result.stdout)["stored"] == ["1002"], result.output


# --- config check --------------------------------------------------------------------------------
def test_config_check_lists_every_problem_in_one_run_and_as_json(tmp_path, monkeypatch):
    monkeypatch.delenv("OX_NOT_SET_A", raising=False)
    monkeypatch.delenv("OX_NOT_SET_B", raising=False)
    cfg = write_workspace(tmp_path / "ws")
    text = cfg.read_text().replace("[mail]\n", '[mail]\nport = "not a port"\ncolour = "blue"\n'
                                   'user = "${OX_NOT_SET_A}"\npassword = "${OX_NOT_SET_B}"\n', 1)
    cfg.write_text(text)
    result = run(cfg, "config", "check")
    assert result.exit_code == 2
    out = flat(result.output)
    for expected in ("OX-CFG-004", "mail.port", "OX-CFG-008", "mail.colour", "OX-CFG-005",
                     "OX_NOT_SET_A", "OX_NOT_SET_B"):
        assert expected in out, (expected, out)
    data = json.loads(run(cfg, "config", "check", "--json").stdout)
    assert data["ok"] is False
    codes = sorted(e["code"] for p in data["parts"] for e in p["errors"])
    assert codes == ["OX-CFG-004", "OX-CFG-005", "OX-CFG-005", "OX-CFG-008"]


def test_config_check_names_a_missing_ca_file_and_english_templates_are_its_own(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    text = cfg.read_text()
    text = re.sub(r'(?ms)^\[mail\].*?(?=^\[)', '[mail]\ntransport = "smtp"\nhost = "localhost"\n'
                  'ca_file = "/nowhere/private-ca.pem"\n\n', text)
    cfg.write_text(text)
    result = run(cfg, "config", "check")
    out = flat(result.output)
    assert result.exit_code == 2
    assert "OX-CFG-004" in out and "mail.ca_file" in out and "/nowhere/private-ca.pem" in out
    assert "no templates for language 'en'" not in out
    data = json.loads(run(cfg, "config", "check", "--json").stdout)
    [mail] = [p for p in data["parts"] if p["part"] == "mail transport"]
    assert [e["code"] for e in mail["errors"]] == ["OX-CFG-004"]
    from orderexchange import config as config_mod
    from orderexchange.mail import SmtpTransport

    with pytest.raises(OXError) as tls:  # when TLS starts: the same coded error, no traceback
        SmtpTransport(config_mod.load(cfg).mail)._tls_context()
    assert tls.value.code == "OX-CFG-004" and "/nowhere/private-ca.pem" in tls.value.message


def test_example_values_left_in_the_config_are_refused_before_anything_is_sent(
        tmp_path, demo_licence_code, smtp_server):
    """config.example.toml's ACME name, reply-to, mail account and payment method never reach a
    supplier: `config check` lists them and `send` refuses (OX-CFG-011) before any shop write."""
    from orderexchange import config as config_mod

    server = smtp_server(security="plain")
    example = config_mod.example_values()
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    text = cfg.read_text()
    text = re.sub(r'(?m)^name = "Demo Distribution Ltd"$',
                  f'name = {json.dumps(example["distributor.name"])}\n'
                  f'reply_to = {json.dumps(example["distributor.reply_to"])}', text)
    text = re.sub(r'(?ms)^\[mail\].*?(?=^\[)',
                  f'[mail]\ntransport = "smtp"\nhost = "{server.host}"\nport = {server.port}\n'
                  'security = "none"\n\n', text)
    cfg.write_text(text)
    data = json.loads(run(cfg, "config", "check", "--json").stdout)
    leftovers = sorted(e["message"] for p in data["parts"] for e in p["errors"]
                       if e["code"] == "OX-CFG-011")
    assert len(leftovers) == 2 and "distributor.name" in leftovers[0]
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)
    result = run(cfg, "send", "--all")
    assert result.exit_code == 2 and "OX-CFG-011" in result.output
    assert server.messages == []
    states = {r["state"] for r in json.loads(run(cfg, "orders", "--json").stdout)}
    assert states == {"draft"}  # nothing checked, written or sent


# --- smaller -------------------------------------------------------------------------------------
def test_catalogue_row_with_an_unquoted_comma_is_a_coded_error(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    csv = tmp_path / "cat.csv"
    csv.write_text("sku,supplier,supplier_sku,purchase_price,name\n"
                   "HAMMER-450,alpha,A-100,7.20,Claw hammer, 450 g\n"
                   "SAW-1,alpha,A-200,9.00,\"Saw, small\"\n")
    result = run(cfg, "catalogue", "import", str(csv))
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = flat(result.output)
    assert "1 catalogue row stored, 1 rejected" in out
    assert "OX-CAT-001" in out and "Catalogue row 2" in out and "double quotes" in out


def test_a_json_syntax_error_names_its_column(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(sample_order("1001")) + "\n" + '{"number": "1002",, }\n')
    data = json.loads(run(cfg, "import", str(path), "--json").stdout)
    [error] = [e for e in data["errors"] if e["code"] == "OX-IMP-003"]
    assert "at column 19" in error["message"], error


def test_log_show_suppliers_and_the_demo_fit_80_columns_without_cutting(tmp_path, demo_licence_code):
    """CliRunner renders at 80 columns, like an SSH terminal: no line wider, no value cut with
    "…" (paths and Message-IDs of the demo included)."""
    demo = CliRunner().invoke(main, ["demo", "--workspace", str(tmp_path / "demo")])
    assert demo.exit_code == 0, demo.output
    cfg = tmp_path / "demo" / "config.toml"
    shown = {"demo": demo.output}
    for args in (["log"], ["show", "1"], ["suppliers"], ["orders"], ["status"]):
        shown[args[0]] = run(cfg, *args).output
    for name, output in shown.items():
        assert "…" not in output, (name, output)
        table_lines = [line for line in output.splitlines() if line[:1] in "┏┃┡│└"]
        assert table_lines and all(len(line) <= 80 for line in table_lines), (name, output)
    for eml in (tmp_path / "demo" / "outbox").glob("*.eml"):
        assert str(eml) in demo.output  # whole paths: one line each, never a cut cell
    message_id = re.search(r"Message-ID\s+(<[^>]+>)", shown["show"]).group(1)
    assert message_id in demo.output


def test_the_send_table_fits_80_columns_with_whole_message_ids(tmp_path, demo_licence_code):
    """`send`'s result table (the README's first real send) cut the notification's Message-ID
    and its own header with "…" at 80 columns; the Message-ID now stands whole on a line of its
    own under a table that fits."""
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)  # the demo's orders hold one bad order on purpose
    sent = run(cfg, "send", "--all")
    assert sent.exit_code == 0, sent.output
    assert "…" not in sent.output, sent.output
    table_lines = [line for line in sent.output.splitlines() if line[:1] in "┏┃┡│└"]
    assert table_lines and all(len(line) <= 80 for line in table_lines), sent.output
    rows = {r["id"]: r for r in json.loads(run(cfg, "orders", "--json").stdout)}
    assert rows and all(r["message_id"] for r in rows.values())
    for so_id, r in rows.items():
        line = f"Supplier order {so_id} ({r['supplier_id']}): notification {r['message_id']}"
        assert line in sent.output.splitlines(), (line, sent.output)


def test_test_mail_shows_the_test_messages_message_id_whole_at_80_columns(tmp_path, smtp_server):
    """`test mail --to` cut the test message's Message-ID in its detail cell with "…" at 80
    columns; the detail column folds."""
    server = smtp_server(security="plain")
    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(re.sub(r'(?ms)^\[mail\].*?(?=^\[)',
                          f'[mail]\ntransport = "smtp"\nhost = "{server.host}"\n'
                          f'port = {server.port}\nsecurity = "none"\n\n', cfg.read_text()))
    test = run(cfg, "test", "mail", "--to", "me@example.org")
    assert test.exit_code == 0, test.output
    assert "…" not in test.output, test.output
    table_lines = [line for line in test.output.splitlines() if line[:1] in "┏┃┡│└"]
    assert all(len(line) <= 80 for line in table_lines), test.output
    details = "".join(line.split("│")[3].strip() for line in table_lines if line[:1] == "│")
    # a Message-ID over 78 columns is folded on the wire; unfolded it keeps the fold's space
    message_id = server.messages[-1].message["Message-ID"].strip()
    assert message_id and message_id in details, (message_id, test.output)

def test_markup_is_written_only_through_styled():
    """The consoles print text as it is (markup off): `[red]…[/red]` outside `styled()` would
    show its brackets, and `rich.markup.escape` would print backslashes. Colour goes through
    `present.styled`, which escapes the values it fills in."""
    tag = re.compile(r"\[/[a-z ]*\]")
    wrong = []
    for path in sorted((ROOT / "orderexchange").rglob("*.py")):
        if path == ROOT / "orderexchange" / "present" / "__init__.py":
            continue  # styled() itself
        text = path.read_text(encoding="utf-8")
        if re.search(r"from rich\.markup import|markup\.escape|\bescape\(", text) and \
                "rich" in text and re.search(r"rich\.markup", text):
            wrong.append(f"{path.name}: imports rich.markup (print through present.styled)")
        tree = ast.parse(text)
        parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and tag.search(node.value)):
                continue
            up, allowed = node, False
            while up in parents:
                up = parents[up]
                if isinstance(up, ast.Call) and (
                        getattr(up.func, "id", None) == "styled"
                        or getattr(up.func, "attr", None) in ("update", "add_task")):
                    allowed = True  # styled(); a Progress description (parsed by rich itself)
                    break
            if not allowed:
                wrong.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert not wrong, "\n".join(wrong)


def test_every_command_that_prints_a_table_has_json(tmp_path):
    """`--json` on every command with tabular output; the exceptions print no table."""
    import click

    # an email, a log stream, prompts, one line
    no_table = {"preview", "daemon", "init", "menu", "backup"}

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    missing = [name for name, cmd in walk(main, []) if name not in no_table
               and not any(p.name == "as_json" for p in cmd.params)]
    assert not missing, missing
    demo = CliRunner().invoke(main, ["demo", "--workspace", str(tmp_path / "d"), "--json"])
    data = json.loads(demo.stdout)
    assert [r["state"] for r in data["supplier_orders"]] == ["notified", "notified"]
    assert len(data["emails"]) == 2
    explained = json.loads(CliRunner().invoke(main, ["explain", "OX-CFG-006", "--json"]).stdout)
    assert explained[0]["solution"].startswith("Use one of the supplier ids")


def test_opentrans_has_the_shipping_charge_and_keeps_street_line_two_in_the_street(tmp_path):
    """openTRANS: the shipping is an order-level surcharge with its VAT rate; the second
    address line joins STREET (NAME3 is a name line). UBL gives the charge its tax category,
    and the sheet's tax includes the shipping's VAT."""
    from decimal import Decimal
    from xml.etree import ElementTree

    from test_documents import assert_valid, load_ubl_schemas

    from orderexchange import config as config_mod, documents

    cfg_path = write_workspace(tmp_path / "ws")
    cfg_path.write_text(cfg_path.read_text().replace(
        'shipping_cost = "4.90"', 'shipping_cost = "4.90"\nshipping_tax_rate = "19"', 1))
    cfg = config_mod.load(cfg_path)
    supplier = cfg.supplier("alpha")
    sht = documents.sheet(cfg, supplier, documents.sample_supplier_order(supplier))
    anna = sht.orders[0]
    assert anna.delivery.street2 == "Hinterhaus"
    line_tax = sum((line.tax for line in anna.lines), Decimal("0"))
    assert anna.tax == line_tax + Decimal("0.93")
    assert anna.total == anna.subtotal + Decimal("4.90") + anna.tax

    ns = {"o": documents.NS_OPENTRANS, "b": documents.NS_BMECAT}
    root = ElementTree.fromstring(documents.opentrans_order(sht, anna))
    delivery = [p for p in root.iter(f"{{{ns['o']}}}PARTY")
                if p.find("o:PARTY_ROLE", ns).text == "delivery"][0]
    assert delivery.find("o:ADDRESS/b:NAME3", ns) is None
    assert delivery.find("o:ADDRESS/b:STREET", ns).text == "Hauptstr. 1, Hinterhaus"
    charge = root.find("o:ORDER_SUMMARY/o:ALLOW_OR_CHARGES_FIX/o:ALLOW_OR_CHARGE", ns)
    assert charge.get("type") == "surcharge"
    assert charge.find("o:ALLOW_OR_CHARGE_TYPE", ns).text == "shipping"
    assert charge.find("o:ALLOW_OR_CHARGE_VALUE/o:AOC_MONETARY_AMOUNT", ns).text == "4.90"
    assert charge.find("o:TAX_DETAILS_FIX/b:TAX", ns).text == "0.19"

    ubl = documents.ubl_order(sht, anna)
    assert_valid(load_ubl_schemas()["Order"], ubl)
    assert b"<cbc:Percent>19</cbc:Percent>" in ubl


def test_the_findings_table_says_when_it_stops(tmp_path, monkeypatch):
    """The import keeps at most LIST_LIMIT findings in memory; the table says so and where the
    whole list is (it stopped at 10,000 rows without a word)."""
    from orderexchange.importer import report

    monkeypatch.setattr(report, "LIST_LIMIT", 2)  # where the report's lists read their cap
    cfg = write_workspace(tmp_path / "ws")
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(sample_order(str(n), email="not-an-email")) + "\n"
                            for n in range(1, 5)))
    out = flat(run(cfg, "import", str(path)).output)
    assert "The table shows the first 2 errors and warnings of each kind; 4 errors were " \
           "found in all." in out
    assert "`--report FILE` writes every rejected row" in out
