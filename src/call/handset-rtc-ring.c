/* handset-rtc-ring.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call placed with Element Call (MatrixRTC) rings with a notification
 * event in the room: `m.rtc.notification` (MSC4075, sent today under
 * `org.matrix.msc4075.rtc.notification`) or the older `m.call.notify`.
 * Handset cannot join such a call (its media go through an SFU that
 * Handset does not speak), but it tells the user that someone calls, for
 * as long as the ring lives, and can decline it (MSC4310).
 *
 * Everything here comes from other people's clients: each field is checked
 * for its type, and a ring lasts at most HANDSET_RTC_RING_MAX_LIFETIME_MS
 * whatever it says.
 */
#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <string.h>

#include "handset-json.h"
#include "handset-rtc-ring.h"

struct _HandsetRtcRing
{
  GObject parent_instance;

  char *room_id;
  char *event_id;
  char *sender;
  gboolean video;
  gboolean audible;
  gint64 started_ms;
  gint64 expires_ms;
  HandsetRtcRingState state;
};

G_DEFINE_FINAL_TYPE (HandsetRtcRing, handset_rtc_ring, G_TYPE_OBJECT)
G_DEFINE_QUARK (handset - rtc - ring - error - quark, handset_rtc_ring_error)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
handset_rtc_ring_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetRtcRing *self = HANDSET_RTC_RING (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_int (value, self->state);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_rtc_ring_finalize (GObject *object)
{
  HandsetRtcRing *self = HANDSET_RTC_RING (object);

  g_free (self->room_id);
  g_free (self->event_id);
  g_free (self->sender);

  G_OBJECT_CLASS (handset_rtc_ring_parent_class)->finalize (object);
}

static void
handset_rtc_ring_class_init (HandsetRtcRingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_rtc_ring_get_property;
  object_class->finalize = handset_rtc_ring_finalize;

  props[PROP_STATE] =
      g_param_spec_int ("state", NULL, NULL, HANDSET_RTC_RING_RINGING, HANDSET_RTC_RING_MISSED,
                        HANDSET_RTC_RING_RINGING, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_rtc_ring_init (HandsetRtcRing *self)
{
}

/* ------------------------------------------------------------------ types */

gboolean
handset_rtc_ring_is_notification_type (const char *type)
{
  return g_strcmp0 (type, "m.rtc.notification") == 0 ||
         g_strcmp0 (type, "org.matrix.msc4075.rtc.notification") == 0 ||
         g_strcmp0 (type, "m.call.notify") == 0 ||
         g_strcmp0 (type, "org.matrix.msc4075.call.notify") == 0;
}

static gboolean
is_legacy_type (const char *type)
{
  return g_str_has_suffix (type, ".call.notify");
}

gboolean
handset_rtc_ring_is_decline_type (const char *type)
{
  return g_strcmp0 (type, "m.rtc.decline") == 0 || g_strcmp0 (type, HANDSET_RTC_DECLINE_TYPE) == 0;
}

/* A MatrixRTC membership: the state event of the first implementations,
 * or the sticky timeline event of MSC4143. */
gboolean
handset_rtc_ring_is_member_type (const char *type)
{
  return g_strcmp0 (type, "org.matrix.msc3401.call.member") == 0 ||
         g_strcmp0 (type, "m.call.member") == 0 || g_strcmp0 (type, "m.rtc.member") == 0 ||
         g_strcmp0 (type, "org.matrix.msc4143.rtc.member") == 0;
}

/* ------------------------------------------------------------------ parsing */

/* Whether @mentions name @user_id, or the whole room. */
static gboolean
mentions_user (JsonObject *mentions, const char *user_id)
{
  JsonNode *room = json_object_get_member (mentions, "room");
  JsonNode *users = json_object_get_member (mentions, "user_ids");

  if (room != NULL && JSON_NODE_HOLDS_VALUE (room) &&
      json_node_get_value_type (room) == G_TYPE_BOOLEAN && json_node_get_boolean (room))
    return TRUE;
  if (users == NULL || !JSON_NODE_HOLDS_ARRAY (users))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (users)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (users), i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), user_id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Empty but for its sticky key (MSC4354): the sender withdraws it. */
static gboolean
is_withdrawal (JsonObject *content)
{
  g_autoptr (GList) members = json_object_get_members (content);

  for (GList *l = members; l != NULL; l = l->next)
    if (g_strcmp0 (l->data, "msc4354_sticky_key") != 0)
      return FALSE;

  return TRUE;
}

/**
 * handset_rtc_ring_parse:
 * @event: a room event, decrypted where it came encrypted
 * @now_ms: the time now, in milliseconds since the epoch
 *
 * Reads a MatrixRTC call notification. Only one that rings or notifies
 * @own_user_id, from someone else, whose lifetime is not over, is a ring.
 * Its lifetime counts from the sender's `sender_ts`, or from
 * `origin_server_ts` when the two are more than 20 s apart (MSC4075), and
 * is cut to two minutes.
 *
 * Returns: (transfer full) (nullable): the ring, or %NULL with @error set
 *   from %HANDSET_RTC_RING_ERROR
 */
HandsetRtcRing *
handset_rtc_ring_parse (JsonObject *event,
                        const char *room_id,
                        const char *own_user_id,
                        gint64 now_ms,
                        GError **error)
{
  const char *type = handset_json_get_string (event, "type");
  JsonObject *content = handset_json_get_object (event, "content");
  const char *sender = handset_json_get_string (event, "sender");
  const char *event_id = handset_json_get_string (event, "event_id");
  JsonObject *fields;
  JsonObject *mentions;
  const char *kind;
  const char *intent;
  gint64 origin_ts = 0, sender_ts = 0, lifetime = 0, basis;
  g_autoptr (HandsetRtcRing) self = NULL;

  if (!handset_rtc_ring_is_notification_type (type))
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_NOT_A_RING,
                   "Not a MatrixRTC notification");
      return NULL;
    }
  if (content == NULL || sender == NULL || event_id == NULL || room_id == NULL ||
      !handset_json_get_int (event, "origin_server_ts", &origin_ts))
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_MALFORMED,
                   "A notification without content, sender, ID or time");
      return NULL;
    }
  if (is_withdrawal (content))
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_WITHDRAWN,
                   "The notification was withdrawn");
      return NULL;
    }
  if (g_strcmp0 (sender, own_user_id) == 0)
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_NOT_FOR_US,
                   "Our own notification");
      return NULL;
    }
  mentions = handset_json_get_object (content, "m.mentions");
  if (mentions == NULL)
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_MALFORMED,
                   "A notification without m.mentions");
      return NULL;
    }
  if (!mentions_user (mentions, own_user_id))
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_NOT_FOR_US,
                   "A notification for others");
      return NULL;
    }

  self = g_object_new (HANDSET_TYPE_RTC_RING, NULL);
  if (is_legacy_type (type))
    {
      /* m.call.notify: the application is a string, no time of its own. */
      if (g_strcmp0 (handset_json_get_string (content, "application"), "m.call") != 0)
        {
          g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_NOT_A_RING,
                       "A notification of an application that is not a call");
          return NULL;
        }
      kind = handset_json_get_string (content, "notify_type");
      self->audible = g_strcmp0 (kind, "notify") != 0;
      intent = handset_json_get_string (content, "m.call.intent");
      basis = origin_ts;
      lifetime = HANDSET_RTC_RING_DEFAULT_LIFETIME_MS;
    }
  else
    {
      /* The proposal has the call's fields in an `application` object;
       * matrix-js-sdk puts them in the content itself. */
      fields = handset_json_get_object (content, "application");
      if (fields != NULL && g_strcmp0 (handset_json_get_string (fields, "type"), "m.call") != 0)
        {
          g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_NOT_A_RING,
                       "A notification of an application that is not a call");
          return NULL;
        }
      if (fields == NULL)
        fields = content;
      if (!handset_json_get_int (fields, "sender_ts", &sender_ts) ||
          !handset_json_get_int (fields, "lifetime", &lifetime) || sender_ts < 0 || lifetime < 0)
        {
          g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_MALFORMED,
                       "A notification without a valid sender_ts and lifetime");
          return NULL;
        }
      kind = handset_json_get_string (fields, "notification_type");
      self->audible = g_strcmp0 (kind, "notification") != 0;
      intent = handset_json_get_string (fields, "m.call.intent");
      basis = ABS (sender_ts - origin_ts) > HANDSET_RTC_RING_MAX_SKEW_MS ? origin_ts : sender_ts;
    }

  lifetime = MIN (lifetime, HANDSET_RTC_RING_MAX_LIFETIME_MS);
  self->started_ms = basis;
  self->expires_ms = MIN (basis + lifetime, now_ms + HANDSET_RTC_RING_MAX_LIFETIME_MS);
  if (self->expires_ms <= now_ms)
    {
      g_set_error (error, HANDSET_RTC_RING_ERROR, HANDSET_RTC_RING_ERROR_EXPIRED,
                   "The notification's lifetime is over");
      return NULL;
    }
  self->room_id = g_strdup (room_id);
  self->event_id = g_strdup (event_id);
  self->sender = g_strdup (sender);
  self->video = g_strcmp0 (intent, "video") == 0;

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------ accessors */

