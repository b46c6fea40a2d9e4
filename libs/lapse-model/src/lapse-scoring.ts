/**
 * Scores every client at one day with either method. Both share the cadence facts (usual gap,
 * expected next visit, days overdue) and the cadence's notion of a `new` client, so switching
 * method changes only how an established client's status is judged.
 *
 * The scores come from a generator, one client at a time: a million result objects would not fit
 * the CLI's heap, and every consumer (a CSV writer, the holdout tallies) needs one at a time.
 */
import { type BgNbdFit, type BgNbdFitOptions, fitBgNbd, pAlive } from './bgnbd';
import { type BgNbdThresholds, bgNbdStatus, DEFAULT_BGNBD_THRESHOLDS } from './bgnbd-status';
import { type CadenceResult, type CadenceSettings, DEFAULT_CADENCE_SETTINGS, type LapseStatus, scoreCadence } from './cadence';
import { type ClientHistories, summariseAll, type TimeUnit } from './transactions';

export type LapseMethod = 'cadence' | 'bgnbd';

export interface ScoreOptions {
  method?: LapseMethod;
  /** Time unit of the BG/NBD fit (P(alive) does not depend on it; the fitted alpha does). */
  unit?: TimeUnit;
  cadence?: CadenceSettings;
  thresholds?: BgNbdThresholds;
  fit?: BgNbdFitOptions;
}

export interface ClientScore {
  /** Index of the client in the histories. */
  index: number;
  id: string;
  /** By the chosen method (`cadence.status` is always the cadence rule's). */
  status: LapseStatus;
  /** BG/NBD only. */
  pAlive: number | null;
  cadence: CadenceResult;
}

/**
 * Scores the clients who had a visit on or before `asOfDay` (the others are left out), in the
 * order of `histories`. With the BG/NBD method the model is first fitted on every such client's
 * summary at `asOfDay`, the new ones included (the model needs the clients who never came back
 * too), and `fit` is returned. `scores()` can be iterated any number of times.
 */
export function scoreClients(histories: ClientHistories, asOfDay: number, options: ScoreOptions = {}): { fit?: BgNbdFit; scores(): Generator<ClientScore> } {
  const method = options.method ?? 'cadence';
  const settings = options.cadence ?? DEFAULT_CADENCE_SETTINGS;
  const thresholds = options.thresholds ?? DEFAULT_BGNBD_THRESHOLDS;

  if (method === 'cadence') {
    return {
      *scores() {
        for (let i = 0; i < histories.size; i++) {
          const cadence = scoreCadence(histories.daysOf(i), asOfDay, settings);
          if (cadence) yield { index: i, id: histories.ids[i], status: cadence.status, pAlive: null, cadence };
        }
      },
    };
  }

  const { clients, summaries } = summariseAll(histories, asOfDay, options.unit ?? 'week');
  const fit = fitBgNbd(summaries, options.fit);
  return {
    fit,
    *scores() {
      // summariseAll keeps exactly the clients with a visit on or before asOfDay, in order.
      for (let j = 0; j < clients.length; j++) {
        const i = clients[j];
        const cadence = scoreCadence(histories.daysOf(i), asOfDay, settings)!;
        const p = pAlive(fit, summaries.x[j], summaries.tx[j], summaries.T[j]);
        const status = bgNbdStatus(p, cadence.visits, cadence.lastDay - cadence.firstDay, settings, thresholds);
        yield { index: i, id: histories.ids[i], status, pAlive: p, cadence };
      }
    },
  };
}
