/* handset-call-manager.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All calls of one account. It reads whole sync batches: drops the echoes
 * of our own events (same sender and same party_id), hands every other
 * call event to its call, keeps candidates that come before their invite,
 * resolves glare, and decides about ringing only after the whole batch, so
 * an invite answered, declined or cancelled in the same batch never rings.
 * What calls want sent goes through the Matrix client.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-ids.h"
#include "handset-call-manager.h"

/* How long after an accepted invitation's call rings it is answered. */
#define INVITED_ANSWER_DELAY_MS 300

/* Candidates kept for calls whose invite has not come (yet). */
#define MAX_EARLY_CALLS 64

struct _HandsetCallManager
{
  GObject parent_instance;

  char *own_user_id;
  char *own_device_id;
  HandsetRooms *rooms;
  HandsetClock *clock;
  HandsetMatrixClient *client;
  HandsetEncryption *encryption;
  gboolean only_verified; /* calls only with devices their owner cross-signed */
  HandsetDevices *devices;
  HandsetMediaFactory media_factory;
  gpointer media_factory_data;
  gboolean hide_device;
  gboolean ring_in_public_rooms;

  GPtrArray *calls;        /* HandsetCall, oldest first */
  GHashTable *calls_by_id; /* call ID → HandsetCall */
  GHashTable *early;       /* call ID → GPtrArray of HandsetCallEvent (candidates) */
  GQueue early_order;      /* call IDs, oldest first */
  GPtrArray *invitations;  /* HandsetCallInvitation, oldest first */
  GHashTable *invited;     /* room IDs whose invitation was seen */
  GHashTable *answering;   /* room ID → HandsetCallInvitation being answered */
  GHashTable *ended_ids;   /* IDs of ended calls no longer kept, so their events stay dead */
  GQueue ended_order;      /* the same IDs, oldest first */
  guint sending;           /* call events on their way to the homeserver */
  GPtrArray *flushing;     /* GTask of handset_call_manager_hang_up_all_async() */
};

G_DEFINE_FINAL_TYPE (HandsetCallManager, handset_call_manager, G_TYPE_OBJECT)

enum
{
  SIGNAL_CALL_ADDED,
  SIGNAL_INCOMING_CALL,
  SIGNAL_SEND_EVENT,
  SIGNAL_INCOMING_INVITATION,
  SIGNAL_INVITATION_ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static HandsetPeerTrust
peer_trust (const HandsetEventEncryption *encryption)
{
  if (encryption == NULL)
    return HANDSET_PEER_TRUST_UNKNOWN;
  if (encryption->identity_changed)
    return HANDSET_PEER_TRUST_IDENTITY_CHANGED;

  if (!encryption->cross_signed)
    return HANDSET_PEER_TRUST_UNSIGNED;
  return encryption->user_verified ? HANDSET_PEER_TRUST_VERIFIED : HANDSET_PEER_TRUST_CROSS_SIGNED;
}

static gboolean
room_is_encrypted (HandsetCallManager *self, const char *room_id)
{
  HandsetRoom *room = self->rooms ? handset_rooms_lookup (self->rooms, room_id) : NULL;

  return room != NULL && handset_room_is_encrypted (room);
}

/* ------------------------------------------------------------------ sending */

/* One call event on its way: the manager counts them, so that quitting
 * can wait for the hangups it just sent. */
typedef struct
{
  HandsetCallManager *self; /* a reference */
  HandsetCall *call;        /* a reference */
  char *what;
} Sending;

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
call_send_event_cb (HandsetCall *call, int type, JsonObject *content, HandsetCallManager *self)
{
  const char *type_name = handset_call_event_type_to_string (type);

  g_signal_emit (self, signals[SIGNAL_SEND_EVENT], 0, call, type_name, content);

  /* Through the encryption, which sends in clear where the room is not
   * encrypted. */
  if (self->encryption != NULL)
    handset_encryption_send_event_async (self->encryption, handset_call_get_room_id (call),
                                         type_name, content, NULL, encrypted_sent_cb,
                                         sending_new (self, call, type_name));
  else if (self->client != NULL)
    handset_matrix_client_send_event_async (self->client, handset_call_get_room_id (call),
                                            type_name, content, NULL, NULL, sent_cb,
                                            sending_new (self, call, type_name));
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

/* ------------------------------------------------------------------ device names */

typedef struct
{
  HandsetCall *call;
  char *party_id;
} NameLookup;

static void
device_name_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  NameLookup *lookup = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  name = handset_devices_lookup_name_finish (HANDSET_DEVICES (object), result, &error);
  if (name != NULL &&
      g_strcmp0 (handset_call_get_answered_by_party (lookup->call), lookup->party_id) == 0)
    handset_call_set_answered_by (lookup->call, name);
  else if (name == NULL)
    g_debug ("No name for device %s: %s", lookup->party_id, error->message);

  g_object_unref (lookup->call);
  g_free (lookup->party_id);
  g_free (lookup);
}

/* The party that answered is a device ID when the client uses device IDs
 * as party IDs, as Handset and Element do; its name says more. */
static void
call_answered_by_cb (HandsetCall *call, GParamSpec *pspec, HandsetCallManager *self)
{
  const char *party = handset_call_get_answered_by_party (call);
  const char *user_id;
  NameLookup *lookup;

  if (self->devices == NULL || party == NULL ||
      g_strcmp0 (handset_call_get_answered_by (call), party) != 0)
    return;

  /* Answered elsewhere is one of our devices; an outgoing call's answer is
   * the opponent's. */
  user_id = handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING
                ? self->own_user_id
                : handset_call_get_opponent_user_id (call);
  if (user_id == NULL)
    user_id = handset_call_get_invitee (call);
  if (user_id == NULL)
    return;

  lookup = g_new0 (NameLookup, 1);
  lookup->call = g_object_ref (call);
  lookup->party_id = g_strdup (party);
  handset_devices_lookup_name_async (self->devices, user_id, party, NULL, device_name_cb, lookup);
}

/* ------------------------------------------------------------------ calls */

/* Ended calls the manager keeps (for `handset calls` and the D-Bus API);
 * older ones go, with their media. Their IDs are remembered longer, so a
 * late or repeated event of one never starts it again. */
#define KEEP_ENDED_CALLS 8
#define KEEP_ENDED_IDS   1000

static void
forget_call (HandsetCallManager *self, HandsetCall *call)
{
  char *call_id = g_strdup (handset_call_get_call_id (call));

  g_signal_handlers_disconnect_by_data (call, self);
  if (g_hash_table_add (self->ended_ids, call_id))
    g_queue_push_tail (&self->ended_order, call_id);
  while (g_queue_get_length (&self->ended_order) > KEEP_ENDED_IDS)
    g_hash_table_remove (self->ended_ids, g_queue_pop_head (&self->ended_order));
  if (g_hash_table_lookup (self->calls_by_id, call_id) == call)
    g_hash_table_remove (self->calls_by_id, call_id);
  g_ptr_array_remove (self->calls, call);
}

static void
prune_ended (HandsetCallManager *self)
{
  guint ended = 0;

  for (guint i = self->calls->len; i > 0; i--)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i - 1);

