/* handset-call-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls of a profile, newest first, as a GListModel of
 * HandsetHistoryEntry. A call is written to the profile's database when it
 * ends, so the list survives a restart. Entries hold data only: the UI
 * turns them into words.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-history-private.h"

/* ------------------------------------------------------------------ the history */

/* A call being followed until it ends. */
typedef struct
{
  HandsetCallHistory *history;
  HandsetCall *call;
  gulong handler;
  gint64 started_us; /* wall clock */
  gboolean answered_here;
  char *written_party; /* the key of the row written when it started, or NULL */
} Watch;

static void handset_call_history_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HandsetCallHistory,
                               handset_call_history,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      handset_call_history_model_init))

static GType
model_get_item_type (GListModel *model)
{
  return HANDSET_TYPE_HISTORY_ENTRY;
}

static guint
model_get_n_items (GListModel *model)
{
  return HANDSET_CALL_HISTORY (model)->entries->len;
}

static gpointer
model_get_item (GListModel *model, guint position)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (model);

  if (position >= self->entries->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->entries, position));
}

static void
handset_call_history_model_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

/* ------------------------------------------------------------------ the model */

static gboolean
find_entry (HandsetCallHistory *self, const char *call_id, const char *peer, guint *position)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      HandsetHistoryEntry *entry = g_ptr_array_index (self->entries, i);

      if (g_strcmp0 (handset_history_entry_get_call_id (entry), call_id) == 0 &&
          g_strcmp0 (
              handset_call_history_db_party_of (handset_history_entry_get_peer_user_id (entry)),
              handset_call_history_db_party_of (peer)) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
replace_entry (HandsetCallHistory *self, guint position, HandsetHistoryEntry *entry)
{
  g_object_unref (g_ptr_array_index (self->entries, position));
  g_ptr_array_index (self->entries, position) = entry;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

/* Takes @entry. */
static void
add_entry (HandsetCallHistory *self, HandsetHistoryEntry *entry)
{
  guint position;

  if (find_entry (self, handset_history_entry_get_call_id (entry),
                  handset_history_entry_get_peer_user_id (entry), &position))
    {
      replace_entry (self, position, entry);
      return;
    }

  g_ptr_array_insert (self->entries, 0, entry);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
}

/* ------------------------------------------------------------------ calls */

static HandsetHistoryKind
kind_of (HandsetCall *call, Watch *watch)
{
  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    return HANDSET_HISTORY_OUTGOING;

  if (handset_call_get_connected_time (call) != 0)
    return HANDSET_HISTORY_INCOMING;

  switch (handset_call_get_end_reason (call))
    {
      case HANDSET_CALL_END_LOCAL_REJECT:
        return HANDSET_HISTORY_DECLINED;
      case HANDSET_CALL_END_ANSWERED_ELSEWHERE:
        /* Taken on another device of ours: not missed; answered-by says
         * where. */
        return HANDSET_HISTORY_INCOMING;
      case HANDSET_CALL_END_DECLINED_ELSEWHERE:
        return HANDSET_HISTORY_DECLINED;
      case HANDSET_CALL_END_MISSED:
        return HANDSET_HISTORY_MISSED;
      default:
        /* Answered here but lost before media flowed was still taken;
         * anything else that ended it while it rang was missed. */
        return watch->answered_here ? HANDSET_HISTORY_INCOMING : HANDSET_HISTORY_MISSED;
    }
}

/* The other party of @call, as its row names them. */
static const char *
peer_of_call (HandsetCall *call)
{
  const char *peer = handset_call_get_opponent_user_id (call);

  if (peer == NULL && handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    peer = handset_call_get_invitee (call);

  return peer;
}

static void
call_answered_by_cb (HandsetCall *call, GParamSpec *pspec, HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  const char *answered_by = handset_call_get_answered_by (call);
  HandsetHistoryEntry *entry;
  guint position;

  /* The device's name is looked up after the call ended with its party
   * ID; the history keeps the name. */
  if (handset_call_is_active (call) ||
      !find_entry (self, handset_call_get_call_id (call), peer_of_call (call), &position))
    return;

  entry = g_ptr_array_index (self->entries, position);
  if (g_strcmp0 (handset_history_entry_get_answered_by (entry), answered_by) == 0)
    return;

  replace_entry (self, position, handset_history_entry_copy_with_answered_by (entry, answered_by));
  if (!handset_call_history_db_write_answered_by (self, handset_call_get_call_id (call),
                                                  peer_of_call (call), answered_by, &error))
    g_warning ("Call %s: %s", handset_call_get_call_id (call), error->message);
}

static void
record_call (HandsetCallHistory *self, HandsetCall *call, Watch *watch)
{
  g_autoptr (GError) error = NULL;
  HandsetCallDirection direction = handset_call_get_direction (call);
  gint64 connected = handset_call_get_connected_time (call);
  const char *peer = peer_of_call (call);
  gint64 duration = 0;
  HandsetHistoryEntry *entry;

  /* An invite that never rang here (expired, or lost a glare) is nothing
   * the person saw. */
  if (direction == HANDSET_CALL_DIRECTION_INCOMING && !handset_call_get_rang (call) &&
      connected == 0)
    {
      g_debug ("Call %s never rang: not in the history", handset_call_get_call_id (call));
      return;
    }

  /* The call's own clock timed the connection: the end must come from the
   * same clock. */
  if (connected != 0)
    duration = MAX (0, handset_clock_get_time (self->clock) - connected) / G_USEC_PER_SEC;

  entry = handset_history_entry_new (
      handset_call_get_call_id (call), handset_call_get_room_id (call), peer, direction,
      kind_of (call, watch), watch->started_us / G_USEC_PER_SEC, (int) MIN (duration, G_MAXINT),
      handset_call_get_answered_by (call), handset_call_get_end_reason (call),
      handset_call_get_video (call), NULL);

  /* The running app keeps the entry even when the disk fails. */
  if (!handset_call_history_db_write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC,
                                            &error))
    g_warning ("Call %s: %s", handset_history_entry_get_call_id (entry), error->message);
  g_clear_error (&error);
  /* The row written when it started, under another party (a call in a
   * room, whose opponent came with the answer): gone. */
  if (watch->written_party != NULL &&
      g_strcmp0 (watch->written_party, handset_call_history_db_party_of (peer)) != 0 &&
      !handset_call_history_db_delete_row (self, handset_history_entry_get_call_id (entry),
                                           watch->written_party, &error))
    g_warning ("Call %s: %s", handset_history_entry_get_call_id (entry), error->message);
  add_entry (self, entry);

  g_signal_connect_object (call, "notify::answered-by", G_CALLBACK (call_answered_by_cb), self, 0);
}

static void
watch_free (Watch *watch)
{
  g_clear_signal_handler (&watch->handler, watch->call);
  g_object_unref (watch->call);
  g_free (watch->written_party);
  g_free (watch);
}

/* The row of a call that goes on: an outgoing call, or an incoming one
 * that was missed (what it is when Handset never hears its end). */
static void
write_started (HandsetCallHistory *self, HandsetCall *call, Watch *watch)
{
  g_autoptr (GError) error = NULL;
  HandsetCallDirection direction = handset_call_get_direction (call);
  g_autoptr (HandsetHistoryEntry) entry = handset_history_entry_new (
      handset_call_get_call_id (call), handset_call_get_room_id (call), peer_of_call (call),
      direction,
      direction == HANDSET_CALL_DIRECTION_OUTGOING ? HANDSET_HISTORY_OUTGOING
                                                   : HANDSET_HISTORY_MISSED,
      watch->started_us / G_USEC_PER_SEC, 0, NULL, HANDSET_CALL_END_NONE,
      handset_call_get_video (call), NULL);

  watch->written_party =
      g_strdup (handset_call_history_db_party_of (handset_history_entry_get_peer_user_id (entry)));
  if (!handset_call_history_db_write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC,
                                            &error))
    g_warning ("Call %s: %s", handset_history_entry_get_call_id (entry), error->message);
}

static void
call_state_changed_cb (HandsetCall *call,
                       HandsetCallState new_state,
                       HandsetCallState old_state,
                       Watch *watch)
{
  HandsetCallHistory *self = watch->history;
  g_autoptr (HandsetCall) keep = NULL;

  if (new_state >= HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA &&
      new_state <= HANDSET_CALL_STATE_CONNECTED &&
      handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING)
    watch->answered_here = TRUE;

  /* Written as soon as the person can know of it (it rings here, or they
   * placed it): a crash before the end does not lose the call. */
  if (watch->written_party == NULL &&
      (new_state == HANDSET_CALL_STATE_RINGING ||
       (new_state == HANDSET_CALL_STATE_INVITE_SENT &&
        handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)))
    write_started (self, call, watch);

  if (new_state != HANDSET_CALL_STATE_ENDED)
    return;

  /* Freeing the watch drops its reference to the call. */
  keep = g_object_ref (call);
  record_call (self, call, watch);
  g_ptr_array_remove_fast (self->watches, watch);
}

static void
call_added_cb (HandsetCallManager *manager, HandsetCall *call, HandsetCallHistory *self)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->history = self;
  watch->call = g_object_ref (call);
  watch->started_us = g_get_real_time ();
  watch->handler =
      g_signal_connect (call, "state-changed", G_CALLBACK (call_state_changed_cb), watch);
  g_ptr_array_add (self->watches, watch);
}

