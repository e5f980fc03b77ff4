/* handset-secret-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Access tokens live in the Secret Service only (inside Flatpak, libsecret
 * goes through the secret portal). One item per session, found by the
 * profile, homeserver, user and device.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "handset-secret-store.h"

struct _HandsetSecretStore
{
  GObject parent_instance;

  char *profile;
};

G_DEFINE_FINAL_TYPE (HandsetSecretStore, handset_secret_store, G_TYPE_OBJECT)

enum
{
  SIGNAL_RELAY_PASSWORD_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.handset.Handset",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "homeserver", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "device", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

/* The key the encryption state is pickled with: one item per device, in
 * a schema of its own so that token lookups never find it. */
static const SecretSchema *
pickle_key_schema (void)
{
  static const SecretSchema schema = {
    "io.github.handset.Handset.PickleKey",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "homeserver", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "device", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

/* The password of the fallback relay (TURN) server the person set, one
 * per profile and server. */
static const SecretSchema *
relay_password_schema (void)
{
  static const SecretSchema schema = {
    "io.github.handset.Handset.RelayPassword",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

static void
handset_secret_store_finalize (GObject *object)
{
  HandsetSecretStore *self = HANDSET_SECRET_STORE (object);

  g_free (self->profile);

  G_OBJECT_CLASS (handset_secret_store_parent_class)->finalize (object);
}

static void
handset_secret_store_class_init (HandsetSecretStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_secret_store_finalize;

  /**
   * HandsetSecretStore::relay-password-changed:
   * @server: the relay server whose password was saved or removed
   */
  signals[SIGNAL_RELAY_PASSWORD_CHANGED] =
      g_signal_new ("relay-password-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
handset_secret_store_init (HandsetSecretStore *self)
{
}

/**
 * handset_secret_store_new:
 * @profile: the profile's secret namespace
 */
HandsetSecretStore *
handset_secret_store_new (const char *profile)
{
  HandsetSecretStore *self = g_object_new (HANDSET_TYPE_SECRET_STORE, NULL);

  self->profile = g_strdup (profile);

  return self;
}

static GError *
unreachable_error (const GError *error)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                      _ ("The keyring (Secret Service) is not available: %s"),
                      error ? error->message : _ ("no answer"));
}

static GError *
locked_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                              _ ("The keyring is locked"));
}

static void
store_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED)
                                   ? locked_error ()
                                   : unreachable_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
handset_secret_store_save_token_async (HandsetSecretStore *self,
                                       const char *homeserver,
                                       const char *user_id,
                                       const char *device_id,
                                       const char *access_token,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_ ("Handset: %s"), user_id);

  g_task_set_source_tag (task, handset_secret_store_save_token_async);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, access_token,
                         cancellable, store_cb, task, "profile", self->profile, "homeserver",
                         homeserver, "user", user_id, "device", device_id, NULL);
}

gboolean
handset_secret_store_save_token_finish (HandsetSecretStore *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Nothing was found: the item may be there, in a locked keyring whose
 * unlocking the person declined (or that no prompt could unlock). */
static void
locked_search_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  GList *items = secret_service_search_finish (NULL, result, &error);
  gboolean locked = FALSE;

  if (error != NULL)
    {
      g_task_return_error (task, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                     ? g_steal_pointer (&error)
                                     : unreachable_error (error));
      return;
    }

  for (GList *l = items; l != NULL; l = l->next)
    locked = locked || secret_item_get_locked (l->data);
  g_list_free_full (items, g_object_unref);
  if (locked)
    g_task_return_error (task, locked_error ());
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             _ ("The keyring holds no login for this account"));
}

static void
lookup_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  char *token;

  token = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, unreachable_error (error));
  else if (token == NULL)
    secret_service_search (NULL, token_schema (), g_task_get_task_data (task), SECRET_SEARCH_ALL,
                           g_task_get_cancellable (task), locked_search_cb, g_object_ref (task));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

/**
 * handset_secret_store_load_token_async:
 *
 * Finishes with the token, or with %G_IO_ERROR_NOT_FOUND when the keyring
 * holds none, %G_IO_ERROR_PERMISSION_DENIED when it is locked (and the
 * person did not unlock it when asked), %G_IO_ERROR_NOT_SUPPORTED when
 * there is no keyring.
 */