      if (handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED)
        continue;
      if (++ended > KEEP_ENDED_CALLS)
        forget_call (self, call);
    }
}

/* Whether @call_id names a call that ended and is no longer kept. */
static gboolean
is_forgotten (HandsetCallManager *self, const char *call_id)
{
  return call_id != NULL && g_hash_table_contains (self->ended_ids, call_id);
}

/* A call that waited (it rang while another was going on) is answered:
 * the other one goes on hold, as on a phone. */
static void
call_state_cb (HandsetCall *call,
               HandsetCallState new_state,
               HandsetCallState old_state,
               HandsetCallManager *self)
{
  if (old_state != HANDSET_CALL_STATE_RINGING || new_state == HANDSET_CALL_STATE_ENDED)
    return;
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *other = g_ptr_array_index (self->calls, i);

      if (other != call && handset_call_get_state (other) == HANDSET_CALL_STATE_CONNECTED &&
          !handset_call_get_on_hold (other))
        {
          g_message ("Call %s goes on hold: call %s was answered", handset_call_get_call_id (other),
                     handset_call_get_call_id (call));
          handset_call_set_on_hold (other, TRUE);
        }
    }
}

/**
 * handset_call_manager_get_busy_call:
 * @except: (nullable): a call not to count
 *
 * Returns: (transfer none) (nullable): a call going on (answered, not
 *   ended), other than @except: a new one that rings then is a call waiting
 */
HandsetCall *
handset_call_manager_get_busy_call (HandsetCallManager *self, HandsetCall *except)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      HandsetCallState state = handset_call_get_state (call);

      if (call != except && state != HANDSET_CALL_STATE_ENDED &&
          state != HANDSET_CALL_STATE_RINGING && state != HANDSET_CALL_STATE_FLEDGLING)
        return call;
    }

  return NULL;
}

/* Incoming calls that ring or are about to, answered or not by us. */
static guint
count_ringing (HandsetCallManager *self)
{
  guint n = 0;

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      HandsetCallState state = handset_call_get_state (call);

      n += handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING &&
           (state == HANDSET_CALL_STATE_FLEDGLING || state == HANDSET_CALL_STATE_RINGING);
    }
  return n;
}

static void
add_call (HandsetCallManager *self, HandsetCall *call)
{
  prune_ended (self);
  g_signal_connect (call, "state-changed", G_CALLBACK (call_state_cb), self);
  g_ptr_array_add (self->calls, g_object_ref (call));
  g_hash_table_replace (self->calls_by_id, g_strdup (handset_call_get_call_id (call)),
                        g_object_ref (call));
  g_signal_connect (call, "send-event", G_CALLBACK (call_send_event_cb), self);
  g_signal_connect (call, "notify::answered-by", G_CALLBACK (call_answered_by_cb), self);
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
}

/**
 * handset_call_manager_new_party_id:
 *
 * Returns: (transfer full): our party ID for a new call: the device ID
 *   when it fits, else, or when the person hides their device, random
 */
char *
handset_call_manager_new_party_id (HandsetCallManager *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  if (self->hide_device)
    return handset_party_id_generate ();

  return handset_party_id_for_device (self->own_device_id);
}

static HandsetMedia *
new_media (HandsetCallManager *self, gboolean video, GError **error)
{
  return self->media_factory (video, self->media_factory_data, error);
}

/* Where only verified devices may be called: whether @invitee has one
 * (in an encrypted room, cross-signed by them, their identity unchanged). */
