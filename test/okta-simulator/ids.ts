import { base62, randomFor, STREAM } from './random';

/** Okta object id prefixes (20-character ids). */
export const ID_PREFIX = { user: '00u', group: '00g', app: '0oa' } as const;

const STREAM_OF = { user: STREAM.userId, group: STREAM.groupId, app: STREAM.appId } as const;

/** The id of object `index` of `kind`: prefix + 17 base-62 characters, stable per seed. */
export function oktaId(seed: number, kind: keyof typeof ID_PREFIX, index: number): string {
  return ID_PREFIX[kind] + base62(randomFor(seed, STREAM_OF[kind], index), 17);
}
