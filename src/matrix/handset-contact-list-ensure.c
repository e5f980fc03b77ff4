/* handset-contact-list-ensure.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The direct chat with someone, found among the contacts or made: their
 * profile read first (no such user, no room), then a private room with
 * them invited, recorded in `m.direct`.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-contact-list-private.h"

typedef struct
{
  HandsetMatrixClient *client;
  char *user_id;
  char *room_id;
  JsonObject *creation_content;
} Ensure;

static void
ensure_free (Ensure *ensure)
{
  g_clear_pointer (&ensure->creation_content, json_object_unref);
  g_clear_object (&ensure->client);
  g_free (ensure->user_id);
  g_free (ensure->room_id);
  g_free (ensure);
}

static void
ensure_done (GTask *task, GError *error)
{
  HandsetContactList *self = g_task_get_source_object (task);
  Ensure *ensure = g_task_get_task_data (task);

  g_hash_table_remove (self->creating, ensure->user_id);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (ensure->room_id), g_free);
}

static void
direct_saved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  /* The room exists either way; only other clients' view of it as a
   * direct chat depends on m.direct. */
  if (!handset_matrix_client_set_account_data_finish (HANDSET_MATRIX_CLIENT (object), result,
                                                      &error))
    g_warning ("The new direct chat could not be added to m.direct: %s", error->message);

  ensure_done (task, NULL);
}

static void
room_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetContactList *self = g_task_get_source_object (task);
  Ensure *ensure = g_task_get_task_data (task);
  g_autoptr (JsonObject) direct = json_object_new ();
  JsonObject *known = handset_rooms_get_direct (self->rooms);
  JsonArray *rooms;
  GError *error = NULL;

  ensure->room_id = handset_matrix_client_create_direct_room_finish (HANDSET_MATRIX_CLIENT (object),
                                                                     result, &error);
  if (ensure->room_id == NULL)
    {
      ensure_done (task, error);
      return;
    }

  /* m.direct is written whole: what we know of it, plus the new room. */
  if (known != NULL)
    {
      g_autoptr (GList) users = json_object_get_members (known);

      for (GList *l = users; l != NULL; l = l->next)
        json_object_set_member (direct, l->data,
                                json_node_copy (json_object_get_member (known, l->data)));
    }
  if (json_object_has_member (direct, ensure->user_id) &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (direct, ensure->user_id)))
    rooms = json_object_get_array_member (direct, ensure->user_id);
  else
    {
      rooms = json_array_new ();
      json_object_set_array_member (direct, ensure->user_id, rooms);
    }
  json_array_add_string_element (rooms, ensure->room_id);

  handset_matrix_client_set_account_data_async (ensure->client, "m.direct", direct,
                                                g_task_get_cancellable (task), direct_saved_cb,
                                                g_object_ref (task));
}

static void
profile_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetContactList *self = g_task_get_source_object (task);
  Ensure *ensure = g_task_get_task_data (task);
  JsonNode *name;
  g_autoptr (JsonObject) profile = NULL;
  g_autoptr (GError) error = NULL;

  profile =
      handset_matrix_client_get_profile_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  /* Not found: no such user (their server says so). Anything else (a
   * server that keeps profiles to itself, say) is for the invite to find
   * out. */
  if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND))
    {
      ensure_done (task, g_error_new (HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND,
                                      _ ("No such user: %s"), ensure->user_id));
      return;
    }
  /* Their name, shown for the call until the new chat says it. */
  name = profile ? json_object_get_member (profile, "displayname") : NULL;
  if (name != NULL && JSON_NODE_HOLDS_VALUE (name) &&
      json_node_get_value_type (name) == G_TYPE_STRING && *json_node_get_string (name) != '\0')
    g_hash_table_insert (self->profile_names, g_strdup (ensure->user_id),
                         g_strdup (json_node_get_string (name)));
  handset_matrix_client_create_direct_room_async (
      ensure->client, ensure->user_id, ensure->creation_content, g_task_get_cancellable (task),
      room_created_cb, g_object_ref (task));
}

/**
 * handset_contact_list_get_profile_name:
 *
 * Returns: (nullable): the display name from the profile of someone a
 *   direct chat was made for here, read before the chat existed
 */
const char *
handset_contact_list_get_profile_name (HandsetContactList *self, const char *user_id)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_LIST (self), NULL);

  return user_id ? g_hash_table_lookup (self->profile_names, user_id) : NULL;
}

/**
 * handset_contact_list_ensure_direct_chat_async:
 *
 * @creation_content: (nullable): what a new room's m.room.create carries
 *   besides (a call's mark, see HandsetCallInvitation)
 *
 * Finds the direct chat with @user_id, or makes one: a private room with
 * them invited, recorded in `m.direct`.
 */
void
handset_contact_list_ensure_direct_chat_async (HandsetContactList *self,
                                               HandsetMatrixClient *client,
                                               const char *user_id,
                                               JsonObject *creation_content,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  HandsetContact *contact = handset_contact_list_find (self, user_id);
  Ensure *ensure = g_new0 (Ensure, 1);

  g_task_set_source_tag (task, handset_contact_list_ensure_direct_chat_async);
  g_task_set_task_data (task, ensure, (GDestroyNotify) ensure_free);
  ensure->client = g_object_ref (client);
  ensure->user_id = g_strdup (user_id);
  ensure->creation_content = creation_content ? json_object_ref (creation_content) : NULL;

  if (contact != NULL)
    {
      ensure->room_id = g_strdup (handset_contact_get_room_id (contact));
      g_task_return_pointer (task, g_strdup (ensure->room_id), g_free);
      return;
    }

  if (user_id == NULL || user_id[0] != '@' || strchr (user_id, ':') == NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_INVALID_USERNAME,
                               _ ("“%s” is not a Matrix ID: it looks like @name:example.org"),
                               user_id ? user_id : "");
      return;
    }

  if (g_strcmp0 (user_id, handset_rooms_get_own_user_id (self->rooms)) == 0)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_INVALID_USERNAME,
                               _ ("A direct chat needs someone else"));
      return;
    }

  if (!g_hash_table_add (self->creating, g_strdup (user_id)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("A direct chat with %s is being made already"), user_id);
      return;
    }

  g_object_set_data (G_OBJECT (task), "created", GINT_TO_POINTER (TRUE));
  /* First, whether they exist: a room with nobody to invite would ring
   * no one. */
  handset_matrix_client_get_profile_async (client, user_id, cancellable, profile_cb,
                                           g_object_ref (task));
}

/**
 * handset_contact_list_ensure_direct_chat_finish:
 * @created: (out) (optional): whether a new room was made
 *
 * Returns: (transfer full): the room ID of the direct chat
 */
char *
handset_contact_list_ensure_direct_chat_finish (HandsetContactList *self,
                                                GAsyncResult *result,
                                                gboolean *created,
                                                GError **error)
{
  if (created != NULL)
    *created = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "created"));

  return g_task_propagate_pointer (G_TASK (result), error);
}