static gboolean
can_call_verified (HandsetCallManager *self,
                   const char *room_id,
                   const char *invitee,
                   GError **error)
{
  HandsetCryptoMachine *machine =
      self->encryption ? handset_encryption_get_machine (self->encryption) : NULL;
  g_autoptr (GPtrArray) devices = NULL;

  if (!room_is_encrypted (self, room_id) || machine == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _ ("Only verified devices may be called, and this conversation is not "
                              "end-to-end encrypted"));
      return FALSE;
    }
  devices = handset_crypto_machine_get_devices (machine, invitee);
  for (guint i = 0; i < devices->len; i++)
    {
      HandsetDeviceKeys *device = g_ptr_array_index (devices, i);

      if (handset_crypto_machine_device_is_cross_signed (machine, device) &&
          !handset_crypto_machine_get_identity_changed (machine, invitee))
        return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _ ("Only verified devices may be called, and none of %s's devices is verified"),
               invitee);
  return FALSE;
}

/* Every device of @invitee told us that it shares keys only with verified
 * devices, and ours is not: it could not read our invite, and the call
 * would ring nowhere. Said now rather than after the invite's lifetime. */
static gboolean
not_refused (HandsetCallManager *self, const char *room_id, const char *invitee, GError **error)
{
  HandsetCryptoMachine *machine =
      self->encryption ? handset_encryption_get_machine (self->encryption) : NULL;

  if (invitee == NULL || machine == NULL || !room_is_encrypted (self, room_id) ||
      handset_crypto_machine_get_own_device_cross_signed (machine) ||
      !handset_crypto_machine_get_refused_by (machine, invitee))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _ ("%s takes calls only from verified devices, and this device is not verified. "
                  "Verify it in Preferences."),
               invitee);
  return FALSE;
}

/**
 * handset_call_manager_set_only_verified:
 *
 * When on, calls ring only from devices their owner cross-signed, answers
 * count only from those, and a call is placed only where the other person
 * has one ("Only call verified devices").
 */
void
handset_call_manager_set_only_verified (HandsetCallManager *self, gboolean only)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));
  self->only_verified = only;
}

/**
 * handset_call_manager_place_call:
 * @invitee: (nullable): the user to call; with our own ID, another device
 *   of ours
 *
 * Returns: (transfer none) (nullable): the new call, started
 */
HandsetCall *
handset_call_manager_place_call (HandsetCallManager *self,
                                 const char *room_id,
                                 const char *invitee,
                                 gboolean video,
                                 GError **error)
{
  g_autoptr (HandsetMedia) media = NULL;
  g_autoptr (HandsetCall) call = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *party_id = NULL;

  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  if (self->only_verified && !can_call_verified (self, room_id, invitee, error))
    return NULL;
  if (!not_refused (self, room_id, invitee, error))
    return NULL;
  media = new_media (self, video, error);
  if (media == NULL)
    return NULL;

  call_id = handset_call_id_generate (g_get_real_time () / 1000);
  party_id = handset_call_manager_new_party_id (self);
  call = handset_call_new_outgoing (self->clock, media, self->own_user_id, room_id, call_id,
                                    party_id, invitee, video);
  handset_call_set_encrypted (call, room_is_encrypted (self, room_id));
  /* Not joined (or a room so new that no sync brought it yet, made for
   * this call): they see the call once they accept the chat. */
  if (invitee != NULL && self->rooms != NULL &&
      (handset_rooms_lookup (self->rooms, room_id) == NULL ||
       g_strcmp0 (
           handset_room_get_membership (handset_rooms_lookup (self->rooms, room_id), invitee),
           "join") != 0))
    handset_call_set_waiting_for_join (call, TRUE);
  add_call (self, call);
  /* While the offer is made, the callee's devices as the server knows them
   * now get our room key: one that signed in a moment ago rings too. */
  if (self->encryption != NULL && handset_call_get_encrypted (call))
    handset_encryption_prepare_room_fresh (self->encryption, room_id);
  handset_call_place (call);

  return call;
}

HandsetCall *
handset_call_manager_lookup (HandsetCallManager *self, const char *call_id)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  return g_hash_table_lookup (self->calls_by_id, call_id);
}

/**
 * handset_call_manager_get_calls:
 *
 * Returns: (transfer none) (element-type HandsetCall): every call this
 *   manager knows, oldest first
 */
GPtrArray *
handset_call_manager_get_calls (HandsetCallManager *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  return self->calls;
}

/**
 * handset_call_manager_get_active_call:
 *
 * Returns: (transfer none) (nullable): the newest call that has not ended
 *   and is past ringing
 */
HandsetCall *
handset_call_manager_get_active_call (HandsetCallManager *self)
{
  for (guint i = self->calls->len; i > 0; i--)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i - 1);
      HandsetCallState state = handset_call_get_state (call);

      if (state != HANDSET_CALL_STATE_ENDED && state != HANDSET_CALL_STATE_RINGING &&
          state != HANDSET_CALL_STATE_FLEDGLING)
        return call;
    }

  return NULL;
}

/* ------------------------------------------------------------------ early candidates */

static void
keep_early (HandsetCallManager *self, HandsetCallEvent *event)
{
  const char *call_id = handset_call_event_get_call_id (event);
  GPtrArray *events = g_hash_table_lookup (self->early, call_id);

  if (events == NULL)
    {
      if (g_queue_get_length (&self->early_order) >= MAX_EARLY_CALLS)
        {
          char *oldest = g_queue_pop_head (&self->early_order);

          g_hash_table_remove (self->early, oldest);
          g_free (oldest);
        }
      events = g_ptr_array_new_with_free_func ((GDestroyNotify) handset_call_event_unref);
      g_hash_table_insert (self->early, g_strdup (call_id), events);
      g_queue_push_tail (&self->early_order, g_strdup (call_id));
    }
  if (events->len < 32)
    g_ptr_array_add (events, handset_call_event_ref (event));
}

