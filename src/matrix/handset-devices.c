/* handset-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Display names of devices, so a person reads "Answered on Alice's phone"
 * rather than a device ID: our own from /devices, other users' from
 * /keys/query (which knows only devices that have published keys; for any
 * other, the device ID is the name). Cached; a miss asks the server again.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-devices.h"
#include "handset-sync-batch.h"

struct _HandsetDevices
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  GHashTable *names; /* "user\ndevice" → display name */
};

G_DEFINE_FINAL_TYPE (HandsetDevices, handset_devices, G_TYPE_OBJECT)

static char *
cache_key (const char *user_id, const char *device_id)
{
  return g_strconcat (user_id, "\n", device_id, NULL);
}

static void
remember (HandsetDevices *self, const char *user_id, const char *device_id, const char *name)
{
  if (device_id == NULL || name == NULL || *name == '\0')
    return;

  g_hash_table_replace (self->names, cache_key (user_id, device_id), g_strdup (name));
}

static void
handset_devices_dispose (GObject *object)
{
  HandsetDevices *self = HANDSET_DEVICES (object);

  g_clear_object (&self->client);

  G_OBJECT_CLASS (handset_devices_parent_class)->dispose (object);
}

static void
handset_devices_finalize (GObject *object)
{
  HandsetDevices *self = HANDSET_DEVICES (object);

  g_hash_table_unref (self->names);

  G_OBJECT_CLASS (handset_devices_parent_class)->finalize (object);
}

static void
handset_devices_class_init (HandsetDevicesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_devices_dispose;
  object_class->finalize = handset_devices_finalize;
}

static void
handset_devices_init (HandsetDevices *self)
{
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

HandsetDevices *
handset_devices_new (HandsetMatrixClient *client)
{
  HandsetDevices *self = g_object_new (HANDSET_TYPE_DEVICES, NULL);

  self->client = g_object_ref (client);

  return self;
}

/**
 * handset_devices_get_cached_name:
 *
 * Returns: (nullable): the display name, if it is known already
 */
const char *
handset_devices_get_cached_name (HandsetDevices *self, const char *user_id, const char *device_id)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (HANDSET_IS_DEVICES (self), NULL);

  key = cache_key (user_id, device_id);
  return g_hash_table_lookup (self->names, key);
}

typedef struct
{
  char *user_id;
  char *device_id;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->user_id);
  g_free (lookup->device_id);
  g_free (lookup);
}

static void
return_name (GTask *task)
{
  HandsetDevices *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  const char *name = handset_devices_get_cached_name (self, lookup->user_id, lookup->device_id);

  g_task_return_pointer (task, g_strdup (name ? name : lookup->device_id), g_free);
}

static void
own_devices_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetDevices *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (JsonArray) devices = NULL;
  g_autoptr (GError) error = NULL;

  devices =
      handset_matrix_client_get_devices_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (devices == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonNode *node = json_array_get_element (devices, i);
      JsonObject *device = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      remember (self, lookup->user_id, handset_event_get_string (device, "device_id"),
                handset_event_get_string (device, "display_name"));
    }

  return_name (task);
}

static void
keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetDevices *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *device_keys, *user_devices;

  response =
      handset_matrix_client_query_keys_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  device_keys = handset_event_get_object (response, "device_keys");
  user_devices = handset_event_get_object (device_keys, lookup->user_id);
  if (user_devices != NULL)
    {
      g_autoptr (GList) ids = json_object_get_members (user_devices);

      for (GList *l = ids; l != NULL; l = l->next)
        {
          JsonObject *keys = handset_event_get_object (user_devices, l->data);
          JsonObject *unsigned_data = handset_event_get_object (keys, "unsigned");

          remember (self, lookup->user_id, l->data,
                    handset_event_get_string (unsigned_data, "device_display_name"));
        }
    }

  return_name (task);
}

/**
 * handset_devices_lookup_name_async:
 *
 * Finds the display name of a device, from the cache or the server.
 */
void
handset_devices_lookup_name_async (HandsetDevices *self,
                                   const char *user_id,
                                   const char *device_id,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  Lookup *lookup = g_new0 (Lookup, 1);

  g_task_set_source_tag (task, handset_devices_lookup_name_async);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  lookup->user_id = g_strdup (user_id);
  lookup->device_id = g_strdup (device_id);

  if (handset_devices_get_cached_name (self, user_id, device_id) != NULL)
    {
      return_name (task);
      return;
    }

  if (g_strcmp0 (user_id, handset_matrix_client_get_user_id (self->client)) == 0)
    {
      handset_matrix_client_get_devices_async (self->client, cancellable, own_devices_cb,
                                               g_object_ref (task));
    }
  else
    {
      const char *users[] = { user_id, NULL };

      handset_matrix_client_query_keys_async (self->client, users, cancellable, keys_cb,
                                              g_object_ref (task));
    }
}

/**
 * handset_devices_lookup_name_finish:
 *
 * Returns: (transfer full): the display name, or the device ID when the
 *   device has none that we can learn
 */
char *
handset_devices_lookup_name_finish (HandsetDevices *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