const char *
handset_rtc_ring_get_room_id (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), NULL);
  return self->room_id;
}

/**
 * handset_rtc_ring_get_event_id:
 *
 * Returns: the notification event's ID, which names the ring
 */
const char *
handset_rtc_ring_get_event_id (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), NULL);
  return self->event_id;
}

const char *
handset_rtc_ring_get_sender (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), NULL);
  return self->sender;
}

/**
 * handset_rtc_ring_get_video:
 *
 * Returns: whether the caller meant a video call
 */
gboolean
handset_rtc_ring_get_video (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), FALSE);
  return self->video;
}

/**
 * handset_rtc_ring_get_audible:
 *
 * Returns: whether it asks to ring; otherwise a visual notice is enough
 */
gboolean
handset_rtc_ring_get_audible (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), FALSE);
  return self->audible;
}

/**
 * handset_rtc_ring_get_started_ms:
 *
 * Returns: when it started ringing, in milliseconds since the epoch
 */
gint64
handset_rtc_ring_get_started_ms (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), 0);
  return self->started_ms;
}

/**
 * handset_rtc_ring_get_expires_ms:
 *
 * Returns: when it stops ringing, in milliseconds since the epoch
 */
gint64
handset_rtc_ring_get_expires_ms (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), 0);
  return self->expires_ms;
}

