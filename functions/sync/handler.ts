// Placeholder until the sync is wired; replaced by the real handler.
export async function handler(_event: unknown): Promise<Record<string, unknown>> {
  return { status: 'failed' };
}