void
handset_secret_store_load_token_async (HandsetSecretStore *self,
                                       const char *homeserver,
                                       const char *user_id,
                                       const char *device_id,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GHashTable *attributes =
      secret_attributes_build (token_schema (), "profile", self->profile, "homeserver", homeserver,
                               "user", user_id, "device", device_id, NULL);

  g_task_set_source_tag (task, handset_secret_store_load_token_async);
  g_task_set_task_data (task, attributes, (GDestroyNotify) g_hash_table_unref);
  secret_password_lookupv (token_schema (), attributes, cancellable, lookup_cb, task);
}

/**
 * handset_secret_store_load_token_finish:
 *
 * Returns: (transfer full): the token; free it with secret_password_free()
 */
char *
handset_secret_store_load_token_finish (HandsetSecretStore *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
unlocked_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  if (secret_service_unlock_finish (SECRET_SERVICE (object), result, NULL, &error) > 0)
    g_task_return_boolean (task, TRUE);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, unreachable_error (error));
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _ ("The keyring was not unlocked"));
}

static void
default_collection_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretCollection) collection = secret_collection_for_alias_finish (result, &error);
  g_autoptr (GList) objects = NULL;

  if (collection == NULL)
    {
      g_task_return_error (task, unreachable_error (error));
      return;
    }
  /* Asked even when it looks unlocked: what it says may be old. */
  objects = g_list_append (NULL, collection);
  secret_service_unlock (secret_collection_get_service (collection), objects,
                         g_task_get_cancellable (task), unlocked_cb, g_object_ref (task));
}

/**
 * handset_secret_store_unlock_async:
 *
 * Unlocks the keyring where logins are kept: the desktop asks the person
 * for its password. Finishes with %G_IO_ERROR_PERMISSION_DENIED when it
 * stays locked.
 */
void
handset_secret_store_unlock_async (HandsetSecretStore *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_secret_store_unlock_async);
  secret_collection_for_alias (NULL, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, cancellable,
                               default_collection_cb, task);
}

gboolean
handset_secret_store_unlock_finish (HandsetSecretStore *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
handset_secret_store_save_pickle_key_async (HandsetSecretStore *self,
                                            const char *homeserver,
                                            const char *user_id,
                                            const char *device_id,
                                            GBytes *key,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_ ("Handset encryption key: %s"), user_id);
  gsize size;
  const guint8 *data = g_bytes_get_data (key, &size);
  char *encoded = g_base64_encode (data, size);

  g_task_set_source_tag (task, handset_secret_store_save_pickle_key_async);
  secret_password_store (pickle_key_schema (), SECRET_COLLECTION_DEFAULT, label, encoded,
                         cancellable, store_cb, task, "profile", self->profile, "homeserver",
                         homeserver, "user", user_id, "device", device_id, NULL);
  memset (encoded, 0, strlen (encoded));
  g_free (encoded);
}

gboolean
handset_secret_store_save_pickle_key_finish (HandsetSecretStore *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
wipe_bytes (gpointer data)
{
  GByteArray *array = data;

  memset (array->data, 0, array->len);
  g_byte_array_unref (array);
}

static void
lookup_pickle_key_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  char *encoded;
  guchar *raw;
  gsize size = 0;
  GByteArray *array;

  encoded = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (error));
      return;
    }
  if (encoded == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("The keyring holds no encryption key for this device"));
      return;
    }
  raw = g_base64_decode (encoded, &size);
  secret_password_free (encoded);
  array = g_byte_array_new_take (raw, size);
  g_task_return_pointer (task,
                         g_bytes_new_with_free_func (array->data, array->len, wipe_bytes, array),
                         (GDestroyNotify) g_bytes_unref);
}

void
handset_secret_store_load_pickle_key_async (HandsetSecretStore *self,
                                            const char *homeserver,
                                            const char *user_id,
                                            const char *device_id,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_secret_store_load_pickle_key_async);
  secret_password_lookup (pickle_key_schema (), cancellable, lookup_pickle_key_cb, task, "profile",
                          self->profile, "homeserver", homeserver, "user", user_id, "device",
                          device_id, NULL);
}

/**
 * handset_secret_store_load_pickle_key_finish:
 *
 * Returns: (transfer full) (nullable): the key, wiped when freed; %NULL
 *   with %G_IO_ERROR_NOT_FOUND when the keyring holds none
 */
GBytes *
handset_secret_store_load_pickle_key_finish (HandsetSecretStore *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_pickle_keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, unreachable_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
clear_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetSecretStore *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (error));
      return;
    }
  /* Then the encryption keys of the profile's devices. */
  secret_password_clear (pickle_key_schema (), g_task_get_cancellable (task), clear_pickle_keys_cb,
                         g_object_ref (task), "profile", self->profile, NULL);
}

