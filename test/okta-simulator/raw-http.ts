import { type Agent, request } from 'node:http';

/** A response as it came off the wire: header lines are not folded (fetch folds repeats). */
export interface RawResponse {
  status: number;
  /** Lower-case header name → every line's value, in order. */
  headers: Map<string, string[]>;
  body: string;
}

/** GETs `url` with node:http and keeps repeated header lines apart. For tests and scripts. */
export function rawGet(
  url: string,
  headers: Record<string, string> = {},
  agent?: Agent,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ...(agent ? { agent } : {}) }, (res) => {
      const lines = new Map<string, string[]>();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = (res.rawHeaders[i] ?? '').toLowerCase();
        lines.set(name, [...(lines.get(name) ?? []), res.rawHeaders[i + 1] ?? '']);
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: lines,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Relation → URL from every `Link` line (each line may hold several comma-joined links). */
export function linksOf(
  lines: readonly string[] | string | null | undefined,
): Record<string, string> {
  const links: Record<string, string> = {};
  const all = typeof lines === 'string' ? [lines] : (lines ?? []);
  for (const line of all) {
    for (const match of line.matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) {
      const [, url, rel] = match;
      if (url !== undefined && rel !== undefined) links[rel] = url;
    }
  }
  return links;
}
