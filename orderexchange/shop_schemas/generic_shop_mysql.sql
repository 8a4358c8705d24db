-- "ShopKit": a made-up shop for the generic SQL connector, shaped like the small custom shops
-- suppliers run: an order table with an order number from a counter table, a free-text
-- external-reference column, a text status; items, sums and a status log; customers with a
-- default address whose id is a UUID; products and countries to look up.
-- The traps of real shops are kept: NOT NULL columns without defaults that the mapping does not
-- mention (shop_order.internal_note, shop_customer.notes), a reserved word as a column name
-- (shop_order_sum.`key`), and {engine} for the storage engine (MyISAM: no transactions).

CREATE TABLE `shop_counter` (
  `name` varchar(32) NOT NULL,
  `value` int NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_country` (
  `id` int NOT NULL,
  `iso` char(2) NOT NULL,
  `name` varchar(64) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_product` (
  `id` int NOT NULL AUTO_INCREMENT,
  `sku` varchar(32) NOT NULL,
  `title` varchar(128) NOT NULL,
  `active` tinyint(1) NOT NULL DEFAULT '1',
  `price` decimal(12,2) NOT NULL,
  `stock` int NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  KEY `sku` (`sku`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_customer` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(120) NOT NULL,
  `first_name` varchar(40) NOT NULL,
  `last_name` varchar(40) NOT NULL,
  `phone` varchar(32) NOT NULL,
  `company` varchar(80) NOT NULL DEFAULT '',
  `default_address` char(36) DEFAULT NULL,
  `marketing` tinyint(1) NOT NULL,
  `notes` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `email` (`email`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_address` (
  `id` char(36) NOT NULL,
  `customer_id` int NOT NULL,
  `name` varchar(80) NOT NULL,
  `street` varchar(80) NOT NULL,
  `house_no` varchar(10) NOT NULL,
  `zip` varchar(10) NOT NULL,
  `city` varchar(60) NOT NULL,
  `country_id` int NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_order` (
  `id` int NOT NULL AUTO_INCREMENT,
  `order_no` int NOT NULL,
  `ext_ref` varchar(40) NOT NULL DEFAULT '',
  `status` varchar(16) NOT NULL,
  `customer_id` int NOT NULL,
  `email` varchar(120) NOT NULL,
  `bill_name` varchar(80) NOT NULL,
  `bill_company` varchar(80) NOT NULL,
  `bill_street` varchar(120) NOT NULL,
  `bill_zip` varchar(10) NOT NULL,
  `bill_city` varchar(60) NOT NULL,
  `bill_country_id` int NOT NULL,
  `ship_name` varchar(80) NOT NULL,
  `ship_street` varchar(120) NOT NULL,
  `ship_zip` varchar(10) NOT NULL,
  `ship_city` varchar(60) NOT NULL,
  `ship_country` char(2) NOT NULL,
  `currency` char(3) NOT NULL,
  `net` decimal(12,2) NOT NULL,
  `tax` decimal(12,2) NOT NULL,
  `shipping` decimal(12,2) NOT NULL,
  `gross` decimal(12,2) NOT NULL,
  `placed_at` datetime NOT NULL,
  `tracking` varchar(64) DEFAULT NULL,
  `shipped_at` datetime DEFAULT NULL,
  `internal_note` text NOT NULL,
  PRIMARY KEY (`id`),
  KEY `ext_ref` (`ext_ref`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_order_item` (
  `id` int NOT NULL AUTO_INCREMENT,
  `order_id` int NOT NULL,
  `product_id` int NOT NULL,
  `sku` varchar(32) NOT NULL,
  `title` varchar(128) NOT NULL,
  `qty` int NOT NULL,
  `unit_net` decimal(12,4) NOT NULL,
  `vat_rate` decimal(5,2) NOT NULL,
  `line_net` decimal(12,2) NOT NULL,
  `line_vat` decimal(12,2) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `order_id` (`order_id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_order_sum` (
  `id` int NOT NULL AUTO_INCREMENT,
  `order_id` int NOT NULL,
  `key` varchar(16) NOT NULL,
  `label` varchar(64) NOT NULL,
  `amount` decimal(12,2) NOT NULL,
  `pos` int NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

CREATE TABLE `shop_order_log` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `order_id` int NOT NULL,
  `status` varchar(16) NOT NULL,
  `message` text NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4;

INSERT INTO `shop_counter` VALUES ('order', 5000);
INSERT INTO `shop_country` VALUES (1, 'DE', 'Deutschland'), (2, 'AT', 'Österreich');
INSERT INTO `shop_product` (`id`, `sku`, `title`, `active`, `price`, `stock`) VALUES
  (11, 'A-100', 'Klauenhammer 450 g', 1, 11.78, 100),
  (12, 'A-200', 'Schraubendreher-Satz', 1, 17.26, 100),
  (13, 'A-300', 'Wasserwaage 60 cm', 0, 14.28, 100);
INSERT INTO `shop_customer` (`id`, `email`, `first_name`, `last_name`, `phone`, `default_address`, `marketing`, `notes`, `created_at`) VALUES
  (1, 'Anna.Schmidt@example.com', 'Anna', 'Schmidt', '+49 30 1234567', NULL, 0, '', '2026-01-01 00:00:00'),
  (2, 'orders@acme.example', 'ACME', 'Distribution', '+49 40 9999999', NULL, 0, '', '2026-01-01 00:00:00');
UPDATE `shop_customer` SET `company` = 'ACME Distribution GmbH' WHERE `id` = 2;
