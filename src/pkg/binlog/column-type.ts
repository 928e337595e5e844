/** MYSQL_TYPE_* column type codes as they appear in TABLE_MAP events. */
export const ColumnType = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  TIMESTAMP2: 0x11,
  DATETIME2: 0x12,
  TIME2: 0x13,
  TYPED_ARRAY: 0x14,
  /** MariaDB compressed column types. */
  VARCHAR_COMPRESSED: 0x8c,
  BLOB_COMPRESSED: 0x8d,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

/** Types whose signedness the SIGNEDNESS optional metadata covers (MySQL's is_numeric_type). */
export function isNumericType(t: number): boolean {
  switch (t) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.NEWDECIMAL:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return true;
    default:
      return false;
  }
}

/** Types the charset optional metadata covers (MySQL's is_character_type, on the real type). */
export function isCharacterType(t: number): boolean {
  switch (t) {
    case ColumnType.STRING:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR:
    case ColumnType.BLOB:
    case ColumnType.VARCHAR_COMPRESSED:
    case ColumnType.BLOB_COMPRESSED:
      return true;
    default:
      return false;
  }
}

export function isEnumOrSet(t: number): boolean {
  return t === ColumnType.ENUM || t === ColumnType.SET;
}
