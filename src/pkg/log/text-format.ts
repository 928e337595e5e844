/**
 * DM's `log-format = "text"` line (pingcap/log's text encoder):
 * `[2026/12/06 15:40:00.123 +00:00] [INFO] [dm-worker] ["message"] [key=value] ["k 2"="v"]`.
 * Built from a pino JSON line, so every logger call stays structured and `json` stays the
 * default; times are UTC.
 */
const LEVELS: Readonly<Record<number, string>> = {
  10: 'DEBUG',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component', 'name']);

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function quote(s: string): string {
  return /^[\w.\-/:@]+$/.test(s) ? s : JSON.stringify(s);
}

/** One pino JSON line → one DM text line (a line that is not JSON passes through). */
export function jsonLineToText(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const d = new Date(typeof o.time === 'number' ? o.time : Date.now());
  const time = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} +00:00`;
  const parts = [
    `[${time}]`,
    `[${LEVELS[Number(o.level)] ?? String(o.level)}]`,
    `[${String(o.component ?? o.name ?? '')}]`,
    `[${JSON.stringify(String(o.msg ?? ''))}]`,
  ];
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k) || v === undefined) continue;
    parts.push(`[${quote(k)}=${typeof v === 'string' ? quote(v) : JSON.stringify(v)}]`);
  }
  return `${parts.join(' ')}\n`;
}
