import type { MariadbInstance } from '../../harness/index.js';

/** The mixed-type dataset used by dump and load tests (schema `mix`). */
export async function createMixedDataset(db: MariadbInstance): Promise<void> {
  await db.query(`SET SESSION sql_mode = '';
    CREATE DATABASE mix CHARACTER SET utf8mb4;
    CREATE TABLE mix.types (
      id INT PRIMARY KEY,
      ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, bi BIGINT, biu BIGINT UNSIGNED,
      dc DECIMAL(30,10), f FLOAT, d DOUBLE, fp FLOAT(7,3),
      b BIT(10), y YEAR,
      dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2),
      c CHAR(5), vc VARCHAR(100), tx TEXT, lt LONGTEXT, vl VARCHAR(20) CHARACTER SET latin1,
      bn BINARY(4), vb VARBINARY(50), bl BLOB,
      e ENUM('a','b','c'), st SET('x','y','z'), j JSON,
      g GEOMETRY, pt POINT,
      gen INT AS (id * 2) VIRTUAL, gens VARCHAR(12) AS (CONCAT('g', id)) STORED
    );
    INSERT INTO mix.types (id, ti, tiu, si, mi, bi, biu, dc, f, d, fp, b, y, dt, dtm, ts, tm, c, vc, tx, lt, vl, bn, vb, bl, e, st, j, g, pt) VALUES
      (0, -128, 255, -32768, -8388608, -9223372036854775808, 18446744073709551615, -99999999999999999999.9999999999,
       3.14159274101257, 0.30000000000000004, 1234.567, b'1010101010', 1901, '0000-00-00', '0000-00-00 00:00:00', NULL, '-838:59:59',
       'abc', 'it''s "quoted" \\\\ back', 'line1\\nline2\\r\\0zero', REPEAT('x', 70000), 'café', 0x00000000, 0x00ff00ff0a0d5c27, 0x1a00,
       'a', 'x,z', '{"k": [1, 2.5, "é"]}', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), POINT(1.5, -2.25)),
      (1, 127, 0, 32767, 8388607, 9223372036854775807, 0, 0.0000000001, 1.17549435e-38, -1.7976931348623157e308, -0.001, b'0', 2155,
       '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', '838:59:59.99',
       'é😀', '😀🎉 emoji', '', '', '', '', '', '', 'c', '', '[]', NULL, NULL),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 1, 1, 1, 1, 1, 1, 1.5, -3.4028234663852886e38, 2.2250738585072014e-308, 999.999, b'1111111111', 0,
       '1970-01-01', '1970-01-01 00:00:01.5', '1970-01-01 00:00:01', '00:00:00.01',
       ';', ';\\n);INSERT', '--', '/*', 'Ünï', 0x3b3b3b3b, x'', REPEAT(0x00, 300), 'b', 'x,y,z', 'null', ST_GeomFromText('LINESTRING(0 0,1 1)'), POINT(0,0));
    CREATE TABLE mix.empty_t (id INT PRIMARY KEY, v VARCHAR(10));
    CREATE TABLE mix.one_row (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(10));
    INSERT INTO mix.one_row VALUES (18446744073709551615, 'max');
    CREATE TABLE mix.str_pk (k VARCHAR(20) PRIMARY KEY, v INT);
    INSERT INTO mix.str_pk VALUES ('a', 1), ('b;c', 2), ('é', 3), ('', 4);
    CREATE TABLE mix.no_pk (a INT, b VARCHAR(10));
    INSERT INTO mix.no_pk VALUES (1, 'x'), (1, 'x'), (NULL, NULL), (2, 'y');
    CREATE TABLE mix.ints (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(40), u INT UNIQUE);
    INSERT INTO mix.ints (v, u) SELECT CONCAT('row-', seq), seq FROM mix.seq_1_to_5000;
    DELETE FROM mix.ints WHERE id BETWEEN 1000 AND 2500;
    CREATE VIEW mix.v_ints AS SELECT id, v FROM mix.ints WHERE id < 10;
    CREATE TABLE mix.big (id INT PRIMARY KEY, b LONGBLOB);
    INSERT INTO mix.big VALUES (1, REPEAT(0xab00, 2 * 1024 * 1024)), (2, RANDOM_BYTES(1024)), (3, REPEAT(0x27, 1000000));
  `);
}
