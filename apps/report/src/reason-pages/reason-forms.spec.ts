import { ReasonListError } from '@comeback/reasons';
import { ConsoleError } from '../console/auth/console.errors';
import { optionalText, replyFilters, rowId, textField } from './reason-forms';
import { REASON_ERROR_STATUS } from './reason-pages.errors';

describe('reason page forms', () => {
  it('take only bigint row ids', () => {
    expect(rowId('42', 'reason')).toBe('42');
    for (const bad of ['0', '-1', '1e3', '01', ' 7', '1234567890123456789', "1' OR 1=1", undefined, 5, ['1']]) {
      expect(() => rowId(bad, 'reason')).toThrow(ConsoleError);
    }
  });

  it('trim text, refuse empty and overlong, and leave optional fields out', () => {
    expect(textField('  late  ', 'label')).toBe('late');
    expect(() => textField('   ', 'label')).toThrow(ConsoleError);
    expect(() => textField('x'.repeat(201), 'label', 200)).toThrow(ConsoleError);
    expect(optionalText('', 'locale')).toBeUndefined();
    expect(optionalText(undefined, 'locale')).toBeUndefined();
    expect(optionalText(' ru ', 'locale')).toBe('ru');
  });

  it('show replies that need review unless the filter form says otherwise, and only known channels', () => {
    expect(replyFilters({})).toEqual({ review: true, channel: null });
    expect(replyFilters({ shown: '1' })).toEqual({ review: false, channel: null });
    expect(replyFilters({ shown: '1', review: '1', channel: 'sms' })).toEqual({ review: true, channel: 'sms' });
    expect(replyFilters({ channel: "sms' --" })).toEqual({ review: true, channel: null });
  });

  it('map every reason-list error code to 400, 404 or 409', () => {
    const codes = ['NOT_FOUND', 'DUPLICATE', 'INVALID_INPUT', 'INVALID_STATE'] as const;
    expect(codes.map((c) => REASON_ERROR_STATUS[new ReasonListError(c, 'x').code])).toEqual([404, 409, 400, 409]);
  });
});
