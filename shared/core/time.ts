/** A time as we write it (ISO 8601) read back; undefined for anything else, or nothing, rather than an Invalid Date. */
export function parseTime(text: unknown): Date | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
