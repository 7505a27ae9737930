/**
 * Kenya's clock (East Africa Time) for what people read: screens and SMS. One zone database (Intl) rather than
 * a hard-coded +3 h, so dates and times on a screen and in an SMS always agree.
 */
const ZONE = 'Africa/Nairobi';

const dateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

const calendar = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});

/** "3 Dec, 14:05" in Nairobi. */
export function formatEatDateTime(at: Date): string {
  return dateTime.format(at);
}

/** The calendar day in Nairobi: month 0-11, as Date's, so callers name it in their own language. */
export function eatDay(at: Date): { year: number; month: number; day: number } {
  const part = (type: string) => Number(calendar.formatToParts(at).find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month') - 1, day: part('day') };
}

const clock = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "14:05" in Nairobi: the time of day, for a screen that names the day in its own language. */
export function formatEatTime(at: Date): string {
  return clock.format(at);
}
