/* handset-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The /sync long-poll loop. Each response becomes one HandsetSyncBatch,
 * emitted whole through ::batch, so the call layer decides about ringing
 * after every event of the response is known. The position is saved after
 * the batch was handled, in one transaction with what the batch changed
 * in the rooms (handset_sync_set_rooms()): a restart restores the rooms
 * from the database and resumes from there, without asking for the state
 * again, and misses nothing. Members are loaded lazily.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-room-store.h"
#include "handset-sync.h"

struct _HandsetSync
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  HandsetStore *store;
  HandsetRooms *rooms;
  GCancellable *cancellable;
  char *since;
  char *account; /* user/device */
  char *store_key;
  char *rooms_key; /* set when the rooms' state was saved with the position */
  char *query_filter;
  char *query_filter_full; /* without lazy members */
  char *error_message;
  guint backoff_ms;
  guint retry_id;
  gboolean connected;
  gboolean have_state; /* the rooms' state is known: from a batch or the database */
  gboolean caught_up;  /* a batch came since the loop started */
};

G_DEFINE_FINAL_TYPE (HandsetSync, handset_sync, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_CONNECTED,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

enum
{
  SIGNAL_BATCH,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void sync_once (HandsetSync *self);

/* Call events and membership in timelines; the state that names rooms and
 * says who is in them; m.direct. To-device events cannot be filtered out
 * and always come. */
static const char *const timeline_types[] = {
  "m.call.*",
  "org.matrix.call.*",
  /* Element Call's rings, declines and memberships (MatrixRTC) */
  "m.rtc.*",
  "org.matrix.msc4075.*",
  "org.matrix.msc4310.*",
  "org.matrix.msc3401.call.member",
  "org.matrix.msc4143.rtc.member",
  "m.room.member",
  "m.room.name",
  "m.room.avatar",
  "m.room.encryption",
  "m.room.join_rules",
  "m.room.encrypted",
  "m.room.history_visibility",
  NULL,
};
static const char *const state_types[] = {
  "m.room.member",
  "m.room.name",
  "m.room.avatar",
  "m.room.encryption",
  "m.room.join_rules",
  "m.room.create",
  "m.room.history_visibility",
  NULL,
};

static char *filter_json (gboolean lazy_members);

static void
add_types (JsonBuilder *builder, const char *const *types)
{
  json_builder_set_member_name (builder, "types");
  json_builder_begin_array (builder);
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    json_builder_add_string_value (builder, types[i]);
  json_builder_end_array (builder);
}

/**
 * handset_sync_filter_json:
 *
 * Returns: (transfer full): the filter of every /sync request, as JSON
 */
char *
handset_sync_filter_json (void)
{
  return filter_json (TRUE);
}

/* Lazy members leave out those the timeline does not name; a request for
 * the whole state again (full_state, with no saved rooms) wants them all. */
static char *
filter_json (gboolean lazy_members)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *const none[] = { NULL };
  const char *const direct[] = { "m.direct", NULL };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "room");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "timeline");
  json_builder_begin_object (builder);
  add_types (builder, timeline_types);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, 100);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_begin_object (builder);
  add_types (builder, state_types);
  json_builder_set_member_name (builder, "lazy_load_members");
  json_builder_add_boolean_value (builder, lazy_members);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "ephemeral");
  json_builder_begin_object (builder);
  add_types (builder, none);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "account_data");
  json_builder_begin_object (builder);
  add_types (builder, none);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "account_data");
  json_builder_begin_object (builder);
  add_types (builder, direct);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "presence");
  json_builder_begin_object (builder);
  add_types (builder, none);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

/**
 * handset_sync_next_backoff_ms:
 * @previous_ms: the last wait, or 0 after a success
 * @random: a random number, for the jitter
 *
 * Doubles the wait from 1 s up to 60 s; the wait is then spread over
 * ±25 %, so many clients that lost one server do not return in step.
 *
 * Returns: the next wait in milliseconds
 */
guint
handset_sync_next_backoff_ms (guint previous_ms, guint32 random)
{
  guint base, spread;

  base = previous_ms == 0 ? HANDSET_SYNC_BACKOFF_MIN_MS
                          : MIN (previous_ms * 2, HANDSET_SYNC_BACKOFF_MAX_MS);
  /* Jitter within [base - 25 %, base], never below the minimum. */
  spread = base / 4;
  base -= random % (spread + 1);

  return MAX (base, HANDSET_SYNC_BACKOFF_MIN_MS);
}

