/* handset-call-event-build.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The content of every m.call.* event we send. Builders write version "1"
 * and a party_id on every event, as VoIP v1 asks.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-event.h"
#include "handset-call-ids.h"

static JsonObject *
common (const char *call_id, const char *party_id)
{
  JsonObject *content = json_object_new ();

  g_return_val_if_fail (handset_call_id_is_valid (call_id), content);
  g_return_val_if_fail (handset_call_id_is_valid (party_id), content);

  json_object_set_string_member (content, "call_id", call_id);
  json_object_set_string_member (content, "party_id", party_id);
  json_object_set_string_member (content, "version", "1");

  return content;
}

static void
set_description (JsonObject *content, const char *name, const char *type, const char *sdp)
{
  JsonObject *description = json_object_new ();

  json_object_set_string_member (description, "type", type);
  json_object_set_string_member (description, "sdp", sdp);
  json_object_set_object_member (content, name, description);
}

static void
set_metadata (JsonObject *content, JsonObject *stream_metadata)
{
  if (stream_metadata != NULL)
    json_object_set_object_member (content, "sdp_stream_metadata",
                                   json_object_ref (stream_metadata));
}

/**
 * handset_call_event_build_invite:
 * @invitee: (nullable): the user called
 * @stream_metadata: (nullable): as from handset_call_event_build_stream_metadata()
 *
 * Returns: (transfer full): the content of an m.call.invite
 */
JsonObject *
handset_call_event_build_invite (const char *call_id,
                                 const char *party_id,
                                 const char *sdp,
                                 gint64 lifetime,
                                 const char *invitee,
                                 JsonObject *stream_metadata)
{
  JsonObject *content = common (call_id, party_id);

  set_description (content, "offer", "offer", sdp);
  json_object_set_int_member (content, "lifetime", lifetime);
  if (invitee != NULL)
    json_object_set_string_member (content, "invitee", invitee);
  set_metadata (content, stream_metadata);

  return content;
}

/**
 * handset_call_event_set_capabilities:
 * @content: an m.call.invite or m.call.answer being built
 * @dtmf: whether this side can send tones (§17 #63)
 *
 * What this side can do, for the peer to show, as `capabilities`.
 */
void
handset_call_event_set_capabilities (JsonObject *content, gboolean dtmf)
{
  JsonObject *capabilities = json_object_new ();

  json_object_set_boolean_member (capabilities, "m.call.dtmf", dtmf);
  json_object_set_object_member (content, "capabilities", capabilities);
}

/**
 * handset_call_event_build_answer:
 *
 * Returns: (transfer full): the content of an m.call.answer
 */
JsonObject *
handset_call_event_build_answer (const char *call_id,
                                 const char *party_id,
                                 const char *sdp,
                                 JsonObject *stream_metadata)
{
  JsonObject *content = common (call_id, party_id);

  set_description (content, "answer", "answer", sdp);
  set_metadata (content, stream_metadata);

  return content;
}

/**
 * handset_call_event_build_candidates:
 * @candidates: (element-type HandsetIceCandidate): in order; an end of
 *   candidates goes last, with neither sdpMid nor sdpMLineIndex
 *
 * Returns: (transfer full): the content of an m.call.candidates
 */
JsonObject *
handset_call_event_build_candidates (const char *call_id,
                                     const char *party_id,
                                     GPtrArray *candidates)
{
  JsonObject *content = common (call_id, party_id);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < candidates->len; i++)
    {
      HandsetIceCandidate *candidate = g_ptr_array_index (candidates, i);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "candidate", candidate->candidate);
      if (!handset_ice_candidate_is_end (candidate))
        {
          if (candidate->sdp_mid != NULL)
            json_object_set_string_member (item, "sdpMid", candidate->sdp_mid);
          if (candidate->sdp_mline_index >= 0)
            json_object_set_int_member (item, "sdpMLineIndex", candidate->sdp_mline_index);
        }
      json_array_add_object_element (array, item);
    }
  json_object_set_array_member (content, "candidates", array);

  return content;
}

/**
 * handset_call_event_build_select_answer:
 *
 * Returns: (transfer full): the content of an m.call.select_answer
 */
JsonObject *
handset_call_event_build_select_answer (const char *call_id,
                                        const char *party_id,
                                        const char *selected_party_id)
{
  JsonObject *content = common (call_id, party_id);

  json_object_set_string_member (content, "selected_party_id", selected_party_id);

  return content;
}

/**
 * handset_call_event_build_reject:
 *
 * Returns: (transfer full): the content of an m.call.reject: no reason,
 *   rejecting always means the person declined
 */
JsonObject *
handset_call_event_build_reject (const char *call_id, const char *party_id)
{
  return common (call_id, party_id);
}

/**
 * handset_call_event_build_negotiate:
 * @description_type: `offer` or `answer`
 *
 * Returns: (transfer full): the content of an m.call.negotiate
 */
JsonObject *
handset_call_event_build_negotiate (const char *call_id,
                                    const char *party_id,
                                    const char *description_type,
                                    const char *sdp,
                                    gint64 lifetime,
                                    JsonObject *stream_metadata)
{
  JsonObject *content = common (call_id, party_id);

  set_description (content, "description", description_type, sdp);
  json_object_set_int_member (content, "lifetime", lifetime);
  set_metadata (content, stream_metadata);

  return content;
}

/**
 * handset_call_event_build_hangup:
 * @reason: one of the HANDSET_HANGUP_ reasons
 *
 * Returns: (transfer full): the content of an m.call.hangup
 */
JsonObject *
handset_call_event_build_hangup (const char *call_id, const char *party_id, const char *reason)
{
  JsonObject *content = common (call_id, party_id);

  json_object_set_string_member (content, "reason", reason ? reason : HANDSET_HANGUP_USER_HANGUP);

  return content;
}

/**
 * handset_call_event_build_sdp_stream_metadata_changed:
 *
 * Returns: (transfer full): the content of an
 *   m.call.sdp_stream_metadata_changed
 */
JsonObject *
handset_call_event_build_sdp_stream_metadata_changed (const char *call_id,
                                                      const char *party_id,
                                                      JsonObject *stream_metadata)
{
  JsonObject *content = common (call_id, party_id);

  set_metadata (content, stream_metadata);

  return content;
}
