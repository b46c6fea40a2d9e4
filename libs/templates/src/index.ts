export {
  CHANNELS,
  type Channel,
  type ChannelParts,
  type EmailParts,
  type SmsParts,
  type TemplateDefinition,
  type ViberParts,
  type VoiceParts,
} from './template-definition';
export {
  TEMPLATE_HELPERS,
  TEMPLATE_VARIABLES,
  type HelperInfo,
  type ReasonChoice,
  type TemplateVariables,
  type VariableInfo,
  type VariableKind,
  type VariableName,
} from './template-variables';
export { TemplateError, type TemplateErrorCode, type TemplateIssue, type TemplateIssueCode } from './template-error';
export { validateTemplate } from './template-validator';
export { compileTemplate, renderTemplate, type CompiledTemplate, type RenderOptions } from './template-renderer';
export { pickTemplate, type LocaleMatch, type PickedTemplate, type TemplateChoice } from './template-picker';
export { normaliseLocale } from './locale-tag';