static void
clear_token_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (error));
      return;
    }
  /* Then that device's encryption key. */
  secret_password_clearv (pickle_key_schema (), g_task_get_task_data (task),
                          g_task_get_cancellable (task), clear_pickle_keys_cb, g_object_ref (task));
}

/**
 * handset_secret_store_clear_async:
 *
 * Removes every token of this profile, and every encryption key.
 */
void
handset_secret_store_clear_async (HandsetSecretStore *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_secret_store_clear_async);
  secret_password_clear (token_schema (), cancellable, clear_cb, task, "profile", self->profile,
                         NULL);
}

gboolean
handset_secret_store_clear_finish (HandsetSecretStore *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_secret_store_clear_token_async:
 *
 * Removes the token and the encryption key of one device of this
 * profile (a session another login replaced), and nothing else.
 */
void
handset_secret_store_clear_token_async (HandsetSecretStore *self,
                                        const char *homeserver,
                                        const char *user_id,
                                        const char *device_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_secret_store_clear_token_async);
  g_task_set_task_data (task,
                        secret_attributes_build (pickle_key_schema (), "profile", self->profile,
                                                 "homeserver", homeserver, "user", user_id,
                                                 "device", device_id, NULL),
                        (GDestroyNotify) g_hash_table_unref);
  secret_password_clear (token_schema (), cancellable, clear_token_cb, task, "profile",
                         self->profile, "homeserver", homeserver, "user", user_id, "device",
                         device_id, NULL);
}

gboolean
handset_secret_store_clear_token_finish (HandsetSecretStore *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
relay_password_done (GTask *task, GError *error)
{
  HandsetSecretStore *self = g_task_get_source_object (task);

  if (error != NULL)
    {
      g_task_return_error (task, g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED)
                                     ? locked_error ()
                                     : unreachable_error (error));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RELAY_PASSWORD_CHANGED], 0, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

static void
relay_password_stored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  secret_password_store_finish (result, &error);
  relay_password_done (task, error);
}

static void
relay_password_cleared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  secret_password_clear_finish (result, &error);
  relay_password_done (task, error);
}

/**
 * handset_secret_store_save_relay_password_async:
 * @server: the fallback relay server's address
 * @password: (nullable): its password; %NULL or empty removes it
 *
 * Keeps the password of a relay server the person set; the keyring, never
 * the settings, holds it. Emits #HandsetSecretStore::relay-password-changed
 * once saved.
 */
void
handset_secret_store_save_relay_password_async (HandsetSecretStore *self,
                                                const char *server,
                                                const char *password,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_ ("Handset relay server: %s"), server);

  g_task_set_source_tag (task, handset_secret_store_save_relay_password_async);
  g_task_set_task_data (task, g_strdup (server), g_free);
  if (password == NULL || *password == '\0')
    secret_password_clear (relay_password_schema (), cancellable, relay_password_cleared_cb, task,
                           "profile", self->profile, "server", server, NULL);
  else
    secret_password_store (relay_password_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                           cancellable, relay_password_stored_cb, task, "profile", self->profile,
                           "server", server, NULL);
}

gboolean
handset_secret_store_save_relay_password_finish (HandsetSecretStore *self,
                                                 GAsyncResult *result,
                                                 GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
wipe_string (gpointer data)
{
  char *text = data;

  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

static void
relay_password_found_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  char *password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, unreachable_error (error));
      return;
    }
  if (password == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("The keyring holds no password for this relay server"));
      return;
    }
  g_task_return_pointer (task, g_strdup (password), wipe_string);
  secret_password_free (password);
}

void
handset_secret_store_load_relay_password_async (HandsetSecretStore *self,
                                                const char *server,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_secret_store_load_relay_password_async);
  secret_password_lookup (relay_password_schema (), cancellable, relay_password_found_cb, task,
                          "profile", self->profile, "server", server, NULL);
}

/**
 * handset_secret_store_load_relay_password_finish:
 *
 * Returns: (transfer full) (nullable): the password; %NULL with
 *   %G_IO_ERROR_NOT_FOUND when the keyring holds none. Wipe it when done.
 */
char *
handset_secret_store_load_relay_password_finish (HandsetSecretStore *self,
                                                 GAsyncResult *result,
                                                 GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
