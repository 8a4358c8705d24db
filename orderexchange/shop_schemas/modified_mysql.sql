-- modified eCommerce tables that orderexchange reads or writes, with the columns, types and
-- NOT NULL-ness that the shop's installer declares (checked against modified-shop v3.3.0,
-- _installer/includes/sql/modified.sql; v2.0.7.2 differs only where noted below). Many NOT NULL
-- columns have no default: the shop's own checkout leaves them to its lax `sql_mode=''`
-- connection (SPEC §10), so under strict mode we must fill every one of them (e.g. orders.
-- languages_id, campaign, content_type; orders_products.products_price_origin, products_vpe;
-- address_book.entry_company / entry_suburb / entry_state). Written by us for the tests from
-- what the installer declares, not copied; only tables we touch, all of their columns.
-- {prefix} is the table prefix, {engine} the storage engine.
-- Reference rows as a stock shop ships them: languages 1 English / 2 Deutsch, customer groups
-- 0 Admin, 1 Guest, 2 New customer, 3 Merchant (net prices), order statuses 1–4, the countries
-- (stock ids and address formats) our realistic test orders come from.
-- v2.0.7.2: customers_password is 60 characters; orders has no content_type; orders_products
-- has no products_weight_origin / products_vpe / products_vpe_value.

CREATE TABLE {prefix}customers_status (
  customers_status_id int NOT NULL DEFAULT 0,
  language_id int NOT NULL,
  customers_status_name varchar(32) NOT NULL DEFAULT '',
  customers_status_public int(1) NOT NULL DEFAULT 1,
  customers_status_min_order int(7) DEFAULT NULL,
  customers_status_max_order int(7) DEFAULT NULL,
  customers_status_image varchar(64) DEFAULT NULL,
  customers_status_discount decimal(5,2) DEFAULT 0.00,
  customers_status_ot_discount_flag char(1) NOT NULL DEFAULT '0',
  customers_status_ot_discount decimal(5,2) DEFAULT 0.00,
  customers_status_graduated_prices varchar(1) NOT NULL DEFAULT '0',
  customers_status_show_price int(1) NOT NULL DEFAULT 1,
  customers_status_show_price_tax int(1) NOT NULL DEFAULT 1,
  customers_status_show_tax_total int(7) DEFAULT 150,
  customers_status_add_tax_ot int(1) NOT NULL DEFAULT 0,
  customers_status_payment_unallowed varchar(255) NOT NULL,
  customers_status_shipping_unallowed varchar(255) NOT NULL,
  customers_status_discount_attributes int(1) NOT NULL DEFAULT 0,
  customers_fsk18 int(1) NOT NULL DEFAULT 1,
  customers_fsk18_display int(1) NOT NULL DEFAULT 1,
  customers_status_write_reviews int(1) NOT NULL DEFAULT 1,
  customers_status_read_reviews int(1) NOT NULL DEFAULT 1,
  customers_status_reviews_status int(1) NOT NULL DEFAULT 1,
  customers_status_specials int(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (customers_status_id, language_id),
  UNIQUE KEY idx_customers_status_name (customers_status_name, language_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}customers (
  customers_id int NOT NULL AUTO_INCREMENT,
  customers_cid varchar(32) NOT NULL,
  customers_vat_id varchar(20) NOT NULL,
  customers_vat_id_status int(2) NOT NULL DEFAULT 0,
  customers_warning varchar(32) NOT NULL,
  customers_status int(5) NOT NULL DEFAULT 1,
  customers_gender char(1) NOT NULL,
  customers_firstname varchar(64) NOT NULL,
  customers_lastname varchar(64) NOT NULL,
  customers_dob datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  customers_email_address varchar(255) NOT NULL,
  customers_default_address_id int NOT NULL,
  customers_telephone varchar(32) NOT NULL,
  customers_fax varchar(32) NOT NULL,
  customers_password varchar(255) NOT NULL,
  customers_password_time int NOT NULL DEFAULT 0,
  customers_newsletter char(1) DEFAULT NULL,
  member_flag char(1) NOT NULL DEFAULT '0',
  delete_user char(1) NOT NULL DEFAULT '1',
  account_type int(1) NOT NULL DEFAULT 0,
  password_request_key varchar(32) NOT NULL,
  password_request_time datetime DEFAULT '0000-00-00 00:00:00',
  payment_unallowed varchar(255) NOT NULL,
  shipping_unallowed varchar(255) NOT NULL,
  refferers_id int NOT NULL DEFAULT 0,
  customers_date_added datetime DEFAULT '0000-00-00 00:00:00',
  customers_last_modified datetime DEFAULT '0000-00-00 00:00:00',
  PRIMARY KEY (customers_id),
  KEY idx_customers_email_address (customers_email_address),
  KEY idx_customers_status (customers_status),
  KEY idx_account_type (account_type),
  KEY idx_customers_default_address_id (customers_default_address_id),
  KEY idx_customers_date_added (customers_date_added)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}customers_info (
  customers_info_id int NOT NULL,
  customers_info_date_of_last_logon datetime DEFAULT NULL,
  customers_info_number_of_logons int(5) DEFAULT NULL,
  customers_info_date_account_created datetime DEFAULT NULL,
  customers_info_date_account_last_modified datetime DEFAULT NULL,
  global_product_notifications int(1) DEFAULT 0,
  PRIMARY KEY (customers_info_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}address_book (
  address_book_id int NOT NULL AUTO_INCREMENT,
  customers_id int NOT NULL,
  entry_gender char(1) NOT NULL,
  entry_company varchar(64) NOT NULL,
  entry_firstname varchar(64) NOT NULL,
  entry_lastname varchar(64) NOT NULL,
  entry_street_address varchar(64) NOT NULL,
  entry_suburb varchar(32) NOT NULL,
  entry_postcode varchar(10) NOT NULL,
  entry_city varchar(64) NOT NULL,
  entry_state varchar(64) NOT NULL,
  entry_country_id int NOT NULL DEFAULT 0,
  entry_zone_id int NOT NULL DEFAULT 0,
  address_date_added datetime DEFAULT '0000-00-00 00:00:00',
  address_last_modified datetime DEFAULT '0000-00-00 00:00:00',
  PRIMARY KEY (address_book_id),
  KEY idx_customers_id (customers_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}countries (
  countries_id int NOT NULL AUTO_INCREMENT,
  countries_name varchar(64) NOT NULL,
  countries_iso_code_2 char(2) NOT NULL,
  countries_iso_code_3 char(3) NOT NULL,
  address_format_id int NOT NULL,
  status int(1) DEFAULT 1,
  required_zones int(1) DEFAULT 0,
  sort_order int(4) NOT NULL DEFAULT 0,
  PRIMARY KEY (countries_id),
  KEY idx_countries_name (countries_name),
  KEY idx_status (status),
  KEY idx_sort_order (sort_order),
  UNIQUE KEY idx_countries_iso_code_2 (countries_iso_code_2),
  UNIQUE KEY idx_countries_iso_code_3 (countries_iso_code_3)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- `value` is a FLOAT(13,8) in the installer (not a DECIMAL): rates come back as binary floats
CREATE TABLE {prefix}currencies (
  currencies_id int NOT NULL AUTO_INCREMENT,
  title varchar(32) NOT NULL,
  code char(3) NOT NULL,
  symbol_left varchar(12) DEFAULT NULL,
  symbol_right varchar(12) DEFAULT NULL,
  decimal_point char(1) DEFAULT NULL,
  thousands_point char(1) DEFAULT NULL,
  decimal_places char(1) DEFAULT NULL,
  value float(13,8) DEFAULT NULL,
  last_updated datetime DEFAULT NULL,
  status int(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (currencies_id),
  UNIQUE KEY idx_code (code),
  KEY idx_status (status)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}products (
  products_id int NOT NULL AUTO_INCREMENT,
  products_ean varchar(128) DEFAULT NULL,
  products_quantity int(4) NOT NULL,
  products_shippingtime int(4) NOT NULL,
  products_model varchar(64) DEFAULT NULL,
  group_permission_0 tinyint(1) NOT NULL,
  group_permission_1 tinyint(1) NOT NULL,
  group_permission_2 tinyint(1) NOT NULL,
  group_permission_3 tinyint(1) NOT NULL,
  group_permission_4 tinyint(1) NOT NULL,
  products_sort int(4) NOT NULL DEFAULT 0,
  products_image varchar(255) NOT NULL,
  products_price decimal(15,4) NOT NULL,
  products_discount_allowed decimal(5,2) NOT NULL DEFAULT 0.00,
  products_date_added datetime NOT NULL,
  products_last_modified datetime DEFAULT NULL,
  products_date_available datetime DEFAULT NULL,
  products_weight decimal(15,4) NOT NULL,
  products_status int(1) NOT NULL,
  products_tax_class_id int NOT NULL,
  product_template varchar(64) DEFAULT NULL,
  options_template varchar(64) DEFAULT NULL,
  manufacturers_id int DEFAULT NULL,
  products_manufacturers_model varchar(64) DEFAULT NULL,
  products_ordered int NOT NULL DEFAULT 0,
  products_fsk18 int(1) NOT NULL DEFAULT 0,
  products_vpe int NOT NULL,
  products_vpe_status int(1) NOT NULL DEFAULT 0,
  products_vpe_value decimal(15,4) NOT NULL,
  products_startpage int(1) NOT NULL DEFAULT 0,
  products_startpage_sort int(4) NOT NULL DEFAULT 0,
  PRIMARY KEY (products_id),
  KEY idx_products_model (products_model),
  KEY idx_products_status (products_status)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}products_description (
  products_id int NOT NULL,
  language_id int NOT NULL,
  products_name varchar(255) NOT NULL DEFAULT '',
  products_heading_title varchar(255) NOT NULL DEFAULT '',
  products_description text,
  products_short_description text,
  products_keywords varchar(255) DEFAULT NULL,
  products_meta_title text NOT NULL,
  products_meta_description text NOT NULL,
  products_meta_keywords text NOT NULL,
  products_url varchar(255) DEFAULT NULL,
  products_viewed int(5) DEFAULT 0,
  products_order_description text,
  PRIMARY KEY (products_id, language_id),
  KEY idx_products_name (products_name)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders (
  orders_id int NOT NULL AUTO_INCREMENT,
  customers_id int NOT NULL,
  customers_cid varchar(32) DEFAULT NULL,
  customers_vat_id varchar(20) DEFAULT NULL,
  customers_status int DEFAULT NULL,
  customers_status_name varchar(32) NOT NULL,
  customers_status_image varchar(64) DEFAULT NULL,
  customers_status_discount decimal(5,2) DEFAULT NULL,
  customers_name varchar(128) NOT NULL,
  customers_firstname varchar(64) NOT NULL,
  customers_lastname varchar(64) NOT NULL,
  customers_gender char(1) NOT NULL,
  customers_company varchar(64) DEFAULT NULL,
  customers_street_address varchar(64) NOT NULL,
  customers_suburb varchar(32) DEFAULT NULL,
  customers_city varchar(64) NOT NULL,
  customers_postcode varchar(10) NOT NULL,
  customers_state varchar(64) DEFAULT NULL,
  customers_country varchar(64) NOT NULL,
  customers_telephone varchar(32) NOT NULL,
  customers_email_address varchar(255) NOT NULL,
  customers_address_format_id int(5) NOT NULL,
  customers_country_iso_code_2 varchar(2) NOT NULL,
  delivery_name varchar(128) NOT NULL,
  delivery_firstname varchar(64) NOT NULL,
  delivery_lastname varchar(64) NOT NULL,
  delivery_gender char(1) NOT NULL,
  delivery_company varchar(64) DEFAULT NULL,
  delivery_street_address varchar(64) NOT NULL,
  delivery_suburb varchar(32) DEFAULT NULL,
  delivery_city varchar(64) NOT NULL,
  delivery_postcode varchar(10) NOT NULL,
  delivery_state varchar(64) DEFAULT NULL,
  delivery_country varchar(64) NOT NULL,
  delivery_country_iso_code_2 char(2) NOT NULL,
  delivery_address_format_id int(5) NOT NULL,
  billing_name varchar(128) NOT NULL,
  billing_firstname varchar(64) NOT NULL,
  billing_lastname varchar(64) NOT NULL,
  billing_gender char(1) NOT NULL,
  billing_company varchar(64) DEFAULT NULL,
  billing_street_address varchar(64) NOT NULL,
  billing_suburb varchar(32) DEFAULT NULL,
  billing_city varchar(64) NOT NULL,
  billing_postcode varchar(10) NOT NULL,
  billing_state varchar(64) DEFAULT NULL,
  billing_country varchar(64) NOT NULL,
  billing_country_iso_code_2 char(2) NOT NULL,
  billing_address_format_id int(5) NOT NULL,
  payment_method varchar(128) NOT NULL,
  comments text,
  last_modified datetime DEFAULT NULL,
  date_purchased datetime DEFAULT NULL,
  orders_status int(5) NOT NULL,
  orders_date_finished datetime DEFAULT NULL,
  currency char(3) DEFAULT NULL,
  currency_value decimal(14,6) DEFAULT NULL,
  account_type int(1) NOT NULL DEFAULT 0,
  payment_class varchar(64) NOT NULL,
  shipping_method varchar(128) NOT NULL,
  shipping_class varchar(64) NOT NULL,
  customers_ip varchar(50) NOT NULL,
  language varchar(32) NOT NULL,
  languages_id int NOT NULL,
  afterbuy_success int(1) NOT NULL DEFAULT 0,
  afterbuy_id int(32) NOT NULL DEFAULT 0,
  campaign varchar(32) NOT NULL,
  conversion_type int(1) NOT NULL DEFAULT 0,
  orders_ident_key varchar(128) DEFAULT NULL,
  content_type varchar(32) NOT NULL,
  PRIMARY KEY (orders_id),
  KEY idx_customers_id (customers_id),
  KEY idx_orders_status (orders_status),
  KEY idx_orders_ident_key (orders_ident_key),
  KEY idx_date_purchased (date_purchased),
  KEY idx_customers_status (customers_status),
  KEY idx_payment_class (payment_class)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders_products (
  orders_products_id int NOT NULL AUTO_INCREMENT,
  orders_id int NOT NULL,
  products_id int NOT NULL,
  products_model varchar(64) DEFAULT NULL,
  products_ean varchar(128) DEFAULT NULL,
  products_name varchar(255) NOT NULL,
  products_price decimal(15,4) NOT NULL,
  products_price_origin decimal(15,4) NOT NULL,
  products_discount_made decimal(5,2) DEFAULT NULL,
  products_shipping_time varchar(255) DEFAULT NULL,
  final_price decimal(15,4) NOT NULL,
  products_tax decimal(7,4) NOT NULL,
  products_quantity int(2) NOT NULL,
  allow_tax int(1) NOT NULL,
  products_order_description text,
  products_weight decimal(15,4) NOT NULL,
  products_weight_origin decimal(15,4) NOT NULL,
  products_vpe varchar(32) NOT NULL,
  products_vpe_value decimal(15,4) NOT NULL,
  PRIMARY KEY (orders_products_id),
  KEY idx_orders_id (orders_id),
  KEY idx_products_id (products_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders_status (
  orders_status_id int NOT NULL DEFAULT 0,
  language_id int NOT NULL,
  orders_status_name varchar(128) NOT NULL,
  sort_order int NOT NULL DEFAULT 0,
  PRIMARY KEY (orders_status_id, language_id),
  KEY idx_orders_status_name (orders_status_name),
  KEY idx_sort_order (sort_order)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders_status_history (
  orders_status_history_id int NOT NULL AUTO_INCREMENT,
  orders_id int NOT NULL,
  orders_status_id int(5) NOT NULL,
  date_added datetime NOT NULL,
  customer_notified int(1) DEFAULT 0,
  comments text,
  comments_sent int(1) DEFAULT 0,
  PRIMARY KEY (orders_status_history_id),
  KEY idx_orders_id (orders_id),
  KEY idx_orders_status_id (orders_status_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders_total (
  orders_total_id int unsigned NOT NULL AUTO_INCREMENT,
  orders_id int NOT NULL,
  title varchar(255) NOT NULL,
  text varchar(255) NOT NULL,
  value decimal(15,4) NOT NULL,
  class varchar(32) NOT NULL,
  sort_order int NOT NULL,
  PRIMARY KEY (orders_total_id),
  KEY idx_orders_id (orders_id),
  KEY idx_sort_order (sort_order)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {prefix}orders_tracking (
  tracking_id int NOT NULL AUTO_INCREMENT,
  orders_id int NOT NULL,
  carrier_id int NOT NULL,
  parcel_id varchar(80) NOT NULL,
  date_added datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  PRIMARY KEY (tracking_id),
  KEY idx_orders_id (orders_id),
  KEY idx_carrier_id (carrier_id)
) ENGINE={engine} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

INSERT INTO {prefix}customers_status (customers_status_id, language_id, customers_status_name,
  customers_status_show_price_tax, customers_status_payment_unallowed,
  customers_status_shipping_unallowed) VALUES
  (0, 1, 'Admin', 1, '', ''), (0, 2, 'Admin', 1, '', ''),
  (1, 1, 'Guest', 1, '', ''), (1, 2, 'Gast', 1, '', ''),
  (2, 1, 'New customer', 1, '', ''), (2, 2, 'Neuer Kunde', 1, '', ''),
  (3, 1, 'Merchant', 0, '', ''), (3, 2, 'Händler', 0, '', '');

INSERT INTO {prefix}orders_status (orders_status_id, language_id, orders_status_name, sort_order)
  VALUES (1, 1, 'Pending', 1), (1, 2, 'Offen', 1), (2, 1, 'Processing', 2),
  (2, 2, 'In Bearbeitung', 2), (3, 1, 'Shipped', 3), (3, 2, 'Versendet', 3),
  (4, 1, 'Canceled', 4), (4, 2, 'Storniert', 4);

INSERT INTO {prefix}countries (countries_id, countries_name, countries_iso_code_2,
  countries_iso_code_3, address_format_id, sort_order) VALUES
  (14, 'Austria', 'AT', 'AUT', 5, 100), (73, 'France', 'FR', 'FRA', 1, 100),
  (81, 'Germany', 'DE', 'DEU', 5, 100), (105, 'Italy', 'IT', 'ITA', 1, 100),
  (150, 'Netherlands', 'NL', 'NLD', 5, 100), (170, 'Poland', 'PL', 'POL', 1, 100),
  (195, 'Spain', 'ES', 'ESP', 3, 100), (204, 'Switzerland', 'CH', 'CHE', 5, 100),
  (222, 'United Kingdom', 'GB', 'GBR', 8, 100);

INSERT INTO {prefix}currencies (title, code, symbol_left, symbol_right, decimal_point,
  thousands_point, decimal_places, value) VALUES
  ('Euro', 'EUR', '', ' EUR', ',', '.', '2', 1.000000),
  ('United States Dollar', 'USD', '$', '', '.', ',', '2', 1.2978),
  ('Schweizer Franken', 'CHF', 'CHF', '', '.', '', '2', 1.2044);

INSERT INTO {prefix}products (products_id, products_quantity, products_shippingtime,
  products_model, group_permission_0, group_permission_1, group_permission_2,
  group_permission_3, group_permission_4, products_image, products_price, products_date_added,
  products_weight, products_status, products_tax_class_id, products_vpe, products_vpe_value)
  VALUES
  (1, 100, 1, 'A-100', 1, 1, 1, 1, 1, '', 9.9000, '2026-01-01 00:00:00', 1.000, 1, 1, 0, 0),
  (2, 100, 1, 'A-200', 1, 1, 1, 1, 1, '', 14.5000, '2026-01-01 00:00:00', 1.000, 1, 1, 0, 0),
  (3, 100, 1, 'A-300', 1, 1, 1, 1, 1, '', 12.0000, '2026-01-01 00:00:00', 1.000, 0, 1, 0, 0);

INSERT INTO {prefix}products_description (products_id, language_id, products_name,
  products_meta_title, products_meta_description, products_meta_keywords) VALUES
  (1, 1, 'Claw hammer 450 g', '', '', ''), (1, 2, 'Latthammer 450 g', '', '', ''),
  (2, 1, 'Screwdriver set, 6 pieces', '', '', ''),
  (2, 2, 'Schraubendreher-Satz, 6-teilig', '', '', ''),
  (3, 1, 'Spirit level 60 cm', '', '', ''), (3, 2, 'Wasserwaage 60 cm', '', '', '');

-- Anna: a registered customer (New customer group) with customer number K-1001.
-- A guest checkout of Bernd (account_type 1): same email as the new customer of the tests, never
-- to be matched. ACME: the distributor's own merchant account (net prices) for blind drop-ships.
INSERT INTO {prefix}customers (customers_id, customers_cid, customers_status, customers_gender,
  customers_firstname, customers_lastname, customers_dob, customers_email_address,
  customers_default_address_id, customers_telephone, customers_fax, customers_vat_id,
  customers_warning, customers_password, customers_newsletter, account_type,
  password_request_key, password_request_time, payment_unallowed, shipping_unallowed,
  customers_date_added) VALUES
  (1, 'K-1001', 2, 'f', 'Anna', 'Schmidt', '1980-01-01', 'anna.schmidt@example.com', 1,
   '+49 30 1234567', '', '', '', 'x', '0', 0, '', '2026-01-01', '', '', '2026-01-01 00:00:00'),
  (2, '', 1, 'm', 'Bernd', 'Bauer', '1970-01-01', 'bernd.bauer@example.com', 2,
   '+49 89 7654321', '', '', '', '', '0', 1, '', '2026-01-01', '', '', '2026-01-02 00:00:00'),
  (3, 'H-900', 3, 'm', 'ACME', 'Einkauf', '1970-01-01', 'shop@acme.example', 3,
   '+49 40 9999999', '', '', '', 'x', '0', 0, '', '2026-01-01', '', '', '2026-01-01 00:00:00');

INSERT INTO {prefix}address_book (address_book_id, customers_id, entry_gender, entry_company,
  entry_firstname, entry_lastname, entry_street_address, entry_suburb, entry_postcode,
  entry_city, entry_state, entry_country_id, entry_zone_id) VALUES
  (1, 1, 'f', '', 'Anna', 'Schmidt', 'Hauptstr. 1', '', '10115', 'Berlin', '', 81, 0),
  (2, 2, 'm', '', 'Bernd', 'Bauer', 'Lindenallee 7', '', '80331', 'München', '', 81, 0),
  (3, 3, 'm', 'ACME Distribution GmbH', 'ACME', 'Einkauf', 'Hafenstr. 5', '', '20457',
   'Hamburg', '', 81, 0);

INSERT INTO {prefix}customers_info (customers_info_id, customers_info_number_of_logons,
  customers_info_date_account_created) VALUES (1, 3, '2026-01-01 00:00:00'),
  (2, 0, '2026-01-02 00:00:00'), (3, 9, '2026-01-01 00:00:00');
