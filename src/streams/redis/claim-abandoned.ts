import type { RedisConnection } from './connection.js';

/**
 * Takes over, for `consumer`, the entries other consumers of the group left pending
 * (`XAUTOCLAIM … 0 … JUSTID`, over the whole pending list): the group lock says those
 * consumers are gone, so their entries are this learner's to train or skip. Returns how many
 * entries were claimed and how many pending ones had been deleted from the stream meanwhile
 * (`XAUTOCLAIM` drops those from the pending list). @internal
 */
export async function claimAbandoned(
  connection: RedisConnection,
  where: { readonly stream: string; readonly group: string; readonly consumer: string },
): Promise<{ claimed: number; deleted: number }> {
  const { stream, group, consumer } = where;
  const summary = (await connection.call('XPENDING', stream, group)) as [number, string | null, string | null, [string, string][] | null];
  const others = (summary[3] ?? []).filter(([name]) => name !== consumer);
  if (others.length === 0) return { claimed: 0, deleted: 0 };
  let cursor = '0-0';
  let deleted = 0;
  do {
    const reply = (await connection.call('XAUTOCLAIM', stream, group, consumer, 0, cursor, 'COUNT', 1000, 'JUSTID')) as [string, string[], string[]?];
    cursor = reply[0];
    deleted += reply[2]?.length ?? 0;
  } while (cursor !== '0-0');
  return { claimed: others.reduce((sum, [, count]) => sum + Number(count), 0), deleted };
}
