import { LOST_CLIENTS_FILTER_SCHEMA } from '../lost-clients/dto/lost-clients-query.dto';
import { calendarDateError, isCalendarDate } from './calendar-date';

describe('calendar dates typed into the console', () => {
  it('takes real dates from 1900 to 2100 only', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('1900-01-01')).toBe(true);
    expect(isCalendarDate('2100-12-31')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('26-02-28')).toBe(false);
    // JavaScript's Date takes these; PostgreSQL refuses year 0000 (a 500 before the bound).
    expect(isCalendarDate('0000-01-01')).toBe(false);
    expect(isCalendarDate('1899-12-31')).toBe(false);
    expect(isCalendarDate('2101-01-01')).toBe(false);
  });

  it('says why a date is refused', () => {
    expect(calendarDateError('0000-01-01')).toBe('must be a date between 1900 and 2100');
    expect(calendarDateError('2026-02-30')).toBe('is not a calendar date');
    expect(calendarDateError('tomorrow')).toBe('must be a date YYYY-MM-DD');
  });

  it('refuses year 0000 in the lost-clients filters with that message', () => {
    const parsed = LOST_CLIENTS_FILTER_SCHEMA.safeParse({ detectedFrom: '0000-01-01' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['detectedFrom'], message: 'must be a date between 1900 and 2100' })]);
  });
});
