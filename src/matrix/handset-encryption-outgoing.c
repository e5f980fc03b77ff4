/* handset-encryption-outgoing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sending room events: in an encrypted room, each waits in its room's
 * queue while the members' devices are fetched, Olm sessions claimed and
 * the room key shared, then goes out encrypted with Megolm.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-encryption-private.h"

gboolean
handset_encryption_room_is_encrypted (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);

  return room != NULL && handset_room_is_encrypted (room);
}

/* Who may read what we send: joined members, and invited ones unless the
 * room shows history to joined members only. */
static GPtrArray *
recipients (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);
  g_autoptr (GPtrArray) members = room ? handset_room_get_members (room) : g_ptr_array_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gboolean invited_too =
      room == NULL || g_strcmp0 (handset_room_get_history_visibility (room), "joined") != 0;

  for (guint i = 0; i < members->len; i++)
    {
      const char *user_id = g_ptr_array_index (members, i);

      if (invited_too || g_strcmp0 (handset_room_get_membership (room, user_id), "join") == 0)
        g_ptr_array_add (out, g_strdup (user_id));
    }
  /* Our other devices read along. */
  if (!g_ptr_array_find_with_equal_func (out, handset_matrix_client_get_user_id (self->client),
                                         g_str_equal, NULL))
    g_ptr_array_add (out, g_strdup (handset_matrix_client_get_user_id (self->client)));
  g_ptr_array_add (out, NULL);

  return out;
}

static void
finish_job (HandsetEncryption *self, const char *room_id, GError *error, char *event_id)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);
  SendJob *job = queue ? g_queue_pop_head (queue) : NULL;
  g_autofree char *room = g_strdup (room_id);

  g_hash_table_remove (self->busy, room);
  if (job != NULL)
    {
      if (error != NULL)
        g_task_return_error (job->task, error);
      else
        g_task_return_pointer (job->task, event_id, g_free);
      handset_encryption_send_job_free (job);
    }
  else
    {
      g_clear_error (&error);
      g_free (event_id);
    }
  handset_encryption_process_queue (self, room);
}

static void
event_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;
  char *event_id;

  event_id =
      handset_matrix_client_send_event_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (event_id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, event_id, g_free);
}

typedef struct
{
  HandsetEncryption *self;
  char *room_id;
} JobRef;

static JobRef *
job_ref_new (HandsetEncryption *self, const char *room_id)
{
  JobRef *ref = g_new0 (JobRef, 1);

  ref->self = g_object_ref (self);
  ref->room_id = g_strdup (room_id);

  return ref;
}

static void
job_ref_free (JobRef *ref)
{
  g_object_unref (ref->self);
  g_free (ref->room_id);
  g_free (ref);
}

static SendJob *
head_job (HandsetEncryption *self, const char *room_id)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);

  return queue ? g_queue_peek_head (queue) : NULL;
}

static void prepare_job (HandsetEncryption *self, const char *room_id);

static void
job_query_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;

  if (!ref->self->stopped)
    prepare_job (ref->self, ref->room_id);
  job_ref_free (ref);
}

static void
job_members_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;
  g_autoptr (GError) error = NULL;

  /* Without the whole list, the members a sync named still get the key. */
  if (!handset_rooms_load_members_finish (HANDSET_ROOMS (object), result, &error))
    g_message ("The members of %s could not be fetched: %s", ref->room_id, error->message);
  if (!ref->self->stopped)
    prepare_job (ref->self, ref->room_id);
  job_ref_free (ref);
}

static void
job_claim_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;
  HandsetEncryption *self = ref->self;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (self->stopped)
    {
      job_ref_free (ref);
      return;
    }
  if (answer == NULL)
    g_message ("One-time keys could not be claimed: %s", error->message);
  else
    {
      SendJob *job = head_job (self, ref->room_id);
      JsonObject *claimed = job ? g_object_get_data (G_OBJECT (job->task), "claim") : NULL;

      handset_crypto_machine_receive_keys_claim (self->machine, claimed, answer);
    }
  {
    SendJob *job = head_job (self, ref->room_id);

    if (job != NULL)
      g_object_set_data (G_OBJECT (job->task), "claimed", GINT_TO_POINTER (TRUE));
  }
  prepare_job (self, ref->room_id);
  job_ref_free (ref);
}

