export { nextAllowedAt, zonedInstant, type AllowedHours } from './allowed-hours';
export { InvalidMessagingSettingsError, MESSAGING_SETTINGS_SCHEMA, parseMessagingSettings, type MessagingSettings } from './messaging-settings';
