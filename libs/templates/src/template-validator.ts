import { engine, KNOWN_HELPERS } from './template-engine';
import { isChannel, isTemplateRole, partRoles, type PartRole, type TemplateDefinition } from './template-definition';
import type { TemplateIssue, TemplateIssueCode } from './template-error';
import { isTtsLanguageTag, normaliseLocale } from './locale-tag';
import {
  BLOCK_HELPERS,
  DATE_STYLES,
  EACH_DATA_VARIABLES,
  FORMAT_HELPERS,
  PLURAL_CATEGORIES,
  REASON_FIELDS,
  TEMPLATE_VARIABLES,
  type FormatHelperName,
  type VariableKind,
} from './template-variables';

type AstNode = hbs.AST.Node;
type Program = hbs.AST.Program;
type PathExpression = hbs.AST.PathExpression;
/** A mustache, block or sub-expression: a path called with parameters and options. */
type Call = { path: PathExpression | hbs.AST.Literal; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash; loc: hbs.AST.SourceLocation };

/**
 * Everything wrong with a template, for the editor to show on save; an empty list means it will
 * render. Never throws, whatever it is given (the editor sends what the user typed).
 */
export function validateTemplate(def: TemplateDefinition): TemplateIssue[] {
  const input: unknown = def;
  if (!isRecord(input) || !isChannel(input.channel)) {
    const channel = isRecord(input) ? String(input.channel) : 'none';
    return [wholePart('channel', 'invalid_channel', `Unknown channel '${channel}': use sms, email, viber or voice.`)];
  }
  const issues: TemplateIssue[] = [];
  const locale = normaliseLocale(typeof input.locale === 'string' ? input.locale : undefined);
  if (!locale) issues.push(wholePart('locale', 'invalid_locale', `'${String(input.locale)}' is not a locale: use a tag such as ka-GE, ru or en.`));

  const roles = partRoles(input.channel);
  const parts = isRecord(input.parts) ? input.parts : {};
  for (const name of Object.keys(parts)) {
    if (!roles.some(([known]) => known === name)) {
      issues.push(wholePart(name, 'unknown_part', `A ${input.channel} template has no part '${name}': its parts are ${roles.map(([n]) => n).join(', ')}.`));
    }
  }
  for (const [name, role] of roles) issues.push(...checkPart(name, role, parts[name], locale ?? 'en'));
  return issues;
}

function checkPart(name: string, role: PartRole, value: unknown, locale: string): TemplateIssue[] {
  if (value === undefined || value === null) return [wholePart(name, 'missing_part', `The ${name} is missing.`)];
  if (role === 'menu') return checkMenu(name, value);
  if (typeof value !== 'string') return [wholePart(name, 'missing_part', `The ${name} must be text.`)];
  if (!value.trim()) return [wholePart(name, 'empty_part', `The ${name} is empty.`)];
  if (role === 'language') {
    return isTtsLanguageTag(value) ? [] : [wholePart(name, 'invalid_language', `'${value}' is not a speech language tag: use language and region, such as ka-GE or en-US.`)];
  }
  return isTemplateRole(role) ? checkTemplateText(name, role, value, locale) : [];
}

function checkMenu(part: string, menu: unknown): TemplateIssue[] {
  if (!isRecord(menu) || Array.isArray(menu)) {
    return [wholePart(part, 'invalid_menu', 'The menu must map keypad digits to reason labels, such as {"1": "Too expensive"}.')];
  }
  const entries = Object.entries(menu);
  if (!entries.length) return [wholePart(part, 'empty_part', 'The menu needs at least one choice.')];
  const issues: TemplateIssue[] = [];
  for (const [key, label] of entries) {
    if (!/^[0-9]$/.test(key)) issues.push(wholePart(part, 'invalid_menu', `Menu key '${key}' is not a keypad digit 0–9.`));
    if (typeof label !== 'string' || !label.trim()) issues.push(wholePart(part, 'invalid_menu', `Menu choice '${key}' has no reason label.`));
  }
  return issues;
}

