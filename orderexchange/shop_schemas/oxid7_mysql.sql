-- OXID eShop 7 (CE) tables that orderexchange reads or writes, as the shop's setup declares them
-- (checked against OXID-eSales/oxideshop_ce v7.1.0: source/Setup/Sql/database_schema.sql and
-- initial_data.sql, identical for these tables to source/Internal/Setup/Database/Sql/, plus the
-- migrations in source/migration/data). OXID 7 keeps OXID 6's order, user and article tables
-- column for column; like OXID 6 its setup creates the database as utf8 (3-byte utf8mb3, not
-- utf8mb4) and hashes passwords into a varchar(128). Columns we never touch are left out where
-- they have defaults; every NOT NULL column without a default is kept. {engine} / {user_engine}
-- as in the OXID 6 file. Written by us for the tests from what the setup declares.

CREATE TABLE `oxshops` (
  `OXID` int(11) NOT NULL DEFAULT '1',
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '1',
  `OXPRODUCTIVE` tinyint(1) NOT NULL DEFAULT '0',
  `OXDEFCURRENCY` varchar(32) NOT NULL DEFAULT '',
  `OXDEFLANGUAGE` int(11) NOT NULL DEFAULT '0',
  `OXNAME` varchar(255) NOT NULL DEFAULT '',
  `OXEDITION` char(2) NOT NULL,
  `OXVERSION` char(16) NOT NULL,
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxcounters` (
  `OXIDENT` char(32) NOT NULL COMMENT 'Counter id',
  `OXCOUNT` int(11) NOT NULL COMMENT 'Counted number',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXIDENT`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxcountry` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '0',
  `OXTITLE` varchar(128) NOT NULL DEFAULT '',
  `OXISOALPHA2` char(2) NOT NULL DEFAULT '',
  `OXISOALPHA3` char(3) NOT NULL DEFAULT '',
  `OXUNNUM3` char(3) NOT NULL DEFAULT '',
  `OXVATINPREFIX` char(2) NOT NULL DEFAULT '',
  `OXORDER` int(11) NOT NULL DEFAULT '9999',
  `OXSHORTDESC` varchar(255) NOT NULL DEFAULT '',
  `OXLONGDESC` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE_1` varchar(128) NOT NULL DEFAULT '',
  `OXTITLE_2` varchar(128) NOT NULL DEFAULT '',
  `OXTITLE_3` varchar(128) NOT NULL DEFAULT '',
  `OXSHORTDESC_1` varchar(255) NOT NULL DEFAULT '',
  `OXSHORTDESC_2` varchar(255) NOT NULL DEFAULT '',
  `OXSHORTDESC_3` varchar(255) NOT NULL DEFAULT '',
  `OXLONGDESC_1` varchar(255) NOT NULL,
  `OXLONGDESC_2` varchar(255) NOT NULL,
  `OXLONGDESC_3` varchar(255) NOT NULL,
  `OXVATSTATUS` tinyint(1) NOT NULL DEFAULT '0',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`),
  KEY `OXACTIVE` (`OXACTIVE`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxgroups` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '1',
  `OXTITLE` varchar(128) NOT NULL DEFAULT '',
  `OXTITLE_1` varchar(128) NOT NULL DEFAULT '',
  `OXTITLE_2` varchar(128) NOT NULL DEFAULT '',
  `OXTITLE_3` varchar(128) NOT NULL DEFAULT '',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxpayments` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '1',
  `OXDESC` varchar(128) NOT NULL DEFAULT '',
  `OXVALDESC` text NOT NULL,
  `OXCHECKED` tinyint(1) NOT NULL DEFAULT '0',
  `OXDESC_1` varchar(128) NOT NULL DEFAULT '',
  `OXVALDESC_1` text NOT NULL,
  `OXDESC_2` varchar(128) NOT NULL DEFAULT '',
  `OXVALDESC_2` text NOT NULL,
  `OXDESC_3` varchar(128) NOT NULL DEFAULT '',
  `OXVALDESC_3` text NOT NULL,
  `OXSORT` int(5) NOT NULL DEFAULT '0',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxdeliveryset` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '0',
  `OXACTIVEFROM` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXACTIVETO` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXTITLE` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE_1` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE_2` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE_3` varchar(255) NOT NULL DEFAULT '',
  `OXPOS` int(11) NOT NULL DEFAULT '0',
  `OXTRACKINGURL` varchar(255) NOT NULL,
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxarticles` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXPARENTID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '1',
  `OXARTNUM` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE` varchar(255) NOT NULL DEFAULT '',
  `OXSHORTDESC` varchar(255) NOT NULL DEFAULT '',
  `OXHIDDEN` tinyint(1) NOT NULL DEFAULT '0',
  `OXACTIVEFROM` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXACTIVETO` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXEAN` varchar(128) NOT NULL DEFAULT '',
  `OXPRICE` double NOT NULL DEFAULT '0',
  `OXBPRICE` double NOT NULL DEFAULT '0',
  `OXTPRICE` double NOT NULL DEFAULT '0',
  `OXUNITNAME` varchar(32) NOT NULL DEFAULT '',
  `OXVAT` float DEFAULT NULL,
  `OXWEIGHT` double NOT NULL DEFAULT '0',
  `OXSTOCK` double NOT NULL DEFAULT '0',
  `OXSTOCKFLAG` tinyint(1) NOT NULL DEFAULT '1',
  `OXDELIVERY` date NOT NULL DEFAULT '0000-00-00',
  `OXINSERT` date NOT NULL DEFAULT '0000-00-00',
  `OXVARCOUNT` int(1) NOT NULL DEFAULT '0',
  `OXSOLDAMOUNT` double NOT NULL DEFAULT '0',
  `OXVENDORID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXMANUFACTURERID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXTITLE_1` varchar(255) NOT NULL DEFAULT '',
  `OXSHORTDESC_1` varchar(255) NOT NULL DEFAULT '',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`),
  KEY `OXARTNUM` (`OXARTNUM`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxuser` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXACTIVE` tinyint(1) NOT NULL DEFAULT '1',
  `OXRIGHTS` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXUSERNAME` varchar(255) NOT NULL DEFAULT '',
  `OXPASSWORD` varchar(128) NOT NULL DEFAULT '',
  `OXPASSSALT` char(128) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXCUSTNR` int(11) NOT NULL AUTO_INCREMENT,
  `OXUSTID` varchar(255) NOT NULL DEFAULT '',
  `OXCOMPANY` varchar(255) NOT NULL DEFAULT '',
  `OXFNAME` varchar(255) NOT NULL DEFAULT '',
  `OXLNAME` varchar(255) NOT NULL DEFAULT '',
  `OXSTREET` varchar(255) NOT NULL DEFAULT '',
  `OXSTREETNR` varchar(16) NOT NULL DEFAULT '',
  `OXADDINFO` varchar(255) NOT NULL DEFAULT '',
  `OXCITY` varchar(255) NOT NULL DEFAULT '',
  `OXCOUNTRYID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXSTATEID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXZIP` varchar(16) NOT NULL DEFAULT '',
  `OXFON` varchar(128) NOT NULL DEFAULT '',
  `OXFAX` varchar(128) NOT NULL DEFAULT '',
  `OXSAL` varchar(128) NOT NULL DEFAULT '',
  `OXBONI` int(11) NOT NULL DEFAULT '0',
  `OXCREATE` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXREGISTER` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXPRIVFON` varchar(64) NOT NULL DEFAULT '',
  `OXMOBFON` varchar(64) NOT NULL DEFAULT '',
  `OXBIRTHDATE` date NOT NULL DEFAULT '0000-00-00',
  `OXURL` varchar(255) NOT NULL DEFAULT '',
  `OXUPDATEKEY` varchar(32) NOT NULL DEFAULT '',
  `OXUPDATEEXP` int(11) NOT NULL DEFAULT '0',
  `OXPOINTS` double NOT NULL DEFAULT '0',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`),
  UNIQUE KEY `OXUSERNAME` (`OXUSERNAME`,`OXSHOPID`),
  KEY `OXCUSTNR` (`OXCUSTNR`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxaddress` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXUSERID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXADDRESSUSERID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXCOMPANY` varchar(255) NOT NULL DEFAULT '',
  `OXFNAME` varchar(255) NOT NULL DEFAULT '',
  `OXLNAME` varchar(255) NOT NULL DEFAULT '',
  `OXSTREET` varchar(255) NOT NULL DEFAULT '',
  `OXSTREETNR` varchar(16) NOT NULL DEFAULT '',
  `OXADDINFO` varchar(255) NOT NULL DEFAULT '',
  `OXCITY` varchar(255) NOT NULL DEFAULT '',
  `OXCOUNTRY` varchar(255) NOT NULL DEFAULT '',
  `OXCOUNTRYID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXSTATEID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXZIP` varchar(50) NOT NULL DEFAULT '',
  `OXFON` varchar(128) NOT NULL DEFAULT '',
  `OXFAX` varchar(128) NOT NULL DEFAULT '',
  `OXSAL` varchar(128) NOT NULL DEFAULT '',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`),
  KEY `OXUSERID` (`OXUSERID`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxobject2group` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXOBJECTID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXGROUPSID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`OXID`),
  UNIQUE KEY `UNIQ_OBJECTGROUP` (`OXGROUPSID`,`OXOBJECTID`,`OXSHOPID`),
  KEY `OXOBJECTID` (`OXOBJECTID`)
) ENGINE={user_engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxorder` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXUSERID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXORDERDATE` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXORDERNR` int(11) unsigned NOT NULL DEFAULT '0',
  `OXBILLCOMPANY` varchar(255) NOT NULL DEFAULT '',
  `OXBILLEMAIL` varchar(255) NOT NULL DEFAULT '',
  `OXBILLFNAME` varchar(255) NOT NULL DEFAULT '',
  `OXBILLLNAME` varchar(255) NOT NULL DEFAULT '',
  `OXBILLSTREET` varchar(255) NOT NULL DEFAULT '',
  `OXBILLSTREETNR` varchar(16) NOT NULL DEFAULT '',
  `OXBILLADDINFO` varchar(255) NOT NULL DEFAULT '',
  `OXBILLUSTID` varchar(255) NOT NULL DEFAULT '',
  `OXBILLCITY` varchar(255) NOT NULL DEFAULT '',
  `OXBILLCOUNTRYID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXBILLSTATEID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXBILLZIP` varchar(16) NOT NULL DEFAULT '',
  `OXBILLFON` varchar(128) NOT NULL DEFAULT '',
  `OXBILLFAX` varchar(128) NOT NULL DEFAULT '',
  `OXBILLSAL` varchar(128) NOT NULL DEFAULT '',
  `OXDELCOMPANY` varchar(255) NOT NULL DEFAULT '',
  `OXDELFNAME` varchar(255) NOT NULL DEFAULT '',
  `OXDELLNAME` varchar(255) NOT NULL DEFAULT '',
  `OXDELSTREET` varchar(255) NOT NULL DEFAULT '',
  `OXDELSTREETNR` varchar(16) NOT NULL DEFAULT '',
  `OXDELADDINFO` varchar(255) NOT NULL DEFAULT '',
  `OXDELCITY` varchar(255) NOT NULL DEFAULT '',
  `OXDELCOUNTRYID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXDELSTATEID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXDELZIP` varchar(16) NOT NULL DEFAULT '',
  `OXDELFON` varchar(128) NOT NULL DEFAULT '',
  `OXDELFAX` varchar(128) NOT NULL DEFAULT '',
  `OXDELSAL` varchar(128) NOT NULL DEFAULT '',
  `OXPAYMENTID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXPAYMENTTYPE` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXTOTALNETSUM` double NOT NULL DEFAULT '0',
  `OXTOTALBRUTSUM` double NOT NULL DEFAULT '0',
  `OXTOTALORDERSUM` double NOT NULL DEFAULT '0',
  `OXARTVAT1` double NOT NULL DEFAULT '0',
  `OXARTVATPRICE1` double NOT NULL DEFAULT '0',
  `OXARTVAT2` double NOT NULL DEFAULT '0',
  `OXARTVATPRICE2` double NOT NULL DEFAULT '0',
  `OXDELCOST` double NOT NULL DEFAULT '0',
  `OXDELVAT` double NOT NULL DEFAULT '0',
  `OXPAYCOST` double NOT NULL DEFAULT '0',
  `OXPAYVAT` double NOT NULL DEFAULT '0',
  `OXWRAPCOST` double NOT NULL DEFAULT '0',
  `OXWRAPVAT` double NOT NULL DEFAULT '0',
  `OXGIFTCARDCOST` double NOT NULL DEFAULT '0',
  `OXGIFTCARDVAT` double NOT NULL DEFAULT '0',
  `OXCARDID` varchar(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXCARDTEXT` text NOT NULL,
  `OXDISCOUNT` double NOT NULL DEFAULT '0',
  `OXEXPORT` tinyint(4) NOT NULL DEFAULT '0',
  `OXBILLNR` varchar(128) NOT NULL DEFAULT '',
  `OXBILLDATE` date NOT NULL DEFAULT '0000-00-00',
  `OXTRACKCODE` varchar(128) NOT NULL DEFAULT '',
  `OXSENDDATE` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXREMARK` text NOT NULL,
  `OXVOUCHERDISCOUNT` double NOT NULL DEFAULT '0',
  `OXCURRENCY` varchar(32) NOT NULL DEFAULT '',
  `OXCURRATE` double NOT NULL DEFAULT '0',
  `OXFOLDER` varchar(32) NOT NULL DEFAULT '',
  `OXTRANSID` varchar(64) NOT NULL DEFAULT '',
  `OXPAYID` varchar(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXXID` varchar(64) NOT NULL DEFAULT '',
  `OXPAID` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `OXSTORNO` tinyint(1) NOT NULL DEFAULT '0',
  `OXIP` varchar(39) NOT NULL DEFAULT '',
  `OXTRANSSTATUS` varchar(30) NOT NULL DEFAULT '',
  `OXLANG` int(2) NOT NULL DEFAULT '0',
  `OXINVOICENR` int(11) NOT NULL DEFAULT '0',
  `OXDELTYPE` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `OXISNETTOMODE` tinyint(1) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`OXID`),
  KEY `MAINIDX` (`OXSHOPID`,`OXSTORNO`,`OXORDERDATE`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

CREATE TABLE `oxorderarticles` (
  `OXID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `OXORDERID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXAMOUNT` double NOT NULL DEFAULT '0',
  `OXARTID` char(32) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `OXARTNUM` varchar(255) NOT NULL DEFAULT '',
  `OXTITLE` varchar(255) NOT NULL DEFAULT '',
  `OXSHORTDESC` varchar(255) NOT NULL DEFAULT '',
  `OXSELVARIANT` varchar(255) NOT NULL DEFAULT '',
  `OXNETPRICE` double NOT NULL DEFAULT '0',
  `OXBRUTPRICE` double NOT NULL DEFAULT '0',
  `OXVATPRICE` double NOT NULL DEFAULT '0',
  `OXVAT` double NOT NULL DEFAULT '0',
  `OXPERSPARAM` text NOT NULL,
  `OXPRICE` double NOT NULL DEFAULT '0',
  `OXBPRICE` double NOT NULL DEFAULT '0',
  `OXNPRICE` double NOT NULL DEFAULT '0',
  `OXWRAPID` varchar(32) NOT NULL DEFAULT '',
  `OXWEIGHT` double NOT NULL DEFAULT '0',
  `OXSTOCK` double NOT NULL DEFAULT '-1',
  `OXDELIVERY` date NOT NULL DEFAULT '0000-00-00',
  `OXINSERT` date NOT NULL DEFAULT '0000-00-00',
  `OXTIMESTAMP` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `OXFOLDER` varchar(32) NOT NULL DEFAULT '',
  `OXSUBCLASS` varchar(32) NOT NULL DEFAULT '',
  `OXSTORNO` tinyint(1) NOT NULL DEFAULT '0',
  `OXORDERSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXISBUNDLE` tinyint(1) NOT NULL DEFAULT '0',
  PRIMARY KEY (`OXID`),
  KEY `OXORDERID` (`OXORDERID`),
  KEY `OXARTNUM` (`OXARTNUM`)
) ENGINE={engine} DEFAULT CHARSET=utf8;

-- reference rows of a shop that has been selling for a while ----------------------------------
INSERT INTO `oxshops` (`OXID`, `OXACTIVE`, `OXDEFCURRENCY`, `OXNAME`, `OXEDITION`, `OXVERSION`) VALUES (1, 1, 'EUR', 'Alpha Tools', 'CE', '7.1.0');
INSERT INTO `oxcounters` (`OXIDENT`, `OXCOUNT`) VALUES ('oxOrder', 1000);
-- the stock country ids; a shop selling abroad has activated the countries it delivers to
INSERT INTO `oxcountry` (`OXID`, `OXACTIVE`, `OXTITLE`, `OXISOALPHA2`, `OXISOALPHA3`, `OXUNNUM3`, `OXVATINPREFIX`, `OXTITLE_1`, `OXLONGDESC_1`, `OXLONGDESC_2`, `OXLONGDESC_3`) VALUES
  ('a7c40f631fc920687.20179984', 1, 'Deutschland', 'DE', 'DEU', '276', 'DE', 'Germany', '', '', ''),
  ('a7c40f6320aeb2ec2.72885259', 1, 'Österreich', 'AT', 'AUT', '40', 'AT', 'Austria', '', '', ''),
  ('a7c40f6321c6f6109.43859248', 1, 'Schweiz', 'CH', 'CHE', '756', 'CH', 'Switzerland', '', '', ''),
  ('a7c40f6323c4bfb36.59919433', 1, 'Italien', 'IT', 'ITA', '380', 'IT', 'Italy', '', '', ''),
  ('a7c40f63272a57296.32117580', 1, 'Frankreich', 'FR', 'FRA', '250', 'FR', 'France', '', '', ''),
  ('a7c40f632a0804ab5.18804076', 1, 'Vereinigtes Königreich', 'GB', 'GBR', '826', 'GB', 'United Kingdom', '', '', ''),
  ('a7c40f632cdd63c52.64272623', 1, 'Niederlande', 'NL', 'NLD', '528', 'NL', 'Netherlands', '', '', ''),
  ('a7c40f633038cd578.22975442', 1, 'Spanien', 'ES', 'ESP', '724', 'ES', 'Spain', '', '', ''),
  ('8f241f1109624d3f8.50953605', 1, 'Polen', 'PL', 'POL', '616', 'PL', 'Poland', '', '', '');
INSERT INTO `oxgroups` (`OXID`, `OXACTIVE`, `OXTITLE`, `OXTITLE_1`) VALUES
  ('oxidadmin', 1, 'Shop-Admin', 'Store Administrator'),
  ('oxidcustomer', 1, 'Kunde', 'Customer'),
  ('oxidnewcustomer', 1, 'Neuer Kunde', 'New Customer'),
  ('oxidnotyetordered', 1, 'Noch nicht gekauft', 'Not Yet Purchased');
INSERT INTO `oxpayments` (`OXID`, `OXACTIVE`, `OXDESC`, `OXVALDESC`, `OXDESC_1`, `OXVALDESC_1`, `OXVALDESC_2`, `OXVALDESC_3`, `OXSORT`) VALUES
  ('oxidinvoice', 1, 'Rechnung', '', 'Invoice', '', '', '', 200),
  ('oxidpayadvance', 1, 'Vorauskasse', '', 'Cash in advance', '', '', '', 300);
INSERT INTO `oxdeliveryset` (`OXID`, `OXSHOPID`, `OXACTIVE`, `OXTITLE`, `OXTITLE_1`, `OXPOS`, `OXTRACKINGURL`) VALUES
  ('oxidstandard', 1, 1, 'Standard', 'Standard', 10, '');
INSERT INTO `oxarticles` (`OXID`, `OXSHOPID`, `OXACTIVE`, `OXARTNUM`, `OXTITLE`, `OXSHORTDESC`, `OXPRICE`, `OXSTOCK`, `OXWEIGHT`, `OXTITLE_1`) VALUES
  ('a100000000000000000000000000000a', 1, 1, 'A-100', 'Klauenhammer 450 g', 'Hammer', 11.78, 100, 0.6, 'Claw hammer 450 g'),
  ('a200000000000000000000000000000a', 1, 1, 'A-200', 'Schraubendreher-Satz, 6-teilig', 'Satz', 17.26, 100, 0.4, 'Screwdriver set, 6 pieces'),
  ('a300000000000000000000000000000a', 1, 0, 'A-300', 'Wasserwaage 60 cm', 'Waage', 14.28, 100, 0.5, 'Spirit level 60 cm');
INSERT INTO `oxuser` (`OXID`, `OXACTIVE`, `OXRIGHTS`, `OXSHOPID`, `OXUSERNAME`, `OXPASSWORD`, `OXPASSSALT`, `OXFNAME`, `OXLNAME`, `OXSTREET`, `OXSTREETNR`, `OXCITY`, `OXCOUNTRYID`, `OXZIP`, `OXFON`, `OXCREATE`, `OXREGISTER`) VALUES
  ('oxdefaultadmin', 1, 'malladmin', 1, 'admin@alpha.example', 'x', 'x', 'Shop', 'Admin', '', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('anna0000000000000000000000000001', 1, 'user', 1, 'anna.schmidt@example.com', 'x', 'x', 'Anna', 'Schmidt', 'Hauptstr.', '1', 'Berlin', 'a7c40f631fc920687.20179984', '10115', '+49 30 1234567', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('acme0000000000000000000000000001', 1, 'user', 1, 'orders@acme.example', 'x', 'x', 'ACME', 'Distribution', 'Hafenweg', '5', 'Hamburg', 'a7c40f631fc920687.20179984', '20457', '+49 40 9999999', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
UPDATE `oxuser` SET `OXCOMPANY` = 'ACME Distribution GmbH' WHERE `OXID` = 'acme0000000000000000000000000001';
INSERT INTO `oxobject2group` (`OXID`, `OXSHOPID`, `OXOBJECTID`, `OXGROUPSID`) VALUES
  ('o2g00000000000000000000000000001', 1, 'anna0000000000000000000000000001', 'oxidcustomer'),
  ('o2g00000000000000000000000000002', 1, 'acme0000000000000000000000000001', 'oxidcustomer');

CREATE TABLE `oxconfig` (
  `OXID` char(32) NOT NULL,
  `OXSHOPID` int(11) NOT NULL DEFAULT '1',
  `OXMODULE` varchar(100) NOT NULL DEFAULT '',
  `OXVARNAME` varchar(100) NOT NULL DEFAULT '',
  `OXVARTYPE` varchar(16) NOT NULL DEFAULT '',
  `OXVARVALUE` text NOT NULL,
  PRIMARY KEY (`OXID`),
  KEY `OXVARNAME` (`OXVARNAME`)
) ENGINE={engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- the stock currency list of OXID's setup (initial_data.sql): EUR default, GBP, CHF, USD;
-- OXID 7 stores it plain
INSERT INTO `oxconfig` (`OXID`, `OXSHOPID`, `OXMODULE`, `OXVARNAME`, `OXVARTYPE`, `OXVARVALUE`) VALUES ('3c4f033dfb8fd4fe692715dda19ecd28', 1, '', 'aCurrencies', 'arr', 'a:4:{i:0;s:23:"EUR@ 1.00@ ,@ .@ €@ 2";i:1;s:24:"GBP@ 0.8565@ .@  @ £@ 2";i:2;s:25:"CHF@ 1.4326@ ,@ .@ CHF@ 2";i:3;s:23:"USD@ 1.2994@ .@  @ $@ 2";}');
