/* handset-call-manager-send.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the calls send: through the encryption (in clear where the room is
 * not encrypted) or the client; a call whose event could not be sent ends,
 * saying why; and before quitting, every call hung up and its events
 * waited for. A call's candidates wait while its invite, answer or
 * negotiate is on its way: sent together, the two race in the
 * homeserver, which then takes longer over the description the peer is
 * waiting for (and may hand the candidates over first).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-manager-private.h"

/* One call event on its way: the manager counts them, so that quitting
 * can wait for the hangups it just sent. */
typedef struct
{
  HandsetCallManager *self; /* a reference */
  HandsetCall *call;        /* a reference */
  char *what;
  gboolean description; /* an invite, answer or negotiate */
} Sending;

static void
send_now (HandsetCallManager *self, HandsetCall *call, const char *type_name, JsonObject *content);

static gboolean
is_description (const char *type_name)
{
  return g_str_equal (type_name, "m.call.invite") || g_str_equal (type_name, "m.call.answer") ||
         g_str_equal (type_name, "m.call.negotiate");
}

/* The call's description has been sent (or failed): its held candidates
 * go, in order. */
static void
description_done (HandsetCallManager *self, HandsetCall *call)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->describing, call));
  g_autoptr (GPtrArray) held = NULL;

  if (n > 1)
    {
      g_hash_table_insert (self->describing, g_object_ref (call), GUINT_TO_POINTER (n - 1));
      return;
    }
  g_hash_table_remove (self->describing, call);
  if (!g_hash_table_steal_extended (self->held_candidates, call, NULL, (gpointer *) &held))
    return;
  g_object_unref (call); /* the table's key */
  for (guint i = 0; i < held->len; i++)
    {
      self->sending--; /* counted while held; counted again on its way */
      /* A call that ended meanwhile (its description failed, say) needs
       * them no more. */
      if (handset_call_is_active (call))
        send_now (self, call, "m.call.candidates", g_ptr_array_index (held, i));
    }
}

static Sending *
sending_new (HandsetCallManager *self, HandsetCall *call, const char *type_name)
{
  Sending *sending = g_new0 (Sending, 1);

  sending->self = g_object_ref (self);
  sending->call = g_object_ref (call);
  sending->what = g_strdup_printf ("%s of call %s", type_name, handset_call_get_call_id (call));
  self->sending++;

  return sending;
}

static void
sending_done (Sending *sending)
{
  HandsetCallManager *self = sending->self;

  if (sending->description && self->describing != NULL)
    description_done (self, sending->call);
  if (--self->sending == 0 && self->flushing != NULL)
    while (self->flushing->len > 0)
      {
        GTask *task = g_ptr_array_steal_index (self->flushing, 0);

        g_task_return_boolean (task, TRUE);
        g_object_unref (task);
      }
  g_free (sending->what);
  g_object_unref (sending->call);
  g_object_unref (sending->self);
  g_free (sending);
}

/* An event of the call that could not be sent, tries and all: the call
 * cannot go on, and says why rather than wait in silence. */
static void
send_failed (Sending *sending, const GError *error)
{
  g_warning ("%s could not be sent: %s", sending->what, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      !handset_call_is_active (sending->call))
    return;
  handset_call_end_silently (
      sending->call, g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK)
                         ? HANDSET_CALL_END_SIGNALLING_FAILED
                         : HANDSET_CALL_END_ERROR);
}

static void
sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Sending *sending = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id =
      handset_matrix_client_send_event_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (event_id == NULL)
    send_failed (sending, error);
  else
    g_debug ("%s sent as %s", sending->what, event_id);
  sending_done (sending);
}

static void
encrypted_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Sending *sending = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;
  gboolean encrypted = FALSE;

  event_id = handset_encryption_send_event_finish (HANDSET_ENCRYPTION (object), result, &encrypted,
                                                   &error);
  if (event_id == NULL)
    send_failed (sending, error);
  else
    g_debug ("%s sent%s as %s", sending->what, encrypted ? " encrypted" : "", event_id);
  sending_done (sending);
}

static void
send_now (HandsetCallManager *self, HandsetCall *call, const char *type_name, JsonObject *content)
{
  Sending *sending;

  if (self->encryption == NULL && self->client == NULL)
    return;
  sending = sending_new (self, call, type_name);
  if (is_description (type_name))
    {
      sending->description = TRUE;
      g_hash_table_insert (
          self->describing, g_object_ref (call),
          GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->describing, call)) + 1));
    }
  /* Through the encryption, which sends in clear where the room is not
   * encrypted. */
  if (self->encryption != NULL)
    handset_encryption_send_event_async (self->encryption, handset_call_get_room_id (call),
                                         type_name, content, NULL, encrypted_sent_cb, sending);
  else
    handset_matrix_client_send_event_async (self->client, handset_call_get_room_id (call),
                                            type_name, content, NULL, NULL, sent_cb, sending);
}

void
handset_call_manager_send_event_cb (HandsetCall *call,
                                    int type,
                                    JsonObject *content,
                                    HandsetCallManager *self)
{
  const char *type_name = handset_call_event_type_to_string (type);
  GPtrArray *held;

  g_signal_emit (self, handset_call_manager_signals[SIGNAL_SEND_EVENT], 0, call, type_name,
                 content);

  if (g_str_equal (type_name, "m.call.candidates") &&
      g_hash_table_contains (self->describing, call))
    {
      held = g_hash_table_lookup (self->held_candidates, call);
      if (held == NULL)
        {
          held = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
          g_hash_table_insert (self->held_candidates, g_object_ref (call), held);
        }
      g_ptr_array_add (held, json_object_ref (content));
      self->sending++; /* quitting waits for these too */
      return;
    }
  send_now (self, call, type_name, content);
}

static gboolean
flush_timeout_cb (gpointer data)
{
  GTask *task = data;
  HandsetCallManager *self = g_task_get_source_object (task);

  /* Still there: the sends did not finish in time. */
  if (self->flushing != NULL && g_ptr_array_remove (self->flushing, task))
    {
      g_debug ("%u call events still on their way: not waiting longer", self->sending);
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

/**
 * handset_call_manager_hang_up_all_async:
 * @timeout_ms: how long to wait for the hangups to reach the homeserver
 *
 * Before Handset quits or logs out: ends every call that is placed or
 * going on (a call that only rings here keeps ringing on the other
 * devices), and completes once every call event on its way has been sent,
 * or when @timeout_ms has passed (then with %FALSE).
 */
void
handset_call_manager_hang_up_all_async (HandsetCallManager *self,
                                        guint timeout_ms,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task;

  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, handset_call_manager_hang_up_all_async);
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);

      if (handset_call_get_state (call) == HANDSET_CALL_STATE_RINGING)
        continue;
      handset_call_hangup (call);
    }
  if (self->sending == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (self->flushing == NULL)
    self->flushing = g_ptr_array_new ();
  g_ptr_array_add (self->flushing, task);
  g_timeout_add_full (G_PRIORITY_DEFAULT, timeout_ms, flush_timeout_cb, g_object_ref (task),
                      g_object_unref);
}

/**
 * handset_call_manager_hang_up_all_finish:
 *
 * Returns: whether every call event was sent in time
 */
gboolean
handset_call_manager_hang_up_all_finish (HandsetCallManager *self, GAsyncResult *result)
{
  return g_task_propagate_boolean (G_TASK (result), NULL);
}
