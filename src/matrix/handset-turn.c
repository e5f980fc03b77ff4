/* handset-turn.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TURN credentials from the homeserver, refreshed at 90 % of their
 * lifetime so a call never starts with expired ones. An empty answer
 * (`200 {}`) means the homeserver offers no TURN: calls go ahead without.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-sync-batch.h"
#include "handset-turn.h"

/* When the homeserver offers no TURN, ask again now and then: its
 * administrator may add it. */
#define NO_TURN_RECHECK_S 3600
#define RETRY_FIRST_S     5
#define RETRY_MAX_S       300

struct _HandsetTurn
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  GCancellable *cancellable;
  GStrv uris;
  char *username;
  char *password;
  guint ttl;
  guint timer_id;
  guint retry_s;
  guint refresh_count;
  gboolean known;
};

G_DEFINE_FINAL_TYPE (HandsetTurn, handset_turn, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void fetch (HandsetTurn *self);

/**
 * handset_turn_refresh_delay_ms:
 * @ttl_s: the credentials' lifetime in seconds
 *
 * Returns: when to fetch new credentials: at 90 % of @ttl_s
 */
guint
handset_turn_refresh_delay_ms (guint ttl_s)
{
  return (guint) MIN ((guint64) ttl_s * 900, G_MAXUINT);
}

static gboolean
timer_cb (gpointer user_data)
{
  HandsetTurn *self = HANDSET_TURN (user_data);

  self->timer_id = 0;
  fetch (self);

  return G_SOURCE_REMOVE;
}

static void
schedule (HandsetTurn *self, guint delay_ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add (delay_ms, timer_cb, self);
}

static void
clear_credentials (HandsetTurn *self)
{
  g_clear_pointer (&self->uris, g_strfreev);
  g_clear_pointer (&self->username, g_free);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
  self->ttl = 0;
}

static void
turn_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetTurn) self = HANDSET_TURN (user_data);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *uris_node, *ttl_node;
  const char *username, *password;
  gint64 ttl = 0;

  response =
      handset_matrix_client_get_turn_server_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (response == NULL)
    {
      /* Keep what we have until it expires; ask again with a backoff. */
      self->retry_s = self->retry_s ? MIN (self->retry_s * 2, RETRY_MAX_S) : RETRY_FIRST_S;
      g_message ("TURN credentials not fetched, trying again in %u s: %s", self->retry_s,
                 error->message);
      schedule (self, self->retry_s * 1000);
      return;
    }
  self->retry_s = 0;
  self->refresh_count++;

  uris_node = json_object_get_member (response, "uris");
  ttl_node = json_object_get_member (response, "ttl");
  username = handset_event_get_string (response, "username");
  password = handset_event_get_string (response, "password");
  if (ttl_node != NULL && JSON_NODE_HOLDS_VALUE (ttl_node) &&
      json_node_get_value_type (ttl_node) == G_TYPE_INT64)
    ttl = json_node_get_int (ttl_node);

  if (uris_node != NULL && JSON_NODE_HOLDS_ARRAY (uris_node))
    {
      JsonArray *uris = json_node_get_array (uris_node);

      for (guint i = 0; i < json_array_get_length (uris); i++)
        {
          JsonNode *uri = json_array_get_element (uris, i);

          if (JSON_NODE_HOLDS_VALUE (uri) && json_node_get_value_type (uri) == G_TYPE_STRING &&
              (g_str_has_prefix (json_node_get_string (uri), "turn:") ||
               g_str_has_prefix (json_node_get_string (uri), "turns:")))
            g_strv_builder_add (builder, json_node_get_string (uri));
        }
    }

  clear_credentials (self);
  self->known = TRUE;
  self->uris = g_strv_builder_end (builder);

  if (self->uris[0] == NULL || username == NULL || password == NULL || ttl <= 0)
    {
      /* 200 {} and anything short of usable credentials: no TURN. */
      g_debug ("The homeserver offers no TURN server");
      g_clear_pointer (&self->uris, g_strfreev);
      schedule (self, NO_TURN_RECHECK_S * 1000);
    }
  else
    {
      self->username = g_strdup (username);
      self->password = g_strdup (password);
      self->ttl = (guint) MIN (ttl, G_MAXUINT / 1000);
      g_debug ("TURN: %u servers, valid %u s", g_strv_length (self->uris), self->ttl);
      schedule (self, handset_turn_refresh_delay_ms (self->ttl));
    }

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
fetch (HandsetTurn *self)
{
  handset_matrix_client_get_turn_server_async (self->client, self->cancellable, turn_cb,
                                               g_object_ref (self));
}

static void
handset_turn_dispose (GObject *object)
{
  HandsetTurn *self = HANDSET_TURN (object);

  handset_turn_stop (self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (handset_turn_parent_class)->dispose (object);
}

static void
handset_turn_finalize (GObject *object)
{
  clear_credentials (HANDSET_TURN (object));

  G_OBJECT_CLASS (handset_turn_parent_class)->finalize (object);
}

static void
handset_turn_class_init (HandsetTurnClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_turn_dispose;
  object_class->finalize = handset_turn_finalize;

  /**
   * HandsetTurn::changed:
   *
   * New credentials, or news that there is no TURN.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
handset_turn_init (HandsetTurn *self)
{
}

HandsetTurn *
handset_turn_new (HandsetMatrixClient *client)
{
  HandsetTurn *self = g_object_new (HANDSET_TYPE_TURN, NULL);

  self->client = g_object_ref (client);

  return self;
}

/**
 * handset_turn_start:
 *
 * Fetches credentials now, and keeps them fresh until stopped.
 */
void
handset_turn_start (HandsetTurn *self)
{
  g_return_if_fail (HANDSET_IS_TURN (self));

  if (self->cancellable != NULL)
    return;

  self->cancellable = g_cancellable_new ();
  fetch (self);
}

void
handset_turn_stop (HandsetTurn *self)
{
  g_return_if_fail (HANDSET_IS_TURN (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/**
 * handset_turn_is_known:
 *
 * Returns: whether the homeserver has answered at least once
 */
gboolean
handset_turn_is_known (HandsetTurn *self)
{
  return self->known;
}

gboolean
handset_turn_has_servers (HandsetTurn *self)
{
  return self->uris != NULL && self->uris[0] != NULL;
}

/**
 * handset_turn_get_uris:
 *
 * Returns: (nullable) (transfer none): the `turn:` and `turns:` URIs
 */
const char *const *
handset_turn_get_uris (HandsetTurn *self)
{
  return (const char *const *) self->uris;
}

const char *
handset_turn_get_username (HandsetTurn *self)
{
  return self->username;
}

/**
 * handset_turn_get_password:
 *
 * A secret: never log it.
 */
const char *
handset_turn_get_password (HandsetTurn *self)
{
  return self->password;
}

guint
handset_turn_get_ttl (HandsetTurn *self)
{
  return self->ttl;
}

/**
 * handset_turn_get_refresh_count:
 *
 * Returns: how many answers the homeserver gave so far
 */
guint
handset_turn_get_refresh_count (HandsetTurn *self)
{
  return self->refresh_count;
}
