import { campaignFromForm, menuText, readCampaignForm, startFromForm, templatePartsFromForm } from './campaign-forms';

describe('campaign wizard form', () => {
  it('turns the form into a draft: channel order without blanks, a percentage into a share, the audience filters typed', () => {
    const result = campaignFromForm(
      readCampaignForm({
        name: ' Spring ', templateKey: 'win-back', channel1: 'viber', channel2: '', channel3: 'sms', channel4: '', fallbackAfterHours: '24', controlPercent: '12.5',
        status: 'lapsed', tier: '2', reachableOn: 'sms', staff: '',
      }),
    );
    expect(result).toEqual({
      draft: { name: 'Spring', templateKey: 'win-back', channels: ['viber', 'sms'], fallbackAfterHours: 24, controlShare: 0.125, audience: { status: 'lapsed', tier: 2, reachableOn: 'sms' } },
    });
  });

  it('names the field of every problem as the form calls it', () => {
    const result = campaignFromForm(readCampaignForm({ name: 'x', templateKey: 'Bad Key', channel1: 'sms', channel2: 'sms', controlPercent: '80', detectedFrom: '2026-02-30' }));
    expect('problems' in result && result.problems.map((p) => p.field).sort()).toEqual(['channel1', 'controlPercent', 'detectedFrom', 'templateKey']);
    const month13 = campaignFromForm(readCampaignForm({ name: 'x', templateKey: 'a', channel1: 'sms', lastVisitTo: '2026-13-01' }));
    expect('problems' in month13 && month13.problems).toEqual([{ field: 'lastVisitTo', message: 'is not a calendar date' }]);
    expect(campaignFromForm(readCampaignForm({ name: 'x', templateKey: 'a', channel1: 'sms', fallbackAfterHours: 'soon' }))).toEqual({
      problems: [{ field: 'fallbackAfterHours', message: 'must be a number' }],
    });
  });

  it('reads the start as the organization\'s wall clock and refuses a past or impossible one', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(startFromForm({ startAt: '2026-11-23T09:30' }, 'Asia/Tbilisi', now)).toEqual({ at: '2026-11-23T05:30:00.000Z' });
    expect(startFromForm({ startAt: ' 2026-11-23T09:30:00 ' }, 'Asia/Tbilisi', now)).toEqual({ at: '2026-11-23T05:30:00.000Z' }); // seconds from some browsers
    expect(startFromForm({ startAt: '2026-11-22T13:00' }, 'Asia/Tbilisi', now)).toEqual({ problems: [{ field: 'startAt', message: 'must not be in the past' }] });
    expect(startFromForm({ startAt: '2026-11-31T09:00' }, 'Asia/Tbilisi', now)).toEqual({ problems: [{ field: 'startAt', message: 'is not a calendar date and time' }] });
    expect(startFromForm({ startAt: '0000-01-01T09:00' }, 'Asia/Tbilisi', now)).toEqual({ problems: [{ field: 'startAt', message: 'must be a date between 1900 and 2100' }] });
    expect(startFromForm({ startAt: '9999-01-01T09:00' }, 'Asia/Tbilisi', now)).toEqual({ problems: [{ field: 'startAt', message: 'must be a date between 1900 and 2100' }] });
    expect(startFromForm({ startAt: 'tomorrow' }, 'Asia/Tbilisi', now)).toHaveProperty('problems');
  });

  it('starts now only when no time is typed: a time typed is never overridden', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(startFromForm({}, 'Asia/Tbilisi', now)).toEqual({});
    expect(startFromForm({ startAt: '  ' }, 'Asia/Tbilisi', now)).toEqual({});
    // The old form's "Start now" radio, still sent by a stale page, does not win over the time.
    expect(startFromForm({ when: 'now', startAt: '2026-12-01T10:00' }, 'Asia/Tbilisi', now)).toEqual({ at: '2026-12-01T06:00:00.000Z' });
  });

  it('refuses audience dates PostgreSQL would refuse: years outside 1900-2100', () => {
    for (const date of ['0000-01-01', '1899-12-31', '2101-01-01']) {
      expect(campaignFromForm(readCampaignForm({ name: 'x', templateKey: 'a', channel1: 'sms', detectedFrom: date }))).toEqual({
        problems: [{ field: 'detectedFrom', message: 'must be a date between 1900 and 2100' }],
      });
    }
    expect(campaignFromForm(readCampaignForm({ name: 'x', templateKey: 'a', channel1: 'sms', lastVisitTo: '2100-12-31' }))).toHaveProperty('draft');
  });
});

describe('template editor form', () => {
  it('reads the voice menu one choice per line and shows it back the same way', () => {
    const result = templatePartsFromForm('voice', { 'part.script': 'Press a key', 'part.language': 'ka-GE', 'part.menu': '1 = ძვირია\r\n2: Moved away\n\n3) Ｓｅｒｖｉｃｅ' });
    expect(result).toEqual({ parts: { script: 'Press a key', language: 'ka-GE', menu: { '1': 'ძვირია', '2': 'Moved away', '3': 'Service' } } });
    expect(menuText({ '1': 'ძვირია', '2': 'Moved away' })).toBe('1 = ძვირია\n2 = Moved away');
  });

  it('names the menu line at fault', () => {
    expect(templatePartsFromForm('voice', { 'part.menu': '1 = A\nno key\n1 = B' })).toEqual({
      problems: [
        { part: 'menu', line: 2, message: 'write one choice per line: a key 0-9, "=", and the reason it records' },
        { part: 'menu', line: 3, message: 'key 1 is used twice' },
      ],
    });
  });

  it('keeps only the parts of the channel, with line breaks as typed (positions count lines)', () => {
    expect(templatePartsFromForm('sms', { 'part.text': 'a\r\nb', 'part.subject': 'ignored' })).toEqual({ parts: { text: 'a\nb' } });
  });
});
