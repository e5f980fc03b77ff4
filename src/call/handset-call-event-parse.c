/* handset-call-event-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a room event into a HandsetCallEvent. Parsing checks what the
 * call layer relies on: the ID grammar, the required fields and their
 * types, and sizes beyond which an event is an attack rather than a call.
 * Unknown keys are ignored.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-event-private.h"
#include "handset-call-ids.h"

static JsonNode *
member (JsonObject *object, const char *name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

static const char *
get_string (JsonObject *object, const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object, const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static gboolean
get_integer (JsonObject *object, const char *name, gint64 *value)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, HANDSET_CALL_EVENT_ERROR, HANDSET_CALL_EVENT_ERROR_INVALID, message);

  return FALSE;
}

/* A half-parsed event, freed whole when parsing fails. */
typedef HandsetCallEvent HandsetCallEventOwned;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetCallEventOwned, handset_call_event_free)

/* `offer`, `answer` or `description`: an RTCSessionDescriptionInit. Its
 * `type` is not checked, as the spec asks; the SDP must be a string of a
 * sane size. */
static gboolean
parse_description (HandsetCallEvent *self, JsonObject *content, const char *name, GError **error)
{
  JsonObject *description = get_object (content, name);
  const char *sdp = get_string (description, "sdp");
  const char *type = get_string (description, "type");

  if (sdp == NULL)
    return invalid (error, "%s.sdp is missing or not a string", name);
  if (strlen (sdp) > HANDSET_CALL_EVENT_MAX_SDP)
    return invalid (error, "%s.sdp is %zu bytes, more than %d", name, strlen (sdp),
                    HANDSET_CALL_EVENT_MAX_SDP);

  self->sdp = g_strdup (sdp);
  self->description_type = g_strdup (type);

  return TRUE;
}

static gboolean
parse_lifetime (HandsetCallEvent *self, JsonObject *content, GError **error)
{
  if (!get_integer (content, "lifetime", &self->lifetime) || self->lifetime <= 0)
    return invalid (error, "lifetime is missing or not a positive integer");

  return TRUE;
}

static void
parse_stream_metadata (HandsetCallEvent *self, JsonObject *content)
{
  JsonObject *metadata = get_object (content, "sdp_stream_metadata");

  /* The MSC3077 name, from clients that predate Matrix 1.10. */
  if (metadata == NULL)
    metadata = get_object (content, "org.matrix.msc3077.sdp_stream_metadata");
  if (metadata != NULL)
    self->stream_metadata = json_object_ref (metadata);
}

static void
parse_capabilities (HandsetCallEvent *self, JsonObject *content)
{
  JsonNode *dtmf = member (get_object (content, "capabilities"), "m.call.dtmf");

  /* Anything but boolean true means no. */
  self->dtmf = dtmf != NULL && JSON_NODE_HOLDS_VALUE (dtmf) &&
               json_node_get_value_type (dtmf) == G_TYPE_BOOLEAN && json_node_get_boolean (dtmf);
}

static gboolean
parse_candidates (HandsetCallEvent *self, JsonObject *content, GError **error)
{
  JsonNode *node = member (content, "candidates");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "candidates is missing or not an array");

  array = json_node_get_array (node);
  if (json_array_get_length (array) > HANDSET_CALL_EVENT_MAX_CANDIDATES)
    return invalid (error, "%u candidates, more than %d", json_array_get_length (array),
                    HANDSET_CALL_EVENT_MAX_CANDIDATES);

  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item_node = json_array_get_element (array, i);
      JsonObject *item =
          JSON_NODE_HOLDS_OBJECT (item_node) ? json_node_get_object (item_node) : NULL;
      const char *candidate = get_string (item, "candidate");
      const char *sdp_mid = get_string (item, "sdpMid");
      gint64 index = -1;
      JsonNode *index_node = member (item, "sdpMLineIndex");

      if (candidate == NULL || strlen (candidate) > HANDSET_CALL_EVENT_MAX_CANDIDATE)
        {
          g_debug ("Candidate %u of call %s dropped: no usable candidate string", i, self->call_id);
          continue;
        }
      /* A number, which JSON may write as 0 or 0.0. */
      if (index_node != NULL && JSON_NODE_HOLDS_VALUE (index_node))
        {
          GType value_type = json_node_get_value_type (index_node);

          if (value_type == G_TYPE_INT64)
            index = json_node_get_int (index_node);
          else if (value_type == G_TYPE_DOUBLE)
            {
              double d = json_node_get_double (index_node);

              /* Only whole numbers in range: a cast of anything else is
               * undefined. */
              if (d >= 0 && d <= G_MAXINT16 && d == (double) (gint64) d)
                index = (gint64) d;
            }
          if (index < 0 || index > G_MAXINT16)
            index = -1;
        }
      if (sdp_mid != NULL && strlen (sdp_mid) > 64)
        sdp_mid = NULL;

      if (*candidate != '\0' && sdp_mid == NULL && index < 0)
        {
          g_debug ("Candidate %u of call %s dropped: neither sdpMid nor sdpMLineIndex", i,
                   self->call_id);
          continue;
        }

      g_ptr_array_add (self->candidates,
                       handset_ice_candidate_new (candidate, sdp_mid, (int) index));
    }

  return TRUE;
}

