export { nextAllowedAt, zonedInstant, type AllowedHours } from './allowed-hours';
export { InvalidMessagingSettingsError, MESSAGING_SETTINGS_SCHEMA, parseMessagingSettings, type MessagingSettings } from './messaging-settings';
export { ADDRESS, AUDIENCE_SCHEMA, audienceSql, controlGroupSql, InvalidAudienceError, parseAudience, REACHABLE, type Audience, type AudienceQuery } from './audience';
export { newFeedbackToken, OPT_OUT_TEXT, PREVIEW_TOKEN, recipientVariables, type RecipientFacts } from './recipient-variables';
export * from './management';
