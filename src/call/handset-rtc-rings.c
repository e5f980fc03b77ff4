/* handset-rtc-rings.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows the MatrixRTC (Element Call) rings of the rooms we are in: a
 * call notification for us starts one; it ends when its lifetime runs
 * out, when the caller leaves the call or withdraws the ring, when we
 * join the call or decline it on another device, or when it is declined
 * here (which sends the decline of MSC4310 to the room). Only the rings
 * that still ring are kept.
 */
#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-rtc-rings.h"

struct _HandsetRtcRings
{
  GObject parent_instance;

  char *own_user_id;
  HandsetRooms *rooms;
  HandsetClock *clock;
  HandsetMatrixClient *client;
  HandsetEncryption *encryption;
  gboolean ring_in_public_rooms;
  gint64 (*now_ms) (void);

  GPtrArray *ringing; /* HandsetRtcRing, oldest first */
  GHashTable *timers; /* HandsetRtcRing → its lifetime's Expiry */
};

G_DEFINE_FINAL_TYPE (HandsetRtcRings, handset_rtc_rings, G_TYPE_OBJECT)

/* The end of a ring's lifetime: a timeout of the clock, whose data is
 * freed either when it fires or when the ring ends first and it is
 * removed. */
typedef struct
{
  HandsetRtcRings *self;
  HandsetRtcRing *ring; /* not a reference: the rings hold it */
  guint id;
} Expiry;

enum
{
  SIGNAL_RING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
real_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
handset_rtc_rings_dispose (GObject *object)
{
  HandsetRtcRings *self = HANDSET_RTC_RINGS (object);

  if (self->timers != NULL)
    {
      GHashTableIter iter;
      gpointer expiry;

      g_hash_table_iter_init (&iter, self->timers);
      while (g_hash_table_iter_next (&iter, NULL, &expiry))
        {
          handset_clock_remove (self->clock, ((Expiry *) expiry)->id);
          g_free (expiry);
        }
      g_clear_pointer (&self->timers, g_hash_table_unref);
    }
  g_clear_pointer (&self->ringing, g_ptr_array_unref);
  g_clear_object (&self->rooms);
  g_clear_object (&self->clock);
  g_clear_object (&self->client);
  g_clear_object (&self->encryption);

  G_OBJECT_CLASS (handset_rtc_rings_parent_class)->dispose (object);
}

static void
handset_rtc_rings_finalize (GObject *object)
{
  HandsetRtcRings *self = HANDSET_RTC_RINGS (object);

  g_free (self->own_user_id);

  G_OBJECT_CLASS (handset_rtc_rings_parent_class)->finalize (object);
}

static void
handset_rtc_rings_class_init (HandsetRtcRingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_rtc_rings_dispose;
  object_class->finalize = handset_rtc_rings_finalize;

  /**
   * HandsetRtcRings::ring:
   * @ring: a new ring, emitted once its batch was read (so it may have
   *   ended already, by a later event of the same batch)
   */
  signals[SIGNAL_RING] = g_signal_new ("ring", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, HANDSET_TYPE_RTC_RING);
}

static void
handset_rtc_rings_init (HandsetRtcRings *self)
{
  self->ringing = g_ptr_array_new_with_free_func (g_object_unref);
  self->timers = g_hash_table_new (NULL, NULL);
  self->now_ms = real_now_ms;
}

/**
 * handset_rtc_rings_new:
 * @clock: (nullable): the clock of the rings' lifetimes; the default one
 *   when %NULL
 */
HandsetRtcRings *
handset_rtc_rings_new (const char *own_user_id, HandsetRooms *rooms, HandsetClock *clock)
{
  HandsetRtcRings *self = g_object_new (HANDSET_TYPE_RTC_RINGS, NULL);

  self->own_user_id = g_strdup (own_user_id);
  self->rooms = rooms ? g_object_ref (rooms) : NULL;
  self->clock = g_object_ref (clock ? clock : handset_clock_get_default ());

  return self;
}

void
handset_rtc_rings_set_client (HandsetRtcRings *self, HandsetMatrixClient *client)
{
  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));
  g_set_object (&self->client, client);
}

