/* handset-call-event.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The only code that reads or writes m.call.* JSON. Parsing checks what the
 * call layer relies on: the ID grammar, the required fields and their types,
 * and sizes beyond which an event is an attack rather than a call. Unknown
 * keys are ignored. Builders write version "1" and a party_id on every
 * event, as VoIP v1 asks.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-event.h"
#include "handset-call-ids.h"

struct _HandsetCallEvent
{
  gatomicrefcount ref_count;

  HandsetCallEventType type;
  char *room_id;
  char *sender;
  char *event_id;
  char *call_id;
  char *party_id;
  int version;
  gint64 age_ms;
  gint64 received_us;
  char *sdp;
  char *description_type;
  gint64 lifetime;
  char *invitee;
  char *selected_party_id;
  char *reason;
  GPtrArray *candidates;
  JsonObject *stream_metadata;
  gboolean dtmf;
};

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

/* ------------------------------------------------------------------ candidates */

/* ------------------------------------------------------------------ parsing */

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

static void
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
      invalid (error, "%s without a sender", type_names[type]);
      return NULL;
    }
  if (content == NULL)
    {
      invalid (error, "%s without content", type_names[type]);
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

/**
 * handset_call_event_add_screenshare:
 * @metadata: an `sdp_stream_metadata` map
 * @stream_id: the msid stream ID of our screen share
 *
 * Adds our screen share to @metadata: purpose `m.screenshare`, video
 * only.
 */
void
handset_call_event_add_screenshare (JsonObject *metadata, const char *stream_id)
{
  JsonObject *stream = json_object_new ();

  json_object_set_string_member (stream, "purpose", "m.screenshare");
  json_object_set_boolean_member (stream, "audio_muted", TRUE);
  json_object_set_boolean_member (stream, "video_muted", FALSE);
  json_object_set_object_member (metadata, stream_id, stream);
}

/**
 * handset_call_event_metadata_streams:
 * @metadata: (nullable): the peer's `sdp_stream_metadata`
 * @purpose: which streams: `m.usermedia` or `m.screenshare`
 * @video_muted: (out) (optional): whether the first such stream says its
 *   video is muted
 *
 * Reads the streams of @metadata with that purpose; anything that is not
 * an object with a string purpose is skipped.
 *
 * Returns: (transfer full): their stream IDs, %NULL-terminated (empty
 *   when there are none)
 */
char **
handset_call_event_metadata_streams (JsonObject *metadata,
                                     HandsetMediaPurpose purpose,
                                     gboolean *video_muted)
{
  const char *wanted =
      purpose == HANDSET_MEDIA_PURPOSE_SCREENSHARE ? "m.screenshare" : "m.usermedia";
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GList) streams = NULL;
  gboolean first = TRUE;

  if (video_muted != NULL)
    *video_muted = FALSE;
  if (metadata != NULL)
    streams = json_object_get_members (metadata);
  for (GList *l = streams; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (metadata, l->data);
      JsonObject *stream = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *kind = stream ? json_object_get_member (stream, "purpose") : NULL;
      JsonNode *flag;

      if (kind == NULL || !JSON_NODE_HOLDS_VALUE (kind) ||
          json_node_get_value_type (kind) != G_TYPE_STRING ||
          g_strcmp0 (json_node_get_string (kind), wanted) != 0)
        continue;
      g_strv_builder_add (builder, l->data);
      if (!first || video_muted == NULL)
        continue;
      first = FALSE;
      flag = json_object_get_member (stream, "video_muted");
      *video_muted = flag && JSON_NODE_HOLDS_VALUE (flag) &&
                     json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                     json_node_get_boolean (flag);
    }

  return g_strv_builder_end (builder);
}

/**
 * handset_call_event_build_stream_metadata:
 * @stream_id: the msid stream ID of our camera and microphone stream
 *
 * Returns: (transfer full): an `sdp_stream_metadata` map with that one
 *   stream
 */
JsonObject *
handset_call_event_build_stream_metadata (const char *stream_id,
                                          gboolean audio_muted,
                                          gboolean video_muted)
{
  JsonObject *metadata = json_object_new ();
  JsonObject *stream = json_object_new ();

  json_object_set_string_member (stream, "purpose", "m.usermedia");
  json_object_set_boolean_member (stream, "audio_muted", audio_muted);
  json_object_set_boolean_member (stream, "video_muted", video_muted);
  json_object_set_object_member (metadata, stream_id, stream);

  return metadata;
}
