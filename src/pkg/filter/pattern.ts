/**
 * Wildcard patterns of DM's rules: `*` matches any run of characters, `?` exactly one,
 * everything else is literal. Case-insensitive unless asked otherwise (DM lower-cases rules
 * and names when `case-sensitive: false`).
 */
export class WildcardPattern {
  private readonly re: RegExp;
  /** How specific the pattern is: literal characters count most, `?` a little, `*` none. */
  readonly specificity: number;
  readonly isExact: boolean;

  constructor(
    readonly pattern: string,
    caseSensitive: boolean,
  ) {
    let src = '';
    let lit = 0;
    let q = 0;
    for (const c of pattern) {
      if (c === '*') src += '[\\s\\S]*';
      else if (c === '?') {
        src += '[\\s\\S]';
        q++;
      } else {
        src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        lit++;
      }
    }
    this.re = new RegExp(`^${src}$`, caseSensitive ? 'u' : 'iu');
    this.specificity = lit * 2 + q;
    this.isExact = !pattern.includes('*') && !pattern.includes('?');
  }

  test(name: string): boolean {
    return this.re.test(name);
  }
}
