/** "12.34 %" with the ratio clamped to [0, 1]: DM's `progress` text in query-status. */
export function percent(done: number, total: number): string {
  const r = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return `${(r * 100).toFixed(2)} %`;
}