static void
apply_early (HandsetCallManager *self, HandsetCall *call)
{
  const char *call_id = handset_call_get_call_id (call);
  GPtrArray *events = g_hash_table_lookup (self->early, call_id);
  GList *link;

  if (events == NULL)
    return;

  for (guint i = 0; i < events->len; i++)
    {
      HandsetCallEvent *event = g_ptr_array_index (events, i);

      if (handset_call_event_get_event_type (event) == HANDSET_CALL_EVENT_CANDIDATES)
        handset_call_add_early_candidates (call, event);
      else
        handset_call_handle_event (call, event);
    }
  g_hash_table_remove (self->early, call_id);
  link = g_queue_find_custom (&self->early_order, call_id, (GCompareFunc) g_strcmp0);
  if (link != NULL)
    {
      g_free (link->data);
      g_queue_delete_link (&self->early_order, link);
    }
}

/* ------------------------------------------------------------------ invites */

/* Whether an incoming invite is for us at all: §5 and §6.6 of the rules. */
static gboolean
invite_is_for_us (HandsetCallManager *self, HandsetCallEvent *invite)
{
  const char *invitee = handset_call_event_get_invitee (invite);
  const char *sender = handset_call_event_get_sender (invite);
  HandsetRoom *room =
      self->rooms ? handset_rooms_lookup (self->rooms, handset_call_event_get_room_id (invite))
                  : NULL;

  if (invitee != NULL && g_strcmp0 (invitee, self->own_user_id) != 0)
    {
      g_debug ("Invite %s is for %s", handset_call_event_get_call_id (invite), invitee);
      return FALSE;
    }

  /* Our own user calls one of our devices only by naming us. */
  if (g_strcmp0 (sender, self->own_user_id) == 0 && invitee == NULL)
    return FALSE;

  if (room != NULL && invitee == NULL && handset_room_get_n_members (room) > 2)
    {
      g_debug ("Invite %s without invitee in a room of %u", handset_call_event_get_call_id (invite),
               handset_room_get_n_members (room));
      return FALSE;
    }

  if (room != NULL && handset_room_is_public (room) && !self->ring_in_public_rooms)
    {
      g_debug ("Invite %s in a public room: not ringing", handset_call_event_get_call_id (invite));
      return FALSE;
    }

  return TRUE;
}

/* An outgoing call in the same room that has not been answered. */
static HandsetCall *
find_glare (HandsetCallManager *self, HandsetCallEvent *invite)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      HandsetCallState state = handset_call_get_state (call);

      if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING &&
          state >= HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA && state <= HANDSET_CALL_STATE_INVITE_SENT &&
          g_strcmp0 (handset_call_get_room_id (call), handset_call_event_get_room_id (invite)) == 0)
        return call;
    }

  return NULL;
}

typedef struct
{
  HandsetCall *call;
  gboolean auto_answer;
  gboolean video;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->call);
  g_free (pending);
}

static void
handle_invite (HandsetCallManager *self,
               HandsetCallEvent *invite,
               const HandsetEventEncryption *encryption,
               GPtrArray *pending)
{
  g_autoptr (HandsetCall) call = NULL;
  g_autofree char *party_id = NULL;
  HandsetCall *glare;
  gboolean auto_answer = FALSE, video = FALSE;
  Pending *p;

  if (!invite_is_for_us (self, invite))
    return;

  glare = find_glare (self, invite);
  if (glare != NULL)
    {
      /* Both called at once: the lesser call ID survives, on both sides. */
      if (handset_call_get_state (glare) < HANDSET_CALL_STATE_INVITE_SENT)
        {
          g_message ("Glare in %s: our call was not sent yet; taking theirs",
                     handset_call_get_room_id (glare));
          handset_call_end_silently (glare, HANDSET_CALL_END_REPLACED);
        }
      else if (strcmp (handset_call_event_get_call_id (invite), handset_call_get_call_id (glare)) <
               0)
        {
          g_message ("Glare in %s: their call %s wins over ours", handset_call_get_room_id (glare),
                     handset_call_event_get_call_id (invite));
          handset_call_replace (glare);
        }
      else
        {
          /* Ours wins: the other side answers it. Theirs never rings. */
          g_message ("Glare in %s: our call %s wins", handset_call_get_room_id (glare),
                     handset_call_get_call_id (glare));
          return;
        }
      auto_answer = TRUE;
      video = handset_call_get_video (glare);
    }

  party_id = handset_call_manager_new_party_id (self);
  call = handset_call_new_incoming (self->clock, self->media_factory, self->media_factory_data,
                                    self->own_user_id, invite, party_id);
  handset_call_set_encrypted (call, encryption != NULL);
  handset_call_set_peer_trust (call, peer_trust (encryption));
  add_call (self, call);
  if (self->only_verified && !handset_peer_trust_is_cross_signed (peer_trust (encryption)))
    {
      /* It does not ring; the history says why. Nothing is sent: another
       * device of ours may still take it. */
      g_message ("Call %s from an unverified device of %s refused", handset_call_get_call_id (call),
                 handset_call_event_get_sender (invite));
      handset_call_end_silently (call, HANDSET_CALL_END_UNVERIFIED);
      return;
    }
  if (!auto_answer && count_ringing (self) > HANDSET_CALL_MANAGER_MAX_RINGING)
    {
      /* A flood of invites rings a few, not all; the rest hear busy. */
      g_message ("Call %s refused as busy: %u calls ring already", handset_call_get_call_id (call),
                 HANDSET_CALL_MANAGER_MAX_RINGING);
      handset_call_refuse_busy (call);
      return;
    }
  apply_early (self, call);

  p = g_new0 (Pending, 1);
  p->call = g_object_ref (call);
  p->auto_answer = auto_answer;
  p->video = video;
  g_ptr_array_add (pending, p);
}