/* ------------------------------------------------------------------ object */

static void
handset_call_history_dispose (GObject *object)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (object);

  g_clear_pointer (&self->watches, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (handset_call_history_parent_class)->dispose (object);
}

static void
handset_call_history_finalize (GObject *object)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (object);

  g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (handset_call_history_parent_class)->finalize (object);
}

static void
handset_call_history_class_init (HandsetCallHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_call_history_dispose;
  object_class->finalize = handset_call_history_finalize;
}

static void
handset_call_history_init (HandsetCallHistory *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_ptr_array_new_with_free_func ((GDestroyNotify) watch_free);
}

/**
 * handset_call_history_new:
 * @store: the profile's database
 * @clock: (nullable): the clock of the calls, which timed their
 *   connection; %NULL for the real clock
 *
 * Creates the table if it is missing and loads the newest calls.
 */
HandsetCallHistory *
handset_call_history_new (HandsetStore *store, HandsetClock *clock, GError **error)
{
  g_autoptr (HandsetCallHistory) self = NULL;

  g_return_val_if_fail (HANDSET_IS_STORE (store), NULL);
  g_return_val_if_fail (clock == NULL || HANDSET_IS_CLOCK (clock), NULL);

  self = g_object_new (HANDSET_TYPE_CALL_HISTORY, NULL);
  self->store = g_object_ref (store);
  self->clock = g_object_ref (clock ? clock : handset_clock_get_default ());

  if (!handset_call_history_db_create_table (self, error) ||
      !handset_call_history_db_load (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_call_history_watch:
 *
 * Records every call @manager adds from now on, once it ends. Calls added
 * before are not followed: watch before placing or receiving any.
 */
void
handset_call_history_watch (HandsetCallHistory *self, HandsetCallManager *manager)
{
  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (manager));

  g_signal_connect_object (manager, "call-added", G_CALLBACK (call_added_cb), self, 0);
}

/* ------------------------------------------------------------------ Element Call */

static void
rtc_ring_state_cb (HandsetRtcRing *ring, GParamSpec *pspec, HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  HandsetHistoryKind kind;
  HandsetCallEndReason reason;
  HandsetHistoryEntry *entry;

  switch (handset_rtc_ring_get_state (ring))
    {
      case HANDSET_RTC_RING_RINGING:
        return;
      case HANDSET_RTC_RING_DECLINED:
        kind = HANDSET_HISTORY_DECLINED, reason = HANDSET_CALL_END_LOCAL_REJECT;
        break;
      case HANDSET_RTC_RING_DECLINED_ELSEWHERE:
        kind = HANDSET_HISTORY_DECLINED, reason = HANDSET_CALL_END_DECLINED_ELSEWHERE;
        break;
      case HANDSET_RTC_RING_JOINED_ELSEWHERE:
        kind = HANDSET_HISTORY_INCOMING, reason = HANDSET_CALL_END_ANSWERED_ELSEWHERE;
        break;
      case HANDSET_RTC_RING_CANCELLED:
      case HANDSET_RTC_RING_MISSED:
      default:
        kind = HANDSET_HISTORY_MISSED, reason = HANDSET_CALL_END_MISSED;
        break;
    }
  g_signal_handlers_disconnect_by_func (ring, rtc_ring_state_cb, self);

  entry = handset_history_entry_new (
      handset_rtc_ring_get_event_id (ring), handset_rtc_ring_get_room_id (ring),
      handset_rtc_ring_get_sender (ring), HANDSET_CALL_DIRECTION_INCOMING, kind,
      handset_rtc_ring_get_started_ms (ring) / 1000, 0, NULL, reason,
      handset_rtc_ring_get_video (ring), HANDSET_HISTORY_ELEMENT_CALL);
  if (!handset_call_history_db_write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC,
                                            &error))
    g_warning ("Element Call ring %s: %s", handset_history_entry_get_call_id (entry),
               error->message);
  add_entry (self, entry);
}

static void
rtc_ring_cb (HandsetRtcRings *rings, HandsetRtcRing *ring, HandsetCallHistory *self)
{
  g_signal_connect_object (ring, "notify::state", G_CALLBACK (rtc_ring_state_cb), self, 0);
  /* Ended in the batch that brought it: recorded at once. */
  if (handset_rtc_ring_get_state (ring) != HANDSET_RTC_RING_RINGING)
    rtc_ring_state_cb (ring, NULL, self);
}

/**
 * handset_call_history_watch_rtc_rings:
 *
 * Records each Element Call ring once it ends: missed, declined, or taken
 * on another device.
 */
void
handset_call_history_watch_rtc_rings (HandsetCallHistory *self, HandsetRtcRings *rings)
{
  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));
  g_return_if_fail (HANDSET_IS_RTC_RINGS (rings));

  g_signal_connect_object (rings, "ring", G_CALLBACK (rtc_ring_cb), self, 0);
}

/**
 * handset_call_history_clear:
 *
 * Forgets every call, on disk and in the model. Calls still going are
 * recorded when they end.
 */
void
handset_call_history_clear (HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  guint removed;

  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));

  if (!handset_call_history_db_run (self, "DELETE FROM call_history", &error))
    g_warning ("%s", error->message);

  removed = self->entries->len;
  g_ptr_array_set_size (self->entries, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/**
 * handset_call_history_count_missed_since:
 * @since: (nullable): the earliest start that counts; %NULL counts all
 *
 * Counts what the model holds, so it agrees with what the list shows.
 *
 * Returns: the missed calls that started at or after @since
 */
guint
handset_call_history_count_missed_since (HandsetCallHistory *self, GDateTime *since)
{
  guint count = 0;

  g_return_val_if_fail (HANDSET_IS_CALL_HISTORY (self), 0);

  /* The model is in the order calls ended, not started: look at all. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      HandsetHistoryEntry *entry = g_ptr_array_index (self->entries, i);

      if (handset_history_entry_get_kind (entry) == HANDSET_HISTORY_MISSED &&
          (since == NULL ||
           g_date_time_compare (handset_history_entry_get_started (entry), since) >= 0))
        count++;
    }

  return count;
}
