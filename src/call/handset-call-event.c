/* handset-call-event.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A received m.call.* event, as the parser (handset-call-event-parse.c)
 * left it: its type, its fields and its age. The only code that reads or
 * writes m.call.* JSON is this file, the parser, the builders
 * (handset-call-event-build.c) and the sdp_stream_metadata helpers
 * (handset-call-event-metadata.c).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-event-private.h"

/* Written out: clang-format would space the dashes of G_DEFINE_QUARK's
 * name, and the spaces would end up in the domain's name. */
GQuark
handset_call_event_error_quark (void)
{
  return g_quark_from_static_string ("handset-call-event-error-quark");
}

G_DEFINE_BOXED_TYPE (HandsetCallEvent,
                     handset_call_event,
                     handset_call_event_ref,
                     handset_call_event_unref)

static const char *const type_names[] = {
  [HANDSET_CALL_EVENT_INVITE] = "m.call.invite",
  [HANDSET_CALL_EVENT_CANDIDATES] = "m.call.candidates",
  [HANDSET_CALL_EVENT_ANSWER] = "m.call.answer",
  [HANDSET_CALL_EVENT_SELECT_ANSWER] = "m.call.select_answer",
  [HANDSET_CALL_EVENT_REJECT] = "m.call.reject",
  [HANDSET_CALL_EVENT_NEGOTIATE] = "m.call.negotiate",
  [HANDSET_CALL_EVENT_HANGUP] = "m.call.hangup",
  [HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED] = "m.call.sdp_stream_metadata_changed",
};

const char *
handset_call_event_type_to_string (HandsetCallEventType type)
{
  g_return_val_if_fail (type < G_N_ELEMENTS (type_names), NULL);

  return type_names[type];
}

gboolean
handset_call_event_type_from_string (const char *string, HandsetCallEventType *type)
{
  if (string == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    {
      if (g_str_equal (string, type_names[i]))
        {
          *type = i;
          return TRUE;
        }
    }

  /* The name before MSC3291 was merged, still sent by some clients. */
  if (g_str_equal (string, "org.matrix.call.sdp_stream_metadata_changed"))
    {
      *type = HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED;
      return TRUE;
    }

  return FALSE;
}

/**
 * handset_call_event_is_call_type:
 *
 * Returns: whether @string names an event type of 1:1 calls that Handset
 *   handles
 */
gboolean
handset_call_event_is_call_type (const char *string)
{
  HandsetCallEventType type;

  return handset_call_event_type_from_string (string, &type);
}

void
handset_call_event_free (HandsetCallEvent *self)
{
  g_free (self->room_id);
  g_free (self->sender);
  g_free (self->event_id);
  g_free (self->call_id);
  g_free (self->party_id);
  g_free (self->sdp);
  g_free (self->description_type);
  g_free (self->invitee);
  g_free (self->selected_party_id);
  g_free (self->reason);
  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_clear_pointer (&self->stream_metadata, json_object_unref);
  g_free (self);
}

HandsetCallEvent *
handset_call_event_ref (HandsetCallEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
handset_call_event_unref (HandsetCallEvent *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    handset_call_event_free (self);
}

HandsetCallEventType
handset_call_event_get_event_type (HandsetCallEvent *self)
{
  return self->type;
}

const char *
handset_call_event_get_room_id (HandsetCallEvent *self)
{
  return self->room_id;
}

const char *
handset_call_event_get_sender (HandsetCallEvent *self)
{
  return self->sender;
}

/**
 * handset_call_event_get_event_id:
 *
 * Returns: (nullable): the event ID
 */
const char *
handset_call_event_get_event_id (HandsetCallEvent *self)
{
  return self->event_id;
}

const char *
handset_call_event_get_call_id (HandsetCallEvent *self)
{
  return self->call_id;
}

/**
 * handset_call_event_get_party_id:
 *
 * Returns: (nullable): the sender's party ID; %NULL for version 0
 */
const char *
handset_call_event_get_party_id (HandsetCallEvent *self)
{
  return self->party_id;
}

/**
 * handset_call_event_get_version:
 *
 * Returns: 0 for version 0, 1 for version 1 and anything later
 */
int
handset_call_event_get_version (HandsetCallEvent *self)
{
  return self->version;
}

/**
 * handset_call_event_get_age_ms:
 *
 * Returns: the `unsigned.age` the server gave, or -1
 */
gint64
handset_call_event_get_age_ms (HandsetCallEvent *self)
{
  return self->age_ms;
}

gint64
handset_call_event_get_received_time (HandsetCallEvent *self)
{
  return self->received_us;
}

/**
 * handset_call_event_get_age_now_ms:
 * @now_us: the monotonic time now
 *
 * How old the event is now: its age when the server sent it plus the time
 * since it arrived. Clocks of other machines play no part. An event
 * without an age counts as new when it arrived.
 */
gint64
handset_call_event_get_age_now_ms (HandsetCallEvent *self, gint64 now_us)
{
  gint64 age = MAX (self->age_ms, 0);
  gint64 elapsed = MAX (now_us - self->received_us, 0) / 1000;

  /* A hostile age must not wrap around and make an old event new. */
  return age > G_MAXINT64 - elapsed ? G_MAXINT64 : age + elapsed;
}

/**
 * handset_call_event_get_sdp:
 *
 * Returns: (nullable): the SDP of an invite, answer or negotiate
 */
const char *
handset_call_event_get_sdp (HandsetCallEvent *self)
{
  return self->sdp;
}

/**
 * handset_call_event_get_description_type:
 *
 * Returns: (nullable): `offer` or `answer`, for a negotiate
 */
const char *
handset_call_event_get_description_type (HandsetCallEvent *self)
{
  return self->description_type;
}

gint64
handset_call_event_get_lifetime (HandsetCallEvent *self)
{
  return self->lifetime;
}

/**
 * handset_call_event_get_invitee:
 *
 * Returns: (nullable): whom an invite is for
 */
const char *
handset_call_event_get_invitee (HandsetCallEvent *self)
{
  return self->invitee;
}

const char *
handset_call_event_get_selected_party_id (HandsetCallEvent *self)
{
  return self->selected_party_id;
}

/**
 * handset_call_event_get_reason:
 *
 * Returns: (nullable): a hangup's reason; `user_hangup` when it gave none
 */
const char *
handset_call_event_get_reason (HandsetCallEvent *self)
{
  return self->reason;
}

/**
 * handset_call_event_get_candidates:
 *
 * Returns: (transfer none) (element-type HandsetIceCandidate) (nullable):
 *   the usable candidates of an m.call.candidates
 */
GPtrArray *
handset_call_event_get_candidates (HandsetCallEvent *self)
{
  return self->candidates;
}

/**
 * handset_call_event_get_stream_metadata:
 *
 * Returns: (transfer none) (nullable): the `sdp_stream_metadata`
 */
JsonObject *
handset_call_event_get_stream_metadata (HandsetCallEvent *self)
{
  return self->stream_metadata;
}

gboolean
handset_call_event_get_dtmf (HandsetCallEvent *self)
{
  return self->dtmf;
}

/* ------------------------------------------------------------------ builders */