/* ------------------------------------------------------------------ invitations */

static void
invitation_expired (gpointer data)
{
  HandsetCallInvitation *invitation = data;

  if (handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_RINGING)
    handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_GONE, NULL);
  else if (handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_JOINING)
    handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                       _ ("The call was over before the chat could be joined"));
  g_object_unref (invitation);
}

static HandsetCallInvitation *
find_invitation (HandsetCallManager *self, const char *room_id)
{
  for (guint i = 0; i < self->invitations->len; i++)
    {
      HandsetCallInvitation *invitation = g_ptr_array_index (self->invitations, i);

      if (g_str_equal (handset_call_invitation_get_room_id (invitation), room_id))
        return invitation;
    }
  return NULL;
}

/* Someone new calls: the invitation to the room they made for the call
 * rings (once: a declined or old one never again). An invitation that
 * turns into a membership ends, unless we are joining to answer. */
static void
watch_invitations (HandsetCallManager *self, HandsetSyncBatch *batch)
{
  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);
      HandsetCallInvitation *invitation = find_invitation (self, room->room_id);

      if (room->membership == HANDSET_MEMBERSHIP_INVITE)
        {
          g_autoptr (HandsetCallInvitation) found = NULL;

          if (invitation != NULL || g_hash_table_contains (self->invited, room->room_id))
            continue;
          g_hash_table_add (self->invited, g_strdup (room->room_id));
          found = handset_call_invitation_parse (room->room_id, room->state, self->own_user_id,
                                                 HANDSET_CALL_INVITE_LIFETIME_MS);
          if (found == NULL ||
              handset_call_invitation_get_remaining_ms (found) < HANDSET_CALL_MIN_RING_MS)
            continue;
          g_message ("%s calls from a new direct chat, %s",
                     handset_call_invitation_get_inviter (found), room->room_id);
          g_ptr_array_add (self->invitations, g_object_ref (found));
          handset_clock_add_timeout (self->clock,
                                     (guint) handset_call_invitation_get_remaining_ms (found),
                                     invitation_expired, g_object_ref (found));
          g_signal_emit (self, signals[SIGNAL_INCOMING_INVITATION], 0, found);
        }
      else if (invitation != NULL &&
               handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_RINGING)
        {
          /* Joined on another device, or the invitation was withdrawn. */
          handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_GONE, NULL);
        }
    }
}

typedef struct
{
  HandsetCall *call;
  gboolean video;
} LaterAnswer;

static void
answer_later (gpointer data)
{
  LaterAnswer *later = data;

  if (handset_call_get_state (later->call) == HANDSET_CALL_STATE_RINGING)
    handset_call_answer (later->call, later->video);
  g_object_unref (later->call);
  g_free (later);
}

/* The call in a room joined to answer an invitation: answered, once its
 * offer has settled in the media (as a person answering would: not in the
 * same turn that made the call and gave it the caller's candidates). */
static gboolean
answer_invited (HandsetCallManager *self, HandsetCall *call)
{
  g_autoptr (HandsetCallInvitation) invitation = NULL;
  gpointer key = NULL;

  if (!g_hash_table_steal_extended (self->answering, handset_call_get_room_id (call), &key,
                                    (gpointer *) &invitation))
    return FALSE;
  g_free (key);
  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_JOINING)
    return FALSE;
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_ANSWERED, NULL);
  {
    LaterAnswer *later = g_new0 (LaterAnswer, 1);

    later->call = g_object_ref (call);
    later->video = g_object_get_data (G_OBJECT (invitation), "answer-video") != NULL;
    handset_clock_add_timeout (self->clock, INVITED_ANSWER_DELAY_MS, answer_later, later);
  }
  g_signal_emit (self, signals[SIGNAL_INVITATION_ANSWERED], 0, invitation, call);

  return TRUE;
}

static void
joined_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCallInvitation) invitation = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;

  room_id = handset_matrix_client_join_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (room_id == NULL)
    {
      g_message ("Joining %s to answer failed: %s",
                 handset_call_invitation_get_room_id (invitation), error->message);
      handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                         error->message);
    }
  /* Else the next batches bring the room, and the call in it. */
}

/**
 * handset_call_manager_accept_invitation:
 *
 * Joins the room of @invitation; the call found there is answered (with
 * @video) as soon as it comes.
 */
void
handset_call_manager_accept_invitation (HandsetCallManager *self,
                                        HandsetCallInvitation *invitation,
                                        gboolean video)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_RINGING)
    return;
  if (self->client == NULL)
    {
      handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                         _ ("Not connected to the homeserver"));
      return;
    }
  if (video)
    g_object_set_data (G_OBJECT (invitation), "answer-video", GINT_TO_POINTER (TRUE));
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_JOINING, NULL);
  g_hash_table_replace (self->answering,
                        g_strdup (handset_call_invitation_get_room_id (invitation)),
                        g_object_ref (invitation));
  handset_matrix_client_join_async (self->client, handset_call_invitation_get_room_id (invitation),
                                    NULL, joined_cb, g_object_ref (invitation));
}