function checkTemplateText(part: string, role: PartRole, source: string, locale: string): TemplateIssue[] {
  let ast: Program;
  try {
    ast = engine.parse(source);
  } catch (err) {
    return [syntaxIssue(part, err)];
  }
  const checker = new PartChecker(part, role, locale);
  checker.program(ast, [ROOT_SCOPE]);
  if (role === 'url') checker.buttonUrl(ast);
  if (checker.issues.length) return checker.issues;
  // The walk above covers what this library allows; compiling in strict mode catches anything
  // Handlebars itself would refuse that the walk does not know about.
  try {
    engine.precompile(source, { strict: true, knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true });
  } catch (err) {
    return [syntaxIssue(part, err)];
  }
  return [];
}

/** Where a name is looked up: the message's variables, or one reason inside `{{#each reasons}}`. */
interface Scope {
  readonly inReason: boolean;
  /** Block parameters: `{{#each reasons as |reason i|}}`. */
  readonly itemName?: string;
  readonly indexName?: string;
}

const ROOT_SCOPE: Scope = { inReason: false };

/** What an expression stands for. `group` is a catalog prefix (`client`); `flag` is `@first` / `@last`. */
type ValueKind = VariableKind | 'reason' | 'group' | 'flag' | 'literal';
type Resolution = { kind: ValueKind } | { unknown: string };

const CATALOG_NAMES = Object.keys(TEMPLATE_VARIABLES);
const REASON_NAMES = Object.keys(REASON_FIELDS);

/** Walks one part's syntax tree, collecting issues with their positions. */
class PartChecker {
  readonly issues: TemplateIssue[] = [];

  constructor(
    private readonly part: string,
    private readonly role: PartRole,
    private readonly locale: string,
  ) {}

  program(program: Program | undefined, scopes: readonly Scope[]): void {
    for (const statement of program?.body ?? []) this.statement(statement, scopes);
  }

