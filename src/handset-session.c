/* handset-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything that runs for a logged-in account: the /sync loop feeding the
 * rooms and then the calls, the contact list, device names, TURN, and the
 * media of each call made to the person's settings. The window, the
 * command line and D-Bus all work through this one object. This file
 * makes, starts and stops its parts; placing a call is
 * handset-session-calls.c, the settings handed to the parts
 * handset-session-settings.c (sharing handset-session-private.h).
 */

#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-session-private.h"

G_DEFINE_FINAL_TYPE (HandsetSession, handset_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_READY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* TURN servers as the homeserver gives them, for the calls made next. */
static void
turn_changed_cb (HandsetTurn *turn, HandsetSession *self)
{
  handset_media_provider_set_turn (
      self->media, handset_turn_has_servers (turn) ? handset_turn_get_uris (turn) : NULL,
      handset_turn_get_username (turn), handset_turn_get_password (turn));
}

static void
batch_cb (HandsetSync *sync, HandsetSyncBatch *batch, HandsetSession *self)
{
  /* To-device events first: they carry the room keys. Then the rooms, as
   * the calls need current members and join rules; then the timelines are
   * decrypted, and the calls see the whole batch. */
  handset_encryption_handle_to_device (self->encryption, batch);
  handset_rooms_handle_batch (self->rooms, batch);
  handset_encryption_decrypt_rooms (self->encryption, batch);
  handset_call_manager_handle_batch (self->manager, batch);
  handset_rtc_rings_handle_batch (self->rtc_rings, batch);

  if (!self->ready)
    {
      self->ready = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READY]);
      handset_session_place_waiting (self);
    }
}

/* Events whose keys came in a later batch. */
static void
late_batch_cb (HandsetEncryption *encryption, HandsetSyncBatch *batch, HandsetSession *self)
{
  handset_call_manager_handle_batch (self->manager, batch);
  handset_rtc_rings_handle_batch (self->rtc_rings, batch);
}

static void
waiting_for_keys_cb (HandsetEncryption *encryption,
                     const char *room_id,
                     const char *sender,
                     HandsetSession *self)
{
  handset_call_manager_waiting_for_keys (self->manager, room_id, sender);
}

static void
keys_lost_cb (HandsetEncryption *encryption, const char *message, HandsetSession *self)
{
  handset_account_require_login (self->account, message);
}

static void
handset_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
      case PROP_READY:
        g_value_set_boolean (value, HANDSET_SESSION (object)->ready);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_session_dispose (GObject *object)
{
  HandsetSession *self = HANDSET_SESSION (object);

  handset_session_stop (self);
  if (self->encryption != NULL)
    g_signal_handlers_disconnect_by_data (self->encryption, self);
  g_clear_object (&self->recovery);
  g_clear_object (&self->encryption);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->history);
  g_clear_object (&self->media_cache);
  g_clear_object (&self->manager);
  g_clear_object (&self->rtc_rings);
  g_clear_object (&self->contacts);
  g_clear_object (&self->rooms);
  g_clear_object (&self->devices);
  if (self->turn != NULL)
    g_signal_handlers_disconnect_by_data (self->turn, self);
  g_clear_object (&self->turn);
  g_clear_object (&self->fallback_relay);
  g_clear_object (&self->media);
  g_clear_object (&self->media_devices);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (handset_session_parent_class)->dispose (object);
}

static void
handset_session_finalize (GObject *object)
{
  HandsetSession *self = HANDSET_SESSION (object);

  g_free (self->encryption_error);

  G_OBJECT_CLASS (handset_session_parent_class)->finalize (object);
}