static void
left_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCallInvitation) invitation = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_matrix_client_leave_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    g_message ("Declining the invitation to %s failed: %s",
               handset_call_invitation_get_room_id (invitation), error->message);
}

/**
 * handset_call_manager_decline_invitation:
 *
 * Declines @invitation (the room's invitation with it).
 */
void
handset_call_manager_decline_invitation (HandsetCallManager *self,
                                         HandsetCallInvitation *invitation)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_RINGING)
    return;
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_DECLINED, NULL);
  if (self->client != NULL)
    handset_matrix_client_leave_async (self->client,
                                       handset_call_invitation_get_room_id (invitation), NULL,
                                       left_cb, g_object_ref (invitation));
}

/**
 * handset_call_manager_get_invitations:
 *
 * Returns: (transfer none) (element-type HandsetCallInvitation): every
 *   invitation that rang, oldest first
 */
GPtrArray *
handset_call_manager_get_invitations (HandsetCallManager *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);
  return self->invitations;
}

/* After the whole batch: ring what is still worth ringing. */
static void
ring_pending (HandsetCallManager *self, GPtrArray *pending)
{
  gint64 now = handset_clock_get_time (self->clock);

  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = g_ptr_array_index (pending, i);
      HandsetCallEvent *invite = handset_call_get_invite (p->call);
      gint64 remaining = handset_call_event_get_lifetime (invite) -
                         handset_call_event_get_age_now_ms (invite, now);

      /* Answered, declined or cancelled later in the same batch. */
      if (handset_call_get_state (p->call) != HANDSET_CALL_STATE_FLEDGLING)
        continue;

      if (remaining < HANDSET_CALL_MIN_RING_MS)
        {
          g_debug ("Invite %s has %" G_GINT64_FORMAT " ms left: not ringing",
                   handset_call_get_call_id (p->call), remaining);
          handset_call_end_silently (p->call, HANDSET_CALL_END_MISSED);
          g_ptr_array_remove (self->calls, p->call);
          g_hash_table_remove (self->calls_by_id, handset_call_get_call_id (p->call));
          continue;
        }

      handset_call_start_ringing (p->call, remaining);
      /* While it rings, our room key goes to the caller's devices, so an
       * answer goes out at once. */
      if (self->encryption != NULL)
        handset_encryption_prepare_room (self->encryption, handset_call_get_room_id (p->call));
      if (p->auto_answer)
        handset_call_answer (p->call, p->video);
      else if (!answer_invited (self, p->call))
        g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, p->call);
    }
}

/* ------------------------------------------------------------------ batches */

static gboolean
is_echo (HandsetCallManager *self, HandsetCall *call, HandsetCallEvent *event)
{
  return g_strcmp0 (handset_call_event_get_sender (event), self->own_user_id) == 0 &&
         g_strcmp0 (handset_call_event_get_party_id (event), handset_call_get_party_id (call)) == 0;
}

static void
handle_membership (HandsetCallManager *self, const char *room_id, JsonObject *event)
{
  const char *state_key = handset_event_get_string (event, "state_key");
  const char *membership =
      handset_event_get_string (handset_event_get_object (event, "content"), "membership");

  if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.member") != 0 ||
      state_key == NULL)
    return;

  /* The one we call, only invited so far, joins: they see the call now;
   * or declines the invitation: the call will not be taken. */
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);

      if (!handset_call_get_waiting_for_join (call) ||
          g_strcmp0 (handset_call_get_room_id (call), room_id) != 0 ||
          g_strcmp0 (handset_call_get_invitee (call), state_key) != 0)
        continue;
      if (g_strcmp0 (membership, "join") == 0)
        handset_call_set_waiting_for_join (call, FALSE);
      else if ((g_strcmp0 (membership, "leave") == 0 || g_strcmp0 (membership, "ban") == 0) &&
               handset_call_get_state (call) == HANDSET_CALL_STATE_INVITE_SENT)
        {
          handset_call_set_waiting_for_join (call, FALSE);
          handset_call_end_silently (call, HANDSET_CALL_END_DECLINED);
        }
    }

  if (g_strcmp0 (membership, "leave") != 0 && g_strcmp0 (membership, "ban") != 0)
    return;

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);

      if (!handset_call_is_active (call) ||
          g_strcmp0 (handset_call_get_room_id (call), room_id) != 0)
        continue;

      /* The opponent left: as if they hung up. We left: nothing to tell. */
      if (g_strcmp0 (state_key, handset_call_get_opponent_user_id (call)) == 0 ||
          g_strcmp0 (state_key, self->own_user_id) == 0)
        handset_call_end_silently (call, HANDSET_CALL_END_OPPONENT_LEFT);
    }
}