  /** A button link is either an https:// address written out (variables may follow the host) or a URL variable on its own. */
  buttonUrl(ast: Program): void {
    const body = ast.body.filter((s) => s.type !== 'CommentStatement' && !(s.type === 'ContentStatement' && !(s as hbs.AST.ContentStatement).value.trim()));
    const [first] = body;
    if (!first) return;
    if (body.length === 1 && first.type === 'MustacheStatement') {
      const path = (first as hbs.AST.MustacheStatement).path;
      const resolved = path.type === 'PathExpression' ? this.resolve(path as PathExpression, [ROOT_SCOPE]) : undefined;
      if (resolved && 'kind' in resolved && resolved.kind === 'url') return;
    }
    if (first.type === 'ContentStatement' && /^https:\/\/[^\s/?#{}]+(?:[/?#]|$)/i.test((first as hbs.AST.ContentStatement).value.trimStart())) {
      if (body.length > 1 || /^\S+$/.test((first as hbs.AST.ContentStatement).value.trim())) return;
    }
    this.add(first, 'invalid_button_url', 'The button link must start with https:// or be a link variable on its own, such as {{feedbackUrl}}.');
  }

  private statement(node: hbs.AST.Statement, scopes: readonly Scope[]): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement, scopes);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement, scopes);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.add(node, 'unsupported', 'Partials ({{> name}}) are not available in message templates.');
      default:
        return this.add(node, 'unsupported', 'Decorators ({{* name}}) are not available in message templates.');
    }
  }

  private mustache(node: hbs.AST.MustacheStatement, scopes: readonly Scope[]): void {
    if (!node.escaped && this.role === 'html') {
      this.add(node, 'raw_output', 'Raw output ({{{ }}} or {{& }}) is not allowed in the HTML body: a client\'s name could inject markup. Use {{ }}; values are escaped.');
    }
    const path = node.path;
    if (path.type !== 'PathExpression') return this.add(path, 'invalid_argument', 'A literal cannot stand alone in {{ }}: write it as text.');
    const name = helperName(path as PathExpression);
    if (name && isFormatHelper(name)) {
      // `{{number}}` inside {{#each reasons}} is the reason's number, not a call without a value.
      if (!hasArguments(node) && 'kind' in this.resolve(path as PathExpression, scopes)) return;
      return this.helperCall(name, node, scopes);
    }
    if (name && isBlockHelper(name)) return this.add(path, 'misused_helper', `${name} is a block: write {{#${name} …}}…{{/${name}}}.`);
    if (hasArguments(node)) return this.unknownHelper(path as PathExpression);
    this.output(path as PathExpression, scopes);
  }

  private block(node: hbs.AST.BlockStatement, scopes: readonly Scope[]): void {
    const name = helperName(node.path);
    if (name === 'if' || name === 'unless') {
      this.expectNoOptions(name, node);
      if (node.params.length !== 1) this.add(node.path, 'invalid_argument', `#${name} takes one value: {{#${name} lastVisit.staffMember}}.`);
      for (const param of node.params) this.value(param, scopes);
      this.program(node.program, scopes);
      this.program(node.inverse, scopes);
      return;
    }
    if (name === 'each') {
      this.expectNoOptions(name, node);
      if (node.params.length !== 1) {
        this.add(node.path, 'invalid_argument', '#each takes one list: {{#each reasons}}.');
      } else {
        const kind = this.value(node.params[0], scopes);
        if (kind !== undefined && kind !== 'reasons') this.add(node.params[0], 'invalid_argument', '#each can only repeat the reasons: {{#each reasons}}.');
      }
      const blockParams = node.program?.blockParams ?? [];
      if (blockParams.length > 2) this.add(node.path, 'invalid_argument', '#each names at most the reason and its index: {{#each reasons as |reason i|}}.');
      this.program(node.program, [...scopes, { inReason: true, itemName: blockParams[0], indexName: blockParams[1] }]);
      this.program(node.inverse, scopes);
      return;
    }
    if (name && isFormatHelper(name)) {
      this.add(node.path, 'misused_helper', `${name} is not a block: write {{${name} …}}.`);
    } else if ('kind' in this.resolve(node.path, scopes)) {
      this.add(node.path, 'unsupported', `A block over a value is not supported: write {{#if ${node.path.original}}}…{{/if}}.`);
    } else {
      this.unknownHelper(node.path);
    }
    // Still look inside, so one save shows every problem.
    this.program(node.program, scopes);
    this.program(node.inverse, scopes);
  }

  private helperCall(name: FormatHelperName, call: Call, scopes: readonly Scope[]): void {
    const { params } = call;
    switch (name) {
      case 'date': {
        if (params.length < 1 || params.length > 2) {
          return this.add(call.path, 'invalid_argument', 'date takes a date and an optional style: {{date lastVisit.date "long"}}.');
        }
        this.expectKind(params[0], scopes, 'date', 'date needs a date, such as lastVisit.date.');
        const style = params[1];
        if (style && !(style.type === 'StringLiteral' && (DATE_STYLES as readonly string[]).includes((style as hbs.AST.StringLiteral).value))) {
          this.add(style, 'invalid_argument', 'The date style must be "short", "medium" or "long".');
        }
        return this.expectNoOptions(name, call);
      }
      case 'number':
      case 'money':
        if (params.length !== 1) return this.add(call.path, 'invalid_argument', `${name} takes one number: {{${name} ${name === 'money' ? '20' : 'daysSinceLastVisit'}}}.`);
        this.expectKind(params[0], scopes, 'number', `${name} needs a number, such as daysSinceLastVisit or 20.`);
        return this.expectNoOptions(name, call);
      case 'plural':
        if (params.length !== 1) return this.add(call.path, 'invalid_argument', 'plural takes one number and its forms: {{plural daysSinceLastVisit one="# day" other="# days"}}.');
        this.expectKind(params[0], scopes, 'number', 'plural needs a number, such as daysSinceLastVisit.');
        return this.pluralForms(call);
    }
  }

  /** Each form a string; `other` always (the fallback), and every category the template's language uses. */
  private pluralForms(call: Call): void {
    const pairs = call.hash?.pairs ?? [];
    for (const pair of pairs) {
      if (!(PLURAL_CATEGORIES as readonly string[]).includes(pair.key)) {
        this.add(pair, 'invalid_argument', `'${pair.key}' is not a plural form: use ${PLURAL_CATEGORIES.join(', ')}.`);
      } else if (pair.value.type !== 'StringLiteral') {
        this.add(pair.value, 'invalid_argument', `The ${pair.key} form must be quoted text, such as ${pair.key}="# days".`);
      }
    }
    const given = new Set(pairs.map((p) => p.key));
    const needed = new Set<string>(['other', ...new Intl.PluralRules(this.locale).resolvedOptions().pluralCategories]);
    const missing = PLURAL_CATEGORIES.filter((c) => needed.has(c) && !given.has(c));
    if (missing.length) {
      this.add(call.path, 'missing_plural_form', `'${this.locale}' needs the plural forms ${missing.join(', ')}: add ${missing.map((c) => `${c}="…"`).join(' ')}.`);
    }
  }

  private expectKind(expr: hbs.AST.Expression, scopes: readonly Scope[], kind: ValueKind, message: string): void {
    const actual = this.value(expr, scopes);
    if (actual !== undefined && actual !== kind) this.add(expr, 'invalid_argument', message);
  }

  private expectNoOptions(name: string, call: Call): void {
    const [first] = call.hash?.pairs ?? [];
    if (first) this.add(first, 'invalid_argument', `${name} takes no options such as ${first.key}=.`);
  }

  /** A value printed as it is: text, a link or a number; dates, lists and groups need a helper or a field. */
  private output(path: PathExpression, scopes: readonly Scope[]): void {
    const kind = this.value(path, scopes);
    const name = path.original;
    switch (kind) {
      case 'date':
        return this.add(path, 'misused_variable', `'${name}' is a date: write {{date ${name}}} (or add "short" / "long").`);
      case 'reasons':
        return this.add(path, 'misused_variable', `'${name}' is a list: write {{#each ${name}}}{{number}} – {{label}}{{/each}}.`);
      case 'reason':
        return this.add(path, 'misused_variable', `'${name}' is a whole reason: write {{number}} or {{label}}.`);
      case 'group': {
        const prefix = name.replace(/^(?:@root\.|(?:\.\.\/)+)/, '');
        const members = prefix && prefix !== 'this' ? CATALOG_NAMES.filter((n) => n.startsWith(`${prefix}.`)) : [];
        return this.add(path, 'misused_variable', members.length ? `'${name}' is a group: use ${members.join(' or ')}.` : `'${name}' is not a value: pick a variable, such as client.firstName.`);
      }
    }
  }

  /** What an expression stands for; undefined when it is wrong (and an issue was recorded). */
  private value(expr: hbs.AST.Expression, scopes: readonly Scope[]): ValueKind | undefined {
    switch (expr.type) {
      case 'PathExpression': {
        const resolved = this.resolve(expr as PathExpression, scopes);
        if ('kind' in resolved) return resolved.kind;
        this.add(expr, 'unknown_variable', resolved.unknown);
        return undefined;
      }
      case 'SubExpression': {
        const call = expr as hbs.AST.SubExpression;
        const name = helperName(call.path);
        if (name && isFormatHelper(name)) {
          this.helperCall(name, call, scopes);
          return 'text';
        }
        this.unknownHelper(call.path);
        return undefined;
      }
      case 'NumberLiteral':
        return 'number';
      case 'StringLiteral':
        return 'text';
      default:
        return 'literal';
    }
  }

  /** Looks a path up the way Handlebars will at run time: block parameters, then `../` depth, then the scope's names. */
  private resolve(path: PathExpression, scopes: readonly Scope[]): Resolution {
    const { parts, original } = path;
    if (path.data) {
      const [head, ...rest] = parts;
      if (head === 'root' && path.depth === 0) return resolveInMessage(rest, original);
      const insideEach = scopes[scopes.length - 1]?.inReason ?? false;
      if (insideEach && path.depth === 0 && parts.length === 1 && (EACH_DATA_VARIABLES as readonly string[]).includes(head)) {
        return { kind: head === 'index' ? 'number' : 'flag' };
      }
      return {
        unknown: insideEach
          ? `Unknown '${original}': inside {{#each}} there are @index, @first, @last and @root.`
          : `Unknown '${original}': outside {{#each}} only @root.… is available.`,
      };
    }
    if (path.depth === 0 && !isScoped(path)) {
      for (let i = scopes.length - 1; i >= 0; i--) {
        const { itemName, indexName } = scopes[i];
        if (itemName !== undefined && parts[0] === itemName) return resolveInReason(parts.slice(1), original);
        if (indexName !== undefined && parts[0] === indexName) {
          return parts.length === 1 ? { kind: 'number' } : { unknown: `'${original}': ${indexName} is the reason's position, a number.` };
        }
      }
    }
    const scope = scopes[scopes.length - 1 - path.depth];
    if (!scope) return { unknown: `'${original}' goes above the message: there is no enclosing {{#each}}.` };
    if (!scope.inReason) return resolveInMessage(parts, original);
    const inReason = resolveInReason(parts, original);
    if ('kind' in inReason) return inReason;
    const inMessage = resolveInMessage(parts, original);
    return 'kind' in inMessage
      ? { unknown: `Inside {{#each reasons}}, '${original}' would be looked up on the reason (it has number and label): write @root.${parts.join('.')}.` }
      : inReason;
  }

  private unknownHelper(path: PathExpression | hbs.AST.Literal): void {
    const name = path.type === 'PathExpression' ? (path as PathExpression).original : 'a literal';
    const known = [...FORMAT_HELPERS, ...BLOCK_HELPERS.map((b) => `#${b}`)];
    const hint = path.type === 'PathExpression' ? suggestion((path as PathExpression).original, [...FORMAT_HELPERS, ...BLOCK_HELPERS]) : '';
    this.add(path, 'unknown_helper', `Unknown helper '${name}'${hint}. Helpers: ${known.join(', ')}.`);
  }

  private add(node: AstNode, code: TemplateIssueCode, message: string): void {
    const start = node.loc?.start;
    this.issues.push({ part: this.part, line: start?.line ?? 1, column: (start?.column ?? 0) + 1, code, message });
  }
}

