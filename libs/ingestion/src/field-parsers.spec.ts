import { consent, currency, email, Invalid, locale, money, nameParser, paymentStatus, phone, timestamp, timeZone } from './field-parsers';

const GE = { country: 'GE' };
const TR = { country: 'TR' };

describe('phone', () => {
  it.each([
    ['555 12 34 56', GE, '+995555123456'],
    ['(555) 12-34-56', GE, '+995555123456'],
    ['+995 555 123 456', GE, '+995555123456'],
    ['0532 123 45 67', TR, '+905321234567'],
    ['+90 532 123 4567', GE, '+905321234567'],
    ['+7 916 123-45-67', GE, '+79161234567'],
    ['+880 1712-345678', GE, '+8801712345678'],
    ['+91 98765 43210', GE, '+919876543210'],
    ['+856 20 2345 6789', GE, '+8562023456789'],
    // Full-width digits are folded by NFKC before parsing.
    ['＋９９５５５５１２３４５６', GE, '+995555123456'],
  ])('normalises %s to E.164', (raw, ctx, expected) => {
    expect(phone(raw, ctx)).toBe(expected);
  });

  it.each([['12'], ['555 12 34'], ['+44 7700 900123' /* reserved for fiction, not assignable */], ['not a phone'], ['+999 123 456 789']])(
    'refuses %s instead of storing it half-right',
    (raw) => {
      const v = phone(raw, GE);
      expect(v).toBeInstanceOf(Invalid);
      expect((v as Invalid).message).toContain('not a valid phone number');
    },
  );

  it('treats an empty cell as no phone', () => {
    expect(phone('  ', GE)).toBeNull();
  });
});

describe('timestamp', () => {
  it.each(['2024-03-05', '2024-03-05 14:30', '2024-03-05T14:30:00Z', '2024-03-05T14:30:00.123+04:00', '2024-02-29T00:00:00-0530'])('accepts %s', (v) => {
    expect(timestamp(v, GE)).toBe(v);
  });
  it.each([
    ['2024-13-05', 'no month 13'],
    ['2023-02-29', 'not a day of the calendar'],
    ['2024-04-31', 'not a day of the calendar'],
    ['2024-03-05 24:00', 'not a time of day'],
    ['05/03/2024', 'not an ISO 8601'],
    ['1800-01-01', 'year outside'],
  ])('refuses %s (%s)', (v, why) => {
    const r = timestamp(v, GE);
    expect(r).toBeInstanceOf(Invalid);
    expect((r as Invalid).message).toContain(why);
  });
});

describe('other fields', () => {
  it('reads amounts with at most two decimals and no sign', () => {
    expect(money('85', GE)).toBe('85');
    expect(money('85.5', GE)).toBe('85.5');
    expect(money('-5', GE)).toBeInstanceOf(Invalid);
    expect(money('1,5', GE)).toBeInstanceOf(Invalid);
    expect(money('1.555', GE)).toBeInstanceOf(Invalid);
  });
  it('knows currencies, locales and time zones', () => {
    expect(currency('gel', GE)).toBe('GEL');
    expect(currency('XYZ', GE)).toBeInstanceOf(Invalid);
    expect(locale('EN_gb', GE)).toBe('en-GB');
    expect(locale('lo', GE)).toBe('lo');
    expect(locale('not a tag!', GE)).toBeInstanceOf(Invalid);
    expect(timeZone('asia/tbilisi', GE)).toBe('Asia/Tbilisi');
    expect(timeZone('Mars/Olympus', GE)).toBeInstanceOf(Invalid);
  });
  it('normalises names to NFKC and folds white space, in any script', () => {
    const name = nameParser(300);
    expect(name('  ｎｉｎｏ   Beridze ', GE)).toBe('nino Beridze');
    expect(name('ສົມພອນ  ແກ້ວ', GE)).toBe('ສົມພອນ ແກ້ວ');
    expect(name('ગીતા પટેલ', GE)).toBe('ગીતા પટેલ'.normalize('NFKC'));
    expect(name('a\u0007b', GE)).toBeInstanceOf(Invalid);
  });
  it('lower-cases only the domain of an e-mail address', () => {
    expect(email('Nino.B@Example.COM', GE)).toBe('Nino.B@example.com');
    expect(email('no-at-sign', GE)).toBeInstanceOf(Invalid);
  });
  it('reads consent words and leaves empty as not stated', () => {
    expect(consent('YES', GE)).toBe('granted');
    expect(consent('0', GE)).toBe('revoked');
    expect(consent('', GE)).toBeNull();
    expect(consent('maybe', GE)).toBeInstanceOf(Invalid);
  });
});

describe('paymentStatus', () => {
  it('reads succeeded, failed and cancelled (either spelling), and names the allowed values otherwise', () => {
    expect(['succeeded', ' FAILED ', 'cancelled', 'Canceled'].map((v) => paymentStatus(v, GE))).toEqual(['succeeded', 'failed', 'cancelled', 'cancelled']);
    expect(paymentStatus('', GE)).toBeNull();
    const bad = paymentStatus('refunded', GE);
    expect(bad).toBeInstanceOf(Invalid);
    expect((bad as Invalid).message).toBe('"refunded" is not a payment status (succeeded, failed or cancelled)');
  });
});