static void
handle_room_events (HandsetCallManager *self,
                    HandsetSyncBatch *batch,
                    const char *room_id,
                    GPtrArray *events,
                    gint64 received_us,
                    GPtrArray *pending)
{
  gboolean room_encrypted = room_is_encrypted (self, room_id);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *raw = g_ptr_array_index (events, i);
      const HandsetEventEncryption *encryption = handset_sync_batch_get_encryption (batch, raw);
      g_autoptr (HandsetCallEvent) event = NULL;
      g_autoptr (GError) error = NULL;
      HandsetCall *call;

      handle_membership (self, room_id, raw);

      event = handset_call_event_parse (raw, room_id, received_us, &error);
      if (event == NULL)
        {
          if (!g_error_matches (error, HANDSET_CALL_EVENT_ERROR,
                                HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT))
            g_debug ("Call event %s in %s dropped: %s", handset_event_get_string (raw, "event_id"),
                     room_id, error->message);
          continue;
        }

      /* In an encrypted room, anyone who can put an event into it (a
       * server, say) could fake a call in clear: only encrypted ones count. */
      if (room_encrypted && encryption == NULL)
        {
          g_message ("A call event in clear in the encrypted room %s was ignored (%s of call %s "
                     "from %s)",
                     room_id, handset_event_get_string (raw, "type"),
                     handset_call_event_get_call_id (event), handset_call_event_get_sender (event));
          continue;
        }

      call = g_hash_table_lookup (self->calls_by_id, handset_call_event_get_call_id (event));
      if (call == NULL && is_forgotten (self, handset_call_event_get_call_id (event)))
        {
          g_debug ("Event of call %s, which ended, dropped",
                   handset_call_event_get_call_id (event));
          continue;
        }
      if (call != NULL)
        {
          if (is_echo (self, call, event))
            continue;
          if (g_strcmp0 (handset_call_event_get_sender (event),
                         handset_call_get_opponent_user_id (call)) == 0 ||
              g_strcmp0 (handset_call_event_get_sender (event), handset_call_get_invitee (call)) ==
                  0)
            {
              handset_call_set_waiting_for_keys (call, FALSE);
              /* An answer from a device that is not verified does not
               * count where only verified devices may call. */
              if (self->only_verified &&
                  handset_call_event_get_event_type (event) == HANDSET_CALL_EVENT_ANSWER &&
                  !handset_peer_trust_is_cross_signed (peer_trust (encryption)))
                {
                  g_message ("Answer to call %s from an unverified device ignored",
                             handset_call_get_call_id (call));
                  continue;
                }
              /* The opponent's device, as its events say. */
              if (encryption != NULL)
                handset_call_set_peer_trust (call, peer_trust (encryption));
            }
          if (g_strcmp0 (handset_call_get_room_id (call), room_id) != 0)
            {
              g_debug ("Event for call %s in another room dropped",
                       handset_call_get_call_id (call));
              continue;
            }
          handset_call_handle_event (call, event);
          continue;
        }

      switch (handset_call_event_get_event_type (event))
        {
          case HANDSET_CALL_EVENT_INVITE:
            handle_invite (self, event, encryption, pending);
            break;
          case HANDSET_CALL_EVENT_CANDIDATES:
          case HANDSET_CALL_EVENT_ANSWER:
          case HANDSET_CALL_EVENT_SELECT_ANSWER:
          case HANDSET_CALL_EVENT_REJECT:
          case HANDSET_CALL_EVENT_HANGUP:
            /* Before their invite: it may come later (its room key did),
             * and must then know it was answered or ended. */
            keep_early (self, event);
            break;
          default:
            /* Events of calls we never knew: other people's, or old. */
            break;
        }
    }
}

/**
 * handset_call_manager_handle_batch:
 *
 * Reads one whole sync batch. Handle the batch with HandsetRooms first, so
 * the rooms' members and join rules are current.
 */
void
handset_call_manager_handle_batch (HandsetCallManager *self, HandsetSyncBatch *batch)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  gint64 received = handset_sync_batch_get_received_time (batch);

  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (room->membership == HANDSET_MEMBERSHIP_JOIN)
        handle_room_events (self, batch, room->room_id, room->timeline, received, pending);
      else if (room->membership == HANDSET_MEMBERSHIP_LEAVE)
        {
          /* We left (or were removed): the calls there are over. */
          for (guint j = 0; j < self->calls->len; j++)
            {
              HandsetCall *call = g_ptr_array_index (self->calls, j);

              if (g_strcmp0 (handset_call_get_room_id (call), room->room_id) == 0)
                handset_call_end_silently (call, HANDSET_CALL_END_OPPONENT_LEFT);
            }
        }
    }

  ring_pending (self, pending);
  watch_invitations (self, batch);
  prune_ended (self);
}

/* ------------------------------------------------------------------ object */

static void
handset_call_manager_dispose (GObject *object)
{
  HandsetCallManager *self = HANDSET_CALL_MANAGER (object);

  if (self->calls != NULL)
    for (guint i = 0; i < self->calls->len; i++)
      {
        HandsetCall *call = g_ptr_array_index (self->calls, i);

        g_signal_handlers_disconnect_by_data (call, self);
        /* A call that still rings would make its media, on answer, with a
         * factory that goes with the session: it ends here, missed. */
        if (handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED &&
            handset_call_get_media (call) == NULL &&
            handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING)
          handset_call_end_silently (call, HANDSET_CALL_END_MISSED);
      }
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->calls_by_id, g_hash_table_unref);
  g_queue_clear (&self->ended_order);
  g_clear_pointer (&self->ended_ids, g_hash_table_unref);
  g_clear_pointer (&self->invitations, g_ptr_array_unref);
  g_clear_pointer (&self->answering, g_hash_table_unref);
  if (self->flushing != NULL)
    while (self->flushing->len > 0)
      {
        GTask *task = g_ptr_array_steal_index (self->flushing, 0);

        g_task_return_boolean (task, FALSE);
        g_object_unref (task);
      }
  g_clear_pointer (&self->flushing, g_ptr_array_unref);
  g_clear_object (&self->rooms);
  g_clear_object (&self->clock);
  g_clear_object (&self->client);
  g_clear_object (&self->encryption);
  g_clear_object (&self->devices);

  G_OBJECT_CLASS (handset_call_manager_parent_class)->dispose (object);
}

