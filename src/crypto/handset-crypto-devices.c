/* handset-crypto-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine's view of other devices: the users whose device
 * lists it follows and which are outdated, what /keys/query answers
 * (devices checked, deleted ones kept apart, cross-signing identities and
 * their changes), and whom it trusts.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include "handset-crypto-machine-private.h"
#include "handset-cross-signing.h"
#include "handset-json.h"

static void
save_user (HandsetCryptoMachine *self, const char *user_id, gboolean outdated)
{
  HandsetCryptoRow row = { 0 };

  row.key1 = (char *) user_id;
  row.key2 = "";
  row.extra = outdated ? "{\"outdated\":true}" : "{\"outdated\":false}";
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_USERS, &row, NULL);
}

static void
save_identity (HandsetCryptoMachine *self, const char *user_id, Identity *identity)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *json = NULL;
  HandsetCryptoRow row = { 0 };

  json_object_set_string_member (extra, "master", identity->master);
  if (identity->self_signing != NULL)
    json_object_set_string_member (extra, "self_signing", identity->self_signing);
  if (identity->user_signing != NULL)
    json_object_set_string_member (extra, "user_signing", identity->user_signing);
  if (identity->master_json != NULL)
    json_object_set_object_member (extra, "master_json", json_object_ref (identity->master_json));
  json_object_set_boolean_member (extra, "changed", identity->changed);
  json = handset_crypto_object_to_string (extra);
  row.key1 = (char *) user_id;
  row.key2 = "";
  row.extra = json;
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_IDENTITIES, &row, NULL);
}

/**
 * handset_crypto_machine_track_users:
 *
 * Starts following the devices of @user_ids; new ones are outdated until a
 * /keys/query answer names their devices.
 */
void
handset_crypto_machine_track_users (HandsetCryptoMachine *self, const char *const *user_ids)
{
  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    if (!g_hash_table_contains (self->tracked, user_ids[i]))
      {
        g_hash_table_insert (self->tracked, g_strdup (user_ids[i]), GINT_TO_POINTER (TRUE));
        save_user (self, user_ids[i], TRUE);
      }
}

static void
mark_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  /* A query already out may answer with the list from before the change. */
  if (g_hash_table_contains (self->querying, user_id))
    g_hash_table_insert (self->querying, g_strdup (user_id), GINT_TO_POINTER (TRUE));
  if (g_hash_table_contains (self->tracked, user_id))
    {
      g_hash_table_insert (self->tracked, g_strdup (user_id), GINT_TO_POINTER (TRUE));
      save_user (self, user_id, TRUE);
    }
}

/**
 * handset_crypto_machine_mark_user_outdated:
 *
 * Follows @user_id's devices, and has them fetched again.
 */
void
handset_crypto_machine_mark_user_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  const char *users[] = { user_id, NULL };

  handset_crypto_machine_track_users (self, users);
  mark_outdated (self, user_id);
}

/**
 * handset_crypto_machine_receive_device_list_changes:
 * @changed: (nullable): `device_lists.changed` of /sync
 * @left: (nullable): `device_lists.left`
 */
void
handset_crypto_machine_receive_device_list_changes (HandsetCryptoMachine *self,
                                                    JsonArray *changed,
                                                    JsonArray *left)
{
  for (guint i = 0; changed != NULL && i < json_array_get_length (changed); i++)
    {
      JsonNode *node = json_array_get_element (changed, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        mark_outdated (self, json_node_get_string (node));
    }
  for (guint i = 0; left != NULL && i < json_array_get_length (left); i++)
    {
      JsonNode *node = json_array_get_element (left, i);
      const char *user_id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      user_id = json_node_get_string (node);
      /* No room shared any more: its devices are not followed. The keys
       * stay, for the events already received. */
      if (g_strcmp0 (user_id, self->user_id) != 0 && g_hash_table_remove (self->tracked, user_id))
        handset_crypto_store_delete (self->store, HANDSET_CRYPTO_TABLE_USERS, user_id, "", NULL);
    }
}

/**
 * handset_crypto_machine_get_outdated_users:
 *
 * Returns: (transfer full): the users whose device lists /keys/query must
 *   fetch
 */
GStrv
handset_crypto_machine_get_outdated_users (HandsetCryptoMachine *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer user_id, outdated;

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, &user_id, &outdated))
    if (GPOINTER_TO_INT (outdated))
      g_strv_builder_add (builder, user_id);

  return g_strv_builder_end (builder);
}

