import { z } from 'zod';
import { DEFAULT_BGNBD_THRESHOLDS, DEFAULT_CADENCE_SETTINGS } from '@comeback/lapse-model';

const factor = z.number().positive().max(100);

/**
 * An organization's lapse-detector settings (organizations.lapse_settings). Every field has a
 * default, so `{}` is valid; the defaults and why they were chosen are in the README.
 */
export const LAPSE_SETTINGS_SCHEMA = z
  .object({
    method: z.enum(['cadence', 'bgnbd']).default('cadence'),
    cadence: z
      .object({
        minVisits: z.number().int().min(2).max(1000).default(DEFAULT_CADENCE_SETTINGS.minVisits),
        minTenureDays: z.number().int().min(0).max(3650).default(DEFAULT_CADENCE_SETTINGS.minTenureDays),
        rhythmWindow: z.number().int().min(1).max(1000).default(DEFAULT_CADENCE_SETTINGS.rhythmWindow),
        gapFloorDays: z.number().min(1).max(3650).default(DEFAULT_CADENCE_SETTINGS.gapFloorDays),
        atRiskFactor: factor.default(DEFAULT_CADENCE_SETTINGS.atRiskFactor),
        lapsedFactor: factor.default(DEFAULT_CADENCE_SETTINGS.lapsedFactor),
        gradualRatio: factor.default(DEFAULT_CADENCE_SETTINGS.gradualRatio),
      })
      .strict()
      .refine((c) => c.lapsedFactor > c.atRiskFactor, { message: 'lapsedFactor must be greater than atRiskFactor', path: ['lapsedFactor'] })
      .prefault({}),
    bgnbd: z
      .object({
        atRiskBelow: z.number().gt(0).lt(1).default(DEFAULT_BGNBD_THRESHOLDS.atRiskBelow),
        lapsedBelow: z.number().gt(0).lt(1).default(DEFAULT_BGNBD_THRESHOLDS.lapsedBelow),
        /** The model is fitted again when its fit is older than this. */
        refitDays: z.number().int().min(1).max(365).default(7),
      })
      .strict()
      .refine((b) => b.lapsedBelow < b.atRiskBelow, { message: 'lapsedBelow must be less than atRiskBelow', path: ['lapsedBelow'] })
      .prefault({}),
    /** Local time (organization timezone) of the nightly sweep, HH:MM. */
    sweepTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').default('03:00'),
    /** Failed payments this many days before the last visit or later make a lapse involuntary. */
    paymentSignalDays: z.number().int().min(0).max(365).default(30),
  })
  .strict();

export type LapseSettings = z.infer<typeof LAPSE_SETTINGS_SCHEMA>;

export class InvalidLapseSettingsError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`invalid lapse settings: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidLapseSettingsError';
  }
}

/** Validates stored or submitted settings and fills in the defaults. */
export function parseLapseSettings(raw: unknown): LapseSettings {
  const result = LAPSE_SETTINGS_SCHEMA.safeParse(raw ?? {});
  if (!result.success) {
    throw new InvalidLapseSettingsError(result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return result.data;
}
