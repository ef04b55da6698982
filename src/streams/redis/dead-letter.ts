import type { RedisConnection } from './connection.js';

/**
 * Moves entry ARGV[2] of stream KEYS[1] (group ARGV[1]) to the dead-letter stream KEYS[2] with
 * the fields ARGV[3…], atomically and only while it is still pending, so a command sent again
 * after a lost reply does not add it twice.
 */
const DEAD_LETTER = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * Moves the pending entry `id` (its raw `fields`) of `stream` to the stream `deadLetter`,
 * with `streamgrad:stream`, `streamgrad:id` and `streamgrad:error` fields added, and
 * acknowledges it, atomically. @internal
 */
export async function deadLetterEntry(
  connection: RedisConnection,
  where: { readonly stream: string; readonly group: string; readonly deadLetter: string },
  id: string,
  fields: readonly string[],
  reason: string,
): Promise<void> {
  const extra = ['streamgrad:stream', where.stream, 'streamgrad:id', id, 'streamgrad:error', reason];
  await connection.call('EVAL', DEAD_LETTER, 2, where.stream, where.deadLetter, where.group, id, ...fields, ...extra);
}
