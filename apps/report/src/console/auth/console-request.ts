import type { StaffAccountView } from '@comeback/accounts';
import type { StaffRole } from '@comeback/domain';
import type { Request } from 'express';
import type { Translator } from '../i18n/translator';

/** The organization as the console shows it (from the signed-in account, never from the request). */
export interface ConsoleOrganization {
  id: string;
  name: string;
  timezone: string;
  currency: string;
  defaultLocale: string;
}

/** What the console guard attaches to a request it lets through. */
export interface ConsoleContext {
  account: StaffAccountView;
  organization: ConsoleOrganization;
  csrfToken: string;
  t: Translator;
  /** This page's path and query, to come back to after a console-wide form (language). */
  returnTo: string;
  /**
   * Whether the account's organization runs the deployment (DeploymentOperators): the only
   * organization there is, or one listed in QUEUE_DASHBOARD_ORGANIZATIONS. Permissions over every
   * organization's data (DEPLOYMENT_PERMISSIONS) need it as well as the role. Worked out only for
   * roles that hold such a permission; false for the others.
   */
  operator: boolean;
}

export interface ConsoleRequest extends Request {
  console: ConsoleContext;
}

/** Who may do what in the console; enforced by the guard on every route, pages and JSON alike. */
export const CONSOLE_PERMISSIONS = {
  /** The lost-clients list and client cards. */
  viewClients: ['admin', 'marketer', 'caller', 'viewer'],
  /** Set a reason and date of leaving, dismiss an episode, record a care review. */
  editClients: ['admin', 'marketer', 'caller'],
  /** CSV exports with contact data (phone numbers leave the system). */
  exportClients: ['admin', 'marketer'],
  /** The reports (figures only, no contact data). */
  viewReports: ['admin', 'marketer', 'viewer'],
  /** Campaigns, templates, the sandbox outbox and dead letters, read only. */
  viewCampaigns: ['admin', 'marketer', 'viewer'],
  /** Edit templates, compose, schedule, pause and cancel campaigns, retry dead letters, simulate replies (this spends money). */
  manageCampaigns: ['admin', 'marketer'],
  /** The reason list (reasons, candidates) and the replies inbox, read only. */
  viewReasons: ['admin', 'marketer', 'viewer'],
  /** Accept, map and dismiss candidates; merge, retire, restore reasons; add labels and aliases; mark replies reviewed. */
  manageReasons: ['admin', 'marketer'],
  /** The call list and call cards, read only. */
  viewCalls: ['admin', 'marketer', 'caller', 'viewer'],
  /** Take a call, record how it went (reason, offer, agreement, call back, no answer). */
  workCalls: ['admin', 'marketer', 'caller'],
  /** How many top-value clients go to managers each cycle; rebuild the list now. */
  manageCalls: ['admin', 'marketer'],
  /** Console accounts, their sign-in locks. */
  manageAccounts: ['admin'],
  /** The audit log: who exported what, consent changes. */
  viewAudit: ['admin'],
  /**
   * The queue dashboard (Bull Board, read only): every BullMQ queue's jobs, payloads and errors, of
   * every organization. A deployment permission: admins of an operator organization only.
   */
  viewQueues: ['admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type ConsolePermission = keyof typeof CONSOLE_PERMISSIONS;

/**
 * Permissions over what every organization of the deployment shares (BullMQ's queues), not over
 * the account's own organization: the role grants them only in an organization that runs the
 * deployment (ConsoleContext.operator). Check them with `allows`, never with `can` alone.
 */
export const DEPLOYMENT_PERMISSIONS: ReadonlySet<ConsolePermission> = new Set<ConsolePermission>(['viewQueues']);

/** Whether the role has the permission (CONSOLE_PERMISSIONS); for a deployment permission, see `allows`. */
export function can(role: StaffRole, permission: ConsolePermission): boolean {
  return (CONSOLE_PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}

/** Whether the signed-in account may do it: its role, and for a deployment permission its organization too. */
export function allows(context: Pick<ConsoleContext, 'account' | 'operator'>, permission: ConsolePermission): boolean {
  return can(context.account.role, permission) && (!DEPLOYMENT_PERMISSIONS.has(permission) || context.operator);
}
