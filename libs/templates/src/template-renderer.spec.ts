import type { TemplateDefinition } from './template-definition';
import { TemplateError } from './template-error';
import { compileTemplate, renderTemplate } from './template-renderer';
import { TEMPLATE_VARIABLES, type TemplateVariables } from './template-variables';
import { validateTemplate } from './template-validator';

// 22:30 UTC on 1 March is already 2 March in Tbilisi (UTC+4).
const lastVisit = { date: new Date('2026-03-01T22:30:00Z'), staffMember: 'Nino', service: 'Haircut' };
const reasons = [
  { number: 1, label: 'Too expensive' },
  { number: 2, label: 'Moved away' },
];
const tbilisi = { timezone: 'Asia/Tbilisi', currency: 'GEL' };

function sms(locale: string, text: string): TemplateDefinition<'sms'> {
  return { channel: 'sms', locale, parts: { text } };
}

describe('renderTemplate', () => {
  it('renders English with dates in the recipient time zone, money and plurals', () => {
    const def = sms('en', '{{client.firstName}}, your last visit was {{date lastVisit.date "long"}} ({{plural daysSinceLastVisit one="# day" other="# days"}} ago). {{money 20}} off!');
    const vars: TemplateVariables = { client: { firstName: 'Ann' }, lastVisit, daysSinceLastVisit: 1 };
    expect(renderTemplate(def, vars, { locale: 'en', ...tbilisi }).text).toBe('Ann, your last visit was March 2, 2026 (1 day ago). GEL 20 off!');
    expect(renderTemplate(def, { ...vars, daysSinceLastVisit: 1234 }, { locale: 'en', timezone: 'UTC', currency: 'USD' }).text).toBe(
      'Ann, your last visit was March 1, 2026 (1,234 days ago). $20 off!',
    );
  });

  it("renders Russian with the language's plural forms and its number and date formats", () => {
    const def = sms(
      'ru',
      '{{client.firstName}}, вы были у нас {{date lastVisit.date "long"}} — {{plural daysSinceLastVisit one="# день" few="# дня" many="# дней" other="# дня"}} назад. Скидка {{money 1234.5}}.',
    );
    const render = (days: number) => renderTemplate(def, { client: { firstName: 'Анна' }, lastVisit, daysSinceLastVisit: days }, { locale: 'ru-RU', ...tbilisi }).text;
    // Intl separates with no-break spaces; NFKC makes them plain spaces (which also keeps an SMS in GSM-7).
    expect(render(21)).toBe('Анна, вы были у нас 2 марта 2026 г. — 21 день назад. Скидка 1 234,50 GEL.');
    expect(render(3)).toBe('Анна, вы были у нас 2 марта 2026 г. — 3 дня назад. Скидка 1 234,50 GEL.');
    expect(render(25)).toContain('— 25 дней назад');
    expect(render(1500)).toContain('— 1 500 дней назад');
  });

  it('renders Georgian with the lari sign and the Georgian month', () => {
    const def = sms('ka', '{{client.firstName}}, ბოლო ვიზიტი: {{date lastVisit.date "long"}} ({{date lastVisit.date "short"}}), {{plural daysSinceLastVisit one="# დღე" other="# დღე"}}. ფასდაკლება {{money 20}}.');
    const text = renderTemplate(def, { client: { firstName: 'ნინო' }, lastVisit, daysSinceLastVisit: 45 }, { locale: 'ka-GE', ...tbilisi }).text;
    expect(text).toBe('ნინო, ბოლო ვიზიტი: 2 მარტი, 2026 (02.03.26), 45 დღე. ფასდაკლება 20 ₾.');
  });

  it("formats in the template's locale when the recipient speaks another language (a fallback template)", () => {
    const def = sms('en', '{{date lastVisit.date "long"}}');
    expect(renderTemplate(def, { lastVisit }, { locale: 'ka-GE', ...tbilisi }).text).toBe('March 2, 2026');
    expect(renderTemplate(def, { lastVisit }, { locale: 'en-GB', ...tbilisi }).text).toBe('2 March 2026');
  });

  it('lists reasons with #each, including the reason fields that share a helper name', () => {
    const def = sms('en', 'Why? {{#each reasons}}{{number}} {{label}}{{#unless @last}}, {{/unless}}{{/each}}. {{#each reasons as |r|}}[{{r.number}}]{{/each}} {{number daysSinceLastVisit}}');
    expect(renderTemplate(def, { reasons, daysSinceLastVisit: 12345 }, { locale: 'en', ...tbilisi }).text).toBe('Why? 1 Too expensive, 2 Moved away. [1][2] 12,345');
  });

  it('escapes values in the e-mail HTML only', () => {
    const def: TemplateDefinition<'email'> = {
      channel: 'email',
      locale: 'en',
      parts: { subject: 'Hi {{client.name}}', html: '<p>Hi {{client.name}}, <a href="{{feedbackUrl}}">tell us</a></p>', text: 'Hi {{client.name}}: {{feedbackUrl}}' },
    };
    const out = renderTemplate(def, { client: { name: '<b>Ann & Co</b>' }, feedbackUrl: 'https://cb.ge/f/x?a=1&b="2"' }, { locale: 'en', ...tbilisi });
    expect(out.html).toBe('<p>Hi &lt;b&gt;Ann &amp; Co&lt;/b&gt;, <a href="https://cb.ge/f/x?a&#x3D;1&amp;b&#x3D;&quot;2&quot;">tell us</a></p>');
    expect(out.text).toBe('Hi <b>Ann & Co</b>: https://cb.ge/f/x?a=1&b="2"');
    expect(out.subject).toBe('Hi <b>Ann & Co</b>');
    expect(renderTemplate(sms('en', 'Hi {{client.name}}'), { client: { name: '<b>Ann & Co</b>' } }, { locale: 'en', ...tbilisi }).text).toBe('Hi <b>Ann & Co</b>');
  });

  it('keeps the e-mail subject on one line, whatever the values or the template hold', () => {
    const def: TemplateDefinition<'email'> = { channel: 'email', locale: 'en', parts: { subject: 'Hi {{client.name}}\r\n', html: '<p>x</p>', text: 'x' } };
    const out = renderTemplate(def, { client: { name: 'Ann\r\nBcc: all@example.com\u2028x' } }, { locale: 'en', ...tbilisi });
    expect(out.subject).toBe('Hi Ann Bcc: all@example.com x');
  });

  it('normalises output with NFKC, before escaping in HTML so full-width brackets cannot become markup', () => {
    const vars = { client: { name: 'Ａnn ＜script＞' } };
    expect(renderTemplate(sms('en', 'Hi {{client.name}} ﬁne'), vars, { locale: 'en', ...tbilisi }).text).toBe('Hi Ann <script> fine');
    const def: TemplateDefinition<'email'> = { channel: 'email', locale: 'en', parts: { subject: 'Ｈi', html: '<p>{{client.name}}</p>', text: 'x' } };
    const out = renderTemplate(def, vars, { locale: 'en', ...tbilisi });
    expect(out.html).toBe('<p>Ann &lt;script&gt;</p>');
    expect(out.subject).toBe('Hi');
    // Full-width braces typed in the template stay text rather than becoming an expression.
    expect(renderTemplate(sms('en', '｛｛client.name｝｝'), vars, { locale: 'en', ...tbilisi }).text).toBe('{{client.name}}');
  });

  it('renders the voice script, the canonical speech language and the menu', () => {
    const def: TemplateDefinition<'voice'> = {
      channel: 'voice',
      locale: 'ru',
      parts: { script: 'Здравствуйте, {{client.firstName}}! {{#each reasons}}Нажмите {{number}}, если {{label}}. {{/each}}', language: 'ru-ru', menu: { '2': 'Переехал ', '1': 'Дорого（очень）' } },
    };
    const out = renderTemplate(def, { client: { firstName: 'Анна' }, reasons: [{ number: 1, label: 'дорого' }, { number: 2, label: 'переехали' }] }, { locale: 'ru', ...tbilisi });
    expect(out).toEqual({ script: 'Здравствуйте, Анна! Нажмите 1, если дорого. Нажмите 2, если переехали. ', language: 'ru-RU', menu: { '1': 'Дорого(очень)', '2': 'Переехал' } });
  });

  it('renders missing values empty instead of throwing', () => {
    const def = sms('en', 'Hi {{client.firstName}}, {{date lastVisit.date}}|{{plural daysSinceLastVisit one="# day" other="# days"}}|{{#each reasons}}x{{/each}}|{{organization.name}}');
    expect(renderTemplate(def, {}, { locale: 'en', ...tbilisi }).text).toBe('Hi , |||');
    expect(renderTemplate(def, { client: { firstName: null }, lastVisit: { date: null }, reasons: null }, { locale: 'en', ...tbilisi }).text).toBe('Hi , |||');
  });

  it('refuses to render a template that does not validate, with its issues', () => {
    const render = () => renderTemplate(sms('en', 'Hi {{client.nmae}}'), {}, { locale: 'en', ...tbilisi });
    expect(render).toThrow(TemplateError);
    expect(render).toThrow(expect.objectContaining({ code: 'invalid_template', issues: [expect.objectContaining({ code: 'unknown_variable', column: 6 })] }));
    expect(() => renderTemplate(sms('en', 'x'), {}, { locale: 'en', timezone: 'Mars/Olympus', currency: 'GEL' })).toThrow(
      expect.objectContaining({ code: 'invalid_render_options' }),
    );
  });

  it('renders every variable of the catalog from the values type', () => {
    const usage = (name: string, kind: string) =>
      kind === 'date' ? `{{date ${name}}}` : kind === 'reasons' ? `{{#each ${name}}}{{number}}:{{label}}{{/each}}` : `{{${name}}}`;
    const def = sms('en', Object.entries(TEMPLATE_VARIABLES).map(([name, { kind }]) => usage(name, kind)).join('|'));
    expect(validateTemplate(def)).toEqual([]);
    const everything: Required<{ [K in keyof TemplateVariables]-?: NonNullable<TemplateVariables[K]> }> = {
      client: { name: 'Ann Smith', firstName: 'Ann' },
      lastVisit: { date: new Date('2026-01-10T09:00:00Z'), staffMember: 'Nino', service: 'Haircut' },
      organization: { name: 'Salon', phone: '+995 32 200 00 00' },
      feedbackUrl: 'https://cb.ge/f/1',
      optOutUrl: 'https://cb.ge/o/1',
      optOutText: 'Reply STOP',
      reasons: [{ number: 1, label: 'Too expensive' }],
      daysSinceLastVisit: 51,
    };
    const pieces = renderTemplate(def, everything, { locale: 'en', ...tbilisi }).text.split('|');
    expect(pieces).toHaveLength(Object.keys(TEMPLATE_VARIABLES).length);
    expect(pieces.filter((p) => !p)).toEqual([]);
  });

  it('compiles a template once per content', () => {
    const first = compileTemplate(sms('en', 'Hi {{client.firstName}}'));
    expect(compileTemplate(sms('en', 'Hi {{client.firstName}}'))).toBe(first);
    expect(compileTemplate(sms('en', 'Hello {{client.firstName}}'))).not.toBe(first);
    expect(compileTemplate(sms('ru', 'Hi {{client.firstName}}')).contentHash).not.toBe(first.contentHash);
  });

  it('renders SMS fast enough for a 100,000-recipient campaign (a sanity bound, not a benchmark)', () => {
    const def = sms('ka', '{{client.firstName}}, გვენატრებით! {{organization.name}}: {{feedbackUrl}} {{optOutText}}');
    const vars: TemplateVariables = { client: { firstName: 'ნინო' }, organization: { name: 'Salon Tbilisi' }, feedbackUrl: 'https://cb.ge/f/abc', optOutText: 'STOP 1234' };
    const options = { locale: 'ka-GE', ...tbilisi };
    renderTemplate(def, vars, options);
    const n = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) renderTemplate(def, { ...vars, client: { firstName: `ნინო ${i}` } }, options);
    const perSecond = n / (Number(process.hrtime.bigint() - started) / 1e9);
    expect(perSecond).toBeGreaterThan(5_000);
  });
});
