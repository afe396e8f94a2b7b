/**
 * Parses RFC 8288 `Link` header values into a map from relation to URL.
 *
 * Okta sends one header line per relation; `fetch` folds repeated lines into one comma-joined
 * string. So split on commas outside `<…>`, never assume `self` comes first or that `next` exists,
 * and accept several header values at once.
 */
export function parseLinkHeader(
  values: string | readonly string[] | null | undefined,
): Map<string, string> {
  const links = new Map<string, string>();
  if (values === null || values === undefined) return links;
  for (const value of typeof values === 'string' ? [values] : values) {
    for (const part of splitOutsideAngles(value)) {
      const match = /^\s*<([^>]*)>\s*(.*)$/s.exec(part);
      if (!match) continue;
      const url = (match[1] ?? '').trim();
      for (const rel of relationsOf(match[2] ?? '')) {
        // The first occurrence wins: a repeated relation is an anomaly we do not reward.
        if (!links.has(rel)) links.set(rel, url);
      }
    }
  }
  return links;
}

function splitOutsideAngles(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

function relationsOf(params: string): string[] {
  for (const param of params.split(';')) {
    const m = /^\s*rel\s*=\s*(?:"([^"]*)"|([^\s";]+))\s*$/i.exec(param);
    if (m) return (m[1] ?? m[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  }
  return [];
}
