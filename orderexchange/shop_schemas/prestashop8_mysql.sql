-- PrestaShop 8 tables that orderexchange reads or writes, and those the shop's own admin order
-- list and order view join. Written by us for the tests from what PrestaShop's installer
-- declares: install-dev/data/db_structure.sql at commit 61967d5e7133c38c0a82b8a4d8fe94431c19a590
-- (the 8.x line: utf8mb4, orders.note, product.product_type/mpn, order_detail.product_mpn and
-- total_refunded_*), and for the tables PrestaShop 8 creates from its Doctrine entities (shop,
-- shop_group, lang, attribute, attribute_lang, attribute_group, attribute_group_lang) the
-- columns those entities map, as a PrestaShop 8 database dump shows them. Column types, NOT NULL, defaults and the
-- indexes of the tables kept are as declared there; tables and columns the connector and the
-- admin queries never touch are left out, but no NOT NULL column without a default of a kept
-- table is.
-- {prefix} is the shop's table prefix (_DB_PREFIX_, "ps_" by default), {engine} the storage
-- engine (_MYSQL_ENGINE_, InnoDB by default); {user_engine} that of configuration, customer and
-- employee, whose indexes (utf8mb4 varchar(254/255) columns) exceed MyISAM's 1000-byte key
-- limit: PrestaShop 8 cannot create them on MyISAM, so a shop with MyISAM order tables (one
-- carried over from 1.6) has them on InnoDB; the tests build that mix.
-- The rows at the end are what a fresh install has: order states as install-dev/data/xml/
-- order_state.xml numbers them (ids in file order, English names from install-dev/langs/en/
-- data/order_state.xml), countries with the ids of install-dev/data/xml/country.xml, the
-- customer groups, configuration keys; plus two shops in one group (multistore), four
-- currencies, German VAT, three products, one known customer and the distributor's account.