static gboolean
parse_content (HandsetCallEvent *self, JsonObject *content, GError **error)
{
  const char *call_id = get_string (content, "call_id");
  JsonNode *version = member (content, "version");

  if (call_id == NULL || !handset_call_id_is_valid (call_id))
    return invalid (error, "call_id is missing or outside the ID grammar");
  self->call_id = g_strdup (call_id);

  /* Integer 0 is version 0; any other value is version 1 or a compatible
   * later one. */
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version))
    return invalid (error, "version is missing");
  self->version =
      (json_node_get_value_type (version) == G_TYPE_INT64 && json_node_get_int (version) == 0) ? 0
                                                                                               : 1;

  if (self->version >= 1)
    {
      const char *party_id = get_string (content, "party_id");

      if (party_id == NULL || !handset_call_id_is_valid (party_id))
        return invalid (error, "party_id is missing or outside the ID grammar");
      self->party_id = g_strdup (party_id);
    }

  switch (self->type)
    {
      case HANDSET_CALL_EVENT_INVITE:
        {
          JsonNode *invitee = member (content, "invitee");

          if (!parse_description (self, content, "offer", error) ||
              !parse_lifetime (self, content, error))
            return FALSE;
          if (invitee != NULL && !JSON_NODE_HOLDS_NULL (invitee))
            {
              const char *value = get_string (content, "invitee");

              if (value == NULL || value[0] != '@' || strlen (value) > 255)
                return invalid (error, "invitee is not a user ID");
              self->invitee = g_strdup (value);
            }
          parse_stream_metadata (self, content);
          parse_capabilities (self, content);
        }
        break;

      case HANDSET_CALL_EVENT_ANSWER:
        if (!parse_description (self, content, "answer", error))
          return FALSE;
        parse_stream_metadata (self, content);
        parse_capabilities (self, content);
        break;

      case HANDSET_CALL_EVENT_CANDIDATES:
        if (!parse_candidates (self, content, error))
          return FALSE;
        break;

      case HANDSET_CALL_EVENT_SELECT_ANSWER:
        {
          const char *selected = get_string (content, "selected_party_id");

          if (selected == NULL || !handset_call_id_is_valid (selected))
            return invalid (error, "selected_party_id is missing or outside the ID grammar");
          self->selected_party_id = g_strdup (selected);
        }
        break;

      case HANDSET_CALL_EVENT_REJECT:
        break;

      case HANDSET_CALL_EVENT_NEGOTIATE:
        if (!parse_description (self, content, "description", error) ||
            !parse_lifetime (self, content, error))
          return FALSE;
        if (g_strcmp0 (self->description_type, "offer") != 0 &&
            g_strcmp0 (self->description_type, "answer") != 0)
          return invalid (error, "description.type is neither offer nor answer");
        parse_stream_metadata (self, content);
        break;

      case HANDSET_CALL_EVENT_HANGUP:
        {
          JsonNode *reason = member (content, "reason");

          /* No reason means user_hangup; an unknown one is kept as it is. */
          if (reason == NULL || JSON_NODE_HOLDS_NULL (reason) ||
              g_strcmp0 (get_string (content, "reason"), "") == 0)
            self->reason = g_strdup (HANDSET_HANGUP_USER_HANGUP);
          else if (get_string (content, "reason") != NULL &&
                   strlen (get_string (content, "reason")) <= HANDSET_CALL_EVENT_MAX_REASON)
            self->reason = g_strdup (get_string (content, "reason"));
          else
            return invalid (error, "reason is not a string of a sane length");
        }
        break;

      case HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED:
        parse_stream_metadata (self, content);
        if (self->stream_metadata == NULL)
          return invalid (error, "sdp_stream_metadata is missing or not an object");
        break;

      default:
        g_assert_not_reached ();
    }

  return TRUE;
}

/**
 * handset_call_event_parse:
 * @event: a room event from a sync batch
 * @room_id: the room it came in
 * @received_us: the monotonic time the batch arrived
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with
 *   %HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT for other event types and
 *   %HANDSET_CALL_EVENT_ERROR_INVALID for call events that break the rules
 */
HandsetCallEvent *
handset_call_event_parse (JsonObject *event,
                          const char *room_id,
                          gint64 received_us,
                          GError **error)
{
  g_autoptr (HandsetCallEventOwned) self = NULL;
  HandsetCallEventType type;
  JsonObject *content;
  const char *sender;
  JsonNode *age;

  if (!handset_call_event_type_from_string (get_string (event, "type"), &type))
    {
      g_set_error_literal (error, HANDSET_CALL_EVENT_ERROR,
                           HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT, "not a call event");
      return NULL;
    }

  self = g_new0 (HandsetCallEvent, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->type = type;
  self->room_id = g_strdup (room_id);
  self->received_us = received_us;

  sender = get_string (event, "sender");
  content = get_object (event, "content");
  if (sender == NULL || sender[0] != '@' || strlen (sender) > 255)
    {
      invalid (error, "%s without a sender", handset_call_event_type_to_string (type));
      return NULL;
    }
  if (content == NULL)
    {
      invalid (error, "%s without content", handset_call_event_type_to_string (type));
      return NULL;
    }
  self->sender = g_strdup (sender);
  self->event_id = g_strdup (get_string (event, "event_id"));

  age = member (get_object (event, "unsigned"), "age");
  self->age_ms =
      (age != NULL && JSON_NODE_HOLDS_VALUE (age) && json_node_get_value_type (age) == G_TYPE_INT64)
          ? MAX (json_node_get_int (age), 0)
          : -1;

  if (!parse_content (self, content, error))
    return NULL;

  return g_steal_pointer (&self);
}