gboolean
handset_crypto_machine_is_user_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  gpointer outdated;

  if (!g_hash_table_lookup_extended (self->tracked, user_id, NULL, &outdated))
    return TRUE;

  return GPOINTER_TO_INT (outdated);
}

static void
save_device (HandsetCryptoMachine *self, HandsetDeviceKeys *device, gboolean gone)
{
  g_autofree char *json = handset_device_keys_to_json (device);
  HandsetCryptoRow row = { 0 };

  row.key1 = device->user_id;
  row.key2 = device->device_id;
  row.extra = json;
  row.stamp = gone ? 1 : 0;
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_DEVICES, &row, NULL);
}

/* A deleted device keeps its keys as a tombstone: if its ID comes back,
 * it must come back with the same keys. */
static void
remove_device (HandsetCryptoMachine *self, GHashTable *of_user, HandsetDeviceKeys *device)
{
  gpointer key = NULL;

  if (g_hash_table_steal_extended (of_user, device->device_id, &key, NULL))
    g_free (key);
  save_device (self, device, TRUE);
  g_hash_table_insert (self->gone, handset_crypto_device_slot (device->user_id, device->device_id),
                       device);
}

static void
receive_user_devices (HandsetCryptoMachine *self, const char *user_id, JsonObject *devices)
{
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);
  g_autoptr (GList) names = json_object_get_members (devices);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer device_id, known;

  if (of_user == NULL)
    {
      of_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) handset_device_keys_free);
      g_hash_table_insert (self->devices, g_strdup (user_id), of_user);
    }

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *id = l->data;
      g_autoptr (GError) error = NULL;
      HandsetDeviceKeys *device;
      HandsetDeviceKeys *old = g_hash_table_lookup (of_user, id);
      g_autofree char *slot = handset_crypto_device_slot (user_id, id);
      HandsetDeviceKeys *was = g_hash_table_lookup (self->gone, slot);

      device =
          handset_device_keys_parse (handset_json_get_object (devices, id), user_id, id, &error);
      if (device == NULL)
        {
          g_message ("Keys of device %s of %s rejected: %s", id, user_id, error->message);
          continue;
        }
      if (old == NULL)
        old = was;
      if (old != NULL && (g_strcmp0 (old->ed25519, device->ed25519) != 0 ||
                          g_strcmp0 (old->curve25519, device->curve25519) != 0))
        {
          /* A device ID does not change its keys: someone else's keys. */
          g_message ("Device %s of %s came with other keys than before; rejected", id, user_id);
          handset_device_keys_free (device);
          continue;
        }
      {
        HandsetDeviceKeys *twin =
            handset_crypto_machine_find_device_by_key (self, user_id, device->curve25519);

        if (twin != NULL && !g_str_equal (twin->device_id, id))
          {
            g_message ("Device %s of %s claims the key of its device %s; rejected", id, user_id,
                       twin->device_id);
            handset_device_keys_free (device);
            continue;
          }
      }
      if (was != NULL)
        g_hash_table_remove (self->gone, slot);
      g_hash_table_insert (of_user, g_strdup (id), device);
      save_device (self, device, FALSE);
    }

  /* Devices the answer no longer names are gone. */
  g_hash_table_iter_init (&iter, of_user);
  while (g_hash_table_iter_next (&iter, &device_id, &known))
    if (!json_object_has_member (devices, device_id))
      g_ptr_array_add (gone, known);
  for (guint i = 0; i < gone->len; i++)
    {
      HandsetDeviceKeys *device = g_ptr_array_index (gone, i);

      g_debug ("Device %s of %s is gone", device->device_id, user_id);
      remove_device (self, of_user, device);
    }
}

/* The user's cross-signing keys from a /keys/query answer. A master key
 * other than the one seen before marks the identity changed, until the
 * person accepts it. Only our own user-signing key is published to us. */
