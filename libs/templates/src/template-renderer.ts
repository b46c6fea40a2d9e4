import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import { engine, formattersFor, KNOWN_HELPERS, runtimeOptions } from './template-engine';
import { partRoles, type Channel, type ChannelParts, type PartRole, type TemplateDefinition } from './template-definition';
import { TemplateError } from './template-error';
import { formattingLocale, normaliseLocale } from './locale-tag';
import { FORMAT_HELPERS, type TemplateVariables } from './template-variables';
import { validateTemplate } from './template-validator';

export interface RenderOptions {
  /**
   * The recipient's locale. Dates and numbers use it when it is the template's language
   * ('en-GB' for an 'en' template); otherwise the template's own locale, so a fallback
   * template's formatting matches its words.
   */
  locale?: string | null;
  /** IANA time zone dates are shown in, e.g. 'Asia/Tbilisi'. */
  timezone: string;
  /** ISO 4217 currency for `{{money}}`, e.g. 'GEL'. */
  currency: string;
}

/** A template checked and compiled once, to render for any number of recipients. */
export interface CompiledTemplate<C extends Channel = Channel> {
  readonly channel: C;
  /** The template's locale, normalised. */
  readonly locale: string;
  /** SHA-256 of the template's content (channel, locale, parts), e.g. to record which version a message was rendered from. */
  readonly contentHash: string;
  render(variables: TemplateVariables, options: RenderOptions): ChannelParts[C];
}

type Runtime = Handlebars.RuntimeOptions;
/** Renders one part; `htmlVariables` gives the NFKC-normalised values, computed at most once per render. */
type PartRenderer = (variables: TemplateVariables, htmlVariables: () => TemplateVariables, runtime: Runtime) => unknown;

/** Templates in use at once are few (one per channel × locale × campaign); the bound keeps an editor's previews from growing it for ever. */
const CACHE_LIMIT = 500;
/**
 * Keyed by the content itself (its JSON), which every render serialises to look up: a map hashes
 * that string several times faster than SHA-256 would. Equal keys mean equal content; the same
 * content with its parts in another order is only a second entry.
 */
const cache = new Map<string, CompiledTemplate>();

/**
 * The compiled form of a template, from the cache when the same content was compiled before.
 * Throws a TemplateError (`invalid_template`, with the issues) when the template does not validate.
 */
export function compileTemplate<D extends TemplateDefinition>(def: D): CompiledTemplate<D['channel']> {
  const content = JSON.stringify([def.channel, def.locale, def.parts]);
  const cached = cache.get(content);
  if (cached) return cached as CompiledTemplate<D['channel']>;
  const issues = validateTemplate(def);
  if (issues.length) {
    const [first] = issues;
    throw new TemplateError(
      'invalid_template',
      `The ${String(def.channel)} template for '${String(def.locale)}' has ${issues.length} problem(s); first, in ${first.part} at ${first.line}:${first.column}: ${first.message}`,
      issues,
    );
  }
  const compiled = build(def, contentHash(def));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(content, compiled);
  return compiled as CompiledTemplate<D['channel']>;
}

/**
 * One recipient's message. Missing values render empty; text parts are not HTML-escaped, the
 * e-mail HTML is; everything is NFKC-normalised; the e-mail subject is one line.
 */
export function renderTemplate<D extends TemplateDefinition>(def: D, variables: TemplateVariables, options: RenderOptions): ChannelParts[D['channel']] {
  return compileTemplate(def).render(variables, options);
}

function build(def: TemplateDefinition, hash: string): CompiledTemplate {
  const locale = normaliseLocale(def.locale) ?? 'en';
  const parts = def.parts as unknown as Record<string, unknown>;
  const renderers: Array<[string, PartRenderer]> = partRoles(def.channel).map(([name, role]) => [name, partRenderer(role, parts[name])]);
  return {
    channel: def.channel,
    locale,
    contentHash: hash,
    render(variables, options) {
      const runtime = runtimeOptions(formattersFor(formattingLocale(locale, options.locale), options.timezone, options.currency));
      let normalised: TemplateVariables | undefined;
      const htmlVariables = () => (normalised ??= nfkcValues(variables, 0) as TemplateVariables);
      const out: Record<string, unknown> = {};
      for (const [name, render] of renderers) out[name] = render(variables, htmlVariables, runtime);
      return out as unknown as ChannelParts[Channel];
    },
  };
}

