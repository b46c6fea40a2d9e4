import type { TemplateDefinition } from './template-definition';
import { validateTemplate } from './template-validator';

const sms = (text: string, locale = 'en'): TemplateDefinition => ({ channel: 'sms', locale, parts: { text } });
const email = (parts: { subject?: string; html?: string; text?: string }): TemplateDefinition =>
  ({ channel: 'email', locale: 'en', parts: { subject: 'We miss you', html: '<p>Hi {{client.firstName}}</p>', text: 'Hi {{client.firstName}}', ...parts } }) as TemplateDefinition;
const viber = (buttonUrl: string): TemplateDefinition => ({ channel: 'viber', locale: 'ka', parts: { text: 'გამარჯობა {{client.firstName}}', buttonText: 'პასუხი', buttonUrl } });
const voice = (language: string, menu: Record<string, string>): TemplateDefinition => ({
  channel: 'voice',
  locale: 'ru',
  parts: { script: '{{#each reasons}}Нажмите {{number}}: {{label}}. {{/each}}', language, menu },
});
const codes = (def: TemplateDefinition) => validateTemplate(def).map((i) => i.code);

describe('validateTemplate', () => {
  it('accepts a template for every channel that uses the catalog and helpers properly', () => {
    const text = [
      'Hi {{client.firstName}}, it has been {{plural daysSinceLastVisit one="# day" other="# days"}} since {{date lastVisit.date "long"}}',
      '{{#if lastVisit.staffMember}} with {{lastVisit.staffMember}}{{else}} with us{{/if}} at {{organization.name}} ({{organization.phone}}).',
      '{{money 20}} off: {{feedbackUrl}} {{optOutText}} {{optOutUrl}} {{number daysSinceLastVisit}} {{lastVisit.service}} {{client.name}}',
    ].join('\n');
    expect(validateTemplate(sms(text))).toEqual([]);
    expect(validateTemplate(email({}))).toEqual([]);
    expect(validateTemplate(viber('{{feedbackUrl}}'))).toEqual([]);
    expect(validateTemplate(voice('ru-RU', { '1': 'Дорого', '2': 'Переехал' }))).toEqual([]);
  });

  it('reports a syntax error at the line and column Handlebars found it, in that part', () => {
    const def = email({ text: 'Hi {{client.firstName}},\nwe miss you at {{organization.name}!' });
    expect(validateTemplate(def)).toEqual([{ part: 'text', line: 2, column: 35, code: 'syntax', message: expect.stringContaining("unexpected '}'") }]);
  });

  it('reports a block closed by the wrong name where the block opens', () => {
    expect(validateTemplate(sms('Reply:\n  {{#each reasons}}{{label}}{{/if}}'))).toEqual([
      { part: 'text', line: 2, column: 6, code: 'syntax', message: "Syntax error: each doesn't match if." },
    ]);
  });

  it('reports an unknown variable at its line and column, with a suggestion', () => {
    expect(validateTemplate(sms('Hello {{client.firstName}},\n  your visit with {{client.nmae}}'))).toEqual([
      { part: 'text', line: 2, column: 21, code: 'unknown_variable', message: "Unknown variable 'client.nmae' (did you mean client.name?)." },
    ]);
  });

  it('reports unknown helpers, including the Handlebars built-ins that are switched off', () => {
    const issues = validateTemplate(sms('{{shout client.name}} {{lookup client "name"}}\n{{#with client}}{{name}}{{/with}}'));
    expect(issues.map(({ code, line, column }) => ({ code, line, column }))).toEqual([
      { code: 'unknown_helper', line: 1, column: 3 },
      { code: 'unknown_helper', line: 1, column: 25 },
      { code: 'unknown_helper', line: 2, column: 4 },
      // Inside the refused block, `name` is still looked up among the message's variables.
      { code: 'unknown_variable', line: 2, column: 19 },
    ]);
    expect(issues[0].message).toContain("Unknown helper 'shout'");
  });

  it('refuses raw output in the e-mail HTML but not in the text parts, which are never escaped', () => {
    const issues = validateTemplate(email({ html: '<p>Hi {{{client.name}}}</p>\n<p>{{& client.firstName}}</p>', text: 'Hi {{{client.name}}}' }));
    expect(issues).toEqual([
      expect.objectContaining({ part: 'html', line: 1, column: 7, code: 'raw_output' }),
      expect.objectContaining({ part: 'html', line: 2, column: 4, code: 'raw_output' }),
    ]);
  });

  it('accepts the usual ways of listing reasons with #each', () => {
    const text = [
      'Why did you stop coming? {{#each reasons}}{{number}} – {{label}}{{#unless @last}}, {{/unless}}{{/each}}',
      '{{#each reasons as |reason i|}}{{reason.number}}={{reason.label}} ({{i}}, {{@index}}) {{this.label}} {{../organization.name}} {{@root.optOutText}}{{/each}}',
      '{{#each reasons}}{{#if @first}}Reply {{/if}}{{number}}{{else}}Reply with a few words{{/each}}',
    ].join('\n');
    expect(validateTemplate(sms(text))).toEqual([]);
  });

  it("looks names up on the reason inside #each, as Handlebars will, and says how to reach the message's variables", () => {
    const issues = validateTemplate(sms('{{#each reasons}}\n{{label}} {{organization.name}} {{this.price}}{{/each}} {{label}}'));
    expect(issues).toEqual([
      { part: 'text', line: 2, column: 13, code: 'unknown_variable', message: expect.stringContaining('@root.organization.name') },
      { part: 'text', line: 2, column: 35, code: 'unknown_variable', message: expect.stringContaining("'this.price'") },
      { part: 'text', line: 2, column: 59, code: 'unknown_variable', message: "Unknown variable 'label'." },
    ]);
  });

  it('refuses values used the wrong way: dates without the date helper, lists without #each, helpers without values', () => {
    expect(codes(sms('{{lastVisit.date}} {{reasons}} {{client}} {{#each client.name}}{{/each}} {{date lastVisit.date "full"}} {{number}} {{money client.name}} {{if client.name}}'))).toEqual([
      'misused_variable',
      'misused_variable',
      'misused_variable',
      'invalid_argument',
      'invalid_argument',
      'invalid_argument',
      'invalid_argument',
      'misused_helper',
    ]);
  });

  it("requires every plural form the template's language uses", () => {
    const russian = '{{plural daysSinceLastVisit one="# день" other="# дня"}}';
    expect(validateTemplate(sms(russian, 'ru'))).toEqual([
      { part: 'text', line: 1, column: 3, code: 'missing_plural_form', message: expect.stringContaining('few, many') },
    ]);
    expect(validateTemplate(sms(russian, 'en'))).toEqual([]);
    expect(validateTemplate(sms('{{plural daysSinceLastVisit one="# день" few="# дня" many="# дней" other="# дня"}}', 'ru'))).toEqual([]);
    expect(codes(sms('{{plural daysSinceLastVisit one="x" other="x" some="y"}}'))).toEqual(['invalid_argument']);
  });

  it('reports missing, empty and unknown parts, and a bad channel or locale, without throwing', () => {
    const def = { channel: 'email', locale: 'xx-1', parts: { subject: '   ', text: 'Hi', footer: 'x' } } as unknown as TemplateDefinition;
    expect(validateTemplate(def).map(({ part, code, line, column }) => ({ part, code, line, column }))).toEqual([
      { part: 'locale', code: 'invalid_locale', line: 1, column: 1 },
      { part: 'footer', code: 'unknown_part', line: 1, column: 1 },
      { part: 'subject', code: 'empty_part', line: 1, column: 1 },
      { part: 'html', code: 'missing_part', line: 1, column: 1 },
    ]);
    expect(codes({ channel: 'fax', locale: 'en', parts: {} } as unknown as TemplateDefinition)).toEqual(['invalid_channel']);
    expect(codes(null as unknown as TemplateDefinition)).toEqual(['invalid_channel']);
    expect(codes({ channel: 'sms', locale: 'en', parts: { text: 42 } } as unknown as TemplateDefinition)).toEqual(['missing_part']);
  });

  it('requires voice menu keys to be single keypad digits, with labels', () => {
    expect(validateTemplate(voice('ru-RU', { '1': 'Дорого', '10': 'Другое', '*': 'Повтор', '2': ' ' }))).toEqual([
      { part: 'menu', line: 1, column: 1, code: 'invalid_menu', message: "Menu choice '2' has no reason label." },
      { part: 'menu', line: 1, column: 1, code: 'invalid_menu', message: "Menu key '10' is not a keypad digit 0–9." },
      { part: 'menu', line: 1, column: 1, code: 'invalid_menu', message: "Menu key '*' is not a keypad digit 0–9." },
    ]);
    expect(codes(voice('ru-RU', {}))).toEqual(['empty_part']);
  });

  it('requires a speech language tag the way TTS engines take it', () => {
    for (const good of ['ka-GE', 'ru', 'en-US', 'sr-Latn-RS', 'es-419']) expect(codes(voice(good, { '1': 'Дорого' }))).toEqual([]);
    for (const bad of ['english', 'ka_GE', 'en-US-x-private', 'en-', '12', ' ka-GE']) expect(codes(voice(bad, { '1': 'Дорого' }))).toEqual(['invalid_language']);
  });

  it('requires the Viber button link to be https or a link variable', () => {
    for (const good of ['{{feedbackUrl}}', ' {{optOutUrl}} ', 'https://comeback.ge/f/{{client.firstName}}', 'https://comeback.ge']) expect(codes(viber(good))).toEqual([]);
    for (const bad of ['http://comeback.ge', 'javascript:alert(1)', '{{client.name}}', 'comeback.ge/{{feedbackUrl}}', 'https://{{feedbackUrl}}', 'https://a b']) {
      expect(codes(viber(bad))).toEqual(['invalid_button_url']);
    }
  });

  it('refuses partials and decorators', () => {
    expect(codes(sms('{{> footer}} {{#> layout}}x{{/layout}} {{* inline}}'))).toEqual(['unsupported', 'unsupported', 'unsupported']);
  });
});