HandsetRtcRingState
handset_rtc_ring_get_state (HandsetRtcRing *self)
{
  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), HANDSET_RTC_RING_CANCELLED);
  return self->state;
}

const char *
handset_rtc_ring_state_to_string (HandsetRtcRingState state)
{
  switch (state)
    {
      case HANDSET_RTC_RING_RINGING:
        return "ringing";
      case HANDSET_RTC_RING_DECLINED:
        return "declined";
      case HANDSET_RTC_RING_DECLINED_ELSEWHERE:
        return "declined_elsewhere";
      case HANDSET_RTC_RING_JOINED_ELSEWHERE:
        return "joined_elsewhere";
      case HANDSET_RTC_RING_CANCELLED:
        return "cancelled";
      case HANDSET_RTC_RING_MISSED:
        return "missed";
      default:
        return "unknown";
    }
}

/**
 * handset_rtc_ring_set_state:
 *
 * Ends the ring; a ring that ended stays as it ended.
 */
void
handset_rtc_ring_set_state (HandsetRtcRing *self, HandsetRtcRingState state)
{
  g_return_if_fail (HANDSET_IS_RTC_RING (self));

  if (self->state != HANDSET_RTC_RING_RINGING || state == self->state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/**
 * handset_rtc_ring_get_open_uri:
 *
 * Returns: (transfer full): a matrix.to link to the ring's room, which
 *   the user's Matrix client (Element, say) opens, through the sender's
 *   server
 */
char *
handset_rtc_ring_get_open_uri (HandsetRtcRing *self)
{
  const char *server;
  g_autofree char *room = NULL;
  g_autofree char *via = NULL;

  g_return_val_if_fail (HANDSET_IS_RTC_RING (self), NULL);

  room = g_uri_escape_string (self->room_id, "!:", FALSE);
  server = strchr (self->sender, ':');
  if (server == NULL || server[1] == '\0')
    return g_strdup_printf ("https://matrix.to/#/%s", room);
  via = g_uri_escape_string (server + 1, ":", FALSE);

  return g_strdup_printf ("https://matrix.to/#/%s?via=%s", room, via);
}
