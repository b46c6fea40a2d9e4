import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { CATALOGS, FALLBACK_LANGUAGE, PublicTranslator } from './i18n/translator';

export const FEEDBACK_VIEWS_DIR = join(__dirname, 'views');

/** What the layout needs: the page's title and, on a valid link's pages only, the organization's name. */
export interface PublicFrame {
  title: string;
  organization?: string;
}

/** One language's text of the link-gone page, for the multilingual version. */
export interface GoneBlock {
  language: string;
  dir: 'ltr' | 'rtl';
  title: string;
  body: string;
}

/** A folder of views rendered inside the public layout. */
export interface PageSet {
  render(view: string, t: PublicTranslator, frame: PublicFrame, data?: Record<string, unknown>): string;
}

/**
 * The public pages a client sees (feedback, thank-you, unsubscribe, link-gone, error): Handlebars
 * views, compiled once, escaped by default (nothing here uses triple braces on data; the layout's
 * body is our own rendered view), in one mobile-first layout with `lang` and `dir` set for the
 * page's language. No script anywhere: every page works as plain HTML forms.
 */
@Injectable()
export class PublicPages {
  private readonly hbs = Handlebars.create();
  private readonly layout: Handlebars.TemplateDelegate;
  private readonly shared: PageSet;

  constructor() {
    const h = this.hbs;
    h.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => (options.data.translator as PublicTranslator).t(key, options.hash));
    h.registerHelper('eq', (a: unknown, b: unknown) => String(a ?? '') === String(b ?? ''));
    // A client's own words inside a translated sentence are bidi-isolated (FSI … PDI): Latin
    // digits in an Arabic sentence, or Arabic in an English one, cannot reorder the sentence.
    h.registerHelper('isolate', (value: unknown) => `\u2068${String(value ?? '')}\u2069`);
    this.layout = h.compile(readFileSync(join(FEEDBACK_VIEWS_DIR, 'layout.hbs'), 'utf8'), { strict: false });
    this.shared = this.pageSet(FEEDBACK_VIEWS_DIR);
  }

  /** The views of one folder (every `.hbs` but the layout), compiled now. */
  pageSet(dir: string): PageSet {
    const views = new Map<string, Handlebars.TemplateDelegate>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs') && f !== 'layout.hbs')) {
      views.set(basename(file, '.hbs'), this.hbs.compile(readFileSync(join(dir, file), 'utf8'), { strict: false }));
    }
    return {
      render: (view, t, frame, data = {}) => {
        const template = views.get(view);
        if (!template) throw new Error(`no view ${view}.hbs in ${dir}`);
        const options = { data: { translator: t } };
        const root = { ...data, language: t.language, dir: t.dir, title: frame.title, organization: frame.organization };
        return this.layout({ ...root, body: template(root, options) }, options);
      },
    };
  }

  /**
   * The page for an unknown, expired or revoked link: the same text whatever the reason, naming
   * no one, in the visitor's language first and then in every other language we have (the
   * visitor may not be the client, and we will not say whose link it was).
   */
  linkGone(language: string): string {
    const first = new PublicTranslator(language);
    const blocks: GoneBlock[] = [first.language, ...Object.keys(CATALOGS).filter((l) => l !== first.language)].map((l) => {
      const t = new PublicTranslator(l);
      return { language: t.language, dir: t.dir, title: t.t('gone.title'), body: t.t('gone.body') };
    });
    return this.shared.render('link-gone', first, { title: first.t('gone.title') }, { blocks });
  }

  /** Something failed on our side: a short apology in the visitor's language, nothing else. */
  error(language: string = FALLBACK_LANGUAGE): string {
    const t = new PublicTranslator(language);
    return this.shared.render('error', t, { title: t.t('error.title') });
  }
}