static void
set_connected (HandsetSync *self, gboolean connected, const char *error_message)
{
  if (self->connected != connected)
    {
      self->connected = connected;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
    }

  if (g_strcmp0 (self->error_message, error_message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR_MESSAGE]);
    }
}

static gboolean
retry_cb (gpointer user_data)
{
  HandsetSync *self = HANDSET_SYNC (user_data);

  self->retry_id = 0;
  sync_once (self);

  return G_SOURCE_REMOVE;
}

static void
parse_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *since = g_object_get_data (G_OBJECT (task), "since");
  const gint64 *received = g_object_get_data (G_OBJECT (task), "received");
  HandsetSyncBatch *batch;
  GError *error = NULL;

  batch = handset_sync_batch_new_from_bytes (task_data, since, *received, &error);
  if (batch == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, batch, (GDestroyNotify) handset_sync_batch_unref);
}

static void
handle_failure (HandsetSync *self, GError *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN) ||
      g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_MISSING_TOKEN) ||
      g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_USER_DEACTIVATED))
    {
      /* Retrying cannot help: the account needs a new login. */
      g_message ("Sync stopped: %s", error->message);
      set_connected (self, FALSE, error->message);
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
      return;
    }

  self->backoff_ms = handset_sync_next_backoff_ms (self->backoff_ms, g_random_int ());
  message = g_strdup_printf (_ ("%s (trying again in %u s)"), error->message,
                             (self->backoff_ms + 999) / 1000);
  g_debug ("Sync failed, retrying in %u ms: %s", self->backoff_ms, error->message);
  set_connected (self, FALSE, message);
  self->retry_id = g_timeout_add (self->backoff_ms, retry_cb, self);
}

/* The position, and what the batch changed in the rooms, in one
 * transaction: a position is never stored without the state it reached. */
static gboolean
save_position (HandsetSync *self, GError **error)
{
  gint64 start = g_get_monotonic_time ();

  if (self->store == NULL || self->store_key == NULL)
    return TRUE;

  if (!handset_store_begin (self->store, error))
    return FALSE;
  if ((self->rooms == NULL ||
       handset_rooms_save (self->rooms, self->store, self->account, error)) &&
      handset_store_set (self->store, self->store_key, self->since, error) &&
      handset_store_set (self->store, self->rooms_key, self->rooms ? "1" : NULL, error) &&
      handset_store_commit (self->store, error))
    {
      if (self->rooms != NULL)
        handset_rooms_saved (self->rooms);
      g_debug ("Position saved in %" G_GINT64_FORMAT " ms",
               (g_get_monotonic_time () - start) / 1000);
      return TRUE;
    }

  handset_store_rollback (self->store);
  return FALSE;
}

static void
parsed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  HandsetSync *self = HANDSET_SYNC (object);
  g_autoptr (HandsetSyncBatch) batch = NULL;
  g_autoptr (GError) error = NULL;

  /* An answer to a loop that was stopped in the meantime is dropped. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  batch = g_task_propagate_pointer (G_TASK (result), &error);

  if (batch == NULL)
    {
      handle_failure (self, error);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_BATCH], 0, batch);
  self->have_state = TRUE;
  self->caught_up = TRUE;

  /* Saved after the batch was handled: a crash while handling it repeats
   * it, and never loses it. */
  g_free (self->since);
  self->since = g_strdup (handset_sync_batch_get_next_batch (batch));
  if (!save_position (self, &error))
    g_warning ("The sync position could not be saved: %s", error->message);

  self->backoff_ms = 0;
  set_connected (self, TRUE, NULL);

  /* handlers may have stopped the loop */
  if (self->cancellable != NULL)
    sync_once (self);
}

static void
sync_response_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetSync) self = HANDSET_SYNC (user_data);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  gint64 *received;

  bytes = handset_matrix_client_request_bytes_finish (HANDSET_MATRIX_CLIENT (object), result, NULL,
                                                      &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
    return;

  if (bytes == NULL)
    {
      handle_failure (self, error);
      return;
    }

  received = g_new (gint64, 1);
  *received = g_get_monotonic_time ();
  task = g_task_new (self, self->cancellable, parsed_cb, NULL);
  g_task_set_source_tag (task, sync_response_cb);
  g_task_set_task_data (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "since", g_strdup (self->since), g_free);
  g_object_set_data_full (G_OBJECT (task), "received", received, g_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, parse_in_thread);
}

