import { z } from 'zod';
import { envVar } from '@comeback/config';

/** Read by every app that renders messages or their previews (campaign app, console). */
export const PUBLIC_FEEDBACK_URL_VAR = envVar(
  z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').default('http://127.0.0.1:3001'),
  'Public base URL of the response collector: messages link to <url>/f/<token> (feedback) and <url>/u/<token> (opt out).',
);
