-- Magento Open Source 2.4 tables that orderexchange reads or writes, written by us for the tests
-- and `shop create magento` from the declarative schema of the modules (read with the search
-- tool in the magento/magento2 repository):
--   app/code/Magento/Sales/etc/db_schema.xml          (commit 043540859ed566f5e73a1a4c680bbdc1cfaef698)
--   app/code/Magento/Customer/etc/db_schema.xml       (commit 05da4bc1dc899598042daaa65c6d7e0d1898abb9)
--   app/code/Magento/Customer/etc/indexer.xml         (commit 32e0693a730030188eb5df392f69101f1292da5b;
--                                                      customer_grid_flat is made by the indexer's
--                                                      GridStructure from these fields)
--   app/code/Magento/Store/etc/db_schema.xml          (commit 1d0316d756987e4453c38bb432eee03153a7fec0)
--   app/code/Magento/Directory/etc/db_schema.xml      (commit 2fb1956dc0e7544bdd49aac6fd4d793ee76457b5)
--   app/code/Magento/SalesSequence/etc/db_schema.xml  (commit 2fb1956dc0e7544bdd49aac6fd4d793ee76457b5;
--                                                      sequence_order_<store> as its Builder makes it)
--   app/code/Magento/Catalog/etc/db_schema.xml        (commit 072903069d85cd397a04ce52c057c4b81fb686e7)
-- and, for the few rows of core_config_data, eav_attribute and cataloginventory_stock_item we
-- need, the Config, Eav and CatalogInventory modules' tables as 2.4 declares them.
-- Tables and columns the connector never touches are left out (sales_order keeps the amounts,
-- rates, customer and address columns the admin's order view and the grid indexer read); every
-- NOT NULL column without a default of the tables kept is kept, as are the indexes (the
-- exactly-once look-up relies on SALES_ORDER_EXT_ORDER_ID). Foreign keys are left out so that a
-- test may drop a table. Magento 2.4.7 declares utf8mb4 / utf8mb4_general_ci.
-- {prefix} is the installation's table prefix (none by default), {engine} the storage engine.
-- The rows at the end are what a fresh install has (websites, stores, order statuses, customer
-- groups, the sequence of store 1) plus a German shop's settings: base currency EUR, GBP and
-- CHF allowed with their rates, three products, one known customer and the distributor's own
-- customer account.

CREATE TABLE `{prefix}store_website` (
  `website_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(32) DEFAULT NULL,
  `name` varchar(64) DEFAULT NULL,
  `sort_order` smallint(5) unsigned NOT NULL DEFAULT 0,
  `default_group_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `is_default` smallint(5) unsigned DEFAULT 0,
  PRIMARY KEY (`website_id`),
  UNIQUE KEY `STORE_WEBSITE_CODE` (`code`),
  KEY `STORE_WEBSITE_SORT_ORDER` (`sort_order`),
  KEY `STORE_WEBSITE_DEFAULT_GROUP_ID` (`default_group_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}store_group` (
  `group_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `website_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `name` varchar(255) NOT NULL,
  `root_category_id` int(10) unsigned NOT NULL DEFAULT 0,
  `default_store_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `code` varchar(32) DEFAULT NULL,
  PRIMARY KEY (`group_id`),
  UNIQUE KEY `STORE_GROUP_CODE` (`code`),
  KEY `STORE_GROUP_WEBSITE_ID` (`website_id`),
  KEY `STORE_GROUP_DEFAULT_STORE_ID` (`default_store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}store` (
  `store_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `code` varchar(32) DEFAULT NULL,
  `website_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `group_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `name` varchar(255) NOT NULL,
  `sort_order` smallint(5) unsigned NOT NULL DEFAULT 0,
  `is_active` smallint(5) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`store_id`),
  UNIQUE KEY `STORE_CODE` (`code`),
  KEY `STORE_WEBSITE_ID` (`website_id`),
  KEY `STORE_IS_ACTIVE_SORT_ORDER` (`is_active`, `sort_order`),
  KEY `STORE_GROUP_ID` (`group_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}core_config_data` (
  `config_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `scope` varchar(8) NOT NULL DEFAULT 'default',
  `scope_id` int(11) NOT NULL DEFAULT 0,
  `path` varchar(255) NOT NULL DEFAULT 'general',
  `value` text DEFAULT NULL,
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (`config_id`),
  UNIQUE KEY `CORE_CONFIG_DATA_SCOPE_SCOPE_ID_PATH` (`scope`, `scope_id`, `path`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}directory_country` (
  `country_id` varchar(2) NOT NULL,
  `iso2_code` varchar(2) DEFAULT NULL,
  `iso3_code` varchar(3) DEFAULT NULL,
  PRIMARY KEY (`country_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}directory_currency_rate` (
  `currency_from` varchar(3) NOT NULL,
  `currency_to` varchar(3) NOT NULL,
  `rate` decimal(24,12) NOT NULL DEFAULT 0.000000000000,
  PRIMARY KEY (`currency_from`, `currency_to`),
  KEY `DIRECTORY_CURRENCY_RATE_CURRENCY_TO` (`currency_to`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- customers ---------------------------------------------------------------------------------
CREATE TABLE `{prefix}customer_group` (
  `customer_group_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `customer_group_code` varchar(32) NOT NULL,
  `tax_class_id` int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`customer_group_id`),
  KEY `CUSTOMER_GROUP_CUSTOMER_GROUP_CODE` (`customer_group_code`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}customer_entity` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `website_id` smallint(5) unsigned DEFAULT NULL,
  `email` varchar(255) DEFAULT NULL,
  `group_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `increment_id` varchar(50) DEFAULT NULL,
  `store_id` smallint(5) unsigned DEFAULT 0,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `is_active` smallint(5) unsigned NOT NULL DEFAULT 1,
  `disable_auto_group_change` smallint(5) unsigned NOT NULL DEFAULT 0,
  `created_in` varchar(255) DEFAULT NULL,
  `prefix` varchar(40) DEFAULT NULL,
  `firstname` varchar(255) DEFAULT NULL,
  `middlename` varchar(255) DEFAULT NULL,
  `lastname` varchar(255) DEFAULT NULL,
  `suffix` varchar(40) DEFAULT NULL,
  `dob` date DEFAULT NULL,
  `password_hash` varchar(128) DEFAULT NULL,
  `rp_token` varchar(128) DEFAULT NULL,
  `rp_token_created_at` datetime DEFAULT NULL,
  `default_billing` int(10) unsigned DEFAULT NULL,
  `default_shipping` int(10) unsigned DEFAULT NULL,
  `taxvat` varchar(50) DEFAULT NULL,
  `confirmation` varchar(64) DEFAULT NULL,
  `gender` smallint(5) unsigned DEFAULT NULL,
  `failures_num` smallint(6) DEFAULT 0,
  `first_failure` timestamp NULL DEFAULT NULL,
  `lock_expires` timestamp NULL DEFAULT NULL,
  `session_cutoff` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  UNIQUE KEY `CUSTOMER_ENTITY_EMAIL_WEBSITE_ID` (`email`, `website_id`),
  KEY `CUSTOMER_ENTITY_STORE_ID` (`store_id`),
  KEY `CUSTOMER_ENTITY_WEBSITE_ID` (`website_id`),
  KEY `CUSTOMER_ENTITY_FIRSTNAME` (`firstname`),
  KEY `CUSTOMER_ENTITY_LASTNAME` (`lastname`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}customer_address_entity` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `increment_id` varchar(50) DEFAULT NULL,
  `parent_id` int(10) unsigned DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `is_active` smallint(5) unsigned NOT NULL DEFAULT 1,
  `city` varchar(255) NOT NULL,
  `company` varchar(255) DEFAULT NULL,
  `country_id` varchar(255) NOT NULL,
  `fax` varchar(255) DEFAULT NULL,
  `firstname` varchar(255) NOT NULL,
  `lastname` varchar(255) NOT NULL,
  `middlename` varchar(255) DEFAULT NULL,
  `postcode` varchar(255) DEFAULT NULL,
  `prefix` varchar(40) DEFAULT NULL,
  `region` varchar(255) DEFAULT NULL,
  `region_id` int(10) unsigned DEFAULT NULL,
  `street` text NOT NULL,
  `suffix` varchar(40) DEFAULT NULL,
  `telephone` varchar(255) NOT NULL,
  `vat_id` varchar(255) DEFAULT NULL,
  `vat_is_valid` int(10) unsigned DEFAULT NULL,
  `vat_request_date` varchar(255) DEFAULT NULL,
  `vat_request_id` varchar(255) DEFAULT NULL,
  `vat_request_success` int(10) unsigned DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  KEY `CUSTOMER_ADDRESS_ENTITY_PARENT_ID` (`parent_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- the admin's customer list reads only this table (the customer_grid indexer's table)
CREATE TABLE `{prefix}customer_grid_flat` (
  `entity_id` int(10) unsigned NOT NULL,
  `name` text DEFAULT NULL,
  `email` varchar(255) DEFAULT NULL,
  `group_id` int(11) DEFAULT NULL,
  `created_at` timestamp NULL DEFAULT NULL,
  `website_id` int(11) DEFAULT NULL,
  `confirmation` varchar(255) DEFAULT NULL,
  `created_in` text DEFAULT NULL,
  `dob` date DEFAULT NULL,
  `gender` int(11) DEFAULT NULL,
  `taxvat` varchar(255) DEFAULT NULL,
  `lock_expires` timestamp NULL DEFAULT NULL,
  `shipping_full` text DEFAULT NULL,
  `billing_full` text DEFAULT NULL,
  `billing_firstname` varchar(255) DEFAULT NULL,
  `billing_lastname` varchar(255) DEFAULT NULL,
  `billing_telephone` varchar(255) DEFAULT NULL,
  `billing_postcode` varchar(255) DEFAULT NULL,
  `billing_country_id` varchar(255) DEFAULT NULL,
  `billing_region` varchar(255) DEFAULT NULL,
  `billing_street` varchar(255) DEFAULT NULL,
  `billing_city` varchar(255) DEFAULT NULL,
  `billing_fax` varchar(255) DEFAULT NULL,
  `billing_vat_id` varchar(255) DEFAULT NULL,
  `billing_company` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  KEY `CUSTOMER_GRID_FLAT_GROUP_ID` (`group_id`),
  KEY `CUSTOMER_GRID_FLAT_CREATED_AT` (`created_at`),
  KEY `CUSTOMER_GRID_FLAT_WEBSITE_ID` (`website_id`),
  KEY `CUSTOMER_GRID_FLAT_CONFIRMATION` (`confirmation`),
  KEY `CUSTOMER_GRID_FLAT_DOB` (`dob`),
  KEY `CUSTOMER_GRID_FLAT_GENDER` (`gender`),
  KEY `CUSTOMER_GRID_FLAT_BILLING_COUNTRY_ID` (`billing_country_id`),
  FULLTEXT KEY `FTI_8746F705702DD5F6D45B8C7CE7FE9F2F` (`name`, `email`, `created_in`, `taxvat`,
    `shipping_full`, `billing_full`, `billing_firstname`, `billing_lastname`,
    `billing_telephone`, `billing_postcode`, `billing_region`, `billing_city`, `billing_fax`,
    `billing_company`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- catalog: the product's SKU in the entity table, name / status / price as EAV values ----------
CREATE TABLE `{prefix}eav_entity_type` (
  `entity_type_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `entity_type_code` varchar(50) NOT NULL,
  `entity_table` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`entity_type_id`),
  KEY `EAV_ENTITY_TYPE_ENTITY_TYPE_CODE` (`entity_type_code`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}eav_attribute` (
  `attribute_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `entity_type_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `attribute_code` varchar(255) NOT NULL,
  `backend_type` varchar(8) NOT NULL DEFAULT 'static',
  `frontend_label` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`attribute_id`),
  UNIQUE KEY `EAV_ATTRIBUTE_ENTITY_TYPE_ID_ATTRIBUTE_CODE` (`entity_type_id`, `attribute_code`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}catalog_product_entity` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `attribute_set_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `type_id` varchar(32) NOT NULL DEFAULT 'simple',
  `sku` varchar(64) DEFAULT NULL,
  `has_options` smallint(6) NOT NULL DEFAULT 0,
  `required_options` smallint(5) unsigned NOT NULL DEFAULT 0,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (`entity_id`),
  KEY `CATALOG_PRODUCT_ENTITY_ATTRIBUTE_SET_ID` (`attribute_set_id`),
  KEY `CATALOG_PRODUCT_ENTITY_SKU` (`sku`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}catalog_product_entity_varchar` (
  `value_id` int(11) NOT NULL AUTO_INCREMENT,
  `attribute_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `store_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `entity_id` int(10) unsigned NOT NULL DEFAULT 0,
  `value` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`value_id`),
  UNIQUE KEY `CATALOG_PRODUCT_ENTITY_VARCHAR_ENTITY_ID_ATTRIBUTE_ID_STORE_ID` (`entity_id`, `attribute_id`, `store_id`),
  KEY `CATALOG_PRODUCT_ENTITY_VARCHAR_ATTRIBUTE_ID` (`attribute_id`),
  KEY `CATALOG_PRODUCT_ENTITY_VARCHAR_STORE_ID` (`store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}catalog_product_entity_int` (
  `value_id` int(11) NOT NULL AUTO_INCREMENT,
  `attribute_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `store_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `entity_id` int(10) unsigned NOT NULL DEFAULT 0,
  `value` int(11) DEFAULT NULL,
  PRIMARY KEY (`value_id`),
  UNIQUE KEY `CATALOG_PRODUCT_ENTITY_INT_ENTITY_ID_ATTRIBUTE_ID_STORE_ID` (`entity_id`, `attribute_id`, `store_id`),
  KEY `CATALOG_PRODUCT_ENTITY_INT_ATTRIBUTE_ID` (`attribute_id`),
  KEY `CATALOG_PRODUCT_ENTITY_INT_STORE_ID` (`store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}catalog_product_entity_decimal` (
  `value_id` int(11) NOT NULL AUTO_INCREMENT,
  `attribute_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `store_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `entity_id` int(10) unsigned NOT NULL DEFAULT 0,
  `value` decimal(20,6) DEFAULT NULL,
  PRIMARY KEY (`value_id`),
  UNIQUE KEY `CATALOG_PRODUCT_ENTITY_DECIMAL_ENTITY_ID_ATTRIBUTE_ID_STORE_ID` (`entity_id`, `attribute_id`, `store_id`),
  KEY `CATALOG_PRODUCT_ENTITY_DECIMAL_STORE_ID` (`store_id`),
  KEY `CATALOG_PRODUCT_ENTITY_DECIMAL_ATTRIBUTE_ID` (`attribute_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}cataloginventory_stock_item` (
  `item_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `product_id` int(10) unsigned NOT NULL DEFAULT 0,
  `stock_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  `qty` decimal(12,4) DEFAULT NULL,
  `use_config_manage_stock` smallint(5) unsigned NOT NULL DEFAULT 1,
  `manage_stock` smallint(5) unsigned NOT NULL DEFAULT 0,
  `is_in_stock` smallint(5) unsigned NOT NULL DEFAULT 0,
  `website_id` smallint(5) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`item_id`),
  UNIQUE KEY `CATALOGINVENTORY_STOCK_ITEM_PRODUCT_ID_STOCK_ID` (`product_id`, `stock_id`),
  KEY `CATALOGINVENTORY_STOCK_ITEM_WEBSITE_ID` (`website_id`),
  KEY `CATALOGINVENTORY_STOCK_ITEM_STOCK_ID` (`stock_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- increment ids: one sequence table per store and entity type (SalesSequence) ----------------
CREATE TABLE `{prefix}sales_sequence_meta` (
  `meta_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `entity_type` varchar(32) NOT NULL,
  `store_id` smallint(5) unsigned NOT NULL,
  `sequence_table` varchar(64) NOT NULL,
  PRIMARY KEY (`meta_id`),
  UNIQUE KEY `SALES_SEQUENCE_META_ENTITY_TYPE_STORE_ID` (`entity_type`, `store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_sequence_profile` (
  `profile_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `meta_id` int(10) unsigned NOT NULL,
  `prefix` varchar(32) DEFAULT NULL,
  `suffix` varchar(32) DEFAULT NULL,
  `start_value` int(10) unsigned NOT NULL DEFAULT 1,
  `step` int(10) unsigned NOT NULL DEFAULT 1,
  `max_value` int(10) unsigned NOT NULL,
  `warning_value` int(10) unsigned NOT NULL,
  `is_active` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`profile_id`),
  UNIQUE KEY `SALES_SEQUENCE_PROFILE_META_ID_PREFIX_SUFFIX` (`meta_id`, `prefix`, `suffix`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sequence_order_0` (
  `sequence_value` int(10) unsigned NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`sequence_value`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sequence_order_1` (
  `sequence_value` int(10) unsigned NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`sequence_value`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- orders --------------------------------------------------------------------------------------
CREATE TABLE `{prefix}sales_order_status` (
  `status` varchar(32) NOT NULL,
  `label` varchar(128) NOT NULL,
  PRIMARY KEY (`status`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_status_state` (
  `status` varchar(32) NOT NULL,
  `state` varchar(32) NOT NULL,
  `is_default` smallint(5) unsigned NOT NULL DEFAULT 0,
  `visible_on_front` smallint(5) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`status`, `state`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_status_label` (
  `status` varchar(32) NOT NULL,
  `store_id` smallint(5) unsigned NOT NULL,
  `label` varchar(128) NOT NULL,
  PRIMARY KEY (`status`, `store_id`),
  KEY `SALES_ORDER_STATUS_LABEL_STORE_ID` (`store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `state` varchar(32) DEFAULT NULL,
  `status` varchar(32) DEFAULT NULL,
  `coupon_code` varchar(255) DEFAULT NULL,
  `protect_code` varchar(255) DEFAULT NULL,
  `shipping_description` varchar(255) DEFAULT NULL,
  `is_virtual` smallint(5) unsigned DEFAULT NULL,
  `store_id` smallint(5) unsigned DEFAULT NULL,
  `customer_id` int(10) unsigned DEFAULT NULL,
  `base_discount_amount` decimal(20,4) DEFAULT NULL,
  `base_discount_canceled` decimal(20,4) DEFAULT NULL,
  `base_grand_total` decimal(20,4) DEFAULT NULL,
  `base_shipping_amount` decimal(20,4) DEFAULT NULL,
  `base_shipping_canceled` decimal(20,4) DEFAULT NULL,
  `base_shipping_tax_amount` decimal(20,4) DEFAULT NULL,
  `base_subtotal` decimal(20,4) DEFAULT NULL,
  `base_subtotal_canceled` decimal(20,4) DEFAULT NULL,
  `base_tax_amount` decimal(20,4) DEFAULT NULL,
  `base_tax_canceled` decimal(20,4) DEFAULT NULL,
  `base_to_global_rate` decimal(20,4) DEFAULT NULL,
  `base_to_order_rate` decimal(20,4) DEFAULT NULL,
  `base_total_canceled` decimal(20,4) DEFAULT NULL,
  `base_total_invoiced` decimal(20,4) DEFAULT NULL,
  `base_total_paid` decimal(20,4) DEFAULT NULL,
  `base_total_qty_ordered` decimal(12,4) DEFAULT NULL,
  `base_total_refunded` decimal(20,4) DEFAULT NULL,
  `discount_amount` decimal(20,4) DEFAULT NULL,
  `discount_canceled` decimal(20,4) DEFAULT NULL,
  `grand_total` decimal(20,4) DEFAULT NULL,
  `shipping_amount` decimal(20,4) DEFAULT NULL,
  `shipping_canceled` decimal(20,4) DEFAULT NULL,
  `shipping_tax_amount` decimal(20,4) DEFAULT NULL,
  `store_to_base_rate` decimal(12,4) DEFAULT NULL,
  `store_to_order_rate` decimal(12,4) DEFAULT NULL,
  `subtotal` decimal(20,4) DEFAULT NULL,
  `subtotal_canceled` decimal(20,4) DEFAULT NULL,
  `tax_amount` decimal(20,4) DEFAULT NULL,
  `tax_canceled` decimal(20,4) DEFAULT NULL,
  `total_canceled` decimal(20,4) DEFAULT NULL,
  `total_invoiced` decimal(20,4) DEFAULT NULL,
  `total_paid` decimal(20,4) DEFAULT NULL,
  `total_qty_ordered` decimal(12,4) DEFAULT NULL,
  `total_refunded` decimal(20,4) DEFAULT NULL,
  `can_ship_partially` smallint(5) unsigned DEFAULT NULL,
  `can_ship_partially_item` smallint(5) unsigned DEFAULT NULL,
  `customer_is_guest` smallint(5) unsigned DEFAULT NULL,
  `customer_note_notify` smallint(5) unsigned DEFAULT NULL,
  `billing_address_id` int(11) DEFAULT NULL,
  `customer_group_id` int(11) DEFAULT NULL,
  `edit_increment` int(11) DEFAULT NULL,
  `email_sent` smallint(6) DEFAULT NULL,
  `send_email` smallint(5) unsigned DEFAULT NULL,
  `forced_shipment_with_invoice` smallint(5) unsigned DEFAULT NULL,
  `quote_address_id` int(11) DEFAULT NULL,
  `quote_id` int(11) DEFAULT NULL,
  `shipping_address_id` int(11) DEFAULT NULL,
  `base_shipping_discount_amount` decimal(20,4) DEFAULT NULL,
  `base_subtotal_incl_tax` decimal(20,4) DEFAULT NULL,
  `base_total_due` decimal(20,4) DEFAULT NULL,
  `shipping_discount_amount` decimal(20,4) DEFAULT NULL,
  `subtotal_incl_tax` decimal(20,4) DEFAULT NULL,
  `total_due` decimal(20,4) DEFAULT NULL,
  `weight` decimal(12,4) DEFAULT NULL,
  `customer_dob` datetime DEFAULT NULL,
  `increment_id` varchar(50) DEFAULT NULL,
  `applied_rule_ids` varchar(128) DEFAULT NULL,
  `base_currency_code` varchar(3) DEFAULT NULL,
  `customer_email` varchar(128) DEFAULT NULL,
  `customer_firstname` varchar(128) DEFAULT NULL,
  `customer_lastname` varchar(128) DEFAULT NULL,
  `customer_middlename` varchar(128) DEFAULT NULL,
  `customer_prefix` varchar(32) DEFAULT NULL,
  `customer_suffix` varchar(32) DEFAULT NULL,
  `customer_taxvat` varchar(32) DEFAULT NULL,
  `discount_description` varchar(255) DEFAULT NULL,
  `ext_customer_id` varchar(32) DEFAULT NULL,
  `ext_order_id` varchar(32) DEFAULT NULL,
  `global_currency_code` varchar(3) DEFAULT NULL,
  `hold_before_state` varchar(32) DEFAULT NULL,
  `hold_before_status` varchar(32) DEFAULT NULL,
  `order_currency_code` varchar(3) DEFAULT NULL,
  `original_increment_id` varchar(50) DEFAULT NULL,
  `relation_child_id` varchar(32) DEFAULT NULL,
  `relation_child_real_id` varchar(32) DEFAULT NULL,
  `relation_parent_id` varchar(32) DEFAULT NULL,
  `relation_parent_real_id` varchar(32) DEFAULT NULL,
  `remote_ip` varchar(45) DEFAULT NULL,
  `shipping_method` varchar(120) DEFAULT NULL,
  `store_currency_code` varchar(3) DEFAULT NULL,
  `store_name` varchar(255) DEFAULT NULL,
  `x_forwarded_for` varchar(255) DEFAULT NULL,
  `customer_note` text DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `total_item_count` smallint(5) unsigned NOT NULL DEFAULT 0,
  `customer_gender` int(11) DEFAULT NULL,
  `discount_tax_compensation_amount` decimal(20,4) DEFAULT NULL,
  `base_discount_tax_compensation_amount` decimal(20,4) DEFAULT NULL,
  `shipping_discount_tax_compensation_amount` decimal(20,4) DEFAULT NULL,
  `base_shipping_discount_tax_compensation_amnt` decimal(20,4) DEFAULT NULL,
  `shipping_incl_tax` decimal(20,4) DEFAULT NULL,
  `base_shipping_incl_tax` decimal(20,4) DEFAULT NULL,
  `coupon_rule_name` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  UNIQUE KEY `SALES_ORDER_INCREMENT_ID_STORE_ID` (`increment_id`, `store_id`),
  KEY `SALES_ORDER_STATUS` (`status`),
  KEY `SALES_ORDER_STATE` (`state`),
  KEY `SALES_ORDER_STORE_ID` (`store_id`),
  KEY `SALES_ORDER_CREATED_AT` (`created_at`),
  KEY `SALES_ORDER_CUSTOMER_ID` (`customer_id`),
  KEY `SALES_ORDER_EXT_ORDER_ID` (`ext_order_id`),
  KEY `SALES_ORDER_QUOTE_ID` (`quote_id`),
  KEY `SALES_ORDER_UPDATED_AT` (`updated_at`),
  KEY `SALES_ORDER_SEND_EMAIL` (`send_email`),
  KEY `SALES_ORDER_EMAIL_SENT` (`email_sent`),
  KEY `SALES_ORDER_STORE_STATE_CREATED` (`store_id`, `state`, `created_at`),
  KEY `SALES_ORDER_CUSTOMER_EMAIL_CUSTOMER_IS_GUEST_STORE_ID` (`customer_email`, `customer_is_guest`, `store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- the admin's order list (ui_component sales_order_grid) reads only this table
CREATE TABLE `{prefix}sales_order_grid` (
  `entity_id` int(10) unsigned NOT NULL,
  `status` varchar(32) DEFAULT NULL,
  `store_id` smallint(5) unsigned DEFAULT NULL,
  `store_name` varchar(255) DEFAULT NULL,
  `customer_id` int(10) unsigned DEFAULT NULL,
  `base_grand_total` decimal(20,4) DEFAULT NULL,
  `base_total_paid` decimal(20,4) DEFAULT NULL,
  `grand_total` decimal(20,4) DEFAULT NULL,
  `total_paid` decimal(20,4) DEFAULT NULL,
  `increment_id` varchar(50) DEFAULT NULL,
  `base_currency_code` varchar(3) DEFAULT NULL,
  `order_currency_code` varchar(255) DEFAULT NULL,
  `shipping_name` varchar(255) DEFAULT NULL,
  `billing_name` varchar(255) DEFAULT NULL,
  `created_at` timestamp NULL DEFAULT NULL,
  `updated_at` timestamp NULL DEFAULT NULL,
  `billing_address` varchar(255) DEFAULT NULL,
  `shipping_address` varchar(255) DEFAULT NULL,
  `shipping_information` varchar(255) DEFAULT NULL,
  `customer_email` varchar(255) DEFAULT NULL,
  `customer_group` varchar(255) DEFAULT NULL,
  `subtotal` decimal(20,4) DEFAULT NULL,
  `shipping_and_handling` decimal(20,4) DEFAULT NULL,
  `customer_name` varchar(255) DEFAULT NULL,
  `payment_method` varchar(255) DEFAULT NULL,
  `total_refunded` decimal(20,4) DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  UNIQUE KEY `SALES_ORDER_GRID_INCREMENT_ID_STORE_ID` (`increment_id`, `store_id`),
  KEY `SALES_ORDER_GRID_STATUS` (`status`),
  KEY `SALES_ORDER_GRID_STORE_ID` (`store_id`),
  KEY `SALES_ORDER_GRID_BASE_GRAND_TOTAL` (`base_grand_total`),
  KEY `SALES_ORDER_GRID_BASE_TOTAL_PAID` (`base_total_paid`),
  KEY `SALES_ORDER_GRID_GRAND_TOTAL` (`grand_total`),
  KEY `SALES_ORDER_GRID_TOTAL_PAID` (`total_paid`),
  KEY `SALES_ORDER_GRID_SHIPPING_NAME` (`shipping_name`),
  KEY `SALES_ORDER_GRID_BILLING_NAME` (`billing_name`),
  KEY `SALES_ORDER_GRID_CREATED_AT` (`created_at`),
  KEY `SALES_ORDER_GRID_CUSTOMER_ID` (`customer_id`),
  KEY `SALES_ORDER_GRID_UPDATED_AT` (`updated_at`),
  FULLTEXT KEY `FTI_65B9E9925EC58F0C7C2E2F6379C233E7` (`increment_id`, `billing_name`, `shipping_name`, `shipping_address`, `billing_address`, `customer_name`, `customer_email`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_address` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `parent_id` int(10) unsigned DEFAULT NULL,
  `customer_address_id` int(11) DEFAULT NULL,
  `quote_address_id` int(11) DEFAULT NULL,
  `region_id` int(11) DEFAULT NULL,
  `customer_id` int(11) DEFAULT NULL,
  `fax` varchar(255) DEFAULT NULL,
  `region` varchar(255) DEFAULT NULL,
  `postcode` varchar(255) DEFAULT NULL,
  `lastname` varchar(255) DEFAULT NULL,
  `street` varchar(255) DEFAULT NULL,
  `city` varchar(255) DEFAULT NULL,
  `email` varchar(255) DEFAULT NULL,
  `telephone` varchar(255) DEFAULT NULL,
  `country_id` varchar(2) DEFAULT NULL,
  `firstname` varchar(255) DEFAULT NULL,
  `address_type` varchar(255) DEFAULT NULL,
  `prefix` varchar(255) DEFAULT NULL,
  `middlename` varchar(255) DEFAULT NULL,
  `suffix` varchar(255) DEFAULT NULL,
  `company` varchar(255) DEFAULT NULL,
  `vat_id` text DEFAULT NULL,
  `vat_is_valid` smallint(6) DEFAULT NULL,
  `vat_request_id` text DEFAULT NULL,
  `vat_request_date` text DEFAULT NULL,
  `vat_request_success` smallint(6) DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  KEY `SALES_ORDER_ADDRESS_PARENT_ID` (`parent_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_status_history` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `parent_id` int(10) unsigned NOT NULL,
  `is_customer_notified` int(11) DEFAULT NULL,
  `is_visible_on_front` smallint(5) unsigned NOT NULL DEFAULT 0,
  `comment` text DEFAULT NULL,
  `status` varchar(32) DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `entity_name` varchar(32) DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  KEY `SALES_ORDER_STATUS_HISTORY_PARENT_ID` (`parent_id`),
  KEY `SALES_ORDER_STATUS_HISTORY_CREATED_AT` (`created_at`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_item` (
  `item_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `order_id` int(10) unsigned NOT NULL DEFAULT 0,
  `parent_item_id` int(10) unsigned DEFAULT NULL,
  `quote_item_id` int(10) unsigned DEFAULT NULL,
  `store_id` smallint(5) unsigned DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `product_id` int(10) unsigned DEFAULT NULL,
  `product_type` varchar(255) DEFAULT NULL,
  `product_options` longtext DEFAULT NULL,
  `weight` decimal(12,4) DEFAULT 0.0000,
  `is_virtual` smallint(5) unsigned DEFAULT NULL,
  `sku` varchar(255) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `description` text DEFAULT NULL,
  `applied_rule_ids` text DEFAULT NULL,
  `additional_data` text DEFAULT NULL,
  `is_qty_decimal` smallint(5) unsigned DEFAULT NULL,
  `no_discount` smallint(5) unsigned NOT NULL DEFAULT 0,
  `qty_backordered` decimal(12,4) DEFAULT 0.0000,
  `qty_canceled` decimal(12,4) DEFAULT 0.0000,
  `qty_invoiced` decimal(12,4) DEFAULT 0.0000,
  `qty_ordered` decimal(12,4) DEFAULT 0.0000,
  `qty_refunded` decimal(12,4) DEFAULT 0.0000,
  `qty_shipped` decimal(12,4) DEFAULT 0.0000,
  `base_cost` decimal(12,4) DEFAULT 0.0000,
  `price` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `base_price` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `original_price` decimal(20,4) DEFAULT NULL,
  `base_original_price` decimal(20,4) DEFAULT NULL,
  `tax_percent` decimal(12,4) DEFAULT 0.0000,
  `tax_amount` decimal(20,4) DEFAULT 0.0000,
  `base_tax_amount` decimal(20,4) DEFAULT 0.0000,
  `tax_invoiced` decimal(20,4) DEFAULT 0.0000,
  `base_tax_invoiced` decimal(20,4) DEFAULT 0.0000,
  `discount_percent` decimal(12,4) DEFAULT 0.0000,
  `discount_amount` decimal(20,4) DEFAULT 0.0000,
  `base_discount_amount` decimal(20,4) DEFAULT 0.0000,
  `discount_invoiced` decimal(20,4) DEFAULT 0.0000,
  `base_discount_invoiced` decimal(20,4) DEFAULT 0.0000,
  `amount_refunded` decimal(20,4) DEFAULT 0.0000,
  `base_amount_refunded` decimal(20,4) DEFAULT 0.0000,
  `row_total` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `base_row_total` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `row_invoiced` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `base_row_invoiced` decimal(20,4) NOT NULL DEFAULT 0.0000,
  `row_weight` decimal(12,4) DEFAULT 0.0000,
  `base_tax_before_discount` decimal(20,4) DEFAULT NULL,
  `tax_before_discount` decimal(20,4) DEFAULT NULL,
  `ext_order_item_id` varchar(255) DEFAULT NULL,
  `locked_do_invoice` smallint(5) unsigned DEFAULT NULL,
  `locked_do_ship` smallint(5) unsigned DEFAULT NULL,
  `price_incl_tax` decimal(20,4) DEFAULT NULL,
  `base_price_incl_tax` decimal(20,4) DEFAULT NULL,
  `row_total_incl_tax` decimal(20,4) DEFAULT NULL,
  `base_row_total_incl_tax` decimal(20,4) DEFAULT NULL,
  `discount_tax_compensation_amount` decimal(20,4) DEFAULT NULL,
  `base_discount_tax_compensation_amount` decimal(20,4) DEFAULT NULL,
  `tax_canceled` decimal(12,4) DEFAULT NULL,
  `tax_refunded` decimal(20,4) DEFAULT NULL,
  `base_tax_refunded` decimal(20,4) DEFAULT NULL,
  `discount_refunded` decimal(20,4) DEFAULT NULL,
  `base_discount_refunded` decimal(20,4) DEFAULT NULL,
  PRIMARY KEY (`item_id`),
  KEY `SALES_ORDER_ITEM_ORDER_ID` (`order_id`),
  KEY `SALES_ORDER_ITEM_STORE_ID` (`store_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_payment` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `parent_id` int(10) unsigned NOT NULL,
  `base_shipping_captured` decimal(20,4) DEFAULT NULL,
  `shipping_captured` decimal(20,4) DEFAULT NULL,
  `amount_refunded` decimal(20,4) DEFAULT NULL,
  `base_amount_paid` decimal(20,4) DEFAULT NULL,
  `amount_canceled` decimal(20,4) DEFAULT NULL,
  `base_amount_authorized` decimal(20,4) DEFAULT NULL,
  `base_shipping_amount` decimal(20,4) DEFAULT NULL,
  `shipping_amount` decimal(20,4) DEFAULT NULL,
  `amount_paid` decimal(20,4) DEFAULT NULL,
  `amount_authorized` decimal(20,4) DEFAULT NULL,
  `base_amount_ordered` decimal(20,4) DEFAULT NULL,
  `amount_ordered` decimal(20,4) DEFAULT NULL,
  `base_amount_canceled` decimal(20,4) DEFAULT NULL,
  `quote_payment_id` int(11) DEFAULT NULL,
  `additional_data` text DEFAULT NULL,
  `method` varchar(128) DEFAULT NULL,
  `last_trans_id` varchar(255) DEFAULT NULL,
  `po_number` varchar(32) DEFAULT NULL,
  `additional_information` text DEFAULT NULL,
  PRIMARY KEY (`entity_id`),
  KEY `SALES_ORDER_PAYMENT_PARENT_ID` (`parent_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_tax` (
  `tax_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `order_id` int(10) unsigned NOT NULL,
  `code` varchar(255) DEFAULT NULL,
  `title` varchar(255) DEFAULT NULL,
  `percent` decimal(12,4) DEFAULT NULL,
  `amount` decimal(20,4) DEFAULT NULL,
  `priority` int(11) NOT NULL,
  `position` int(11) NOT NULL,
  `base_amount` decimal(20,4) DEFAULT NULL,
  `process` smallint(6) NOT NULL,
  `base_real_amount` decimal(20,4) DEFAULT NULL,
  PRIMARY KEY (`tax_id`),
  KEY `SALES_ORDER_TAX_ORDER_ID_PRIORITY_POSITION` (`order_id`, `priority`, `position`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_order_tax_item` (
  `tax_item_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `tax_id` int(10) unsigned NOT NULL,
  `item_id` int(10) unsigned DEFAULT NULL,
  `tax_percent` decimal(12,4) NOT NULL,
  `amount` decimal(20,4) NOT NULL,
  `base_amount` decimal(20,4) NOT NULL,
  `real_amount` decimal(20,4) NOT NULL,
  `real_base_amount` decimal(20,4) NOT NULL,
  `associated_item_id` int(10) unsigned DEFAULT NULL,
  `taxable_item_type` varchar(32) NOT NULL,
  PRIMARY KEY (`tax_item_id`),
  UNIQUE KEY `SALES_ORDER_TAX_ITEM_TAX_ID_ITEM_ID` (`tax_id`, `item_id`),
  KEY `SALES_ORDER_TAX_ITEM_ITEM_ID` (`item_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- shipments and their tracking numbers (the supplier's side; read back) ------------------------
CREATE TABLE `{prefix}sales_shipment` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `store_id` smallint(5) unsigned DEFAULT NULL,
  `total_qty` decimal(12,4) DEFAULT NULL,
  `order_id` int(10) unsigned NOT NULL,
  `customer_id` int(11) DEFAULT NULL,
  `shipping_address_id` int(11) DEFAULT NULL,
  `billing_address_id` int(11) DEFAULT NULL,
  `increment_id` varchar(50) DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (`entity_id`),
  UNIQUE KEY `SALES_SHIPMENT_INCREMENT_ID_STORE_ID` (`increment_id`, `store_id`),
  KEY `SALES_SHIPMENT_STORE_ID` (`store_id`),
  KEY `SALES_SHIPMENT_ORDER_ID` (`order_id`),
  KEY `SALES_SHIPMENT_CREATED_AT` (`created_at`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}sales_shipment_track` (
  `entity_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `parent_id` int(10) unsigned NOT NULL,
  `weight` decimal(12,4) DEFAULT NULL,
  `qty` decimal(12,4) DEFAULT NULL,
  `order_id` int(10) unsigned NOT NULL,
  `track_number` text DEFAULT NULL,
  `description` text DEFAULT NULL,
  `title` varchar(255) DEFAULT NULL,
  `carrier_code` varchar(32) DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (`entity_id`),
  KEY `SALES_SHIPMENT_TRACK_PARENT_ID` (`parent_id`),
  KEY `SALES_SHIPMENT_TRACK_ORDER_ID` (`order_id`),
  KEY `SALES_SHIPMENT_TRACK_CREATED_AT` (`created_at`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Magento's installer inserts the ids 0 (admin website, store, group; NOT LOGGED IN) with
-- NO_AUTO_VALUE_ON_ZERO, as its setup connection does
SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'NO_AUTO_VALUE_ON_ZERO',
  CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO'));

-- a fresh install: the admin website/store 0 and the main website, its store group and store 1
INSERT INTO `{prefix}store_website` (`website_id`, `code`, `name`, `sort_order`, `default_group_id`, `is_default`) VALUES
  (0, 'admin', 'Admin', 0, 0, 0), (1, 'base', 'Main Website', 0, 1, 1);
INSERT INTO `{prefix}store_group` (`group_id`, `website_id`, `name`, `root_category_id`, `default_store_id`, `code`) VALUES
  (0, 0, 'Default', 0, 0, 'default'), (1, 1, 'Main Website Store', 2, 1, 'main_website_store');
INSERT INTO `{prefix}store` (`store_id`, `code`, `website_id`, `group_id`, `name`, `sort_order`, `is_active`) VALUES
  (0, 'admin', 0, 0, 'Admin', 0, 1), (1, 'default', 1, 1, 'Default Store View', 0, 1);

-- a German shop's settings: EUR base and display currency, GBP and CHF allowed too -------------
INSERT INTO `{prefix}core_config_data` (`scope`, `scope_id`, `path`, `value`) VALUES
  ('default', 0, 'currency/options/base', 'EUR'),
  ('default', 0, 'currency/options/default', 'EUR'),
  ('default', 0, 'currency/options/allow', 'EUR,GBP,CHF'),
  ('default', 0, 'general/country/default', 'DE'),
  ('default', 0, 'general/country/allow', 'AT,BE,CH,DE,DK,ES,FI,FR,GB,IE,IT,LU,NL,PL,PT,SE'),
  ('default', 0, 'dev/grid/async_indexing', '0');
INSERT INTO `{prefix}directory_currency_rate` (`currency_from`, `currency_to`, `rate`) VALUES
  ('EUR', 'EUR', 1.000000000000), ('EUR', 'GBP', 0.856500000000), ('EUR', 'CHF', 0.941200000000);
INSERT INTO `{prefix}directory_country` (`country_id`, `iso2_code`, `iso3_code`) VALUES
  ('AT', 'AT', 'AUT'), ('BE', 'BE', 'BEL'), ('CH', 'CH', 'CHE'), ('DE', 'DE', 'DEU'),
  ('DK', 'DK', 'DNK'), ('ES', 'ES', 'ESP'), ('FI', 'FI', 'FIN'), ('FR', 'FR', 'FRA'),
  ('GB', 'GB', 'GBR'), ('IE', 'IE', 'IRL'), ('IT', 'IT', 'ITA'), ('LU', 'LU', 'LUX'),
  ('NL', 'NL', 'NLD'), ('PL', 'PL', 'POL'), ('PT', 'PT', 'PRT'), ('SE', 'SE', 'SWE'),
  ('US', 'US', 'USA');

-- the customer groups and order statuses Magento installs ---------------------------------------
INSERT INTO `{prefix}customer_group` (`customer_group_id`, `customer_group_code`, `tax_class_id`) VALUES
  (0, 'NOT LOGGED IN', 3), (1, 'General', 3), (2, 'Wholesale', 3), (3, 'Retailer', 3);
INSERT INTO `{prefix}sales_order_status` (`status`, `label`) VALUES
  ('canceled', 'Canceled'), ('closed', 'Closed'), ('complete', 'Complete'),
  ('fraud', 'Suspected Fraud'), ('holded', 'On Hold'), ('payment_review', 'Payment Review'),
  ('pending', 'Pending'), ('pending_payment', 'Pending Payment'), ('processing', 'Processing');
INSERT INTO `{prefix}sales_order_status_state` (`status`, `state`, `is_default`, `visible_on_front`) VALUES
  ('canceled', 'canceled', 1, 1), ('closed', 'closed', 1, 1), ('complete', 'complete', 1, 1),
  ('fraud', 'payment_review', 0, 1), ('fraud', 'processing', 0, 1), ('holded', 'holded', 1, 1),
  ('payment_review', 'payment_review', 1, 1), ('pending', 'new', 1, 1),
  ('pending_payment', 'pending_payment', 1, 0), ('processing', 'processing', 1, 1);

-- the order numbers of store 1: 000000001, 000000002, … (no prefix) ----------------------------
INSERT INTO `{prefix}sales_sequence_meta` (`meta_id`, `entity_type`, `store_id`, `sequence_table`) VALUES
  (1, 'order', 0, '{prefix}sequence_order_0'), (2, 'order', 1, '{prefix}sequence_order_1');
INSERT INTO `{prefix}sales_sequence_profile` (`meta_id`, `prefix`, `suffix`, `start_value`, `step`, `max_value`, `warning_value`, `is_active`) VALUES
  (1, NULL, NULL, 1, 1, 4294967295, 4294966295, 1), (2, NULL, NULL, 1, 1, 4294967295, 4294966295, 1);

-- products: A-100 and A-200 enabled and in stock, A-300 disabled (status 2) --------------------
INSERT INTO `{prefix}eav_entity_type` (`entity_type_id`, `entity_type_code`, `entity_table`) VALUES
  (1, 'customer', 'customer_entity'), (2, 'customer_address', 'customer_address_entity'),
  (3, 'catalog_category', 'catalog_category_entity'), (4, 'catalog_product', 'catalog_product_entity');
INSERT INTO `{prefix}eav_attribute` (`attribute_id`, `entity_type_id`, `attribute_code`, `backend_type`, `frontend_label`) VALUES
  (73, 4, 'name', 'varchar', 'Product Name'), (74, 4, 'sku', 'static', 'SKU'),
  (77, 4, 'price', 'decimal', 'Price'), (82, 4, 'weight', 'decimal', 'Weight'),
  (97, 4, 'status', 'int', 'Enable Product'), (45, 3, 'name', 'varchar', 'Name');
INSERT INTO `{prefix}catalog_product_entity` (`entity_id`, `attribute_set_id`, `type_id`, `sku`) VALUES
  (1, 4, 'simple', 'A-100'), (2, 4, 'simple', 'A-200'), (3, 4, 'simple', 'A-300');
INSERT INTO `{prefix}catalog_product_entity_varchar` (`attribute_id`, `store_id`, `entity_id`, `value`) VALUES
  (73, 0, 1, 'Claw hammer 450 g'), (73, 0, 2, 'Screwdriver set, 6 pieces'), (73, 0, 3, 'Spirit level 60 cm');
INSERT INTO `{prefix}catalog_product_entity_int` (`attribute_id`, `store_id`, `entity_id`, `value`) VALUES
  (97, 0, 1, 1), (97, 0, 2, 1), (97, 0, 3, 2);
INSERT INTO `{prefix}catalog_product_entity_decimal` (`attribute_id`, `store_id`, `entity_id`, `value`) VALUES
  (77, 0, 1, 7.200000), (77, 0, 2, 10.800000), (77, 0, 3, 8.900000),
  (82, 0, 1, 0.450000), (82, 0, 2, 0.600000), (82, 0, 3, 0.800000);
INSERT INTO `{prefix}cataloginventory_stock_item` (`product_id`, `stock_id`, `qty`, `use_config_manage_stock`, `manage_stock`, `is_in_stock`, `website_id`) VALUES
  (1, 1, 500.0000, 1, 1, 1, 0), (2, 1, 300.0000, 1, 1, 1, 0), (3, 1, 0.0000, 1, 1, 0, 0);

-- customers: the known customer Anna (her email with capitals, as she typed it when she
-- registered) and the distributor's own customer account, each with a default address -------
INSERT INTO `{prefix}customer_entity` (`entity_id`, `website_id`, `email`, `group_id`, `store_id`, `created_at`, `is_active`, `created_in`, `firstname`, `lastname`, `default_billing`, `default_shipping`) VALUES
  (1, 1, 'Anna.Schmidt@Example.com', 1, 1, '2026-01-02 09:00:00', 1, 'Default Store View', 'Anna', 'Schmidt', 1, 1),
  (2, 1, 'orders@acme.example', 2, 1, '2026-01-03 09:00:00', 1, 'Default Store View', 'ACME', 'Distribution', 2, 2);
INSERT INTO `{prefix}customer_address_entity` (`entity_id`, `parent_id`, `city`, `company`, `country_id`, `firstname`, `lastname`, `postcode`, `street`, `telephone`) VALUES
  (1, 1, 'Berlin', NULL, 'DE', 'Anna', 'Schmidt', '10115', 'Hauptstr. 1', '+49301234567'),
  (2, 2, 'Hamburg', 'ACME Distribution GmbH', 'DE', 'ACME', 'Distribution', '20457', 'Hafenweg 5', '+49 40 9999999');
INSERT INTO `{prefix}customer_grid_flat` (`entity_id`, `name`, `email`, `group_id`, `created_at`, `website_id`, `created_in`, `shipping_full`, `billing_full`, `billing_firstname`, `billing_lastname`, `billing_telephone`, `billing_postcode`, `billing_country_id`, `billing_street`, `billing_city`, `billing_company`) VALUES
  (1, 'Anna Schmidt', 'Anna.Schmidt@Example.com', 1, '2026-01-02 09:00:00', 1, 'Default Store View', 'Hauptstr. 1 Berlin 10115', 'Hauptstr. 1 Berlin 10115', 'Anna', 'Schmidt', '+49301234567', '10115', 'DE', 'Hauptstr. 1', 'Berlin', NULL),
  (2, 'ACME Distribution', 'orders@acme.example', 2, '2026-01-03 09:00:00', 1, 'Default Store View', 'Hafenweg 5 Hamburg 20457', 'Hafenweg 5 Hamburg 20457', 'ACME', 'Distribution', '+49 40 9999999', '20457', 'DE', 'Hafenweg 5', 'Hamburg', 'ACME Distribution GmbH');