static void
handset_session_class_init (HandsetSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_session_get_property;
  object_class->dispose = handset_session_dispose;
  object_class->finalize = handset_session_finalize;

  /**
   * HandsetSession:ready:
   *
   * The first sync batch has been read: the rooms, direct chats and calls
   * are known.
   */
  props[PROP_READY] =
      g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_session_init (HandsetSession *self)
{
}

/**
 * handset_session_new:
 * @account: a logged-in account
 * @media_devices: (nullable): the devices to pick microphones and cameras
 *   from
 */
HandsetSession *
handset_session_new (HandsetAccount *account, HandsetMediaDevices *media_devices)
{
  HandsetSession *self = g_object_new (HANDSET_TYPE_SESSION, NULL);
  HandsetMatrixClient *client = handset_account_get_client (account);

  g_return_val_if_fail (client != NULL, self);

  self->account = g_object_ref (account);
  self->media = handset_media_provider_new (media_devices);
  self->media_devices = media_devices ? g_object_ref (media_devices) : NULL;
  self->fallback_relay =
      handset_fallback_relay_new (self->media, handset_account_get_secret_store (account));
  self->rooms = handset_rooms_new (handset_matrix_client_get_user_id (client));
  self->contacts = handset_contact_list_new (self->rooms);
  self->devices = handset_devices_new (client);
  self->turn = handset_turn_new (client);
  g_signal_connect (self->turn, "changed", G_CALLBACK (turn_changed_cb), self);
  self->manager = handset_call_manager_new (
      handset_matrix_client_get_user_id (client), handset_matrix_client_get_device_id (client),
      self->rooms, NULL, handset_media_provider_make, self->media);
  handset_call_manager_set_client (self->manager, client);
  /* A ringing call's answer is made while it rings, no device opened. */
  handset_call_manager_set_prepare_answers (self->manager, TRUE, FALSE);
  self->encryption =
      handset_encryption_new (client, handset_account_get_store (account),
                              handset_account_get_secret_store (account), self->rooms);
  handset_call_manager_set_encryption (self->manager, self->encryption);
  self->rtc_rings =
      handset_rtc_rings_new (handset_matrix_client_get_user_id (client), self->rooms, NULL);
  handset_rtc_rings_set_client (self->rtc_rings, client);
  handset_rtc_rings_set_encryption (self->rtc_rings, self->encryption);
  self->recovery = handset_recovery_new (client, self->encryption);
  g_signal_connect (self->encryption, "late-batch", G_CALLBACK (late_batch_cb), self);
  g_signal_connect (self->encryption, "waiting-for-keys", G_CALLBACK (waiting_for_keys_cb), self);
  g_signal_connect (self->encryption, "keys-lost", G_CALLBACK (keys_lost_cb), self);
  {
    HandsetProfile *profile = handset_account_get_profile (account);
    g_autofree char *media_dir =
        g_build_filename (handset_profile_get_cache_dir (profile), "media", NULL);

    self->media_cache = handset_media_cache_new (client, media_dir);
  }
  handset_call_manager_set_devices (self->manager, self->devices);

  {
    g_autoptr (GError) error = NULL;

    self->history = handset_call_history_new (handset_account_get_store (account), NULL, &error);
    if (self->history == NULL)
      g_warning ("The call history cannot be kept: %s", error->message);
    else
      {
        handset_call_history_watch (self->history, self->manager);
        handset_call_history_watch_rtc_rings (self->history, self->rtc_rings);
      }
  }

  return self;
}

static void
encryption_started_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetSession) self = user_data;
  g_autoptr (GError) error = NULL;
  HandsetSync *sync;

  if (!handset_encryption_start_finish (HANDSET_ENCRYPTION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Calls in clear rooms still work; encrypted ones say why not. */
      g_message ("End-to-end encryption is not available: %s", error->message);
      g_free (self->encryption_error);
      self->encryption_error = g_strdup (error->message);
    }
  else
    {
      handset_session_apply_only_verified (self);
      /* Where this device stands in the account's cross-signing. */
      handset_recovery_refresh_async (self->recovery, self->cancellable, NULL, NULL);
    }

  sync = handset_account_get_sync (self->account);
  if (sync == NULL || self->cancellable == NULL)
    return;
  g_signal_handlers_disconnect_by_func (sync, batch_cb, self);
  g_signal_connect (sync, "batch", G_CALLBACK (batch_cb), self);
  /* The rooms are saved with each position, and come back from the
   * database when the sync resumes from a stored one. */
  handset_sync_set_rooms (sync, self->rooms);
  handset_sync_start (sync);
}

/**
 * handset_session_start:
 *
 * Starts TURN and the encryption, then /sync; connect to the manager's
 * signals first.
 */
void
handset_session_start (HandsetSession *self)
{
  HandsetSync *sync = handset_account_get_sync (self->account);

  g_return_if_fail (HANDSET_IS_SESSION (self));

  if (sync == NULL || self->cancellable != NULL)
    return;
  self->cancellable = g_cancellable_new ();
  handset_turn_start (self->turn);
  /* Sync only once the encryption can read what it brings. */
  handset_encryption_start_async (self->encryption, self->cancellable, encryption_started_cb,
                                  g_object_ref (self));
}

/**
 * handset_session_get_encryption:
 *
 * Returns: (transfer none): the account's end-to-end encryption
 */
HandsetEncryption *
handset_session_get_encryption (HandsetSession *self)
{
  return self->encryption;
}

/**
 * handset_session_get_encryption_error:
 *
 * Returns: (nullable): why end-to-end encryption could not start
 */
const char *
handset_session_get_encryption_error (HandsetSession *self)
{
  return self->encryption_error;
}

