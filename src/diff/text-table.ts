/**
 * A text table as Go's olekukonko/tablewriter renders it with the options sync-diff-inspector
 * uses: headers upper-cased and centred; numbers right-aligned, text left-aligned (or all left);
 * `+`/`-`/`|` with a border for summary.txt, `╋`/`╍`/`╏` without one for fix-SQL annotations.
 */
export interface TextTableStyle {
  readonly border: boolean;
  readonly rowLine: boolean;
  readonly center: string;
  readonly column: string;
  readonly row: string;
  readonly alignLeft: boolean;
}

export const SUMMARY_STYLE: TextTableStyle = {
  border: true,
  rowLine: false,
  center: '+',
  column: '|',
  row: '-',
  alignLeft: false,
};

export const ANNOTATION_STYLE: TextTableStyle = {
  border: false,
  rowLine: true,
  center: '╋',
  column: '╏',
  row: '╍',
  alignLeft: true,
};

const width = (s: string) => [...s].length;
const spaces = (n: number) => ' '.repeat(Math.max(0, n));

export function renderTable(
  header: readonly string[],
  rows: readonly string[][],
  st: TextTableStyle,
): string {
  const head = header.map((h) => h.toUpperCase());
  const w = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const sepLine = () => {
    const segs = w.map((n) => st.row.repeat(n + 2));
    return st.border ? `${st.center}${segs.join(st.center)}${st.center}\n` : `${segs.join(st.center)}\n`;
  };
  const line = (cells: string[]) => {
    const segs = cells.map((c) => ` ${c} `);
    return st.border ? `${st.column}${segs.join(st.column)}${st.column}\n` : `${segs.join(st.column)}\n`;
  };
  let out = st.border ? sepLine() : '';
  out += line(
    head.map((h, i) => {
      const free = w[i]! - width(h);
      const left = Math.floor(free / 2);
      return spaces(left) + h + spaces(free - left);
    }),
  );
  out += sepLine();
  for (const r of rows) {
    out += line(
      w.map((n, i) => {
        const c = r[i] ?? '';
        const free = n - width(c);
        const numeric = !st.alignLeft && /^-?\d+(\.\d+)?$/.test(c);
        return numeric ? spaces(free) + c : c + spaces(free);
      }),
    );
    if (st.rowLine) out += sepLine();
  }
  if (st.border && !st.rowLine) out += sepLine();
  return out;
}
