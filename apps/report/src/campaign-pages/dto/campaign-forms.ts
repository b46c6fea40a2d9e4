import { CREATE_CAMPAIGN_BODY, type CreateCampaign } from '@comeback/campaigns';
import { CHANNELS, type Channel } from '@comeback/domain';
import { localDateTime } from '../../console/calendar-date';

/** One thing wrong with a form, named by its field (the page puts the message next to it). */
export interface FormProblem {
  field: string;
  message: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.normalize('NFKC').trim() : '');

/** The audience fields of the wizard: the lost-clients filters, plus last-visit range and reachability. */
export const AUDIENCE_FIELDS = ['status', 'detectedFrom', 'detectedTo', 'churnType', 'reason', 'tier', 'staff', 'service', 'lastVisitFrom', 'lastVisitTo', 'reachableOn'] as const;

/** The wizard's form as typed (for showing it again after a problem). */
export interface CampaignForm {
  name: string;
  templateKey: string;
  /** Channel order: the form's channel1..channel4 selects, empties skipped. */
  channels: string[];
  fallbackAfterHours: string;
  controlPercent: string;
  audience: Record<string, string>;
}

export function readCampaignForm(body: Record<string, unknown>): CampaignForm {
  const audience: Record<string, string> = {};
  for (const f of AUDIENCE_FIELDS) if (str(body[f])) audience[f] = str(body[f]);
  return {
    name: str(body.name),
    templateKey: str(body.templateKey),
    channels: [1, 2, 3, 4].map((i) => str(body[`channel${i}`])).filter(Boolean),
    fallbackAfterHours: str(body.fallbackAfterHours),
    controlPercent: str(body.controlPercent),
    audience,
  };
}

/**
 * The wizard's form as a campaign draft, validated by the same schema as the API: numbers from
 * text fields, the control share from a percentage, and every problem named by the form's field.
 */
export function campaignFromForm(form: CampaignForm): { draft: CreateCampaign } | { problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  const number = (field: string, text: string): number | undefined => {
    if (!text) return undefined;
    const n = Number(text.replace(',', '.'));
    if (!Number.isFinite(n)) problems.push({ field, message: 'must be a number' });
    return n;
  };
  const percent = number('controlPercent', form.controlPercent);
  const fallback = number('fallbackAfterHours', form.fallbackAfterHours);
  const tier = number('tier', form.audience.tier ?? '');
  if (problems.length) return { problems };
  const parsed = CREATE_CAMPAIGN_BODY.safeParse({
    name: form.name,
    templateKey: form.templateKey,
    channels: form.channels,
    fallbackAfterHours: fallback ?? null,
    controlShare: percent === undefined ? 0 : Math.round(percent * 10) / 1000,
    audience: { ...form.audience, ...(tier === undefined ? {} : { tier }) },
  });
  if (parsed.success) return { draft: parsed.data };
  return {
    problems: parsed.error.issues.map((i) => {
      const path = i.path.map(String);
      const field = path[0] === 'audience' ? (path[1] ?? 'audience') : path[0] === 'controlShare' ? 'controlPercent' : path[0] === 'channels' ? 'channel1' : (path[0] ?? 'form');
      const message = path[0] === 'controlShare' ? 'a share from 0 to 50 %' : i.message;
      return { field, message };
    }),
  };
}

/**
 * When to start, from the schedule form's one field `startAt`: empty is now; otherwise a local
 * date and time (`datetime-local`, the organization's wall clock, seconds ignored) that must not
 * be in the past. A time typed always counts: there is no separate "now" choice to override it.
 */
export function startFromForm(body: Record<string, unknown>, timezone: string, now = new Date()): { at?: string } | { problems: FormProblem[] } {
  const typed = str(body.startAt);
  if (!typed) return {};
  const local = localDateTime(typed, timezone);
  if ('message' in local) return { problems: [{ field: 'startAt', message: local.message }] };
  const at = local.at;
  if (at.getTime() < now.getTime() - 60_000) return { problems: [{ field: 'startAt', message: 'must not be in the past' }] };
  return { at: at.toISOString() };
}

/** The parts fields of each channel's template, in the editor's order; `lines` for a textarea. */
export const TEMPLATE_PART_FIELDS: { readonly [C in Channel]: readonly { part: string; lines: number }[] } = {
  sms: [{ part: 'text', lines: 5 }],
  email: [{ part: 'subject', lines: 1 }, { part: 'html', lines: 8 }, { part: 'text', lines: 6 }],
  viber: [{ part: 'text', lines: 5 }, { part: 'buttonText', lines: 1 }, { part: 'buttonUrl', lines: 1 }],
  voice: [{ part: 'script', lines: 5 }, { part: 'language', lines: 1 }, { part: 'menu', lines: 4 }],
};

export function isChannel(v: unknown): v is Channel {
  return typeof v === 'string' && (CHANNELS as readonly string[]).includes(v);
}

/**
 * A template's parts from the editor's fields (`part.<name>`). The voice menu is typed one choice
 * per line, `1 = Too expensive`; a line that is not a digit and a label is a problem on its line.
 */
export function templatePartsFromForm(channel: Channel, body: Record<string, unknown>): { parts: Record<string, unknown> } | { problems: { part: string; line: number; message: string }[] } {
  const parts: Record<string, unknown> = {};
  for (const { part } of TEMPLATE_PART_FIELDS[channel]) {
    // Text keeps its line breaks (only \r\n folded): Handlebars positions count lines.
    const raw = typeof body[`part.${part}`] === 'string' ? (body[`part.${part}`] as string).replace(/\r\n?/g, '\n') : '';
    parts[part] = part === 'menu' ? raw : raw.normalize('NFKC');
  }
  if (channel !== 'voice') return { parts };
  const menu: Record<string, string> = {};
  const problems: { part: string; line: number; message: string }[] = [];
  String(parts.menu)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const m = /^\s*([0-9])\s*[=:.)-]\s*(.+?)\s*$/.exec(line.normalize('NFKC'));
      if (!m) problems.push({ part: 'menu', line: i + 1, message: 'write one choice per line: a key 0-9, "=", and the reason it records' });
      else if (menu[m[1]]) problems.push({ part: 'menu', line: i + 1, message: `key ${m[1]} is used twice` });
      else menu[m[1]] = m[2];
    });
  if (problems.length) return { problems };
  return { parts: { ...parts, menu } };
}

/** The voice menu as the editor shows it. */
export function menuText(menu: unknown): string {
  if (!menu || typeof menu !== 'object') return '';
  return Object.entries(menu as Record<string, string>)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}
