import { nextAllowedAt, zonedInstant } from './allowed-hours';

const DAYTIME = { from: '08:00', to: '21:00' };

describe('allowed hours in the client timezone', () => {
  it('lets a message go at once inside the window, and delays it to the next opening outside it', () => {
    // Tbilisi is UTC+4 all year. 10:00Z = 14:00 local: allowed.
    const noon = new Date('2026-11-22T10:00:00Z');
    expect(nextAllowedAt(noon, 'Asia/Tbilisi', DAYTIME)).toBe(noon);
    // 18:00Z = 22:00 local: the next 08:00 local is 2026-11-23T04:00Z.
    expect(nextAllowedAt(new Date('2026-11-22T18:00:00Z'), 'Asia/Tbilisi', DAYTIME).toISOString()).toBe('2026-11-23T04:00:00.000Z');
    // 01:30Z = 05:30 local: later the same local day.
    expect(nextAllowedAt(new Date('2026-11-22T01:30:00Z'), 'Asia/Tbilisi', DAYTIME).toISOString()).toBe('2026-11-22T04:00:00.000Z');
    // 21:00 local is closed (exclusive end); 08:00 local is open.
    expect(nextAllowedAt(new Date('2026-11-22T17:00:00Z'), 'Asia/Tbilisi', DAYTIME).toISOString()).toBe('2026-11-23T04:00:00.000Z');
    const opening = new Date('2026-11-22T04:00:00Z');
    expect(nextAllowedAt(opening, 'Asia/Tbilisi', DAYTIME)).toBe(opening);
  });

  it('uses each client\'s own timezone: the same instant is night in one city and day in another', () => {
    const at = new Date('2026-11-22T20:30:00Z');
    expect(nextAllowedAt(at, 'America/New_York', DAYTIME)).toBe(at); // 15:30 there
    expect(nextAllowedAt(at, 'Asia/Kolkata', DAYTIME).toISOString()).toBe('2026-11-23T02:30:00.000Z'); // 02:00 IST -> 08:00 IST
  });

  it('handles a window across midnight and the end of a month', () => {
    const night = { from: '22:00', to: '06:00' };
    expect(nextAllowedAt(new Date('2026-11-30T23:30:00Z'), 'UTC', night).toISOString()).toBe('2026-11-30T23:30:00.000Z');
    expect(nextAllowedAt(new Date('2026-11-30T12:00:00Z'), 'UTC', night).toISOString()).toBe('2026-11-30T22:00:00.000Z');
    expect(nextAllowedAt(new Date('2026-11-30T21:30:00Z'), 'UTC', DAYTIME).toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });

  it('finds local times across daylight-saving changes', () => {
    // New York, 2026-03-08: clocks jump from 02:00 to 03:00 EDT (UTC-4); 08:00 that day is 12:00Z.
    expect(nextAllowedAt(new Date('2026-03-08T06:00:00Z'), 'America/New_York', DAYTIME).toISOString()).toBe('2026-03-08T12:00:00.000Z');
    // 02:30 does not exist that day: the instant just after the gap (03:30 EDT = 07:30Z).
    expect(zonedInstant(2026, 3, 8, 150, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 2026-11-01: 01:30 happens twice (EDT then EST): the first one, 05:30Z.
    expect(zonedInstant(2026, 11, 1, 90, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});