static void
handset_call_manager_finalize (GObject *object)
{
  HandsetCallManager *self = HANDSET_CALL_MANAGER (object);

  g_free (self->own_user_id);
  g_free (self->own_device_id);
  g_hash_table_unref (self->early);
  g_hash_table_unref (self->invited);
  g_queue_clear_full (&self->early_order, g_free);

  G_OBJECT_CLASS (handset_call_manager_parent_class)->finalize (object);
}

static void
handset_call_manager_class_init (HandsetCallManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_call_manager_dispose;
  object_class->finalize = handset_call_manager_finalize;

  /**
   * HandsetCallManager::call-added:
   * @call: a new call, outgoing, or incoming before it rings
   */
  signals[SIGNAL_CALL_ADDED] =
      g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HANDSET_TYPE_CALL);
  /**
   * HandsetCallManager::incoming-call:
   * @call: a call that now rings
   */
  signals[SIGNAL_INCOMING_CALL] =
      g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, HANDSET_TYPE_CALL);
  /**
   * HandsetCallManager::send-event:
   * @call: the call
   * @type: the event type
   * @content: the content
   *
   * A call sends an event; with a client set, it goes to the homeserver.
   */
  signals[SIGNAL_SEND_EVENT] =
      g_signal_new ("send-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, HANDSET_TYPE_CALL, G_TYPE_STRING, JSON_TYPE_OBJECT);
  /**
   * HandsetCallManager::incoming-invitation:
   * @invitation: someone new calls: an invitation to the direct chat they
   *   made for it, which rings
   */
  signals[SIGNAL_INCOMING_INVITATION] =
      g_signal_new ("incoming-invitation", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, HANDSET_TYPE_CALL_INVITATION);
  /**
   * HandsetCallManager::invitation-answered:
   * @invitation: the invitation accepted here
   * @call: the call found in the room once joined, answered
   */
  signals[SIGNAL_INVITATION_ANSWERED] =
      g_signal_new ("invitation-answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, HANDSET_TYPE_CALL_INVITATION, HANDSET_TYPE_CALL);
}

static void
handset_call_manager_init (HandsetCallManager *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->calls_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->ended_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->ended_order);
  self->early =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->early_order);
  self->invitations = g_ptr_array_new_with_free_func (g_object_unref);
  self->invited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->answering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * handset_call_manager_new:
 * @rooms: (nullable): the rooms, for member counts and join rules
 * @clock: (nullable): %NULL for the real clock
 * @media_factory: makes the media of each call
 */
HandsetCallManager *
handset_call_manager_new (const char *own_user_id,
                          const char *own_device_id,
                          HandsetRooms *rooms,
                          HandsetClock *clock,
                          HandsetMediaFactory media_factory,
                          gpointer media_factory_data)
{
  HandsetCallManager *self = g_object_new (HANDSET_TYPE_CALL_MANAGER, NULL);

  self->own_user_id = g_strdup (own_user_id);
  self->own_device_id = g_strdup (own_device_id);
  self->rooms = rooms ? g_object_ref (rooms) : NULL;
  self->clock = g_object_ref (clock ? clock : handset_clock_get_default ());
  self->media_factory = media_factory;
  self->media_factory_data = media_factory_data;

  return self;
}

/**
 * handset_call_manager_set_client:
 * @client: (nullable): where events go; %NULL only emits ::send-event
 */
void
handset_call_manager_set_client (HandsetCallManager *self, HandsetMatrixClient *client)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  g_set_object (&self->client, client);
}

/**
 * handset_call_manager_set_encryption:
 * @encryption: (nullable): sends the calls' events, encrypted where the
 *   room is
 */
void
handset_call_manager_set_encryption (HandsetCallManager *self, HandsetEncryption *encryption)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  g_set_object (&self->encryption, encryption);
}

/**
 * handset_call_manager_waiting_for_keys:
 *
 * @sender sent events in @room_id that cannot be read yet: the calls with
 * them there say so.
 */
void
handset_call_manager_waiting_for_keys (HandsetCallManager *self,
                                       const char *room_id,
                                       const char *sender)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      const char *opponent = handset_call_get_opponent_user_id (call);

      if (opponent == NULL)
        opponent = handset_call_get_invitee (call);
      if (handset_call_is_active (call) &&
          g_strcmp0 (handset_call_get_room_id (call), room_id) == 0 &&
          g_strcmp0 (opponent, sender) == 0)
        handset_call_set_waiting_for_keys (call, TRUE);
    }
}

/**
 * handset_call_manager_set_devices:
 * @devices: (nullable): names the devices that answer
 */
void
handset_call_manager_set_devices (HandsetCallManager *self, HandsetDevices *devices)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  g_set_object (&self->devices, devices);
}

/**
 * handset_call_manager_set_hide_device:
 *
 * With %TRUE, every new call gets a random party ID, so others in the room
 * cannot tell which device took it.
 */
void
handset_call_manager_set_hide_device (HandsetCallManager *self, gboolean hide_device)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  self->hide_device = hide_device;
}

void
handset_call_manager_set_ring_in_public_rooms (HandsetCallManager *self, gboolean ring)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  self->ring_in_public_rooms = ring;
}