/**
 * handset_rtc_rings_set_encryption:
 *
 * Declines go through @encryption, encrypted where the room is.
 */
void
handset_rtc_rings_set_encryption (HandsetRtcRings *self, HandsetEncryption *encryption)
{
  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));
  g_set_object (&self->encryption, encryption);
}

void
handset_rtc_rings_set_ring_in_public_rooms (HandsetRtcRings *self, gboolean ring)
{
  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));
  self->ring_in_public_rooms = ring;
}

/**
 * handset_rtc_rings_set_now_func:
 *
 * Where the rings read the wall-clock time, in milliseconds since the
 * epoch; for tests.
 */
void
handset_rtc_rings_set_now_func (HandsetRtcRings *self, gint64 (*now_ms) (void))
{
  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));
  self->now_ms = now_ms ? now_ms : real_now_ms;
}

/* ------------------------------------------------------------------ ending */

static void
end_ring (HandsetRtcRings *self, HandsetRtcRing *ring, HandsetRtcRingState state)
{
  g_autoptr (HandsetRtcRing) kept = g_object_ref (ring);
  gpointer expiry;

  if (g_hash_table_steal_extended (self->timers, ring, NULL, &expiry))
    {
      handset_clock_remove (self->clock, ((Expiry *) expiry)->id);
      g_free (expiry);
    }
  g_ptr_array_remove (self->ringing, ring);
  g_debug ("Element Call ring %s ended: %s", handset_rtc_ring_get_event_id (ring),
           handset_rtc_ring_state_to_string (state));
  handset_rtc_ring_set_state (ring, state);
}

static void
expired_cb (gpointer data)
{
  Expiry *expiry = data;
  HandsetRtcRings *self = expiry->self;
  HandsetRtcRing *ring = expiry->ring;

  g_hash_table_remove (self->timers, ring);
  g_free (expiry);
  end_ring (self, ring, HANDSET_RTC_RING_MISSED);
}

static void
add_ring (HandsetRtcRings *self, HandsetRtcRing *ring)
{
  gint64 left = handset_rtc_ring_get_expires_ms (ring) - self->now_ms ();
  Expiry *expiry = g_new0 (Expiry, 1);

  expiry->self = self;
  expiry->ring = ring;
  expiry->id = handset_clock_add_timeout (self->clock, (guint) CLAMP (left, 1, G_MAXUINT),
                                          expired_cb, expiry);
  g_hash_table_insert (self->timers, ring, expiry);
  g_ptr_array_add (self->ringing, g_object_ref (ring));
}

/* The rings of @room_id, copied: ending one changes the list. */
static GPtrArray *
rings_in (HandsetRtcRings *self, const char *room_id)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->ringing->len; i++)
    {
      HandsetRtcRing *ring = g_ptr_array_index (self->ringing, i);

      if (g_strcmp0 (handset_rtc_ring_get_room_id (ring), room_id) == 0)
        g_ptr_array_add (out, g_object_ref (ring));
    }

  return out;
}

/* ------------------------------------------------------------------ events */

static gboolean
is_empty (JsonObject *content)
{
  g_autoptr (GList) members = content ? json_object_get_members (content) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    if (g_strcmp0 (l->data, "msc4354_sticky_key") != 0)
      return FALSE;

  return TRUE;
}