function resolveInMessage(parts: readonly string[], original: string): Resolution {
  const name = parts.join('.');
  const variable = (TEMPLATE_VARIABLES as Record<string, { kind: VariableKind }>)[name];
  if (variable) return { kind: variable.kind };
  if (!name || CATALOG_NAMES.some((n) => n.startsWith(`${name}.`))) return { kind: 'group' };
  return { unknown: `Unknown variable '${original}'${suggestion(name, CATALOG_NAMES)}.` };
}

function resolveInReason(parts: readonly string[], original: string): Resolution {
  if (!parts.length) return { kind: 'reason' };
  const field = parts.length === 1 ? (REASON_FIELDS as Record<string, { kind: VariableKind }>)[parts[0]] : undefined;
  if (field) return { kind: field.kind };
  return { unknown: `Unknown variable '${original}': inside {{#each reasons}} a reason has ${REASON_NAMES.join(' and ')}${suggestion(parts.join('.'), REASON_NAMES)}.` };
}

/** A path that names a helper: one plain identifier, not `this.x`, `../x` or `@x` (Handlebars' own rule). */
function helperName(path: PathExpression | hbs.AST.Literal): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as PathExpression;
  return p.parts.length === 1 && !p.data && p.depth === 0 && !isScoped(p) ? p.parts[0] : undefined;
}

