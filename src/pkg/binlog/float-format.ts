/**
 * FLOAT columns are float32: print them as MySQL does, with the shortest decimal that reads
 * back as the same float32 (JS would print the float64 widening, e.g. 0.10000000149011612).
 */
export function formatFloat(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p < 10; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}
