import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Notification deliveries: one row per notification (its key: the effect's key) and destination, with the
 * attempts made, the last answer and when it was delivered. A job that runs again reads them first and never
 * sends again to a destination that has it (`delivered`).
 *
 * The row is written right after the send, not in the same transaction as the send (a send is not a database
 * write): a process that dies after a destination accepted a notification but before its row commits sends it
 * again when the job re-runs. Receivers de-duplicate on the delivery id (`X-AAOE-Delivery`, the same on every
 * attempt), and GitHub comments are upserted by their marker, so that window causes at most a repeated message.
 */

export const NOTIFICATIONS_MIGRATION: Migration = {
  version: 9,
  name: 'notification deliveries',
  sql: `
-- One row per notification and destination: whether it was delivered, after how many attempts, and the last error.
CREATE TABLE notification_deliveries (
  notification_key text NOT NULL,
  destination      text NOT NULL,
  delivery_id      text NOT NULL,
  execution_id     text,
  event            text NOT NULL,
  status           text NOT NULL CHECK (status IN ('delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (notification_key, destination)
);
CREATE INDEX notification_deliveries_execution ON notification_deliveries (execution_id);
`,
};

export type NotificationDelivery = {
  notificationKey: string;
  destination: string;
  deliveryId: string;
  executionId: string | null;
  event: string;
  status: 'delivered' | 'failed';
  attempts: number;
  /** The HTTP status of the last answer (null: none, or not an HTTP destination). */
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  updatedAt: string;
};

type Row = {
  notification_key: string;
  destination: string;
  delivery_id: string;
  execution_id: string | null;
  event: string;
  status: 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  updated_at: Date;
};

const COLUMNS =
  'notification_key, destination, delivery_id, execution_id, event, status, attempts, last_status, last_error, delivered_at, updated_at';

function fromRow(row: Row): NotificationDelivery {
  return {
    notificationKey: row.notification_key,
    destination: row.destination,
    deliveryId: row.delivery_id,
    executionId: row.execution_id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The deliveries of one notification, by destination. */
export async function getNotificationDeliveries(
  db: SqlExecutor,
  notificationKey: string,
): Promise<NotificationDelivery[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM notification_deliveries WHERE notification_key = $1 ORDER BY destination`,
    [notificationKey],
  );
  return rows.map(fromRow);
}

/** Every delivery of an execution's notifications, oldest first. */
export async function listNotificationDeliveries(
  db: SqlExecutor,
  executionId: string,
): Promise<NotificationDelivery[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM notification_deliveries WHERE execution_id = $1 ORDER BY updated_at, destination`,
    [executionId],
  );
  return rows.map(fromRow);
}

export type DeliveryAttempts = {
  notificationKey: string;
  destination: string;
  deliveryId: string;
  executionId: string | null;
  event: string;
  delivered: boolean;
  /** Attempts made by this run (added to those of earlier runs). */
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  at: Date;
};

/**
 * Records what one run's attempts came to. Attempts add up across runs; a row that says `delivered` stays so
 * (a later failure cannot un-deliver it).
 */
export async function recordDeliveryAttempts(db: SqlExecutor, a: DeliveryAttempts): Promise<NotificationDelivery> {
  const { rows } = await db.query<Row>(
    `INSERT INTO notification_deliveries (notification_key, destination, delivery_id, execution_id, event, status, attempts, last_status, last_error, delivered_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $6 = 'delivered' THEN $10::timestamptz END, $10::timestamptz)
     ON CONFLICT (notification_key, destination) DO UPDATE SET
       attempts     = notification_deliveries.attempts + EXCLUDED.attempts,
       status       = CASE WHEN notification_deliveries.status = 'delivered' THEN 'delivered' ELSE EXCLUDED.status END,
       last_status  = EXCLUDED.last_status,
       last_error   = EXCLUDED.last_error,
       delivered_at = COALESCE(notification_deliveries.delivered_at, EXCLUDED.delivered_at),
       updated_at   = EXCLUDED.updated_at
     RETURNING ${COLUMNS}`,
    [
      a.notificationKey,
      a.destination,
      a.deliveryId,
      a.executionId,
      a.event,
      a.delivered ? 'delivered' : 'failed',
      a.attempts,
      a.lastStatus,
      a.lastError,
      a.at.toISOString(),
    ],
  );
  const [row] = rows;
  if (!row) throw new Error('the upsert returned no row');
  return fromRow(row);
}