void
handset_session_stop (HandsetSession *self)
{
  HandsetSync *sync = self->account ? handset_account_get_sync (self->account) : NULL;

  self->stopped = TRUE;
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  /* For good: the session ends, and nothing more is written. */
  if (self->encryption != NULL)
    handset_encryption_stop (self->encryption);

  if (sync != NULL)
    {
      g_signal_handlers_disconnect_by_func (sync, batch_cb, self);
      handset_sync_stop (sync);
      handset_sync_set_rooms (sync, NULL);
    }
  if (self->turn != NULL)
    handset_turn_stop (self->turn);
  /* Calls that waited for a sync that now never comes. */
  handset_session_fail_waiting (self);
}

gboolean
handset_session_get_ready (HandsetSession *self)
{
  return self->ready;
}

HandsetAccount *
handset_session_get_account (HandsetSession *self)
{
  return self->account;
}

HandsetRooms *
handset_session_get_rooms (HandsetSession *self)
{
  return self->rooms;
}

HandsetContactList *
handset_session_get_contacts (HandsetSession *self)
{
  return self->contacts;
}

HandsetCallManager *
handset_session_get_call_manager (HandsetSession *self)
{
  return self->manager;
}

/**
 * handset_session_get_media_devices:
 *
 * Returns: (transfer none) (nullable): the devices calls pick from
 */
HandsetMediaDevices *
handset_session_get_media_devices (HandsetSession *self)
{
  return self->media_devices;
}

/**
 * handset_session_get_rtc_rings:
 *
 * Returns: (transfer none): the Element Call (MatrixRTC) rings
 */
HandsetRtcRings *
handset_session_get_rtc_rings (HandsetSession *self)
{
  return self->rtc_rings;
}

HandsetDevices *
handset_session_get_devices (HandsetSession *self)
{
  return self->devices;
}

/**
 * handset_session_get_history:
 *
 * Returns: (transfer none) (nullable): the call history, newest first
 */
HandsetCallHistory *
handset_session_get_history (HandsetSession *self)
{
  return self->history;
}

/**
 * handset_session_get_media_cache:
 *
 * Returns: (transfer none): the thumbnails of this account's media, kept
 *   in the profile's cache folder
 */
HandsetMediaCache *
handset_session_get_media_cache (HandsetSession *self)
{
  return self->media_cache;
}

/**
 * handset_session_peer_name:
 *
 * Returns: (transfer full): the name to show for @user_id: a contact's
 *   display name, or the user ID's local part
 */
char *
handset_session_peer_name (HandsetSession *session, const char *user_id)
{
  HandsetContact *contact;

  if (user_id == NULL)
    return g_strdup (_ ("Unknown"));
  contact = session ? handset_contact_list_find (session->contacts, user_id) : NULL;
  if (contact != NULL)
    return g_strdup (handset_contact_get_display_name (contact));
  /* Someone called for the first time: the name their profile gave. */
  if (session != NULL && handset_contact_list_get_profile_name (session->contacts, user_id))
    return g_strdup (handset_contact_list_get_profile_name (session->contacts, user_id));

  return handset_user_id_localpart (user_id);
}

/**
 * handset_session_peer_avatar_url:
 * @room_id: (nullable): the room of a call, for a caller who is not (yet)
 *   a contact
 *
 * Returns: (transfer full) (nullable): the `mxc://` avatar of @user_id: the
 *   contact's, or the one of their membership in @room_id
 */
char *
handset_session_peer_avatar_url (HandsetSession *self, const char *user_id, const char *room_id)
{
  HandsetContact *contact;
  HandsetRoom *room;

  g_return_val_if_fail (HANDSET_IS_SESSION (self), NULL);

  if (user_id == NULL)
    return NULL;
  contact = handset_contact_list_find (self->contacts, user_id);
  if (contact != NULL && handset_contact_get_avatar_url (contact) != NULL)
    return g_strdup (handset_contact_get_avatar_url (contact));
  room = room_id ? handset_rooms_lookup (self->rooms, room_id) : NULL;

  return room ? g_strdup (handset_room_get_member_avatar_url (room, user_id)) : NULL;
}

HandsetTurn *
handset_session_get_turn (HandsetSession *self)
{
  return self->turn;
}

/**
 * handset_session_make_ringtone:
 *
 * Returns: (transfer full): a ringtone on the speaker chosen for calls
 */
HandsetRingtone *
handset_session_make_ringtone (HandsetSession *self)
{
  g_return_val_if_fail (HANDSET_IS_SESSION (self), NULL);

  return handset_media_provider_make_ringtone (self->media);
}

/**
 * handset_session_get_recovery:
 *
 * Returns: (transfer none): this device's place in the account's
 *   cross-signing: its state, the recovery key, setting it up
 */
HandsetRecovery *
handset_session_get_recovery (HandsetSession *self)
{
  g_return_val_if_fail (HANDSET_IS_SESSION (self), NULL);
  return self->recovery;
}
