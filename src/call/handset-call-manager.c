/* handset-call-manager.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All calls of one account: the object, and the calls it keeps (the ended
 * ones pruned, their IDs remembered so their events stay dead; a call
 * waiting answered puts the one going on on hold). It reads whole sync
 * batches (handset-call-manager-routing.c) and decides about ringing only
 * after the whole batch (handset-call-manager-incoming.c); what calls want
 * sent goes through the Matrix client (handset-call-manager-send.c).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-ids.h"
#include "handset-call-manager-private.h"

G_DEFINE_FINAL_TYPE (HandsetCallManager, handset_call_manager, G_TYPE_OBJECT)

guint handset_call_manager_signals[N_SIGNALS];

HandsetPeerTrust
handset_call_manager_peer_trust (const HandsetEventEncryption *encryption)
{
  if (encryption == NULL)
    return HANDSET_PEER_TRUST_UNKNOWN;
  if (encryption->identity_changed)
    return HANDSET_PEER_TRUST_IDENTITY_CHANGED;

  if (!encryption->cross_signed)
    return HANDSET_PEER_TRUST_UNSIGNED;
  return encryption->user_verified ? HANDSET_PEER_TRUST_VERIFIED : HANDSET_PEER_TRUST_CROSS_SIGNED;
}

gboolean
handset_call_manager_room_is_encrypted (HandsetCallManager *self, const char *room_id)
{
  HandsetRoom *room = self->rooms ? handset_rooms_lookup (self->rooms, room_id) : NULL;

  return room != NULL && handset_room_is_encrypted (room);
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

void
handset_call_manager_prune_ended (HandsetCallManager *self)
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
gboolean
handset_call_manager_is_forgotten (HandsetCallManager *self, const char *call_id)
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

void
handset_call_manager_add_call (HandsetCallManager *self, HandsetCall *call)
{
  handset_call_manager_prune_ended (self);
  g_signal_connect (call, "state-changed", G_CALLBACK (call_state_cb), self);
  g_ptr_array_add (self->calls, g_object_ref (call));
  g_hash_table_replace (self->calls_by_id, g_strdup (handset_call_get_call_id (call)),
                        g_object_ref (call));
  g_signal_connect (call, "send-event", G_CALLBACK (handset_call_manager_send_event_cb), self);
  g_signal_connect (call, "notify::answered-by", G_CALLBACK (handset_call_manager_answered_by_cb),
                    self);
  g_signal_emit (self, handset_call_manager_signals[SIGNAL_CALL_ADDED], 0, call);
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
         * factory that goes with the session (or has media made by it for
         * its answer): it ends here, missed. */
        if (handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED &&
            (handset_call_get_media (call) == NULL ||
             handset_call_get_state (call) == HANDSET_CALL_STATE_RINGING) &&
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
  g_clear_pointer (&self->describing, g_hash_table_unref);
  g_clear_pointer (&self->held_candidates, g_hash_table_unref);
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
  handset_call_manager_signals[SIGNAL_CALL_ADDED] =
      g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HANDSET_TYPE_CALL);
  /**
   * HandsetCallManager::incoming-call:
   * @call: a call that now rings
   */
  handset_call_manager_signals[SIGNAL_INCOMING_CALL] =
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
  handset_call_manager_signals[SIGNAL_SEND_EVENT] =
      g_signal_new ("send-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 3, HANDSET_TYPE_CALL, G_TYPE_STRING, JSON_TYPE_OBJECT);
  /**
   * HandsetCallManager::incoming-invitation:
   * @invitation: someone new calls: an invitation to the direct chat they
   *   made for it, which rings
   */
  handset_call_manager_signals[SIGNAL_INCOMING_INVITATION] =
      g_signal_new ("incoming-invitation", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, HANDSET_TYPE_CALL_INVITATION);
  /**
   * HandsetCallManager::invitation-answered:
   * @invitation: the invitation accepted here
   * @call: the call found in the room once joined, answered
   */
  handset_call_manager_signals[SIGNAL_INVITATION_ANSWERED] =
      g_signal_new ("invitation-answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, HANDSET_TYPE_CALL_INVITATION, HANDSET_TYPE_CALL);
}

static void
handset_call_manager_init (HandsetCallManager *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->calls_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->describing = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->held_candidates =
      g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) g_ptr_array_unref);
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

/**
 * handset_call_manager_set_prepare_answers:
 * @prepare: whether a ringing call's answer is made while it rings, no
 *   device opened, so that answering only opens the microphone and sends it
 * @connect: whether the connection to the caller starts while it rings,
 *   which tells the caller our network addresses before the person decides
 */
void
handset_call_manager_set_prepare_answers (HandsetCallManager *self,
                                          gboolean prepare,
                                          gboolean connect)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  self->prepare_answers = prepare;
  self->connect_while_ringing = prepare && connect;
}