function partRenderer(role: PartRole, value: unknown): PartRenderer {
  switch (role) {
    case 'language': {
      const tag = normaliseLocale(value as string) ?? (value as string);
      return () => tag;
    }
    case 'menu': {
      const menu = Object.fromEntries(Object.entries(value as Record<string, string>).map(([digit, label]) => [digit, label.normalize('NFKC').trim()]));
      return () => ({ ...menu });
    }
    case 'html': {
      const template = compilePart(value as string, true);
      // Values are normalised before escaping, not the page after it: NFKC would turn a name's
      // full-width '＜' into '<' once escaping had already let it through.
      return (_variables, htmlVariables, runtime) => template(htmlVariables(), runtime);
    }
    case 'subject': {
      const template = compilePart(value as string, false);
      // A line break in a subject would start a new mail header.
      return (variables, _html, runtime) =>
        template(variables, runtime)
          .normalize('NFKC')
          .replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, ' ')
          .trim();
    }
    case 'url': {
      const template = compilePart(value as string, false);
      return (variables, _html, runtime) => template(variables, runtime).normalize('NFKC').trim();
    }
    case 'text': {
      const template = compilePart(value as string, false);
      return (variables, _html, runtime) => template(variables, runtime).normalize('NFKC');
    }
  }
}

/**
 * Handlebars for one part, compiled now rather than on first use (Handlebars compiles lazily).
 * The template's own text is normalised in the syntax tree, so a full-width '｛｛' typed by staff
 * stays text instead of becoming an expression.
 */
function compilePart(source: string, escapeHtml: boolean): Handlebars.TemplateDelegate {
  const ast = engine.parseWithoutProcessing(source);
  prepareTree(ast);
  const template = engine.compile(ast, { noEscape: !escapeHtml, knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true });
  template({}, runtimeOptions(formattersFor('en', 'UTC', 'USD')));
  return template;
}

/** Normalises literal text and marks names that are also helper names as look-ups (see below). */
function prepareTree(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) prepareTree(child);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as { type?: unknown } & Record<string, unknown>;
  if (n.type === 'ContentStatement' || n.type === 'StringLiteral') {
    n.value = String(n.value).normalize('NFKC');
  } else if (n.type === 'MustacheStatement') {
    const statement = n as unknown as hbs.AST.MustacheStatement;
    const path = statement.path as hbs.AST.PathExpression;
    // Inside {{#each reasons}}, `{{number}}` is the reason's number, but Handlebars would call the
    // `number` helper; validation has already refused `{{number}}` where it means nothing else.
    // Handlebars treats a path written with `this.` as a look-up only.
    const bare = path.type === 'PathExpression' && path.parts.length === 1 && !path.data && path.depth === 0 && path.original === path.parts[0];
    if (bare && (FORMAT_HELPERS as readonly string[]).includes(path.parts[0]) && !statement.params.length && !statement.hash?.pairs.length) {
      path.original = `this.${path.parts[0]}`;
    }
  }
  for (const [key, child] of Object.entries(n)) if (key !== 'loc') prepareTree(child);
}

/** The values with every string NFKC-normalised; plain objects and arrays copied, anything else (dates) kept. */
function nfkcValues(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.normalize('NFKC');
  // The catalog is three levels deep; deeper values are not template variables.
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => nfkcValues(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfkcValues(v, depth + 1)]));
}

/** SHA-256 of the content with parts in a fixed order (the menu's digit keys already enumerate in order), so equal content hashes equal. */
function contentHash(def: TemplateDefinition): string {
  const parts = def.parts as unknown as Record<string, unknown>;
  const canonical = JSON.stringify([def.channel, def.locale, Object.keys(parts).sort().map((k) => [k, parts[k]])]);
  return createHash('sha256').update(canonical).digest('base64url');
}
