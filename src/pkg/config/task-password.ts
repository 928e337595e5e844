/**
 * The task YAML's one secret, `target-database.password`, rewritten in place (the rest of the
 * text kept as the user wrote it): sealed before the YAML is stored in etcd, DM-encrypted in
 * `config export`, hidden in `config task`.
 */
import { isMap, parseDocument } from 'yaml';

/** `raw` with `target-database.password` replaced by `fn(password)`; unchanged when absent or empty. */
export function mapTaskPassword(raw: string, fn: (password: string) => string): string {
  const doc = parseDocument(raw);
  const target = doc.get('target-database');
  if (!isMap(target)) return raw;
  const pw = target.get('password');
  if (pw === undefined || pw === null || pw === '') return raw;
  const next = fn(String(pw));
  if (next === String(pw)) return raw;
  target.set('password', next);
  return doc.toString();
}
