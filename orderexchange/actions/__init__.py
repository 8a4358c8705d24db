"""What the distributor can do, once: the CLI and the menu are two views over these functions.

Each module is one domain (sending, holding and retrying, cancelling, status, self-tests,
licence, settings, records, import). Its functions take the session (`App`: config, store and
plug-in host, opened lazily) or config/store objects and *return data* — dataclasses, dicts,
the engines' own result objects — and never print; `orderexchange.present` prints, the views
(`orderexchange.cli`, `orderexchange.menu`) parse input, call an action, hand its data to
`present` and choose the exit code. A coded failure is raised as `OXError`, as everywhere.

So a change to what "send" or "hold" means is made here, once, and the command and the menu
entry cannot drift apart (tests/test_views_share_actions.py checks both views call the same
function).
"""