CREATE TABLE `{prefix}shop_group` (
  `id_shop_group` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `color` varchar(50) NOT NULL,
  `share_customer` tinyint(1) NOT NULL,
  `share_order` tinyint(1) NOT NULL,
  `share_stock` tinyint(1) NOT NULL,
  `active` tinyint(1) NOT NULL,
  `deleted` tinyint(1) NOT NULL,
  PRIMARY KEY (`id_shop_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}shop` (
  `id_shop` int(11) NOT NULL AUTO_INCREMENT,
  `id_shop_group` int(11) NOT NULL,
  `name` varchar(64) NOT NULL,
  `color` varchar(50) NOT NULL,
  `id_category` int(11) NOT NULL,
  `theme_name` varchar(255) NOT NULL,
  `active` tinyint(1) NOT NULL,
  `deleted` tinyint(1) NOT NULL,
  PRIMARY KEY (`id_shop`),
  KEY `IDX_CBDFBB9EF5C9E40` (`id_shop_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}lang` (
  `id_lang` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(32) NOT NULL,
  `active` tinyint(1) NOT NULL,
  `iso_code` varchar(2) NOT NULL,
  `language_code` varchar(5) NOT NULL,
  `locale` varchar(5) NOT NULL,
  `date_format_lite` varchar(32) NOT NULL,
  `date_format_full` varchar(32) NOT NULL,
  `is_rtl` tinyint(1) NOT NULL,
  PRIMARY KEY (`id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}configuration` (
  `id_configuration` int(10) unsigned NOT NULL auto_increment,
  `id_shop_group` INT(11) UNSIGNED DEFAULT NULL,
  `id_shop` INT(11) UNSIGNED DEFAULT NULL,
  `name` varchar(254) NOT NULL,
  `value` text,
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  PRIMARY KEY (`id_configuration`),
  KEY `name` (`name`),
  KEY `id_shop` (`id_shop`),
  KEY `id_shop_group` (`id_shop_group`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}zone` (
  `id_zone` int(10) unsigned NOT NULL auto_increment,
  `name` varchar(64) NOT NULL,
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_zone`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}country` (
  `id_country` int(10) unsigned NOT NULL auto_increment,
  `id_zone` int(10) unsigned NOT NULL,
  `id_currency` int(10) unsigned NOT NULL DEFAULT '0',
  `iso_code` varchar(3) NOT NULL,
  `call_prefix` int(10) NOT NULL DEFAULT '0',
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `contains_states` tinyint(1) NOT NULL DEFAULT '0',
  `need_identification_number` tinyint(1) NOT NULL DEFAULT '0',
  `need_zip_code` tinyint(1) NOT NULL DEFAULT '1',
  `zip_code_format` varchar(12) NOT NULL DEFAULT '',
  `display_tax_label` BOOLEAN NOT NULL,
  PRIMARY KEY (`id_country`),
  KEY `country_iso_code` (`iso_code`),
  KEY `country_` (`id_zone`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}country_lang` (
  `id_country` int(10) unsigned NOT NULL,
  `id_lang` int(10) unsigned NOT NULL,
  `name` varchar(64) NOT NULL,
  PRIMARY KEY (`id_country`, `id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}country_shop` (
  `id_country` INT(11) UNSIGNED NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL,
  PRIMARY KEY (`id_country`, `id_shop`),
  KEY `id_shop` (`id_shop`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}state` (
  `id_state` int(10) unsigned NOT NULL auto_increment,
  `id_country` int(11) unsigned NOT NULL,
  `id_zone` int(11) unsigned NOT NULL,
  `name` varchar(80) NOT NULL,
  `iso_code` varchar(7) NOT NULL,
  `tax_behavior` smallint(1) NOT NULL DEFAULT '0',
  `active` tinyint(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_state`),
  KEY `id_country` (`id_country`),
  KEY `name` (`name`),
  KEY `id_zone` (`id_zone`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}currency` (
  `id_currency` int(10) unsigned NOT NULL auto_increment,
  `name` varchar(64) NOT NULL,
  `iso_code` varchar(3) NOT NULL DEFAULT '0',
  `numeric_iso_code` varchar(3),
  `precision` int(2) NOT NULL DEFAULT 6,
  `conversion_rate` decimal(13,6) NOT NULL,
  `deleted` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `active` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `unofficial` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `modified` tinyint(1) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_currency`),
  KEY `currency_iso_code` (`iso_code`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}currency_shop` (
  `id_currency` INT(11) UNSIGNED NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL,
  `conversion_rate` decimal(13, 6) NOT NULL,
  PRIMARY KEY (`id_currency`, `id_shop`),
  KEY `id_shop` (`id_shop`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}group` (
  `id_group` int(10) unsigned NOT NULL auto_increment,
  `reduction` decimal(5, 2) NOT NULL DEFAULT '0.00',
  `price_display_method` TINYINT NOT NULL DEFAULT '0',
  `show_prices` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  PRIMARY KEY (`id_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}group_shop` (
  `id_group` INT(11) UNSIGNED NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL,
  PRIMARY KEY (`id_group`, `id_shop`),
  KEY `id_shop` (`id_shop`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}customer` (
  `id_customer` int(10) unsigned NOT NULL auto_increment,
  `id_shop_group` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_shop` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_gender` int(10) unsigned NOT NULL,
  `id_default_group` int(10) unsigned NOT NULL DEFAULT '1',
  `id_lang` int(10) unsigned NULL,
  `id_risk` int(10) unsigned NOT NULL DEFAULT '1',
  `company` varchar(255),
  `siret` varchar(14),
  `ape` varchar(6),
  `firstname` varchar(255) NOT NULL,
  `lastname` varchar(255) NOT NULL,
  `email` varchar(255) NOT NULL,
  `passwd` varchar(255) NOT NULL,
  `last_passwd_gen` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `birthday` date DEFAULT NULL,
  `newsletter` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `ip_registration_newsletter` varchar(15) DEFAULT NULL,
  `newsletter_date_add` datetime DEFAULT NULL,
  `optin` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `website` varchar(128),
  `outstanding_allow_amount` DECIMAL(20, 6) NOT NULL DEFAULT '0.00',
  `show_public_prices` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `max_payment_days` int(10) unsigned NOT NULL DEFAULT '60',
  `secure_key` varchar(32) NOT NULL DEFAULT '-1',
  `note` text,
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `is_guest` tinyint(1) NOT NULL DEFAULT '0',
  `deleted` tinyint(1) NOT NULL DEFAULT '0',
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `reset_password_token` varchar(40) DEFAULT NULL,
  `reset_password_validity` datetime DEFAULT NULL,
  PRIMARY KEY (`id_customer`),
  KEY `customer_email` (`email`),
  KEY `customer_login` (`email`, `passwd`),
  KEY `id_customer_passwd` (`id_customer`, `passwd`),
  KEY `id_gender` (`id_gender`),
  KEY `id_shop_group` (`id_shop_group`),
  KEY `id_shop` (`id_shop`, `date_add`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}customer_group` (
  `id_customer` int(10) unsigned NOT NULL,
  `id_group` int(10) unsigned NOT NULL,
  PRIMARY KEY (`id_customer`, `id_group`),
  INDEX customer_login(id_group),
  KEY `id_customer` (`id_customer`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}address` (
  `id_address` int(10) unsigned NOT NULL auto_increment,
  `id_country` int(10) unsigned NOT NULL,
  `id_state` int(10) unsigned DEFAULT NULL,
  `id_customer` int(10) unsigned NOT NULL DEFAULT '0',
  `id_manufacturer` int(10) unsigned NOT NULL DEFAULT '0',
  `id_supplier` int(10) unsigned NOT NULL DEFAULT '0',
  `id_warehouse` int(10) unsigned NOT NULL DEFAULT '0',
  `alias` varchar(32) NOT NULL,
  `company` varchar(255) DEFAULT NULL,
  `lastname` varchar(255) NOT NULL,
  `firstname` varchar(255) NOT NULL,
  `address1` varchar(128) NOT NULL,
  `address2` varchar(128) DEFAULT NULL,
  `postcode` varchar(12) DEFAULT NULL,
  `city` varchar(64) NOT NULL,
  `other` text,
  `phone` varchar(32) DEFAULT NULL,
  `phone_mobile` varchar(32) DEFAULT NULL,
  `vat_number` varchar(32) DEFAULT NULL,
  `dni` varchar(16) DEFAULT NULL,
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `active` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `deleted` tinyint(1) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_address`),
  KEY `address_customer` (`id_customer`),
  KEY `id_country` (`id_country`),
  KEY `id_state` (`id_state`),
  KEY `id_manufacturer` (`id_manufacturer`),
  KEY `id_supplier` (`id_supplier`),
  KEY `id_warehouse` (`id_warehouse`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}carrier` (
  `id_carrier` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `id_reference` int(10) unsigned NOT NULL,
  `name` varchar(64) NOT NULL,
  `url` varchar(255) DEFAULT NULL,
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `deleted` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `shipping_handling` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `range_behavior` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `is_module` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `is_free` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `shipping_external` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `need_range` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `external_module_name` varchar(64) DEFAULT NULL,
  `shipping_method` int(2) NOT NULL DEFAULT '0',
  `position` int(10) unsigned NOT NULL DEFAULT '0',
  `max_width` int(10) DEFAULT '0',
  `max_height` int(10) DEFAULT '0',
  `max_depth` int(10) DEFAULT '0',
  `max_weight` DECIMAL(20, 6) DEFAULT '0',
  `grade` int(10) DEFAULT '0',
  PRIMARY KEY (`id_carrier`),
  KEY `deleted` (`deleted`, `active`),
  KEY `reference` (`id_reference`, `deleted`, `active`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}carrier_shop` (
  `id_carrier` INT(11) UNSIGNED NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL,
  PRIMARY KEY (`id_carrier`, `id_shop`),
  KEY `id_shop` (`id_shop`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}cart` (
  `id_cart` int(10) unsigned NOT NULL auto_increment,
  `id_shop_group` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_shop` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_carrier` int(10) unsigned NOT NULL,
  `delivery_option` TEXT NOT NULL,
  `id_lang` int(10) unsigned NOT NULL,
  `id_address_delivery` int(10) unsigned NOT NULL,
  `id_address_invoice` int(10) unsigned NOT NULL,
  `id_currency` int(10) unsigned NOT NULL,
  `id_customer` int(10) unsigned NOT NULL,
  `id_guest` int(10) unsigned NOT NULL,
  `secure_key` varchar(32) NOT NULL DEFAULT '-1',
  `recyclable` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `gift` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `gift_message` text,
  `mobile_theme` tinyint(1) NOT NULL DEFAULT '0',
  `allow_seperated_package` TINYINT(1) UNSIGNED NOT NULL DEFAULT '0',
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `checkout_session_data` MEDIUMTEXT NULL,
  PRIMARY KEY (`id_cart`),
  KEY `cart_customer` (`id_customer`),
  KEY `id_address_delivery` (`id_address_delivery`),
  KEY `id_address_invoice` (`id_address_invoice`),
  KEY `id_carrier` (`id_carrier`),
  KEY `id_lang` (`id_lang`),
  KEY `id_currency` (`id_currency`),
  KEY `id_guest` (`id_guest`),
  KEY `id_shop_group` (`id_shop_group`),
  KEY `id_shop_2` (`id_shop`, `date_upd`),
  KEY `id_shop` (`id_shop`, `date_add`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}employee` (
  `id_employee` int(10) unsigned NOT NULL auto_increment,
  `id_profile` int(10) unsigned NOT NULL,
  `id_lang` int(10) unsigned NOT NULL DEFAULT '0',
  `lastname` varchar(255) NOT NULL,
  `firstname` varchar(255) NOT NULL,
  `email` varchar(255) NOT NULL,
  `passwd` varchar(255) NOT NULL,
  `last_passwd_gen` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `stats_date_from` date DEFAULT NULL,
  `stats_date_to` date DEFAULT NULL,
  `stats_compare_from` date DEFAULT NULL,
  `stats_compare_to` date DEFAULT NULL,
  `stats_compare_option` int(1) unsigned NOT NULL DEFAULT 1,
  `preselect_date_range` varchar(32) DEFAULT NULL,
  `bo_color` varchar(32) DEFAULT NULL,
  `bo_theme` varchar(32) DEFAULT NULL,
  `bo_css` varchar(64) DEFAULT NULL,
  `default_tab` int(10) unsigned NOT NULL DEFAULT '0',
  `bo_width` int(10) unsigned NOT NULL DEFAULT '0',
  `bo_menu` tinyint(1) NOT NULL DEFAULT '1',
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `optin` tinyint(1) unsigned DEFAULT NULL,
  `id_last_order` int(10) unsigned NOT NULL DEFAULT '0',
  `id_last_customer_message` int(10) unsigned NOT NULL DEFAULT '0',
  `id_last_customer` int(10) unsigned NOT NULL DEFAULT '0',
  `last_connection_date` date DEFAULT NULL,
  `reset_password_token` varchar(40) DEFAULT NULL,
  `reset_password_validity` datetime DEFAULT NULL,
  `has_enabled_gravatar` TINYINT UNSIGNED DEFAULT 0 NOT NULL,
  PRIMARY KEY (`id_employee`),
  KEY `employee_login` (`email`, `passwd`),
  KEY `id_employee_passwd` (`id_employee`, `passwd`),
  KEY `id_profile` (`id_profile`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}orders` (
  `id_order` int(10) unsigned NOT NULL auto_increment,
  `reference` VARCHAR(9),
  `id_shop_group` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_shop` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_carrier` int(10) unsigned NOT NULL,
  `id_lang` int(10) unsigned NOT NULL,
  `id_customer` int(10) unsigned NOT NULL,
  `id_cart` int(10) unsigned NOT NULL,
  `id_currency` int(10) unsigned NOT NULL,
  `id_address_delivery` int(10) unsigned NOT NULL,
  `id_address_invoice` int(10) unsigned NOT NULL,
  `current_state` int(10) unsigned NOT NULL,
  `secure_key` varchar(32) NOT NULL DEFAULT '-1',
  `payment` varchar(255) NOT NULL,
  `conversion_rate` decimal(13, 6) NOT NULL DEFAULT 1,
  `module` varchar(255) DEFAULT NULL,
  `recyclable` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `gift` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `gift_message` text,
  `mobile_theme` tinyint(1) NOT NULL DEFAULT '0',
  `total_discounts` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_discounts_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_discounts_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid_real` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_products` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_products_wt` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_shipping` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_shipping_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_shipping_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `carrier_tax_rate` DECIMAL(10, 3) NOT NULL DEFAULT '0.00',
  `total_wrapping` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_wrapping_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_wrapping_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `round_mode` tinyint(1) NOT NULL DEFAULT '2',
  `round_type` tinyint(1) NOT NULL DEFAULT '1',
  `invoice_number` int(10) unsigned NOT NULL DEFAULT '0',
  `delivery_number` int(10) unsigned NOT NULL DEFAULT '0',
  `invoice_date` datetime NOT NULL,
  `delivery_date` datetime NOT NULL,
  `valid` int(1) unsigned NOT NULL DEFAULT '0',
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `note` text,
  PRIMARY KEY (`id_order`),
  KEY `reference` (`reference`),
  KEY `id_customer` (`id_customer`),
  KEY `id_cart` (`id_cart`),
  KEY `invoice_number` (`invoice_number`),
  KEY `id_carrier` (`id_carrier`),
  KEY `id_lang` (`id_lang`),
  KEY `id_currency` (`id_currency`),
  KEY `id_address_delivery` (`id_address_delivery`),
  KEY `id_address_invoice` (`id_address_invoice`),
  KEY `id_shop_group` (`id_shop_group`),
  KEY (`current_state`),
  KEY `id_shop` (`id_shop`),
  INDEX `date_add`(`date_add`),
  INDEX `invoice_date`(`invoice_date`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_detail_tax` (
  `id_order_detail` int(11) NOT NULL,
  `id_tax` int(11) NOT NULL,
  `unit_amount` DECIMAL(16, 6) NOT NULL DEFAULT '0.00',
  `total_amount` DECIMAL(16, 6) NOT NULL DEFAULT '0.00',
  KEY (`id_order_detail`),
  KEY `id_tax` (`id_tax`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_invoice` (
  `id_order_invoice` int(11) UNSIGNED NOT NULL AUTO_INCREMENT,
  `id_order` int(11) NOT NULL,
  `number` int(11) NOT NULL,
  `delivery_number` int(11) NOT NULL,
  `delivery_date` datetime,
  `total_discount_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_discount_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_paid_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_products` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_products_wt` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_shipping_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_shipping_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `shipping_tax_computation_method` int(10) unsigned NOT NULL,
  `total_wrapping_tax_excl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `total_wrapping_tax_incl` decimal(20, 6) NOT NULL DEFAULT '0.00',
  `shop_address` text DEFAULT NULL,
  `note` text,
  `date_add` datetime NOT NULL,
  PRIMARY KEY (`id_order_invoice`),
  KEY `id_order` (`id_order`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_invoice_tax` (
  `id_order_invoice` int(11) NOT NULL,
  `type` varchar(15) NOT NULL,
  `id_tax` int(11) NOT NULL,
  `amount` decimal(10, 6) NOT NULL DEFAULT '0.000000',
  KEY `id_tax` (`id_tax`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_invoice_payment` (
  `id_order_invoice` int(11) unsigned NOT NULL,
  `id_order_payment` int(11) unsigned NOT NULL,
  `id_order` int(11) unsigned NOT NULL,
  PRIMARY KEY (`id_order_invoice`, `id_order_payment`),
  KEY `order_payment` (`id_order_payment`),
  KEY `id_order` (`id_order`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_detail` (
  `id_order_detail` int(10) unsigned NOT NULL auto_increment,
  `id_order` int(10) unsigned NOT NULL,
  `id_order_invoice` int(11) DEFAULT NULL,
  `id_warehouse` int(10) unsigned DEFAULT '0',
  `id_shop` int(11) unsigned NOT NULL,
  `product_id` int(10) unsigned NOT NULL,
  `product_attribute_id` int(10) unsigned DEFAULT NULL,
  `id_customization` int(10) unsigned DEFAULT 0,
  `product_name` text NOT NULL,
  `product_quantity` int(10) unsigned NOT NULL DEFAULT '0',
  `product_quantity_in_stock` int(10) NOT NULL DEFAULT '0',
  `product_quantity_refunded` int(10) unsigned NOT NULL DEFAULT '0',
  `product_quantity_return` int(10) unsigned NOT NULL DEFAULT '0',
  `product_quantity_reinjected` int(10) unsigned NOT NULL DEFAULT '0',
  `product_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `reduction_percent` DECIMAL(5, 2) NOT NULL DEFAULT '0.00',
  `reduction_amount` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `reduction_amount_tax_incl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `reduction_amount_tax_excl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `group_reduction` DECIMAL(5, 2) NOT NULL DEFAULT '0.00',
  `product_quantity_discount` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `product_ean13` varchar(13) DEFAULT NULL,
  `product_isbn` varchar(32) DEFAULT NULL,
  `product_upc` varchar(12) DEFAULT NULL,
  `product_mpn` varchar(40) DEFAULT NULL,
  `product_reference` varchar(64) DEFAULT NULL,
  `product_supplier_reference` varchar(64) DEFAULT NULL,
  `product_weight` DECIMAL(20, 6) NOT NULL,
  `id_tax_rules_group` INT(11) UNSIGNED DEFAULT '0',
  `tax_computation_method` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `tax_name` varchar(16) NOT NULL,
  `tax_rate` DECIMAL(10, 3) NOT NULL DEFAULT '0.000',
  `ecotax` decimal(17, 6) NOT NULL DEFAULT '0.000000',
  `ecotax_tax_rate` DECIMAL(5, 3) NOT NULL DEFAULT '0.000',
  `discount_quantity_applied` TINYINT(1) NOT NULL DEFAULT '0',
  `download_hash` varchar(255) DEFAULT NULL,
  `download_nb` int(10) unsigned DEFAULT '0',
  `download_deadline` datetime DEFAULT NULL,
  `total_price_tax_incl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `total_price_tax_excl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `unit_price_tax_incl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `unit_price_tax_excl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `total_shipping_price_tax_incl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `total_shipping_price_tax_excl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `purchase_supplier_price` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `original_product_price` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `original_wholesale_price` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `total_refunded_tax_excl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  `total_refunded_tax_incl` DECIMAL(20, 6) NOT NULL DEFAULT '0.000000',
  PRIMARY KEY (`id_order_detail`),
  KEY `order_detail_order` (`id_order`),
  KEY `product_id` (`product_id`, `product_attribute_id`),
  KEY `product_attribute_id` (`product_attribute_id`),
  KEY `id_tax_rules_group` (`id_tax_rules_group`),
  KEY `id_order_id_order_detail` (`id_order`, `id_order_detail`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_history` (
  `id_order_history` int(10) unsigned NOT NULL auto_increment,
  `id_employee` int(10) unsigned NOT NULL,
  `id_order` int(10) unsigned NOT NULL,
  `id_order_state` int(10) unsigned NOT NULL,
  `date_add` datetime NOT NULL,
  PRIMARY KEY (`id_order_history`),
  KEY `order_history_order` (`id_order`),
  KEY `id_employee` (`id_employee`),
  KEY `id_order_state` (`id_order_state`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_state` (
  `id_order_state` int(10) UNSIGNED NOT NULL auto_increment,
  `invoice` tinyint(1) UNSIGNED DEFAULT '0',
  `send_email` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  `module_name` VARCHAR(255) NULL DEFAULT NULL,
  `color` varchar(32) DEFAULT NULL,
  `unremovable` tinyint(1) UNSIGNED NOT NULL,
  `hidden` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  `logable` tinyint(1) NOT NULL DEFAULT '0',
  `delivery` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  `shipped` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  `paid` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  `pdf_invoice` tinyint(1) UNSIGNED NOT NULL default '0',
  `pdf_delivery` tinyint(1) UNSIGNED NOT NULL default '0',
  `deleted` tinyint(1) UNSIGNED NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_order_state`),
  KEY `module_name` (`module_name`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_state_lang` (
  `id_order_state` int(10) unsigned NOT NULL,
  `id_lang` int(10) unsigned NOT NULL,
  `name` varchar(64) NOT NULL,
  `template` varchar(64) NOT NULL,
  PRIMARY KEY (`id_order_state`, `id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_payment` (
  `id_order_payment` INT NOT NULL auto_increment,
  `order_reference` VARCHAR(9),
  `id_currency` INT UNSIGNED NOT NULL,
  `amount` DECIMAL(20, 6) NOT NULL,
  `payment_method` varchar(255) NOT NULL,
  `conversion_rate` decimal(13, 6) NOT NULL DEFAULT 1,
  `transaction_id` VARCHAR(254) NULL,
  `card_number` VARCHAR(254) NULL,
  `card_brand` VARCHAR(254) NULL,
  `card_expiration` CHAR(7) NULL,
  `card_holder` VARCHAR(254) NULL,
  `date_add` DATETIME NOT NULL,
  `id_employee` INT NULL,
  PRIMARY KEY (`id_order_payment`),
  KEY `order_reference`(`order_reference`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}order_carrier` (
  `id_order_carrier` int(11) NOT NULL AUTO_INCREMENT,
  `id_order` int(11) unsigned NOT NULL,
  `id_carrier` int(11) unsigned NOT NULL,
  `id_order_invoice` int(11) unsigned DEFAULT NULL,
  `weight` DECIMAL(20, 6) DEFAULT NULL,
  `shipping_cost_tax_excl` decimal(20, 6) DEFAULT NULL,
  `shipping_cost_tax_incl` decimal(20, 6) DEFAULT NULL,
  `tracking_number` varchar(64) DEFAULT NULL,
  `date_add` datetime NOT NULL,
  PRIMARY KEY (`id_order_carrier`),
  KEY `id_order` (`id_order`),
  KEY `id_carrier` (`id_carrier`),
  KEY `id_order_invoice` (`id_order_invoice`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}product` (
  `id_product` int(10) unsigned NOT NULL auto_increment,
  `id_supplier` int(10) unsigned DEFAULT NULL,
  `id_manufacturer` int(10) unsigned DEFAULT NULL,
  `id_category_default` int(10) unsigned DEFAULT NULL,
  `id_shop_default` int(10) unsigned NOT NULL DEFAULT 1,
  `id_tax_rules_group` INT(11) UNSIGNED NOT NULL,
  `on_sale` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `online_only` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `ean13` varchar(13) DEFAULT NULL,
  `isbn` varchar(32) DEFAULT NULL,
  `upc` varchar(12) DEFAULT NULL,
  `mpn` varchar(40) DEFAULT NULL,
  `ecotax` decimal(17, 6) NOT NULL DEFAULT '0.00',
  `quantity` int(10) NOT NULL DEFAULT '0',
  `minimal_quantity` int(10) unsigned NOT NULL DEFAULT '1',
  `low_stock_threshold` int(10) NULL DEFAULT NULL,
  `low_stock_alert` TINYINT(1) NOT NULL DEFAULT 0,
  `price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `wholesale_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `unity` varchar(255) DEFAULT NULL,
  `unit_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `unit_price_ratio` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `additional_shipping_cost` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `reference` varchar(64) DEFAULT NULL,
  `supplier_reference` varchar(64) DEFAULT NULL,
  `location` varchar(255) NOT NULL DEFAULT '',
  `width` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `height` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `depth` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `weight` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `out_of_stock` int(10) unsigned NOT NULL DEFAULT '2',
  `additional_delivery_times` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `quantity_discount` tinyint(1) DEFAULT '0',
  `customizable` tinyint(2) NOT NULL DEFAULT '0',
  `uploadable_files` tinyint(4) NOT NULL DEFAULT '0',
  `text_fields` tinyint(4) NOT NULL DEFAULT '0',
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `redirect_type` ENUM('', '404', '410', '301-product', '302-product', '301-category', '302-category', '200-displayed', '404-displayed', '410-displayed', 'default') NOT NULL DEFAULT 'default',
  `id_type_redirected` int(10) unsigned NOT NULL DEFAULT '0',
  `available_for_order` tinyint(1) NOT NULL DEFAULT '1',
  `available_date` date DEFAULT NULL,
  `show_condition` tinyint(1) NOT NULL DEFAULT '0',
  `condition` ENUM('new', 'used', 'refurbished') NOT NULL DEFAULT 'new',
  `show_price` tinyint(1) NOT NULL DEFAULT '1',
  `indexed` tinyint(1) NOT NULL DEFAULT '0',
  `visibility` ENUM('both', 'catalog', 'search', 'none') NOT NULL DEFAULT 'both',
  `cache_is_pack` tinyint(1) NOT NULL DEFAULT '0',
  `cache_has_attachments` tinyint(1) NOT NULL DEFAULT '0',
  `is_virtual` tinyint(1) NOT NULL DEFAULT '0',
  `cache_default_attribute` int(10) unsigned DEFAULT NULL,
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `date_novelty` datetime NOT NULL,
  `advanced_stock_management` tinyint(1) DEFAULT '0' NOT NULL,
  `pack_stock_type` int(11) unsigned DEFAULT '3' NOT NULL,
  `state` int(11) unsigned NOT NULL DEFAULT '1',
  `product_type` ENUM('standard', 'pack', 'virtual', 'combinations', '') NOT NULL DEFAULT '',
  PRIMARY KEY (`id_product`),
  INDEX reference_idx(`reference`),
  INDEX supplier_reference_idx(`supplier_reference`),
  KEY `product_supplier` (`id_supplier`),
  KEY `product_manufacturer` (`id_manufacturer`, `id_product`),
  KEY `id_category_default` (`id_category_default`),
  KEY `indexed` (`indexed`),
  KEY `date_add` (`date_add`),
  KEY `state` (`state`, `date_upd`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}product_shop` (
  `id_product` int(10) unsigned NOT NULL,
  `id_shop` int(10) unsigned NOT NULL,
  `id_category_default` int(10) unsigned DEFAULT NULL,
  `id_tax_rules_group` INT(11) UNSIGNED NOT NULL,
  `on_sale` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `online_only` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `ecotax` decimal(17, 6) NOT NULL DEFAULT '0.000000',
  `minimal_quantity` int(10) unsigned NOT NULL DEFAULT '1',
  `low_stock_threshold` int(10) NULL DEFAULT NULL,
  `low_stock_alert` TINYINT(1) NOT NULL DEFAULT 0,
  `price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `wholesale_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `unity` varchar(255) DEFAULT NULL,
  `unit_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `unit_price_ratio` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `additional_shipping_cost` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `customizable` tinyint(2) NOT NULL DEFAULT '0',
  `uploadable_files` tinyint(4) NOT NULL DEFAULT '0',
  `text_fields` tinyint(4) NOT NULL DEFAULT '0',
  `active` tinyint(1) unsigned NOT NULL DEFAULT '0',
  `redirect_type` ENUM('', '404', '410', '301-product', '302-product', '301-category', '302-category', '200-displayed', '404-displayed', '410-displayed', 'default') NOT NULL DEFAULT 'default',
  `id_type_redirected` int(10) unsigned NOT NULL DEFAULT '0',
  `available_for_order` tinyint(1) NOT NULL DEFAULT '1',
  `available_date` date DEFAULT NULL,
  `show_condition` tinyint(1) NOT NULL DEFAULT '1',
  `condition` enum('new', 'used', 'refurbished') NOT NULL DEFAULT 'new',
  `show_price` tinyint(1) NOT NULL DEFAULT '1',
  `indexed` tinyint(1) NOT NULL DEFAULT '0',
  `visibility` enum('both', 'catalog', 'search', 'none') NOT NULL DEFAULT 'both',
  `cache_default_attribute` int(10) unsigned DEFAULT NULL,
  `advanced_stock_management` tinyint(1) DEFAULT '0' NOT NULL,
  `date_add` datetime NOT NULL,
  `date_upd` datetime NOT NULL,
  `date_novelty` datetime NOT NULL,
  `pack_stock_type` int(11) unsigned DEFAULT '3' NOT NULL,
  PRIMARY KEY (`id_product`, `id_shop`),
  KEY `id_category_default` (`id_category_default`),
  KEY `date_add` (`date_add`, `active`, `visibility`),
  KEY `indexed` (`indexed`, `active`, `id_product`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}product_attribute` (
  `id_product_attribute` int(10) unsigned NOT NULL auto_increment,
  `id_product` int(10) unsigned NOT NULL,
  `reference` varchar(64) DEFAULT NULL,
  `supplier_reference` varchar(64) DEFAULT NULL,
  `ean13` varchar(13) DEFAULT NULL,
  `isbn` varchar(32) DEFAULT NULL,
  `upc` varchar(12) DEFAULT NULL,
  `mpn` varchar(40) DEFAULT NULL,
  `wholesale_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `ecotax` decimal(17, 6) NOT NULL DEFAULT '0.00',
  `weight` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `unit_price_impact` DECIMAL(20, 6) NOT NULL DEFAULT '0.00',
  `default_on` tinyint(1) unsigned NULL DEFAULT NULL,
  `minimal_quantity` int(10) unsigned NOT NULL DEFAULT '1',
  `low_stock_threshold` int(10) NULL DEFAULT NULL,
  `low_stock_alert` TINYINT(1) NOT NULL DEFAULT 0,
  `available_date` date DEFAULT NULL,
  PRIMARY KEY (`id_product_attribute`),
  KEY `product_attribute_product` (`id_product`),
  KEY `reference` (`reference`),
  KEY `supplier_reference` (`supplier_reference`),
  UNIQUE KEY `product_default` (`id_product`, `default_on`),
  KEY `id_product_id_product_attribute` (`id_product_attribute`, `id_product`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}product_attribute_shop` (
  `id_product` int(10) unsigned NOT NULL,
  `id_product_attribute` int(10) unsigned NOT NULL,
  `id_shop` int(10) unsigned NOT NULL,
  `wholesale_price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `price` decimal(20, 6) NOT NULL DEFAULT '0.000000',
  `ecotax` decimal(17, 6) NOT NULL DEFAULT '0.00',
  `weight` DECIMAL(20, 6) NOT NULL DEFAULT '0',
  `unit_price_impact` DECIMAL(20, 6) NOT NULL DEFAULT '0.00',
  `default_on` tinyint(1) unsigned NULL DEFAULT NULL,
  `minimal_quantity` int(10) unsigned NOT NULL DEFAULT '1',
  `low_stock_threshold` int(10) NULL DEFAULT NULL,
  `low_stock_alert` TINYINT(1) NOT NULL DEFAULT 0,
  `available_date` date DEFAULT NULL,
  PRIMARY KEY (`id_product_attribute`, `id_shop`),
  UNIQUE KEY `id_product` (`id_product`, `id_shop`, `default_on`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}product_attribute_combination` (
  `id_attribute` int(10) unsigned NOT NULL,
  `id_product_attribute` int(10) unsigned NOT NULL,
  PRIMARY KEY (`id_attribute`, `id_product_attribute`),
  KEY `id_product_attribute` (`id_product_attribute`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- attribute, attribute_lang, attribute_group, attribute_group_lang: Doctrine entities in 8.x
CREATE TABLE `{prefix}attribute_group` (
  `id_attribute_group` int(11) NOT NULL AUTO_INCREMENT,
  `is_color_group` tinyint(1) NOT NULL,
  `group_type` varchar(255) NOT NULL,
  `position` int(11) NOT NULL,
  PRIMARY KEY (`id_attribute_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}attribute_group_lang` (
  `id_attribute_group` int(11) NOT NULL,
  `id_lang` int(11) NOT NULL,
  `name` varchar(128) NOT NULL,
  `public_name` varchar(64) NOT NULL,
  PRIMARY KEY (`id_attribute_group`, `id_lang`),
  KEY `IDX_4653726C67A664FB` (`id_attribute_group`),
  KEY `IDX_4653726CBA299860` (`id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}attribute` (
  `id_attribute` int(11) NOT NULL AUTO_INCREMENT,
  `id_attribute_group` int(11) NOT NULL,
  `color` varchar(32) NOT NULL,
  `position` int(11) NOT NULL,
  PRIMARY KEY (`id_attribute`),
  KEY `attribute_group` (`id_attribute_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}attribute_lang` (
  `id_attribute` int(11) NOT NULL,
  `id_lang` int(11) NOT NULL,
  `name` varchar(128) NOT NULL,
  PRIMARY KEY (`id_attribute`, `id_lang`),
  KEY `IDX_3ABE46A77A4F53DC` (`id_attribute`),
  KEY `IDX_3ABE46A7BA299860` (`id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `{prefix}product_lang` (
  `id_product` int(10) unsigned NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL DEFAULT '1',
  `id_lang` int(10) unsigned NOT NULL,
  `description` text,
  `description_short` text,
  `link_rewrite` varchar(128) NOT NULL,
  `meta_description` varchar(512) DEFAULT NULL,
  `meta_keywords` varchar(255) DEFAULT NULL,
  `meta_title` varchar(128) DEFAULT NULL,
  `name` varchar(128) NOT NULL,
  `available_now` varchar(255) DEFAULT NULL,
  `available_later` varchar(255) DEFAULT NULL,
  `delivery_in_stock` varchar(255) DEFAULT NULL,
  `delivery_out_stock` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id_product`, `id_shop`, `id_lang`),
  KEY `id_lang` (`id_lang`),
  KEY `name` (`name`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}stock_available` (
  `id_stock_available` INT(11) UNSIGNED NOT NULL AUTO_INCREMENT,
  `id_product` INT(11) UNSIGNED NOT NULL,
  `id_product_attribute` INT(11) UNSIGNED NOT NULL,
  `id_shop` INT(11) UNSIGNED NOT NULL,
  `id_shop_group` INT(11) UNSIGNED NOT NULL,
  `quantity` INT(10) NOT NULL DEFAULT '0',
  `physical_quantity` INT(11) NOT NULL DEFAULT '0',
  `reserved_quantity` INT(11) NOT NULL DEFAULT '0',
  `depends_on_stock` TINYINT(1) UNSIGNED NOT NULL DEFAULT '0',
  `out_of_stock` TINYINT(1) UNSIGNED NOT NULL DEFAULT '0',
  `location` VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (`id_stock_available`),
  KEY `id_shop` (`id_shop`),
  KEY `id_shop_group` (`id_shop_group`),
  KEY `id_product` (`id_product`),
  KEY `id_product_attribute` (`id_product_attribute`),
  UNIQUE `product_sqlstock` (`id_product`, `id_product_attribute`, `id_shop`, `id_shop_group`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}tax` (
  `id_tax` int(10) unsigned NOT NULL auto_increment,
  `rate` DECIMAL(10, 3) NOT NULL,
  `active` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `deleted` tinyint(1) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`id_tax`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}tax_lang` (
  `id_tax` int(10) unsigned NOT NULL,
  `id_lang` int(10) unsigned NOT NULL,
  `name` varchar(32) NOT NULL,
  PRIMARY KEY (`id_tax`, `id_lang`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}tax_rule` (
  `id_tax_rule` int(11) NOT NULL AUTO_INCREMENT,
  `id_tax_rules_group` int(11) NOT NULL,
  `id_country` int(11) NOT NULL,
  `id_state` int(11) NOT NULL,
  `zipcode_from` VARCHAR(12) NOT NULL,
  `zipcode_to` VARCHAR(12) NOT NULL,
  `id_tax` int(11) NOT NULL,
  `behavior` int(11) NOT NULL,
  `description` VARCHAR(100) NOT NULL,
  PRIMARY KEY (`id_tax_rule`),
  KEY `id_tax_rules_group` (`id_tax_rules_group`),
  KEY `id_tax` (`id_tax`),
  KEY `category_getproducts` (`id_tax_rules_group`, `id_country`, `id_state`, `zipcode_from`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `{prefix}tax_rules_group` (
  `id_tax_rules_group` INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `name` VARCHAR(50) NOT NULL,
  `active` INT NOT NULL,
  `deleted` TINYINT(1) UNSIGNED NOT NULL,
  `date_add` DATETIME NOT NULL,
  `date_upd` DATETIME NOT NULL
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- === a fresh install's rows ==================================================================
INSERT INTO `{prefix}shop_group` (`id_shop_group`, `name`, `color`, `share_customer`, `share_order`, `share_stock`, `active`, `deleted`) VALUES
  (1, 'Default', '', 0, 0, 0, 1, 0);
INSERT INTO `{prefix}shop` (`id_shop`, `id_shop_group`, `name`, `color`, `id_category`, `theme_name`, `active`, `deleted`) VALUES
  (1, 1, 'Alpha Tools', '', 2, 'classic', 1, 0),
  (2, 1, 'Alpha Outlet', '', 2, 'classic', 1, 0);
INSERT INTO `{prefix}lang` (`id_lang`, `name`, `active`, `iso_code`, `language_code`, `locale`, `date_format_lite`, `date_format_full`, `is_rtl`) VALUES
  (1, 'English (English)', 1, 'en', 'en-us', 'en-US', 'm/d/Y', 'm/d/Y H:i:s', 0),
  (2, 'Deutsch (German)', 1, 'de', 'de-de', 'de-DE', 'd.m.Y', 'd.m.Y H:i:s', 0);
INSERT INTO `{prefix}configuration` (`name`, `value`, `date_add`, `date_upd`) VALUES
  ('PS_VERSION_DB', '8.1.7', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_SHOP_DEFAULT', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_MULTISHOP_FEATURE_ACTIVE', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_LANG_DEFAULT', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_CURRENCY_DEFAULT', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_COUNTRY_DEFAULT', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_CARRIER_DEFAULT', '2', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_UNIDENTIFIED_GROUP', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_GUEST_GROUP', '2', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_CUSTOMER_GROUP', '3', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_PRICE_ROUND_MODE', '2', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_ROUND_TYPE', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_TAX', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_INVOICE', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_INVOICE_RESET', '0', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_ATTRIBUTE_ANCHOR_SEPARATOR', '-', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_CHEQUE', '1', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_PAYMENT', '2', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_PREPARATION', '3', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_SHIPPING', '4', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_DELIVERED', '5', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_CANCELED', '6', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_REFUND', '7', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_ERROR', '8', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_OUTOFSTOCK', '9', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_OUTOFSTOCK_PAID', '9', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_BANKWIRE', '10', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_WS_PAYMENT', '11', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_OUTOFSTOCK_UNPAID', '12', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  ('PS_OS_COD_VALIDATION', '13', '2026-01-01 09:00:00', '2026-01-01 09:00:00');
INSERT INTO `{prefix}zone` (`id_zone`, `name`, `active`) VALUES
  (1, 'Europe', 1), (2, 'North America', 1), (3, 'Asia', 1), (4, 'Africa', 1), (5, 'Oceania', 1),
  (6, 'South America', 1), (7, 'Europe (non-EU)', 1), (8, 'Central America/Antilla', 1);
INSERT INTO `{prefix}country` (`id_country`, `id_zone`, `iso_code`, `call_prefix`, `active`, `contains_states`, `need_identification_number`, `need_zip_code`, `zip_code_format`, `display_tax_label`) VALUES
  (1, 1, 'DE', 49, 1, 0, 0, 1, 'NNNNN', 1),
  (2, 1, 'AT', 43, 1, 0, 0, 1, 'NNNN', 1),
  (3, 1, 'BE', 32, 1, 0, 0, 1, 'NNNN', 1),
  (6, 1, 'ES', 34, 1, 0, 1, 1, 'NNNNN', 1),
  (8, 1, 'FR', 33, 1, 0, 0, 1, 'NNNNN', 1),
  (10, 1, 'IT', 39, 1, 1, 0, 1, 'NNNNN', 1),
  (13, 1, 'NL', 31, 1, 0, 0, 1, 'NNNN LL', 1),
  (14, 1, 'PL', 48, 1, 0, 0, 1, 'NN-NNN', 1),
  (17, 1, 'GB', 44, 1, 0, 0, 1, '', 1),
  (19, 7, 'CH', 41, 1, 0, 0, 1, 'NNNN', 1),
  (21, 2, 'US', 1, 0, 1, 0, 1, 'NNNNN', 0);
INSERT INTO `{prefix}country_lang` (`id_country`, `id_lang`, `name`) VALUES
  (1, 1, 'Germany'), (2, 1, 'Austria'), (3, 1, 'Belgium'), (6, 1, 'Spain'), (8, 1, 'France'),
  (10, 1, 'Italy'), (13, 1, 'Netherlands'), (14, 1, 'Poland'), (17, 1, 'United Kingdom'),
  (19, 1, 'Switzerland'), (21, 1, 'United States'),
  (1, 2, 'Deutschland'), (2, 2, 'Österreich'), (3, 2, 'Belgien'), (6, 2, 'Spanien'), (8, 2, 'Frankreich'),
  (10, 2, 'Italien'), (13, 2, 'Niederlande'), (14, 2, 'Polen'), (17, 2, 'Vereinigtes Königreich'),
  (19, 2, 'Schweiz'), (21, 2, 'Vereinigte Staaten');
INSERT INTO `{prefix}country_shop` (`id_country`, `id_shop`) VALUES
  (1, 1), (2, 1), (3, 1), (6, 1), (8, 1), (10, 1), (13, 1), (14, 1), (17, 1), (19, 1), (21, 1),
  (1, 2), (2, 2), (19, 2);
INSERT INTO `{prefix}currency` (`id_currency`, `name`, `iso_code`, `numeric_iso_code`, `precision`, `conversion_rate`, `deleted`, `active`) VALUES
  (1, 'Euro', 'EUR', '978', 2, 1.000000, 0, 1),
  (2, 'Swiss Franc', 'CHF', '756', 2, 0.950000, 0, 1),
  (3, 'British Pound', 'GBP', '826', 2, 0.850000, 0, 1),
  (4, 'Polish Zloty', 'PLN', '985', 2, 4.300000, 0, 1);
INSERT INTO `{prefix}currency_shop` (`id_currency`, `id_shop`, `conversion_rate`) VALUES
  (1, 1, 1.000000), (2, 1, 0.950000), (3, 1, 0.850000), (4, 1, 4.300000),
  (1, 2, 1.000000), (2, 2, 0.940000);
INSERT INTO `{prefix}group` (`id_group`, `reduction`, `price_display_method`, `show_prices`, `date_add`, `date_upd`) VALUES
  (1, 0.00, 0, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  (2, 0.00, 0, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  (3, 0.00, 0, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00');
INSERT INTO `{prefix}group_shop` (`id_group`, `id_shop`) VALUES (1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2);
INSERT INTO `{prefix}carrier` (`id_carrier`, `id_reference`, `name`, `url`, `active`, `deleted`, `is_free`, `shipping_method`, `position`) VALUES
  (1, 1, 'Click and collect', '', 1, 0, 1, 0, 0),
  (2, 2, 'My carrier', 'https://tracking.example/@', 1, 0, 0, 1, 1);
INSERT INTO `{prefix}carrier_shop` (`id_carrier`, `id_shop`) VALUES (1, 1), (2, 1), (1, 2), (2, 2);
INSERT INTO `{prefix}employee` (`id_employee`, `id_profile`, `id_lang`, `lastname`, `firstname`, `email`, `passwd`, `active`) VALUES
  (1, 1, 1, 'Admin', 'Alpha', 'admin@alpha.example', '$2y$10$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 1);
INSERT INTO `{prefix}order_state` (`id_order_state`, `invoice`, `send_email`, `module_name`, `color`, `unremovable`, `hidden`, `logable`, `delivery`, `shipped`, `paid`, `pdf_invoice`, `pdf_delivery`, `deleted`) VALUES
  (1, 0, 1, 'ps_checkpayment', '#34209E', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (2, 1, 1, NULL, '#3498D8', 1, 0, 1, 0, 0, 1, 1, 0, 0),
  (3, 1, 1, NULL, '#3498D8', 1, 0, 1, 1, 0, 1, 0, 0, 0),
  (4, 1, 1, NULL, '#01B887', 1, 0, 1, 1, 1, 1, 0, 0, 0),
  (5, 1, 0, NULL, '#01B887', 1, 0, 1, 1, 1, 1, 0, 0, 0),
  (6, 0, 1, NULL, '#2C3E50', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (7, 1, 1, NULL, '#01B887', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (8, 0, 1, NULL, '#E74C3C', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (9, 1, 1, NULL, '#3498D8', 1, 0, 0, 0, 0, 1, 0, 0, 0),
  (10, 0, 1, 'ps_wirepayment', '#34209E', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (11, 1, 1, NULL, '#3498D8', 1, 0, 1, 0, 0, 1, 0, 0, 0),
  (12, 0, 1, NULL, '#34209E', 1, 0, 0, 0, 0, 0, 0, 0, 0),
  (13, 0, 0, 'ps_cashondelivery', '#34209E', 1, 0, 0, 0, 0, 0, 0, 0, 0);
INSERT INTO `{prefix}order_state_lang` (`id_order_state`, `id_lang`, `name`, `template`) VALUES
  (1, 1, 'Awaiting check payment', 'cheque'), (2, 1, 'Payment accepted', 'payment'),
  (3, 1, 'Processing in progress', 'preparation'), (4, 1, 'Shipped', 'shipped'),
  (5, 1, 'Delivered', ''), (6, 1, 'Canceled', 'order_canceled'), (7, 1, 'Refunded', 'refund'),
  (8, 1, 'Payment error', 'payment_error'), (9, 1, 'On backorder (paid)', 'outofstock'),
  (10, 1, 'Awaiting bank wire payment', 'bankwire'), (11, 1, 'Remote payment accepted', 'payment'),
  (12, 1, 'On backorder (not paid)', 'outofstock'),
  (13, 1, 'Awaiting Cash On Delivery validation', 'cashondelivery'),
  (1, 2, 'Warten auf Zahlungseingang Scheck', 'cheque'), (2, 2, 'Zahlung eingegangen', 'payment'),
  (3, 2, 'In Vorbereitung', 'preparation'), (4, 2, 'Versandt', 'shipped'),
  (5, 2, 'Zugestellt', ''), (6, 2, 'Storniert', 'order_canceled'), (7, 2, 'Erstattet', 'refund'),
  (8, 2, 'Zahlungsfehler', 'payment_error'), (9, 2, 'Artikel nicht auf Lager (bezahlt)', 'outofstock'),
  (10, 2, 'Warten auf Zahlungseingang Überweisung', 'bankwire'), (11, 2, 'Zahlung eingegangen (extern)', 'payment'),
  (12, 2, 'Artikel nicht auf Lager', 'outofstock'),
  (13, 2, 'Warten auf Bestätigung Nachnahme', 'cashondelivery');

-- German VAT (a localization pack's rules, reduced to the two rates) ----------------------------
INSERT INTO `{prefix}tax` (`id_tax`, `rate`, `active`, `deleted`) VALUES (1, 19.000, 1, 0), (2, 7.000, 1, 0);
INSERT INTO `{prefix}tax_lang` (`id_tax`, `id_lang`, `name`) VALUES
  (1, 1, 'USt. DE 19%'), (2, 1, 'USt. DE 7%'), (1, 2, 'USt. DE 19%'), (2, 2, 'USt. DE 7%');
INSERT INTO `{prefix}tax_rules_group` (`id_tax_rules_group`, `name`, `active`, `deleted`, `date_add`, `date_upd`) VALUES
  (1, 'DE Standard Rate (19%)', 1, 0, '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  (2, 'DE Reduced Rate (7%)', 1, 0, '2026-01-01 09:00:00', '2026-01-01 09:00:00');
INSERT INTO `{prefix}tax_rule` (`id_tax_rules_group`, `id_country`, `id_state`, `zipcode_from`, `zipcode_to`, `id_tax`, `behavior`, `description`) VALUES
  (1, 1, 0, '0', '0', 1, 0, ''), (2, 1, 0, '0', '0', 2, 0, '');

-- products: A-100 and A-200 for sale in both shops (A-200 switched off in the outlet), A-300 off --
INSERT INTO `{prefix}product` (`id_product`, `id_tax_rules_group`, `reference`, `price`, `wholesale_price`, `weight`, `active`, `date_add`, `date_upd`, `date_novelty`, `product_type`, `id_category_default`) VALUES
  (10, 1, 'A-100', 7.200000, 5.100000, 0.450000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'standard', 2),
  (11, 1, 'A-200', 10.800000, 7.300000, 0.800000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'standard', 2),
  (12, 1, 'A-300', 8.900000, 6.000000, 0.600000, 0, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'standard', 2);
INSERT INTO `{prefix}product_shop` (`id_product`, `id_shop`, `id_tax_rules_group`, `price`, `wholesale_price`, `active`, `date_add`, `date_upd`, `date_novelty`, `id_category_default`) VALUES
  (10, 1, 1, 7.200000, 5.100000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2),
  (11, 1, 1, 10.800000, 7.300000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2),
  (12, 1, 1, 8.900000, 6.000000, 0, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2),
  (10, 2, 1, 6.900000, 5.100000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2),
  (11, 2, 1, 10.800000, 7.300000, 0, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2);
INSERT INTO `{prefix}product_lang` (`id_product`, `id_shop`, `id_lang`, `link_rewrite`, `name`) VALUES
  (10, 1, 1, 'claw-hammer-450-g', 'Claw hammer 450 g'), (10, 1, 2, 'klauenhammer-450-g', 'Klauenhammer 450 g'),
  (11, 1, 1, 'screwdriver-set', 'Screwdriver set, 6 pieces'), (11, 1, 2, 'schraubendreher-set', 'Schraubendreher-Set, 6-teilig'),
  (12, 1, 1, 'spirit-level', 'Spirit level 60 cm'), (12, 1, 2, 'wasserwaage', 'Wasserwaage 60 cm'),
  (10, 2, 1, 'claw-hammer-450-g', 'Claw hammer 450 g (outlet)'), (10, 2, 2, 'klauenhammer-450-g', 'Klauenhammer 450 g (Outlet)'),
  (11, 2, 1, 'screwdriver-set', 'Screwdriver set, 6 pieces'), (11, 2, 2, 'schraubendreher-set', 'Schraubendreher-Set, 6-teilig');
INSERT INTO `{prefix}stock_available` (`id_product`, `id_product_attribute`, `id_shop`, `id_shop_group`, `quantity`, `physical_quantity`, `reserved_quantity`, `out_of_stock`) VALUES
  (10, 0, 1, 0, 500, 500, 0, 2), (11, 0, 1, 0, 300, 300, 0, 2), (12, 0, 1, 0, 0, 0, 0, 2),
  (10, 0, 2, 0, 40, 40, 0, 2), (11, 0, 2, 0, 0, 0, 0, 2);

-- work gloves in two sizes: a product with combinations, each with its own reference (the
-- SKU), price impact, weight and stock; the product's own stock row is their sum -------------
INSERT INTO `{prefix}product` (`id_product`, `id_tax_rules_group`, `reference`, `price`, `wholesale_price`, `weight`, `active`, `date_add`, `date_upd`, `date_novelty`, `product_type`, `id_category_default`, `cache_default_attribute`) VALUES
  (13, 1, 'A-400', 4.000000, 2.500000, 0.100000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'combinations', 2, 1);
INSERT INTO `{prefix}product_shop` (`id_product`, `id_shop`, `id_tax_rules_group`, `price`, `wholesale_price`, `active`, `date_add`, `date_upd`, `date_novelty`, `id_category_default`, `cache_default_attribute`) VALUES
  (13, 1, 1, 4.000000, 2.500000, 1, '2026-01-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 2, 1);
INSERT INTO `{prefix}product_lang` (`id_product`, `id_shop`, `id_lang`, `link_rewrite`, `name`) VALUES
  (13, 1, 1, 'work-gloves', 'Work gloves'), (13, 1, 2, 'arbeitshandschuhe', 'Arbeitshandschuhe');
INSERT INTO `{prefix}attribute_group` (`id_attribute_group`, `is_color_group`, `group_type`, `position`) VALUES
  (1, 0, 'select', 0), (2, 1, 'color', 1);
INSERT INTO `{prefix}attribute_group_lang` (`id_attribute_group`, `id_lang`, `name`, `public_name`) VALUES
  (1, 1, 'Size', 'Size'), (1, 2, 'Größe', 'Größe'), (2, 1, 'Color', 'Color'), (2, 2, 'Farbe', 'Farbe');
INSERT INTO `{prefix}attribute` (`id_attribute`, `id_attribute_group`, `color`, `position`) VALUES
  (1, 1, '', 0), (2, 1, '', 1), (3, 2, '#333333', 0);
INSERT INTO `{prefix}attribute_lang` (`id_attribute`, `id_lang`, `name`) VALUES
  (1, 1, 'M'), (1, 2, 'M'), (2, 1, 'L'), (2, 2, 'L'), (3, 1, 'Black'), (3, 2, 'Schwarz');
INSERT INTO `{prefix}product_attribute` (`id_product_attribute`, `id_product`, `reference`, `wholesale_price`, `price`, `weight`, `default_on`) VALUES
  (1, 13, 'A-400-M', 2.500000, 0.000000, 0.000000, 1),
  (2, 13, 'A-400-L', 2.600000, 0.500000, 0.020000, NULL);
INSERT INTO `{prefix}product_attribute_shop` (`id_product`, `id_product_attribute`, `id_shop`, `wholesale_price`, `price`, `weight`, `default_on`) VALUES
  (13, 1, 1, 2.500000, 0.000000, 0.000000, 1),
  (13, 2, 1, 2.600000, 0.500000, 0.020000, NULL);
INSERT INTO `{prefix}product_attribute_combination` (`id_attribute`, `id_product_attribute`) VALUES
  (1, 1), (3, 1), (2, 2), (3, 2);
INSERT INTO `{prefix}stock_available` (`id_product`, `id_product_attribute`, `id_shop`, `id_shop_group`, `quantity`, `physical_quantity`, `reserved_quantity`, `out_of_stock`) VALUES
  (13, 0, 1, 0, 70, 70, 0, 2), (13, 1, 1, 0, 50, 50, 0, 2), (13, 2, 1, 0, 20, 20, 0, 2);

-- customers: the demo customer, Anna (her email with capitals, as she typed it when she
-- registered) and the distributor's own account, each with an address --------------------------
INSERT INTO `{prefix}customer` (`id_customer`, `id_shop_group`, `id_shop`, `id_gender`, `id_default_group`, `id_lang`, `firstname`, `lastname`, `email`, `passwd`, `secure_key`, `active`, `date_add`, `date_upd`, `company`) VALUES
  (1, 1, 1, 1, 3, 1, 'John', 'DOE', 'pub@prestashop.com', '$2y$10$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'a0000000000000000000000000000001', 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00', NULL),
  (2, 1, 1, 2, 3, 2, 'Anna', 'Schmidt', 'Anna.Schmidt@Example.com', '$2y$10$bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'a0000000000000000000000000000002', 1, '2026-01-02 09:00:00', '2026-01-02 09:00:00', NULL),
  (3, 1, 1, 0, 3, 1, 'ACME', 'Distribution', 'orders@acme.example', '$2y$10$ccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'a0000000000000000000000000000003', 1, '2026-01-03 09:00:00', '2026-01-03 09:00:00', 'ACME Distribution GmbH');
INSERT INTO `{prefix}customer_group` (`id_customer`, `id_group`) VALUES (1, 3), (2, 3), (3, 3);
INSERT INTO `{prefix}address` (`id_address`, `id_country`, `id_state`, `id_customer`, `alias`, `company`, `lastname`, `firstname`, `address1`, `address2`, `postcode`, `city`, `phone`, `date_add`, `date_upd`) VALUES
  (1, 8, 0, 1, 'Mon adresse', 'My Company', 'DOE', 'John', '16, Main street', '2nd floor', '75002', 'Paris', '0102030405', '2026-01-01 09:00:00', '2026-01-01 09:00:00'),
  (2, 1, 0, 2, 'Zuhause', NULL, 'Schmidt', 'Anna', 'Hauptstr. 1', NULL, '10115', 'Berlin', '+49 30 1234567', '2026-01-02 09:00:00', '2026-01-02 09:00:00'),
  (3, 1, 0, 3, 'Firma', 'ACME Distribution GmbH', 'Distribution', 'ACME', 'Hafenweg 5', NULL, '20457', 'Hamburg', '+49 40 9999999', '2026-01-03 09:00:00', '2026-01-03 09:00:00');