function isScoped(path: PathExpression): boolean {
  return /^\.|this\b/.test(path.original);
}

function isFormatHelper(name: string): name is FormatHelperName {
  return (FORMAT_HELPERS as readonly string[]).includes(name);
}

function isBlockHelper(name: string): boolean {
  return (BLOCK_HELPERS as readonly string[]).includes(name);
}

function hasArguments(call: Call): boolean {
  return call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0;
}

/** " (did you mean client.name?)" for a near miss: same letters in another case, or up to two edits. */
function suggestion(name: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(candidate, name);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

const TOKEN_TEXT: Record<string, string> = {
  EOF: 'the end of the text',
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_SEXPR: ')',
  OPEN: '{{',
  OPEN_BLOCK: '{{#',
  OPEN_ENDBLOCK: '{{/',
  OPEN_INVERSE: '{{^',
  OPEN_INVERSE_CHAIN: '{{else',
  INVERSE: '{{else}}',
  OPEN_UNESCAPED: '{{{',
  OPEN_PARTIAL: '{{>',
  OPEN_SEXPR: '(',
  EQUALS: '=',
};

/** The lexer's position after a failed parse. Handlebars' parse errors say only the line, so the column comes from its (synchronous, shared) lexer. */
function lexerState(): { line: number; column: number; match: string } | undefined {
  const lexer = (engine as unknown as { Parser?: { lexer?: { yylloc?: { first_line?: unknown; first_column?: unknown }; match?: unknown } } }).Parser?.lexer;
  const loc = lexer?.yylloc;
  if (typeof loc?.first_line !== 'number' || typeof loc.first_column !== 'number') return undefined;
  return { line: loc.first_line, column: loc.first_column + 1, match: typeof lexer?.match === 'string' ? lexer.match : '' };
}

function syntaxIssue(part: string, err: unknown): TemplateIssue {
  const e = (isRecord(err) ? err : {}) as { message?: unknown; lineNumber?: unknown; column?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  // Handlebars' own exceptions (a block closed by the wrong name) carry a 1-based line and a 0-based column.
  if (typeof e.lineNumber === 'number') {
    const column = typeof e.column === 'number' ? e.column + 1 : 1;
    return { part, line: e.lineNumber, column, code: 'syntax', message: `Syntax error: ${message.replace(/ - \d+:\d+$/, '')}.` };
  }
  if (/^(?:Parse|Lexical) error/.test(message)) {
    const state = lexerState();
    const line = state?.line ?? Number(/on line (\d+)/.exec(message)?.[1] ?? 1);
    return { part, line, column: state?.column ?? 1, code: 'syntax', message: describeParseError(message, state?.match ?? '') };
  }
  return { part, line: 1, column: 1, code: 'syntax', message: `Syntax error: ${message}` };
}

function describeParseError(message: string, match: string): string {
  if (message.startsWith('Lexical error')) return 'Syntax error: text the template language does not recognise (an unclosed {{!-- comment --}}, or {{{{ }}}}?).';
  const got = /got '(\w+)'/.exec(message)?.[1] ?? '';
  const expecting = /Expecting (.*), got/.exec(message)?.[1] ?? '';
  if (got === 'EOF' && expecting.includes('OPEN_ENDBLOCK')) return 'Syntax error: a block is not closed: add {{/if}}, {{/unless}} or {{/each}}.';
  if (got === 'EOF') return 'Syntax error: the text ends inside {{ }}: close it with }}.';
  if (got === 'INVALID' && (match === '"' || match === "'")) return `Syntax error: a quoted text is not closed (${match}).`;
  if (got === 'INVALID' && match === '}') return "Syntax error: unexpected '}': close an expression with }}.";
  const what = got === 'INVALID' ? `'${match}'` : (TOKEN_TEXT[got] ?? (match ? `'${match}'` : got));
  return `Syntax error: unexpected ${what}.`;
}

function wholePart(part: string, code: TemplateIssueCode, message: string): TemplateIssue {
  return { part, line: 1, column: 1, code, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
