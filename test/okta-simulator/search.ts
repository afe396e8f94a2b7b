/**
 * The small subset of Okta's `search`/`filter` expression language the simulator understands:
 * `field pr`, `field eq "value"`, joined with `or` (optionally in parentheses). Anything else is
 * answered like Okta answers an invalid search: 400 E0000031.
 */

/** One clause of an expression. */
export type Clause = { field: string; op: 'pr' } | { field: string; op: 'eq'; value: string };

/** A parsed expression: true when any clause matches. */
export interface Expression {
  clauses: Clause[];
  /** `search` compares values case-insensitively, `filter` exactly. */
  caseInsensitive: boolean;
}

/** Parses an expression over the allowed fields; returns an error message when unsupported. */
export function parseExpression(
  text: string,
  allowedFields: readonly string[],
  caseInsensitive: boolean,
): Expression | { error: string } {
  const clauses: Clause[] = [];
  for (const part of text.split(/\s+or\s+/i)) {
    const clause = part.trim().replace(/^\(+/, '').replace(/\)+$/, '').trim();
    const present = /^([\w.]+)\s+pr$/i.exec(clause);
    const equals = /^([\w.]+)\s+eq\s+"([^"]*)"$/i.exec(clause);
    const field = present?.[1] ?? equals?.[1];
    if (field === undefined || !allowedFields.includes(field)) {
      return { error: `Invalid search criteria: ${clause}` };
    }
    clauses.push(present ? { field, op: 'pr' } : { field, op: 'eq', value: equals?.[2] ?? '' });
  }
  return { clauses, caseInsensitive };
}

/** Whether an object whose fields `read` returns matches the expression. */
export function matches(
  expression: Expression,
  read: (field: string) => string | undefined,
): boolean {
  return expression.clauses.some((clause) => {
    const actual = read(clause.field);
    if (clause.op === 'pr') return actual !== undefined && actual !== null;
    if (actual === undefined) return false;
    return expression.caseInsensitive
      ? actual.toLowerCase() === clause.value.toLowerCase()
      : actual === clause.value;
  });
}