static void
handle_notification (HandsetRtcRings *self,
                     const char *room_id,
                     JsonObject *event,
                     GPtrArray *added)
{
  HandsetRoom *room = self->rooms ? handset_rooms_lookup (self->rooms, room_id) : NULL;
  const char *sender = handset_event_get_string (event, "sender");
  g_autoptr (HandsetRtcRing) ring = NULL;
  g_autoptr (GPtrArray) here = NULL;
  g_autoptr (GError) error = NULL;

  ring = handset_rtc_ring_parse (event, room_id, self->own_user_id, self->now_ms (), &error);
  if (ring == NULL)
    {
      /* An empty notification withdraws the sender's ring. */
      if (g_error_matches (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_WITHDRAWN))
        {
          here = rings_in (self, room_id);
          for (guint i = 0; i < here->len; i++)
            if (g_strcmp0 (handset_rtc_ring_get_sender (g_ptr_array_index (here, i)), sender) == 0)
              end_ring (self, g_ptr_array_index (here, i), HANDSET_RTC_RING_CANCELLED);
        }
      else
        g_debug ("Element Call notification %s in %s not shown: %s",
                 handset_event_get_string (event, "event_id"), room_id, error->message);
      return;
    }
  if (room != NULL && handset_room_is_public (room) && !self->ring_in_public_rooms)
    {
      g_debug ("Element Call ring %s in a public room: not shown",
               handset_rtc_ring_get_event_id (ring));
      return;
    }
  /* One ring per caller and room: a second notification of the same
   * call is not a second call. */
  here = rings_in (self, room_id);
  for (guint i = 0; i < here->len; i++)
    if (g_strcmp0 (handset_rtc_ring_get_sender (g_ptr_array_index (here, i)), sender) == 0)
      return;

  add_ring (self, ring);
  g_ptr_array_add (added, g_object_ref (ring));
}

static void
handle_decline (HandsetRtcRings *self, JsonObject *event)
{
  JsonObject *relates =
      handset_event_get_object (handset_event_get_object (event, "content"), "m.relates_to");
  HandsetRtcRing *ring;

  /* Declined by another device of ours; declines of others are about
   * their rings. */
  if (g_strcmp0 (handset_event_get_string (event, "sender"), self->own_user_id) != 0 ||
      g_strcmp0 (handset_event_get_string (relates, "rel_type"), "m.reference") != 0)
    return;
  ring = handset_rtc_rings_lookup (self, handset_event_get_string (relates, "event_id"));
  if (ring != NULL)
    end_ring (self, ring, HANDSET_RTC_RING_DECLINED_ELSEWHERE);
}

static void
handle_member (HandsetRtcRings *self, const char *room_id, JsonObject *event)
{
  const char *sender = handset_event_get_string (event, "sender");
  gboolean empty = is_empty (handset_event_get_object (event, "content"));
  g_autoptr (GPtrArray) here = rings_in (self, room_id);

  for (guint i = 0; i < here->len; i++)
    {
      HandsetRtcRing *ring = g_ptr_array_index (here, i);

      /* We joined on another device: Handset never joins itself. */
      if (!empty && g_strcmp0 (sender, self->own_user_id) == 0)
        end_ring (self, ring, HANDSET_RTC_RING_JOINED_ELSEWHERE);
      else if (empty && g_strcmp0 (sender, handset_rtc_ring_get_sender (ring)) == 0)
        end_ring (self, ring, HANDSET_RTC_RING_CANCELLED);
    }
}

/**
 * handset_rtc_rings_handle_batch:
 *
 * Reads the batch's timelines (decrypted). Handle the batch with
 * HandsetRooms first. In an encrypted room only encrypted notifications
 * and declines count, as for calls.
 */
