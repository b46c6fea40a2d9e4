/** The channels Comeback reaches clients on. */
export const CHANNELS = ['sms', 'email', 'viber', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Consent to be contacted on one channel. `unknown` means never stated. */
export const CONSENT_STATUSES = ['granted', 'revoked', 'unknown'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