static void
sync_once (HandsetSync *self)
{
  g_autoptr (GString) query = g_string_new (NULL);

  g_string_append_printf (query, "filter=%s",
                          self->since != NULL && !self->have_state ? self->query_filter_full
                                                                   : self->query_filter);
  if (self->since != NULL)
    {
      g_autofree char *since = g_uri_escape_string (self->since, NULL, FALSE);

      g_string_append_printf (query, "&since=%s", since);
      /* A run that starts from a stored position gets what it missed at
       * once, then long-polls. Only when the rooms' state was not saved
       * with that position (no rooms given, or a database of an older
       * version) does it ask for the whole state again. */
      if (!self->have_state)
        g_string_append (query, "&full_state=true&timeout=0");
      else if (!self->caught_up)
        g_string_append (query, "&timeout=0");
      else
        g_string_append_printf (query, "&timeout=%d", HANDSET_SYNC_TIMEOUT_MS);
    }
  else
    {
      g_string_append (query, "&timeout=0");
    }

  g_debug ("Sync %s%s", self->since ? "from a position" : "from the start",
           self->since && !self->have_state ? ", with the whole state" : "");
  handset_matrix_client_request_bytes_async (
      self->client, "GET", "/_matrix/client/v3/sync", query->str, NULL, HANDSET_REQUEST_AUTH,
      self->cancellable, sync_response_cb, g_object_ref (self));
}

static void
handset_sync_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetSync *self = HANDSET_SYNC (object);

  switch (prop_id)
    {
      case PROP_RUNNING:
        g_value_set_boolean (value, handset_sync_get_running (self));
        break;
      case PROP_CONNECTED:
        g_value_set_boolean (value, self->connected);
        break;
      case PROP_ERROR_MESSAGE:
        g_value_set_string (value, self->error_message);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_sync_dispose (GObject *object)
{
  HandsetSync *self = HANDSET_SYNC (object);

  handset_sync_stop (self);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);

  G_OBJECT_CLASS (handset_sync_parent_class)->dispose (object);
}

static void
handset_sync_finalize (GObject *object)
{
  HandsetSync *self = HANDSET_SYNC (object);

  g_free (self->since);
  g_free (self->account);
  g_free (self->store_key);
  g_free (self->rooms_key);
  g_free (self->query_filter);
  g_free (self->query_filter_full);
  g_free (self->error_message);

  G_OBJECT_CLASS (handset_sync_parent_class)->finalize (object);
}

