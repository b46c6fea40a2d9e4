import { ReasonListError } from '@comeback/reasons';
import { ConsoleError } from '../console/auth/console.errors';
import { translate } from '../console/console-exception.filter';
import { CATALOGS, CONSOLE_LOCALES, Translator } from '../console/i18n/translator';
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

  it('refuse a field with a message in every console language that names the field, and keep the English detail for scripts', () => {
    const refusal = (fn: () => unknown): ConsoleError => {
      try {
        fn();
      } catch (err) {
        if (err instanceof ConsoleError) return err;
      }
      throw new Error('not refused');
    };
    const errors = [
      refusal(() => textField('  ', 'label')),
      refusal(() => textField('x'.repeat(201), 'label', 200)),
      refusal(() => rowId('x', 'intoId')),
      ...['locale', 'text', 'candidate', 'reason', 'reasonId', 'reply'].map((field) => refusal(() => rowId('', field))),
    ];
    expect(errors.slice(0, 3).map((e) => [e.field, e.detail])).toEqual([
      ['label', 'label: required'],
      ['label', 'label: at most 200 characters'],
      ['intoId', 'intoId: choose one from the list'],
    ]);
    for (const locale of CONSOLE_LOCALES) {
      for (const e of errors) {
        for (const key of [e.translated!.key, e.translated!.fieldName!]) expect([locale, key, Object.hasOwn(CATALOGS[locale], key)]).toEqual([locale, key, true]);
      }
    }
    const ru = new Translator('ru', 'Asia/Tbilisi', 'GEL');
    expect(errors.slice(0, 3).map((e) => translate(ru, e.translated!))).toEqual([
      'Название: обязательное поле',
      'Название: не более 200 символов',
      'Объединить с: выберите из списка',
    ]);
    expect(translate(new Translator('en', 'UTC', 'GEL'), errors[1].translated!)).toBe('Label: at most 200 characters');
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
