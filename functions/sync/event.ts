import * as v from 'valibot';
import { ConfigError } from '../../shared/errors';

/**
 * The invocation event: `{}` runs a sync, `{"dryRun": true}` extracts and stores without posting,
 * `{"force": true}` posts even past the mass-deletion guard, `{"replay": "<snapshot location>"}`
 * posts a stored snapshot again without calling Okta. Unknown keys (the scheduler's
 * `scheduledTime`, for instance) are tolerated.
 */
const SyncEventSchema = v.looseObject({
  dryRun: v.optional(v.boolean('dryRun must be true or false')),
  force: v.optional(v.boolean('force must be true or false')),
  replay: v.optional(
    v.pipe(
      v.string('replay must be a snapshot location (an s3:// URI or a directory)'),
      v.trim(),
      v.nonEmpty('replay must be a snapshot location (an s3:// URI or a directory)'),
    ),
  ),
});

export type SyncEvent = v.InferOutput<typeof SyncEventSchema>;

/** Validates the Lambda event; `null`/absent means `{}` (a console test with an empty payload). */
export function parseSyncEvent(event: unknown): SyncEvent {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new ConfigError('the event must be a JSON object such as {} or {"dryRun": true}');
  }
  const parsed = v.safeParse(SyncEventSchema, event);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new ConfigError(`event: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.output;
}
