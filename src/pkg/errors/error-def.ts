/** The shape of one catalog entry (see catalog.ts) and its constructor. */
export const ERROR_SCOPES = ['not-set', 'upstream', 'downstream', 'internal'] as const;
export type ErrorScope = (typeof ERROR_SCOPES)[number];
export const ERROR_LEVELS = ['low', 'medium', 'high'] as const;
export type ErrorLevel = (typeof ERROR_LEVELS)[number];

export interface ErrorDef {
  readonly code: number;
  readonly errClass: string;
  readonly scope: ErrorScope;
  readonly level: ErrorLevel;
  readonly workaround: string;
}

export function def(
  code: number,
  errClass: string,
  scope: ErrorScope,
  level: ErrorLevel,
  workaround = '',
): ErrorDef {
  return Object.freeze({ code, errClass, scope, level, workaround });
}
