-- WordPress 6 + WooCommerce 8/9 tables that orderexchange reads or writes, written by us for the
-- tests from the install definitions: WordPress wp-admin/includes/schema.php (options, posts,
-- postmeta, users, usermeta), WooCommerce plugins/woocommerce/includes/class-wc-install.php
-- get_schema() (order items and item meta, tax rates, product meta lookup, the analytics tables
-- wc_order_stats / wc_order_product_lookup / wc_customer_lookup) and
-- src/Internal/DataStores/Orders/OrdersTableDataStore.php get_database_schema() (the HPOS tables
-- wc_orders, wc_order_addresses, wc_order_operational_data, wc_orders_meta), WooCommerce 9.x.
-- Tables and columns the connector never touches are left out; every NOT NULL column without a
-- default of the tables kept is kept. wc_orders.id has no AUTO_INCREMENT: an HPOS order takes
-- the id of a row in posts (its placeholder, or the synchronised order post).
-- {prefix} is the site's table prefix, {engine} the storage engine.
-- The rows at the end are what a freshly installed shop has (its options) plus three products,
-- one known customer, the distributor's own account and the two German tax rates.

CREATE TABLE `{prefix}options` (
  `option_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `option_name` varchar(191) NOT NULL DEFAULT '',
  `option_value` longtext NOT NULL,
  `autoload` varchar(20) NOT NULL DEFAULT 'yes',
  PRIMARY KEY (`option_id`),
  UNIQUE KEY `option_name` (`option_name`),
  KEY `autoload` (`autoload`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}posts` (
  `ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `post_author` bigint(20) unsigned NOT NULL DEFAULT '0',
  `post_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `post_date_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `post_content` longtext NOT NULL,
  `post_title` text NOT NULL,
  `post_excerpt` text NOT NULL,
  `post_status` varchar(20) NOT NULL DEFAULT 'publish',
  `comment_status` varchar(20) NOT NULL DEFAULT 'open',
  `ping_status` varchar(20) NOT NULL DEFAULT 'open',
  `post_password` varchar(255) NOT NULL DEFAULT '',
  `post_name` varchar(200) NOT NULL DEFAULT '',
  `to_ping` text NOT NULL,
  `pinged` text NOT NULL,
  `post_modified` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `post_modified_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `post_content_filtered` longtext NOT NULL,
  `post_parent` bigint(20) unsigned NOT NULL DEFAULT '0',
  `guid` varchar(255) NOT NULL DEFAULT '',
  `menu_order` int(11) NOT NULL DEFAULT '0',
  `post_type` varchar(20) NOT NULL DEFAULT 'post',
  `post_mime_type` varchar(100) NOT NULL DEFAULT '',
  `comment_count` bigint(20) NOT NULL DEFAULT '0',
  PRIMARY KEY (`ID`),
  KEY `post_name` (`post_name`(191)),
  KEY `type_status_date` (`post_type`, `post_status`, `post_date`, `ID`),
  KEY `post_parent` (`post_parent`),
  KEY `post_author` (`post_author`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}postmeta` (
  `meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `post_id` bigint(20) unsigned NOT NULL DEFAULT '0',
  `meta_key` varchar(255) DEFAULT NULL,
  `meta_value` longtext,
  PRIMARY KEY (`meta_id`),
  KEY `post_id` (`post_id`),
  KEY `meta_key` (`meta_key`(191))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}users` (
  `ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `user_login` varchar(60) NOT NULL DEFAULT '',
  `user_pass` varchar(255) NOT NULL DEFAULT '',
  `user_nicename` varchar(50) NOT NULL DEFAULT '',
  `user_email` varchar(100) NOT NULL DEFAULT '',
  `user_url` varchar(100) NOT NULL DEFAULT '',
  `user_registered` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `user_activation_key` varchar(255) NOT NULL DEFAULT '',
  `user_status` int(11) NOT NULL DEFAULT '0',
  `display_name` varchar(250) NOT NULL DEFAULT '',
  PRIMARY KEY (`ID`),
  KEY `user_login_key` (`user_login`),
  KEY `user_nicename` (`user_nicename`),
  KEY `user_email` (`user_email`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}usermeta` (
  `umeta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `user_id` bigint(20) unsigned NOT NULL DEFAULT '0',
  `meta_key` varchar(255) DEFAULT NULL,
  `meta_value` longtext,
  PRIMARY KEY (`umeta_id`),
  KEY `user_id` (`user_id`),
  KEY `meta_key` (`meta_key`(191))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}woocommerce_order_items` (
  `order_item_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `order_item_name` text NOT NULL,
  `order_item_type` varchar(200) NOT NULL DEFAULT '',
  `order_id` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`order_item_id`),
  KEY `order_id` (`order_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}woocommerce_order_itemmeta` (
  `meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `order_item_id` bigint(20) unsigned NOT NULL,
  `meta_key` varchar(255) DEFAULT NULL,
  `meta_value` longtext,
  PRIMARY KEY (`meta_id`),
  KEY `order_item_id` (`order_item_id`),
  KEY `meta_key` (`meta_key`(32))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}woocommerce_tax_rates` (
  `tax_rate_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `tax_rate_country` varchar(2) NOT NULL DEFAULT '',
  `tax_rate_state` varchar(200) NOT NULL DEFAULT '',
  `tax_rate` varchar(8) NOT NULL DEFAULT '',
  `tax_rate_name` varchar(200) NOT NULL DEFAULT '',
  `tax_rate_priority` bigint(20) unsigned NOT NULL,
  `tax_rate_compound` int(1) NOT NULL DEFAULT 0,
  `tax_rate_shipping` int(1) NOT NULL DEFAULT 1,
  `tax_rate_order` bigint(20) unsigned NOT NULL,
  `tax_rate_class` varchar(200) NOT NULL DEFAULT '',
  PRIMARY KEY (`tax_rate_id`),
  KEY `tax_rate_country` (`tax_rate_country`),
  KEY `tax_rate_class` (`tax_rate_class`(10))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_product_meta_lookup` (
  `product_id` bigint(20) NOT NULL,
  `sku` varchar(100) NULL DEFAULT '',
  `global_unique_id` varchar(100) NULL DEFAULT '',
  `virtual` tinyint(1) NULL DEFAULT 0,
  `downloadable` tinyint(1) NULL DEFAULT 0,
  `min_price` decimal(19,4) NULL DEFAULT NULL,
  `max_price` decimal(19,4) NULL DEFAULT NULL,
  `onsale` tinyint(1) NULL DEFAULT 0,
  `stock_quantity` double NULL DEFAULT NULL,
  `stock_status` varchar(100) NULL DEFAULT 'instock',
  `rating_count` bigint(20) NULL DEFAULT 0,
  `average_rating` decimal(3,2) NULL DEFAULT 0.00,
  `total_sales` bigint(20) NULL DEFAULT 0,
  `tax_status` varchar(100) NULL DEFAULT 'taxable',
  `tax_class` varchar(100) NULL DEFAULT '',
  PRIMARY KEY (`product_id`),
  KEY `stock_status` (`stock_status`),
  KEY `sku` (`sku`(50))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_orders` (
  `id` bigint(20) unsigned NOT NULL,
  `status` varchar(20) NULL,
  `currency` varchar(10) NULL,
  `type` varchar(20) NULL,
  `tax_amount` decimal(26,8) NULL,
  `total_amount` decimal(26,8) NULL,
  `customer_id` bigint(20) unsigned NULL,
  `billing_email` varchar(320) NULL,
  `date_created_gmt` datetime NULL,
  `date_updated_gmt` datetime NULL,
  `parent_order_id` bigint(20) unsigned NULL,
  `payment_method` varchar(100) NULL,
  `payment_method_title` text NULL,
  `transaction_id` varchar(100) NULL,
  `ip_address` varchar(100) NULL,
  `user_agent` text NULL,
  `customer_note` text NULL,
  PRIMARY KEY (`id`),
  KEY `status` (`status`),
  KEY `date_created` (`date_created_gmt`),
  KEY `customer_id_billing_email` (`customer_id`, `billing_email`(171)),
  KEY `billing_email` (`billing_email`(191)),
  KEY `type_status_date` (`type`, `status`, `date_created_gmt`),
  KEY `parent_order_id` (`parent_order_id`),
  KEY `date_updated` (`date_updated_gmt`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_order_addresses` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `order_id` bigint(20) unsigned NOT NULL,
  `address_type` varchar(20) NULL,
  `first_name` text NULL,
  `last_name` text NULL,
  `company` text NULL,
  `address_1` text NULL,
  `address_2` text NULL,
  `city` text NULL,
  `state` text NULL,
  `postcode` text NULL,
  `country` text NULL,
  `email` varchar(320) NULL,
  `phone` varchar(100) NULL,
  KEY `order_id` (`order_id`),
  UNIQUE KEY `address_type_order_id` (`address_type`, `order_id`),
  KEY `email` (`email`(191)),
  KEY `phone` (`phone`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_order_operational_data` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `order_id` bigint(20) unsigned NULL,
  `created_via` varchar(100) NULL,
  `woocommerce_version` varchar(20) NULL,
  `prices_include_tax` tinyint(1) NULL,
  `coupon_usages_are_counted` tinyint(1) NULL,
  `download_permission_granted` tinyint(1) NULL,
  `cart_hash` varchar(100) NULL,
  `new_order_email_sent` tinyint(1) NULL,
  `order_key` varchar(100) NULL,
  `order_stock_reduced` tinyint(1) NULL,
  `date_paid_gmt` datetime NULL,
  `date_completed_gmt` datetime NULL,
  `shipping_tax_amount` decimal(26,8) NULL,
  `shipping_total_amount` decimal(26,8) NULL,
  `discount_tax_amount` decimal(26,8) NULL,
  `discount_total_amount` decimal(26,8) NULL,
  `recorded_sales` tinyint(1) NULL,
  UNIQUE KEY `order_id` (`order_id`),
  KEY `order_key` (`order_key`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_orders_meta` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `order_id` bigint(20) unsigned NULL,
  `meta_key` varchar(255),
  `meta_value` text NULL,
  KEY `meta_key_value` (`meta_key`(100), `meta_value`(82)),
  KEY `order_id_meta_key_meta_value` (`order_id`, `meta_key`(100), `meta_value`(82))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_order_stats` (
  `order_id` bigint(20) unsigned NOT NULL,
  `parent_id` bigint(20) unsigned NOT NULL DEFAULT 0,
  `date_created` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `date_created_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `date_paid` datetime DEFAULT '0000-00-00 00:00:00',
  `date_completed` datetime DEFAULT '0000-00-00 00:00:00',
  `num_items_sold` int(11) NOT NULL DEFAULT 0,
  `total_sales` double NOT NULL DEFAULT 0,
  `tax_total` double NOT NULL DEFAULT 0,
  `shipping_total` double NOT NULL DEFAULT 0,
  `net_total` double NOT NULL DEFAULT 0,
  `returning_customer` tinyint(1) DEFAULT NULL,
  `status` varchar(200) NOT NULL,
  `customer_id` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`order_id`),
  KEY `date_created` (`date_created`),
  KEY `customer_id` (`customer_id`),
  KEY `status` (`status`(191))
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_order_product_lookup` (
  `order_item_id` bigint(20) unsigned NOT NULL,
  `order_id` bigint(20) unsigned NOT NULL,
  `product_id` bigint(20) unsigned NOT NULL,
  `variation_id` bigint(20) unsigned NOT NULL,
  `customer_id` bigint(20) unsigned NULL,
  `date_created` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `product_qty` int(11) NOT NULL,
  `product_net_revenue` double NOT NULL DEFAULT 0,
  `product_gross_revenue` double NOT NULL DEFAULT 0,
  `coupon_amount` double NOT NULL DEFAULT 0,
  `tax_amount` double NOT NULL DEFAULT 0,
  `shipping_amount` double NOT NULL DEFAULT 0,
  `shipping_tax_amount` double NOT NULL DEFAULT 0,
  PRIMARY KEY (`order_item_id`, `order_id`),
  KEY `order_id` (`order_id`),
  KEY `product_id` (`product_id`),
  KEY `customer_id` (`customer_id`),
  KEY `date_created` (`date_created`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE `{prefix}wc_customer_lookup` (
  `customer_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `user_id` bigint(20) unsigned DEFAULT NULL,
  `username` varchar(60) NOT NULL DEFAULT '',
  `first_name` varchar(255) NOT NULL,
  `last_name` varchar(255) NOT NULL,
  `email` varchar(100) NULL DEFAULT NULL,
  `date_last_active` timestamp NULL DEFAULT NULL,
  `date_registered` timestamp NULL DEFAULT NULL,
  `country` char(2) NOT NULL DEFAULT '',
  `postcode` varchar(20) NOT NULL DEFAULT '',
  `city` varchar(100) NOT NULL DEFAULT '',
  `state` varchar(100) NOT NULL DEFAULT '',
  PRIMARY KEY (`customer_id`),
  UNIQUE KEY `user_id` (`user_id`),
  KEY `email` (`email`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

-- a stock shop's options (HPOS on, compatibility mode off: a new shop since WooCommerce 8.2) -----
INSERT INTO `{prefix}options` (`option_name`, `option_value`, `autoload`) VALUES
  ('siteurl', 'https://shop.alpha.example', 'yes'),
  ('blogname', 'Alpha Tools Shop', 'yes'),
  ('timezone_string', 'Europe/Berlin', 'yes'),
  ('gmt_offset', '', 'yes'),
  ('woocommerce_version', '9.4.2', 'yes'),
  ('woocommerce_db_version', '9.4.2', 'yes'),
  ('woocommerce_currency', 'EUR', 'yes'),
  ('woocommerce_default_country', 'DE:BE', 'yes'),
  ('woocommerce_prices_include_tax', 'no', 'yes'),
  ('woocommerce_calc_taxes', 'yes', 'yes'),
  ('woocommerce_custom_orders_table_enabled', 'yes', 'yes'),
  ('woocommerce_custom_orders_table_data_sync_enabled', 'no', 'yes'),
  ('woocommerce_custom_orders_table_created', 'yes', 'yes');

-- products: A-100 and A-200 published, A-300 a draft (not for sale) --------------------------
INSERT INTO `{prefix}posts` (`ID`, `post_author`, `post_date`, `post_date_gmt`, `post_content`, `post_title`, `post_excerpt`, `post_status`, `post_name`, `to_ping`, `pinged`, `post_modified`, `post_modified_gmt`, `post_content_filtered`, `post_type`) VALUES
  (10, 1, '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'Claw hammer 450 g', '', 'publish', 'claw-hammer-450-g', '', '', '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'product'),
  (11, 1, '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'Screwdriver set, 6 pieces', '', 'publish', 'screwdriver-set', '', '', '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'product'),
  (12, 1, '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'Spirit level 60 cm', '', 'draft', 'spirit-level', '', '', '2026-01-01 10:00:00', '2026-01-01 09:00:00', '', 'product');
INSERT INTO `{prefix}postmeta` (`post_id`, `meta_key`, `meta_value`) VALUES
  (10, '_sku', 'A-100'), (10, '_price', '7.20'), (10, '_regular_price', '7.20'), (10, '_stock', '500'), (10, '_manage_stock', 'yes'), (10, '_stock_status', 'instock'),
  (11, '_sku', 'A-200'), (11, '_price', '10.80'), (11, '_regular_price', '10.80'), (11, '_stock', '300'), (11, '_manage_stock', 'yes'), (11, '_stock_status', 'instock'),
  (12, '_sku', 'A-300'), (12, '_price', '8.90'), (12, '_regular_price', '8.90'), (12, '_manage_stock', 'no'), (12, '_stock_status', 'instock');
INSERT INTO `{prefix}wc_product_meta_lookup` (`product_id`, `sku`, `min_price`, `max_price`, `stock_quantity`, `stock_status`) VALUES
  (10, 'A-100', 7.2000, 7.2000, 500, 'instock'),
  (11, 'A-200', 10.8000, 10.8000, 300, 'instock'),
  (12, 'A-300', 8.9000, 8.9000, NULL, 'instock');

-- the German standard and reduced VAT rates ---------------------------------------------------
INSERT INTO `{prefix}woocommerce_tax_rates` (`tax_rate_id`, `tax_rate_country`, `tax_rate`, `tax_rate_name`, `tax_rate_priority`, `tax_rate_order`, `tax_rate_class`) VALUES
  (1, 'DE', '19.0000', 'MwSt.', 1, 0, ''),
  (2, 'DE', '7.0000', 'MwSt. ermäßigt', 1, 1, 'reduced-rate');

-- users: the site's administrator, the known customer Anna (her email with capitals, as she
-- typed it when she registered) and the distributor's own customer account --------------------
INSERT INTO `{prefix}users` (`ID`, `user_login`, `user_pass`, `user_nicename`, `user_email`, `user_registered`, `display_name`) VALUES
  (1, 'admin', '$P$Bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'admin', 'admin@alpha.example', '2026-01-01 09:00:00', 'admin'),
  (2, 'anna.schmidt', '$P$Byyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'anna-schmidt', 'Anna.Schmidt@Example.com', '2026-01-02 09:00:00', 'Anna Schmidt'),
  (3, 'acme', '$P$Bzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'acme', 'orders@acme.example', '2026-01-03 09:00:00', 'ACME Distribution');
INSERT INTO `{prefix}usermeta` (`user_id`, `meta_key`, `meta_value`) VALUES
  (1, '{prefix}capabilities', 'a:1:{s:13:"administrator";b:1;}'), (1, '{prefix}user_level', '10'),
  (2, '{prefix}capabilities', 'a:1:{s:8:"customer";b:1;}'), (2, '{prefix}user_level', '0'),
  (2, 'first_name', 'Anna'), (2, 'last_name', 'Schmidt'), (2, 'nickname', 'anna.schmidt'),
  (2, 'billing_first_name', 'Anna'), (2, 'billing_last_name', 'Schmidt'), (2, 'billing_address_1', 'Hauptstr. 1'),
  (2, 'billing_postcode', '10115'), (2, 'billing_city', 'Berlin'), (2, 'billing_country', 'DE'),
  (2, 'billing_email', 'Anna.Schmidt@Example.com'), (2, 'billing_phone', '+49301234567'),
  (3, '{prefix}capabilities', 'a:1:{s:8:"customer";b:1;}'), (3, '{prefix}user_level', '0'),
  (3, 'first_name', 'ACME'), (3, 'last_name', 'Distribution'), (3, 'nickname', 'acme'),
  (3, 'billing_first_name', 'ACME'), (3, 'billing_last_name', 'Distribution'), (3, 'billing_company', 'ACME Distribution GmbH'),
  (3, 'billing_address_1', 'Hafenweg 5'), (3, 'billing_postcode', '20457'), (3, 'billing_city', 'Hamburg'),
  (3, 'billing_country', 'DE'), (3, 'billing_email', 'orders@acme.example'), (3, 'billing_phone', '+49 40 9999999');
INSERT INTO `{prefix}wc_customer_lookup` (`customer_id`, `user_id`, `username`, `first_name`, `last_name`, `email`, `date_registered`, `country`, `postcode`, `city`) VALUES
  (1, 2, 'anna.schmidt', 'Anna', 'Schmidt', 'Anna.Schmidt@Example.com', '2026-01-02 09:00:00', 'DE', '10115', 'Berlin'),
  (2, 3, 'acme', 'ACME', 'Distribution', 'orders@acme.example', '2026-01-03 09:00:00', 'DE', '20457', 'Hamburg');
