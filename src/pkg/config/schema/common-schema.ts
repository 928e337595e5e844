/**
 * JSON-schema building blocks shared by the source and task schemas. Every object is strict
 * (`additionalProperties: false`), as DM decodes with yaml.v2 `UnmarshalStrict`.
 *
 * yaml.v2 lets any scalar fill a string field (`password: 123456` is the string "123456"), so
 * string fields accept numbers and booleans too; the normaliser turns them into strings.
 */
export type JsonSchema = Record<string, unknown>;

/** A string field (scalars of any kind accepted, as yaml.v2 does). */
export const str: JsonSchema = { type: ['string', 'number', 'boolean'] };
export const int: JsonSchema = { type: 'integer' };
export const uint: JsonSchema = { type: 'integer', minimum: 0 };
export const bool: JsonSchema = { type: 'boolean' };
export const strList: JsonSchema = { type: 'array', items: str };
/** A string that may be written as a bare number too (e.g. `chunk-filesize: 64`). */
export const strOrNum: JsonSchema = { type: ['string', 'number'] };

export function obj(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** A map of user-named entries, each following `item`. */
export function namedMap(item: JsonSchema): JsonSchema {
  return { type: 'object', additionalProperties: item };
}

/** A Go `[]byte` field: a string, or a sequence of byte values (`[]` = empty). */
const bytesField: JsonSchema = {
  anyOf: [str, { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } }],
};

/** TLS settings of a DB connection (dm/config/security). */
export const securitySchema = obj({
  'ssl-ca': str,
  'ssl-cert': str,
  'ssl-key': str,
  'cert-allowed-cn': strList,
  'ssl-ca-bytes': bytesField,
  'ssl-key-bytes': bytesField,
  'ssl-cert-bytes': bytesField,
  'ssl-ca-base64': str,
  'ssl-key-base64': str,
  'ssl-cert-base64': str,
});

/** A DB connection (dm/config/dbconfig). `max-allowed-packet`: DM ignores it too (warned, dm-ignored-keys.ts). */
export function dbSchema(required: string[]): JsonSchema {
  return obj(
    {
      host: str,
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      user: str,
      password: str,
      'max-allowed-packet': int,
      session: { type: 'object', additionalProperties: str },
      security: securitySchema,
    },
    required,
  );
}

/** A binlog event filter rule (tiflow pkg/binlog-filter BinlogEventRule). */
export const filterRuleSchema = obj({
  'schema-pattern': str,
  'table-pattern': str,
  events: strList,
  'sql-pattern': strList,
  action: { enum: ['Do', 'Ignore', 'Error', 'do', 'ignore', 'error', 'DO', 'IGNORE', 'ERROR'] },
});