void
handset_rtc_rings_handle_batch (HandsetRtcRings *self, HandsetSyncBatch *batch)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *sync_room = handset_sync_batch_get_room (batch, i);
      HandsetRoom *room =
          self->rooms ? handset_rooms_lookup (self->rooms, sync_room->room_id) : NULL;
      gboolean encrypted = room != NULL && handset_room_is_encrypted (room);

      if (sync_room->membership == HANDSET_MEMBERSHIP_LEAVE)
        {
          g_autoptr (GPtrArray) here = rings_in (self, sync_room->room_id);

          for (guint j = 0; j < here->len; j++)
            end_ring (self, g_ptr_array_index (here, j), HANDSET_RTC_RING_CANCELLED);
          continue;
        }
      if (sync_room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;

      for (guint j = 0; j < sync_room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (sync_room->timeline, j);
          const char *type = handset_event_get_string (event, "type");
          gboolean clear = handset_sync_batch_get_encryption (batch, event) == NULL;

          if (handset_rtc_ring_is_member_type (type))
            handle_member (self, sync_room->room_id, event);
          else if (encrypted && clear &&
                   (handset_rtc_ring_is_notification_type (type) ||
                    handset_rtc_ring_is_decline_type (type)))
            g_message ("An Element Call event in clear in the encrypted room %s was ignored (%s "
                       "from %s)",
                       sync_room->room_id, type, handset_event_get_string (event, "sender"));
          else if (handset_rtc_ring_is_notification_type (type))
            handle_notification (self, sync_room->room_id, event, added);
          else if (handset_rtc_ring_is_decline_type (type))
            handle_decline (self, event);
        }
    }

  for (guint i = 0; i < added->len; i++)
    g_signal_emit (self, signals[SIGNAL_RING], 0, g_ptr_array_index (added, i));
}

/* ------------------------------------------------------------------ queries */

/**
 * handset_rtc_rings_get_ringing:
 *
 * Returns: (transfer none) (element-type HandsetRtcRing): the rings that
 *   ring now, oldest first
 */
GPtrArray *
handset_rtc_rings_get_ringing (HandsetRtcRings *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RINGS (self), NULL);
  return self->ringing;
}

/**
 * handset_rtc_rings_lookup:
 * @event_id: (nullable): the notification's event ID
 *
 * Returns: (transfer none) (nullable): the ring, while it rings
 */
HandsetRtcRing *
handset_rtc_rings_lookup (HandsetRtcRings *self, const char *event_id)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RINGS (self), NULL);

  for (guint i = 0; event_id != NULL && i < self->ringing->len; i++)
    {
      HandsetRtcRing *ring = g_ptr_array_index (self->ringing, i);

      if (g_strcmp0 (handset_rtc_ring_get_event_id (ring), event_id) == 0)
        return ring;
    }

  return NULL;
}

/* ------------------------------------------------------------------ declining */

static void
decline_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *ring_id = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  if (HANDSET_IS_ENCRYPTION (object))
    event_id =
        handset_encryption_send_event_finish (HANDSET_ENCRYPTION (object), result, NULL, &error);
  else
    event_id =
        handset_matrix_client_send_event_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (event_id == NULL)
    g_warning ("The decline of Element Call ring %s could not be sent: %s", ring_id,
               error->message);
}

/**
 * handset_rtc_rings_decline:
 *
 * Declines a ring that rings: the caller and our other devices see it
 * (MSC4310), and it stops.
 */
void
handset_rtc_rings_decline (HandsetRtcRings *self, HandsetRtcRing *ring)
{
  g_autoptr (JsonObject) content = json_object_new ();
  JsonObject *relates = json_object_new ();
  const char *room_id;
  const char *event_id;

  g_return_if_fail (HANDSET_IS_RTC_RINGS (self));
  g_return_if_fail (HANDSET_IS_RTC_RING (ring));

  if (handset_rtc_ring_get_state (ring) != HANDSET_RTC_RING_RINGING)
    return;
  room_id = handset_rtc_ring_get_room_id (ring);
  event_id = handset_rtc_ring_get_event_id (ring);
  json_object_set_string_member (relates, "rel_type", "m.reference");
  json_object_set_string_member (relates, "event_id", event_id);
  json_object_set_object_member (content, "m.relates_to", relates);

  if (self->encryption != NULL)
    handset_encryption_send_event_async (self->encryption, room_id, HANDSET_RTC_DECLINE_TYPE,
                                         content, NULL, decline_sent_cb, g_strdup (event_id));
  else if (self->client != NULL)
    handset_matrix_client_send_event_async (self->client, room_id, HANDSET_RTC_DECLINE_TYPE,
                                            content, NULL, NULL, decline_sent_cb,
                                            g_strdup (event_id));
  end_ring (self, ring, HANDSET_RTC_RING_DECLINED);
}
