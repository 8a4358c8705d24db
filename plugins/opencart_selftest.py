"""`test db` stages of the OpenCart connector: the configured statuses, language and customer
group, the customer policy, and the trial write. A mixin of `OpenCartConnector`
(plugins/opencart.py).
"""

from __future__ import annotations

from orderexchange.errors import OXError

from .shop_sql import stage_text


class OpenCartSelfTest:
    def reference_stage(self) -> tuple[bool, str]:
        s = self.settings
        problems, facts = [], []
        for setting, status_id in (("order_status_id", s.order_status_id),
                                   ("cancelled_status_id", s.cancelled_status_id)):
            name = self._status_name(status_id)
            if name:
                facts.append(f"{setting} {status_id} = {name}")
            else:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id, setting=setting,
                                        value=status_id, detail=f"no {self.t('order_status')} "
                                        f"row in language {s.language_id}"))
        language = self.sql(f"SELECT code FROM {self.qt('language')} WHERE language_id = :l",
                            l=s.language_id).first()
        if language:
            facts.append(f"language_id {s.language_id} = {language[0]}")
        else:
            problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                    setting="language_id", value=s.language_id,
                                    detail=f"not in {self.t('language')}"))
        group = self._group_id(self._settings_table())
        name = self.sql(f"SELECT d.name FROM {self.qt('customer_group')} g JOIN "
                        f"{self.qt('customer_group_description')} d ON d.customer_group_id = "
                        f"g.customer_group_id AND d.language_id = :l "
                        f"WHERE g.customer_group_id = :g", l=s.language_id, g=group).first()
        if name:
            facts.append(f"customer group {group} = {name[0]}")
        else:
            problems.append(OXError(
                "OX-DB-009", supplier=self.supplier.id, setting="customer_group_id", value=group,
                detail="no such group with a name in the admin language (the admin's customer "
                       "list would not show its customers)"))
        if self.supplier.currencies:
            problems += self.currency_problems(
                [c for c, r in self._currencies(self.supplier.currencies).items() if r["enabled"]],
                f"{self.t('currency')} with status enabled")
        self.end_read()
        if problems:
            return False, " | ".join(stage_text(p) for p in problems)
        return True, "; ".join(facts)

    def customer_stage(self) -> tuple[bool, str]:
        policy, account, problem = self._policy_account()
        how = (self.match_cost(self.t("customer"), "email", "email", directory=True)
               if policy == "customer" else "")
        self.end_read()
        if problem:
            return False, stage_text(self.policy_error(policy, problem))
        if policy == "customer":
            return True, f"customers are matched {how}; new ones are created"
        if account is None:
            return True, "guest orders (customer_id 0, OpenCart's own guest checkout)"
        return True, (f"orders go to customer {account['id']} ({account['first']} "
                      f"{account['last']}, {policy})")

    def trial_write(self) -> tuple[bool, str]:
        col = self._q(self.settings.sku_column)
        product = self.sql(f"SELECT p.{col} FROM {self.qt('product')} p WHERE p.status = 1 "
                           f"AND p.{col} <> '' ORDER BY p.product_id LIMIT 1").first()
        country = self.sql(f"SELECT iso_code_2 FROM {self.qt('country')} WHERE iso_code_2 IN "
                           f":c ORDER BY iso_code_2 = 'DE' DESC LIMIT 1",
                           c=self.supplier.countries or ["DE", "AT", "CH", "GB", "US", "FR"]
                           ).first()
        currency = self.sql(f"SELECT code FROM {self.qt('currency')} WHERE status = 1 "
                            f"ORDER BY code IN :wanted DESC, value = 1 DESC LIMIT 1",
                            wanted=self.supplier.currencies or ["EUR"]).first()
        self.end_read()
        if product is None or country is None or currency is None:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs an active product with a " + self.settings.sku_column +
                       ", a country and an enabled currency for a sample order"))
        return self.sample_trial(product[0], country[0], currency[0],
                                 who=lambda r: f"customer {r.customer_id}, new")