static void
receive_identity (HandsetCryptoMachine *self, const char *user_id, JsonObject *response)
{
  g_autoptr (HandsetCrossSigningKey) master = NULL;
  g_autoptr (HandsetCrossSigningKey) self_signing = NULL;
  g_autoptr (HandsetCrossSigningKey) user_signing = NULL;
  g_autoptr (GError) error = NULL;
  Identity *identity = g_hash_table_lookup (self->identities, user_id);
  JsonObject *master_json =
      handset_json_get_object (handset_json_get_object (response, "master_keys"), user_id);
  JsonObject *ssk_json =
      handset_json_get_object (handset_json_get_object (response, "self_signing_keys"), user_id);
  JsonObject *usk_json =
      handset_json_get_object (handset_json_get_object (response, "user_signing_keys"), user_id);

  if (master_json == NULL)
    return;
  master = handset_cross_signing_key_parse (master_json, user_id, "master", NULL, &error);
  if (master == NULL)
    {
      g_message ("The master key of %s was rejected: %s", user_id, error->message);
      return;
    }
  if (ssk_json != NULL)
    {
      self_signing = handset_cross_signing_key_parse (ssk_json, user_id, "self_signing",
                                                      master->ed25519, &error);
      if (self_signing == NULL)
        g_message ("The self-signing key of %s was rejected: %s", user_id, error->message);
      g_clear_error (&error);
    }
  if (usk_json != NULL && g_str_equal (user_id, self->user_id))
    {
      user_signing = handset_cross_signing_key_parse (usk_json, user_id, "user_signing",
                                                      master->ed25519, &error);
      if (user_signing == NULL)
        g_message ("The user-signing key of %s was rejected: %s", user_id, error->message);
    }

  if (identity == NULL)
    {
      identity = g_new0 (Identity, 1);
      identity->master = g_strdup (master->ed25519);
      g_hash_table_insert (self->identities, g_strdup (user_id), identity);
    }
  else if (!g_str_equal (identity->master, master->ed25519))
    {
      g_message ("The identity of %s changed (a new master key)", user_id);
      g_free (identity->master);
      identity->master = g_strdup (master->ed25519);
      identity->changed = TRUE;
    }
  g_free (identity->self_signing);
  identity->self_signing = self_signing ? g_strdup (self_signing->ed25519) : NULL;
  g_free (identity->user_signing);
  identity->user_signing = user_signing ? g_strdup (user_signing->ed25519) : NULL;
  g_clear_pointer (&identity->master_json, json_object_unref);
  identity->master_json = json_object_ref (master->json);
  save_identity (self, user_id, identity);
}

/**
 * handset_crypto_machine_get_cross_signing_keys:
 * @master: (out) (optional) (transfer none): the master key
 * @self_signing: (out) (optional) (transfer none): the self-signing key
 * @user_signing: (out) (optional) (transfer none): the user-signing key
 *
 * The public cross-signing keys of @user_id as last seen (each checked
 * against the master key), or %NULL.
 *
 * Returns: whether @user_id has a master key
 */
gboolean
handset_crypto_machine_get_cross_signing_keys (HandsetCryptoMachine *self,
                                               const char *user_id,
                                               const char **master,
                                               const char **self_signing,
                                               const char **user_signing)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  if (master != NULL)
    *master = identity ? identity->master : NULL;
  if (self_signing != NULL)
    *self_signing = identity ? identity->self_signing : NULL;
  if (user_signing != NULL)
    *user_signing = identity ? identity->user_signing : NULL;

  return identity != NULL;
}

/**
 * handset_crypto_machine_get_user_verified:
 *
 * Returns: whether we verified @user_id: their master key carries a
 *   signature by our user-signing key, itself signed by our master key.
 *   For ourselves, whether this device is cross-signed.
 */
gboolean
handset_crypto_machine_get_user_verified (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *ours = g_hash_table_lookup (self->identities, self->user_id);
  Identity *theirs = g_hash_table_lookup (self->identities, user_id);

  if (g_strcmp0 (user_id, self->user_id) == 0)
    return handset_crypto_machine_get_own_device_cross_signed (self);
  return ours != NULL && ours->user_signing != NULL && theirs != NULL &&
         theirs->master_json != NULL &&
         handset_json_signed_by_key (theirs->master_json, self->user_id, ours->user_signing);
}

/**
 * handset_crypto_machine_get_own_device_cross_signed:
 *
 * Returns: whether this device's keys, as the server last gave them, carry
 *   our self-signing key's signature
 */
gboolean
handset_crypto_machine_get_own_device_cross_signed (HandsetCryptoMachine *self)
{
  HandsetDeviceKeys *device =
      handset_crypto_machine_get_device (self, self->user_id, self->device_id);

  return device != NULL &&
         g_strcmp0 (device->ed25519, handset_crypto_machine_get_ed25519 (self)) == 0 &&
         handset_crypto_machine_device_is_cross_signed (self, device);
}

/**
 * handset_crypto_machine_set_only_cross_signed:
 *
 * When on, room keys go only to devices their owner cross-signed, and not
 * to those of a user whose identity changed unaccepted (Element's
 * "exclude insecure devices").
 */
void
handset_crypto_machine_set_only_cross_signed (HandsetCryptoMachine *self, gboolean only)
{
  self->only_cross_signed = only;
}

gboolean
handset_crypto_machine_get_only_cross_signed (HandsetCryptoMachine *self)
{
  return self->only_cross_signed;
}