static void
job_keys_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;
  HandsetEncryption *self = ref->self;
  g_autoptr (GError) error = NULL;

  if (!handset_matrix_client_send_to_device_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    {
      if (!self->stopped)
        {
          /* Some devices may lack the key: the next event starts a new one. */
          handset_crypto_machine_discard_room_key (self->machine, ref->room_id);
          finish_job (self, ref->room_id,
                      g_error_new (error->domain, error->code,
                                   _ ("The call's encryption keys could not be sent: %s"),
                                   error->message),
                      NULL);
        }
      job_ref_free (ref);
      return;
    }
  if (!self->stopped)
    prepare_job (self, ref->room_id);
  job_ref_free (ref);
}

/* Readies the head job of a room's queue, one step per call: device keys,
 * Olm sessions, the room key; then encrypts and sends it and goes on with
 * the next job. */
static void
prepare_job (HandsetEncryption *self, const char *room_id)
{
  SendJob *job = head_job (self, room_id);
  g_autoptr (GPtrArray) users = NULL;
  g_autoptr (GPtrArray) outdated = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) claim = NULL;
  g_autoptr (JsonObject) room_key_messages = NULL;
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (GError) error = NULL;
  HandsetRoomEncryptionSettings settings = { 0 };
  HandsetRoom *room;
  GTask *send_task;

  if (job == NULL)
    return;

  /* 0. Every member, not only those the lazy sync named: fetched once
   * per room, before its first encrypted event (as matrix-js-sdk does). */
  room = handset_rooms_lookup (self->rooms, room_id);
  if (room != NULL && !handset_room_get_members_loaded (room) && !job->members_fetched)
    {
      job->members_fetched = TRUE;
      handset_rooms_load_members_async (self->rooms, self->client, room_id, NULL, job_members_cb,
                                        job_ref_new (self, room_id));
      return;
    }
  users = recipients (self, room_id);
  handset_crypto_machine_track_users (self->machine, (const char *const *) users->pdata);

  /* 1. Everyone's device keys, fetched once for this job. */
  for (guint i = 0; users->pdata[i] != NULL; i++)
    if (handset_crypto_machine_is_user_outdated (self->machine, users->pdata[i]))
      g_ptr_array_add (outdated, g_strdup (users->pdata[i]));
  if (outdated->len > 0 && !job->queried)
    {
      GTask *task = g_task_new (self, self->cancellable, job_query_cb, job_ref_new (self, room_id));

      job->queried = TRUE;
      g_ptr_array_add (outdated, NULL);
      handset_encryption_query_keys (self, (GStrv) g_ptr_array_steal (outdated, NULL), task);
      return;
    }

  /* 2. An Olm session with each of their devices, claimed once. */
  if (g_object_get_data (G_OBJECT (job->task), "claimed") == NULL)
    claim =
        handset_crypto_machine_build_keys_claim (self->machine, (const char *const *) users->pdata);
  if (claim != NULL)
    {
      g_object_set_data_full (G_OBJECT (job->task), "claim", json_object_ref (claim),
                              (GDestroyNotify) json_object_unref);
      handset_matrix_client_keys_request_async (self->client, "claim", claim, self->cancellable,
                                                job_claim_cb, job_ref_new (self, room_id));
      return;
    }

  /* 3. The room key to every device that lacks it. */
  room = handset_rooms_lookup (self->rooms, room_id);
  if (room != NULL)
    {
      gint64 msgs;

      handset_room_get_rotation (room, &settings.rotation_period_ms, &msgs);
      settings.rotation_period_msgs = (guint) MIN (msgs, G_MAXUINT);
    }
  room_key_messages = handset_crypto_machine_share_room_key (
      self->machine, room_id, (const char *const *) users->pdata, &settings);
  if (room_key_messages != NULL)
    {
      handset_matrix_client_send_to_device_async (self->client, "m.room.encrypted",
                                                  room_key_messages, self->cancellable,
                                                  job_keys_sent_cb, job_ref_new (self, room_id));
      return;
    }

  /* A preparation only: the room key is where it must be. */
  if (job->type == NULL)
    {
      finish_job (self, room_id, NULL, g_strdup (""));
      return;
    }

  /* 4. The event itself. */
  encrypted = handset_crypto_machine_encrypt_room_event (self->machine, room_id, job->type,
                                                         job->content, &error);
  if (encrypted == NULL)
    {
      finish_job (self, room_id, g_steal_pointer (&error), NULL);
      return;
    }
  {
    GQueue *queue = g_hash_table_lookup (self->queues, room_id);
    SendJob *done = g_queue_pop_head (queue);

    send_task = g_steal_pointer (&done->task);
    handset_encryption_send_job_free (done);
  }
  handset_matrix_client_send_event_async (self->client, room_id, "m.room.encrypted", encrypted,
                                          NULL, g_task_get_cancellable (send_task), event_sent_cb,
                                          send_task);
  g_hash_table_remove (self->busy, room_id);
  handset_encryption_process_queue (self, room_id);
}

