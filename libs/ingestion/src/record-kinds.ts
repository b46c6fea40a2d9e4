import * as p from './field-parsers';
import type { FieldParser } from './field-parsers';

/** What can be imported, in the order an import applies them (later kinds refer to earlier ones). */
export const RECORD_KINDS = ['staff', 'services', 'clients', 'visits', 'payments'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface ColumnSpec {
  /** The CSV header and the JSON key. */
  name: string;
  required: boolean;
  parse: FieldParser;
  /** Column type in the staging table; PostgreSQL converts the text on COPY. */
  sqlType: string;
}

/** A check across the fields of one row, run after each field parsed. */
export type RowCheck = (row: (string | null)[]) => { field: string; message: string } | null;

export interface KindSpec {
  kind: RecordKind;
  columns: ColumnSpec[];
  rowCheck?: RowCheck;
}

/** External ids compare byte-wise, like the columns they are matched against (see the migration). */
const EXTERNAL_ID_SQL = 'text COLLATE "C"';

const col = (name: string, required: boolean, parse: FieldParser, sqlType = 'text'): ColumnSpec => ({ name, required, parse, sqlType });

const PAYMENT_COLUMNS = [
  col('external_id', true, p.externalId, EXTERNAL_ID_SQL),
  col('client_external_id', true, p.externalId, EXTERNAL_ID_SQL),
  col('occurred_at', true, p.timestamp, 'timestamptz'),
  col('status', true, p.paymentStatus),
  col('amount', true, p.money, 'numeric(12,2)'),
  col('currency', false, p.currency),
  col('failure_code', false, p.textParser(100)),
];
const STATUS = PAYMENT_COLUMNS.findIndex((c) => c.name === 'status');
const FAILURE_CODE = PAYMENT_COLUMNS.findIndex((c) => c.name === 'failure_code');

export const KIND_SPECS: Record<RecordKind, KindSpec> = {
  staff: {
    kind: 'staff',
    columns: [col('external_id', true, p.externalId, EXTERNAL_ID_SQL), col('name', true, p.nameParser(300)), col('role', false, p.textParser(100))],
  },
  services: {
    kind: 'services',
    columns: [col('external_id', true, p.externalId, EXTERNAL_ID_SQL), col('name', true, p.nameParser(300)), col('category', false, p.textParser(100))],
  },
  clients: {
    kind: 'clients',
    columns: [
      col('external_id', true, p.externalId, EXTERNAL_ID_SQL),
      col('name', true, p.nameParser(300)),
      col('phone', false, p.phone),
      col('email', false, p.email),
      col('viber_id', false, p.textParser(100)),
      col('locale', false, p.locale),
      col('timezone', false, p.timeZone),
      col('consent_sms', false, p.consent),
      col('consent_email', false, p.consent),
      col('consent_viber', false, p.consent),
      col('consent_voice', false, p.consent),
    ],
  },
  visits: {
    kind: 'visits',
    columns: [
      col('external_id', true, p.externalId, EXTERNAL_ID_SQL),
      col('client_external_id', true, p.externalId, EXTERNAL_ID_SQL),
      col('visited_at', true, p.timestamp, 'timestamptz'),
      col('amount', true, p.money, 'numeric(12,2)'),
      col('currency', false, p.currency),
      col('staff_external_id', false, p.externalId, EXTERNAL_ID_SQL),
      col('service_external_id', false, p.externalId, EXTERNAL_ID_SQL),
    ],
  },
  payments: {
    kind: 'payments',
    columns: PAYMENT_COLUMNS,
    rowCheck: (row) => {
      if (row[STATUS] === 'failed' && row[FAILURE_CODE] === null) {
        return { field: 'failure_code', message: 'is required when status is failed (e.g. card_expired)' };
      }
      if (row[STATUS] !== 'failed' && row[FAILURE_CODE] !== null) {
        return { field: 'failure_code', message: `must be empty when status is ${row[STATUS]}` };
      }
      return null;
    },
  },
};

/** Columns whose empty value means "not stated" rather than "clear it" (consent is only ever changed). */
export const CONSENT_COLUMNS = ['consent_sms', 'consent_email', 'consent_viber', 'consent_voice'] as const;