/**
 * handset_crypto_machine_device_is_trusted:
 *
 * Returns: whether @device may be given room keys under the current
 *   policy (always, unless only cross-signed devices are)
 */
gboolean
handset_crypto_machine_device_is_trusted (HandsetCryptoMachine *self, HandsetDeviceKeys *device)
{
  if (!self->only_cross_signed)
    return TRUE;
  return handset_crypto_machine_device_is_cross_signed (self, device) &&
         !handset_crypto_machine_get_identity_changed (self, device->user_id);
}

/**
 * handset_crypto_machine_device_is_cross_signed:
 *
 * Returns: whether @device is signed by its owner's self-signing key,
 *   itself signed by their master key
 */
gboolean
handset_crypto_machine_device_is_cross_signed (HandsetCryptoMachine *self,
                                               HandsetDeviceKeys *device)
{
  Identity *identity = g_hash_table_lookup (self->identities, device->user_id);

  return identity != NULL && identity->self_signing != NULL &&
         handset_json_signed_by_key (device->json, device->user_id, identity->self_signing);
}

/**
 * handset_crypto_machine_get_identity_changed:
 *
 * Returns: whether @user_id's master key changed since Handset first saw
 *   it (they reset their identity, or someone else's stands in for it)
 */
gboolean
handset_crypto_machine_get_identity_changed (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  return identity != NULL && identity->changed;
}

/**
 * handset_crypto_machine_accept_identity:
 *
 * The person accepts @user_id's new identity: no more warnings for it.
 */
void
handset_crypto_machine_accept_identity (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  if (identity == NULL || !identity->changed)
    return;
  identity->changed = FALSE;
  save_identity (self, user_id, identity);
}

/**
 * handset_crypto_machine_receive_keys_query:
 * @asked: the users the request asked for
 * @response: its answer
 */
void
handset_crypto_machine_receive_keys_query (HandsetCryptoMachine *self,
                                           const char *const *asked,
                                           JsonObject *response)
{
  JsonObject *device_keys = handset_json_get_object (response, "device_keys");

  for (guint i = 0; asked != NULL && asked[i] != NULL; i++)
    {
      JsonObject *devices = handset_json_get_object (device_keys, asked[i]);
      gpointer changed = NULL;
      gpointer key = NULL;

      if (g_hash_table_steal_extended (self->querying, asked[i], &key, &changed))
        g_free (key);
      /* A user whose server did not answer stays outdated. */
      if (devices == NULL)
        continue;
      receive_identity (self, asked[i], response);
      receive_user_devices (self, asked[i], devices);
      /* Changed while the query was out: this answer may be older. */
      if (GPOINTER_TO_INT (changed))
        continue;
      if (g_hash_table_contains (self->tracked, asked[i]))
        {
          g_hash_table_insert (self->tracked, g_strdup (asked[i]), GINT_TO_POINTER (FALSE));
          save_user (self, asked[i], FALSE);
        }
    }
}

/**
 * handset_crypto_machine_keys_query_started:
 *
 * Says that a /keys/query for @user_ids went out: a change to their device
 * lists before its answer keeps them outdated.
 */
void
handset_crypto_machine_keys_query_started (HandsetCryptoMachine *self, const char *const *user_ids)
{
  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    g_hash_table_insert (self->querying, g_strdup (user_ids[i]), GINT_TO_POINTER (FALSE));
}

/**
 * handset_crypto_machine_get_devices:
 *
 * Returns: (transfer container) (element-type HandsetDeviceKeys): the
 *   known devices of @user_id, not ours
 */
GPtrArray *
handset_crypto_machine_get_devices (HandsetCryptoMachine *self, const char *user_id)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);
  GHashTableIter iter;
  gpointer device;

  if (of_user == NULL)
    return out;
  g_hash_table_iter_init (&iter, of_user);
  while (g_hash_table_iter_next (&iter, NULL, &device))
    if (g_strcmp0 (user_id, self->user_id) != 0 ||
        g_strcmp0 (((HandsetDeviceKeys *) device)->device_id, self->device_id) != 0)
      g_ptr_array_add (out, device);

  return out;
}

/**
 * handset_crypto_machine_get_device:
 *
 * Returns: (transfer none) (nullable): the keys of one device
 */
HandsetDeviceKeys *
handset_crypto_machine_get_device (HandsetCryptoMachine *self,
                                   const char *user_id,
                                   const char *device_id)
{
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);

  return of_user ? g_hash_table_lookup (of_user, device_id) : NULL;
}