void
handset_encryption_process_queue (HandsetEncryption *self, const char *room_id)
{
  if (g_hash_table_contains (self->busy, room_id) || head_job (self, room_id) == NULL)
    return;
  g_hash_table_add (self->busy, g_strdup (room_id));
  prepare_job (self, room_id);
}

/* Queues a job for the room: an event to send (@type and @content), or a
 * preparation (%NULL), done in the room's order. */
static void
enqueue (HandsetEncryption *self,
         const char *room_id,
         const char *type,
         JsonObject *content,
         GTask *task)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);
  SendJob *job = g_new0 (SendJob, 1);

  job->room_id = g_strdup (room_id);
  job->type = g_strdup (type);
  job->content = content ? json_object_ref (content) : NULL;
  job->task = task;
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->queues, g_strdup (room_id), queue);
    }
  g_queue_push_tail (queue, job);
  handset_encryption_process_queue (self, room_id);
}

/**
 * handset_encryption_send_event_async:
 *
 * Sends a room event: encrypted with Megolm in an encrypted room (after
 * its key went to every device of every member), in clear elsewhere.
 * Events of one room go out in the order they were given.
 */
void
handset_encryption_send_event_async (HandsetEncryption *self,
                                     const char *room_id,
                                     const char *type,
                                     JsonObject *content,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_encryption_send_event_async);

  if (!handset_encryption_room_is_encrypted (self, room_id))
    {
      g_task_set_task_data (task, GINT_TO_POINTER (FALSE), NULL);
      handset_matrix_client_send_event_async (self->client, room_id, type, content, NULL,
                                              cancellable, event_sent_cb, task);
      return;
    }
  g_task_set_task_data (task, GINT_TO_POINTER (TRUE), NULL);
  if (self->machine == NULL || self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _ ("This chat is encrypted, and Handset's encryption could not "
                                  "be started"));
      g_object_unref (task);
      return;
    }

  enqueue (self, room_id, type, content, task);
}

static void
prepared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *done = NULL;

  done = g_task_propagate_pointer (G_TASK (result), &error);
  if (done == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The room key could not be shared ahead: %s", error->message);
}

/**
 * handset_encryption_prepare_room:
 *
 * Gets an encrypted room ready for what Handset is about to send (the
 * answer to a call that rings, say): device keys, Olm sessions, and our
 * room key with every device, in the background and in the room's order,
 * so the event itself goes out at once. Nothing for a room in clear.
 */
void
handset_encryption_prepare_room (HandsetEncryption *self, const char *room_id)
{
  GTask *task;

  g_return_if_fail (HANDSET_IS_ENCRYPTION (self));

  if (self->machine == NULL || self->stopped ||
      !handset_encryption_room_is_encrypted (self, room_id))
    return;
  task = g_task_new (self, NULL, prepared_cb, NULL);
  g_task_set_source_tag (task, handset_encryption_prepare_room);
  enqueue (self, room_id, NULL, NULL, task);
}

/**
 * handset_encryption_prepare_room_fresh:
 *
 * Like handset_encryption_prepare_room(), but asks the server for the
 * members' devices again first: a device that signed in a moment ago, that
 * no sync has told of yet, gets the room key too. Before a call invite, so
 * that every device of the callee can read it and ring; a device that
 * appears later cannot read an invite sent before it had the key.
 */
void
handset_encryption_prepare_room_fresh (HandsetEncryption *self, const char *room_id)
{
  g_autoptr (GPtrArray) users = NULL;

  g_return_if_fail (HANDSET_IS_ENCRYPTION (self));

  if (self->machine == NULL || self->stopped ||
      !handset_encryption_room_is_encrypted (self, room_id))
    return;
  users = recipients (self, room_id);
  for (guint i = 0; users->pdata[i] != NULL; i++)
    handset_crypto_machine_mark_user_outdated (self->machine, users->pdata[i]);
  handset_encryption_prepare_room (self, room_id);
}

/**
 * handset_encryption_send_event_finish:
 * @encrypted: (out) (optional): whether it went encrypted
 *
 * Returns: (transfer full): the event ID
 */
char *
handset_encryption_send_event_finish (HandsetEncryption *self,
                                      GAsyncResult *result,
                                      gboolean *encrypted,
                                      GError **error)
{
  if (encrypted != NULL)
    *encrypted = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));

  return g_task_propagate_pointer (G_TASK (result), error);
}