static void
handset_sync_class_init (HandsetSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_sync_get_property;
  object_class->dispose = handset_sync_dispose;
  object_class->finalize = handset_sync_finalize;

  props[PROP_RUNNING] =
      g_param_spec_boolean ("running", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_CONNECTED] =
      g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ERROR_MESSAGE] =
      g_param_spec_string ("error-message", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * HandsetSync::batch:
   * @batch: one whole sync response
   */
  signals[SIGNAL_BATCH] =
      g_signal_new ("batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HANDSET_TYPE_SYNC_BATCH | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
handset_sync_init (HandsetSync *self)
{
  g_autofree char *filter = filter_json (TRUE);
  g_autofree char *full = filter_json (FALSE);

  self->query_filter = g_uri_escape_string (filter, NULL, FALSE);
  self->query_filter_full = g_uri_escape_string (full, NULL, FALSE);
}

/**
 * handset_sync_new:
 * @store: (nullable): where the position is kept between runs
 */
HandsetSync *
handset_sync_new (HandsetMatrixClient *client, HandsetStore *store)
{
  HandsetSync *self;

  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (client), NULL);

  self = g_object_new (HANDSET_TYPE_SYNC, NULL);
  self->client = g_object_ref (client);
  if (store != NULL)
    self->store = g_object_ref (store);

  return self;
}

/**
 * handset_sync_set_rooms:
 * @rooms: (nullable): the rooms that take every batch
 *
 * Keeps @rooms' state in the store with each position, and restores it
 * when the loop starts from a stored position. Call before
 * handset_sync_start(); the caller still hands each batch to @rooms.
 */
void
handset_sync_set_rooms (HandsetSync *self, HandsetRooms *rooms)
{
  g_return_if_fail (HANDSET_IS_SYNC (self));

  g_set_object (&self->rooms, rooms);
}

/* The rooms' state saved with the position comes back; without it, the
 * first request asks for the whole state. A sync from the start drops
 * whatever was kept. */
static void
restore_rooms (HandsetSync *self)
{
  g_autofree char *saved = NULL;
  g_autoptr (GError) error = NULL;

  if (self->rooms == NULL || self->store == NULL || self->have_state)
    return;

  if (self->since == NULL)
    {
      if (!handset_rooms_forget (self->rooms, self->store, &error))
        g_warning ("The rooms kept from before could not be forgotten: %s", error->message);
      return;
    }

  saved = handset_store_get (self->store, self->rooms_key);
  if (saved == NULL)
    return;
  if (!handset_rooms_load (self->rooms, self->store, self->account, &error))
    {
      g_warning ("The rooms could not be read back; asking the homeserver again: %s",
                 error->message);
      return;
    }
  self->have_state = TRUE;
}

/**
 * handset_sync_start:
 *
 * Starts the loop, from the position saved for this user and device.
 */
void
handset_sync_start (HandsetSync *self)
{
  g_return_if_fail (HANDSET_IS_SYNC (self));

  if (self->cancellable != NULL)
    return;

  g_free (self->account);
  self->account = g_strdup_printf ("%s/%s", handset_matrix_client_get_user_id (self->client),
                                   handset_matrix_client_get_device_id (self->client));
  g_free (self->store_key);
  self->store_key = g_strconcat ("sync.since:", self->account, NULL);
  g_free (self->rooms_key);
  self->rooms_key = g_strconcat ("sync.rooms:", self->account, NULL);
  if (self->since == NULL && self->store != NULL)
    self->since = handset_store_get (self->store, self->store_key);
  restore_rooms (self);
  self->caught_up = FALSE;

  self->cancellable = g_cancellable_new ();
  self->backoff_ms = 0;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  sync_once (self);
}

/**
 * handset_sync_stop:
 *
 * Stops the loop; a request in flight is cancelled and its answer ignored.
 */
void
handset_sync_stop (HandsetSync *self)
{
  g_return_if_fail (HANDSET_IS_SYNC (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->cancellable == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_connected (self, FALSE, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

gboolean
handset_sync_get_running (HandsetSync *self)
{
  g_return_val_if_fail (HANDSET_IS_SYNC (self), FALSE);

  return self->cancellable != NULL;
}

gboolean
handset_sync_get_connected (HandsetSync *self)
{
  g_return_val_if_fail (HANDSET_IS_SYNC (self), FALSE);

  return self->connected;
}

/**
 * handset_sync_get_error_message:
 *
 * Returns: (nullable): why the last sync failed, for a person
 */
const char *
handset_sync_get_error_message (HandsetSync *self)
{
  g_return_val_if_fail (HANDSET_IS_SYNC (self), NULL);

  return self->error_message;
}

/**
 * handset_sync_get_since:
 *
 * Returns: (nullable): the position the next request continues from
 */
const char *
handset_sync_get_since (HandsetSync *self)
{
  g_return_val_if_fail (HANDSET_IS_SYNC (self), NULL);

  return self->since;
}

guint
handset_sync_get_backoff_ms (HandsetSync *self)
{
  g_return_val_if_fail (HANDSET_IS_SYNC (self), 0);

  return self->backoff_ms;
}

/**
 * handset_sync_forget_position:
 *
 * Forgets the saved position, at logout.
 */
void
handset_sync_forget_position (HandsetSync *self)
{
  g_return_if_fail (HANDSET_IS_SYNC (self));

  g_clear_pointer (&self->since, g_free);
  self->have_state = FALSE;
  if (self->store != NULL)
    {
      handset_store_delete_prefix (self->store, "sync.since:", NULL);
      handset_store_delete_prefix (self->store, "sync.rooms:", NULL);
    }
  if (self->rooms != NULL)
    handset_rooms_forget (self->rooms, self->store, NULL);
  else if (self->store != NULL)
    handset_room_store_forget (self->store, NULL, NULL);
}
