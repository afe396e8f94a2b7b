import type { AttributeAssignment, DateTimeFields, Value } from '../elimity-model';

// Okta values → Elimity values (elimity-api.md §3.2, data-model.md "General rules"). Every
// builder returns `undefined` for "no value", and `toAssignments` leaves those out: no null.

// RFC 3339 date-time with a zone (okta-api.md §1). A zone-less string would be read in local time,
// and JavaScript's Date.parse accepts loose formats and rolls 30 February over into March, so the
// fields are matched and range-checked here instead.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** An ISO 8601 timestamp as Elimity's UTC dateTime fields, fraction dropped; else undefined. */
export function toDateTime(iso: unknown): DateTimeFields | undefined {
  if (typeof iso !== 'string') return undefined;
  const match = ISO_DATE_TIME.exec(iso.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, zulu, sign, offsetHour, offsetMinute] = match;
  // The regex guarantees the digits; only the seconds may be absent (then zero).
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const oh = Number(offsetHour);
    const om = Number(offsetMinute);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi - offsetMinutes, s, 0);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** Any Okta value as one string (lists joined with ", "), or undefined when it has no text. */
export function toText(raw: unknown): string | undefined {
  // Strings verbatim, only the empty string is none (data-model.md: "null, absent or an empty
  // string"); numbers and booleans via String; arrays keep their scalar elements (empty → none);
  // objects and null → none. A tenant may hold any JSON type (T12).
  if (Array.isArray(raw)) {
    const parts = raw.map(scalarText).filter((part) => part !== undefined);
    return parts.length === 0 ? undefined : parts.join(', ');
  }
  return scalarText(raw);
}

function scalarText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw === '' ? undefined : raw;
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw === 'boolean') return String(raw);
  return undefined;
}

/** A string value from any Okta value, by the rules of `toText`. */
export function stringValue(raw: unknown): Value | undefined {
  const text = toText(raw);
  return text === undefined ? undefined : { type: 'string', value: text };
}

/** A number value from a finite JSON number only; numeric strings and everything else → none. */
export function numberValue(raw: unknown): Value | undefined {
  return typeof raw === 'number' && Number.isFinite(raw)
    ? { type: 'number', value: raw }
    : undefined;
}

/** A boolean value from a JSON boolean only. */
export function booleanValue(raw: unknown): Value | undefined {
  return typeof raw === 'boolean' ? { type: 'boolean', value: raw } : undefined;
}

/** A dateTime value from an ISO 8601 timestamp, by the rules of `toDateTime`. */
export function dateTimeValue(raw: unknown): Value | undefined {
  const fields = toDateTime(raw);
  return fields === undefined ? undefined : { type: 'dateTime', value: fields };
}

/** One attribute of a mapper: its Elimity id and how to get its value from the Okta object. */
export interface AttributeSpec<TSource, TId extends string = string> {
  id: TId;
  value: (source: TSource) => Value | undefined;
}

/** The assignments of `source` in the order of `specs`, leaving out attributes without a value. */
export function toAssignments<TSource>(
  specs: readonly AttributeSpec<TSource>[],
  source: TSource,
): AttributeAssignment[] {
  const assignments: AttributeAssignment[] = [];
  for (const spec of specs) {
    const value = spec.value(source);
    if (value !== undefined) assignments.push({ attributeTypeId: spec.id, value });
  }
  return assignments;
}

/**
 * The first candidate whose text is not blank, verbatim: for entity names, which must say
 * something (a name of only spaces falls through to the next candidate).
 */
export function firstNonBlank(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    const text = toText(candidate);
    if (text !== undefined && text.trim() !== '') return text;
  }
  return undefined;
}
