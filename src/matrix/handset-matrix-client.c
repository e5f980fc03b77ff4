/* handset-matrix-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The client of the Client-Server API: which homeserver it talks to, who
 * it acts as (user, device, access token), whether it must log in again,
 * how often a request is tried again, and the transaction IDs of its sends.
 * Requests go through handset-matrix-request.c; the endpoints are in
 * handset-matrix-api.c, login in handset-matrix-login.c, discovery and
 * /versions in handset-matrix-discovery.c.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <libsoup/soup.h>

#include "handset-matrix-client-private.h"

/* Long-polls of /sync last 30 s; the I/O timeout must outlast them. */
#define IO_TIMEOUT_S            90
#define DEFAULT_NETWORK_RETRIES 8

G_DEFINE_FINAL_TYPE (HandsetMatrixClient, handset_matrix_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_HOMESERVER,
  PROP_USER_ID,
  PROP_DEVICE_ID,
  PROP_NEEDS_LOGIN,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* Set by a request the homeserver refused for an unknown token; cleared
 * by a new session. */
void
handset_matrix_client_set_needs_login (HandsetMatrixClient *self, gboolean needs_login)
{
  if (self->needs_login == needs_login)
    return;

  self->needs_login = needs_login;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NEEDS_LOGIN]);
}

/* ------------------------------------------------------------------ object */

static void
handset_matrix_client_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  switch (prop_id)
    {
      case PROP_HOMESERVER:
        g_value_set_string (value, self->homeserver);
        break;
      case PROP_USER_ID:
        g_value_set_string (value, self->user_id);
        break;
      case PROP_DEVICE_ID:
        g_value_set_string (value, self->device_id);
        break;
      case PROP_NEEDS_LOGIN:
        g_value_set_boolean (value, self->needs_login);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_matrix_client_set_property (GObject *object,
                                    guint prop_id,
                                    const GValue *value,
                                    GParamSpec *pspec)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  switch (prop_id)
    {
      case PROP_HOMESERVER:
        {
          const char *homeserver = g_value_get_string (value);
          gsize len = homeserver ? strlen (homeserver) : 0;

          /* Stored without a trailing slash, so paths append cleanly. */
          while (len > 0 && homeserver[len - 1] == '/')
            len--;
          g_free (self->homeserver);
          self->homeserver = homeserver ? g_strndup (homeserver, len) : NULL;
        }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_matrix_client_finalize (GObject *object)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->homeserver);
  g_free (self->user_id);
  g_free (self->device_id);
  if (self->access_token != NULL)
    {
      memset (self->access_token, 0, strlen (self->access_token));
      g_free (self->access_token);
    }

  G_OBJECT_CLASS (handset_matrix_client_parent_class)->finalize (object);
}

static void
handset_matrix_client_class_init (HandsetMatrixClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_matrix_client_get_property;
  object_class->set_property = handset_matrix_client_set_property;
  object_class->finalize = handset_matrix_client_finalize;

  props[PROP_HOMESERVER] =
      g_param_spec_string ("homeserver", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_USER_ID] =
      g_param_spec_string ("user-id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DEVICE_ID] = g_param_spec_string ("device-id", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_NEEDS_LOGIN] =
      g_param_spec_boolean ("needs-login", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_matrix_client_init (HandsetMatrixClient *self)
{
  self->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_S, "user-agent",
                                                 "Handset/" PACKAGE_VERSION, NULL);
  self->network_retry_limit = DEFAULT_NETWORK_RETRIES;
}

/**
 * handset_matrix_client_new:
 * @homeserver: (nullable): the base URL of the homeserver, as discovery
 *   found it
 */
HandsetMatrixClient *
handset_matrix_client_new (const char *homeserver)
{
  return g_object_new (HANDSET_TYPE_MATRIX_CLIENT, "homeserver", homeserver, NULL);
}

const char *
handset_matrix_client_get_homeserver (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->homeserver;
}

const char *
handset_matrix_client_get_user_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->user_id;
}

const char *
handset_matrix_client_get_device_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->device_id;
}

gboolean
handset_matrix_client_get_needs_login (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), FALSE);

  return self->needs_login;
}

gboolean
handset_matrix_client_has_access_token (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), FALSE);

  return self->access_token != NULL;
}

/**
 * handset_matrix_client_get_access_token:
 *
 * For the secret store only: the token must never be logged or shown.
 */
const char *
handset_matrix_client_get_access_token (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->access_token;
}

/**
 * handset_matrix_client_set_session:
 *
 * Sets who this client acts as, for a session restored from the secret
 * store. %NULL for all three forgets the session.
 */
void
handset_matrix_client_set_session (HandsetMatrixClient *self,
                                   const char *user_id,
                                   const char *device_id,
                                   const char *access_token)
{
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  if (g_strcmp0 (self->user_id, user_id) != 0)
    {
      g_free (self->user_id);
      self->user_id = g_strdup (user_id);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_USER_ID]);
    }
  if (g_strcmp0 (self->device_id, device_id) != 0)
    {
      g_free (self->device_id);
      self->device_id = g_strdup (device_id);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEVICE_ID]);
    }
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_free (self->access_token);
  self->access_token = g_strdup (access_token);

  handset_matrix_client_set_needs_login (self, FALSE);
}

/**
 * handset_matrix_client_set_network_retry_limit:
 *
 * How often an idempotent request is sent again after a network error.
 */
void
handset_matrix_client_set_network_retry_limit (HandsetMatrixClient *self, guint attempts)
{
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  self->network_retry_limit = attempts;
}

/* ------------------------------------------------------------------ transactions */

/**
 * handset_matrix_client_new_transaction_id:
 *
 * Returns: (transfer full): a transaction ID unique to this client; reuse
 *   it for every retry of one send, so the server stores the event once
 */
char *
handset_matrix_client_new_transaction_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return g_strdup_printf ("hs%" G_GINT64_FORMAT ".%u.%08x", g_get_real_time (), ++self->txn_counter,
                          g_random_int ());
}

/* Whether the homeserver has no authenticated media (/_matrix/media/v3). */
gboolean
handset_matrix_client_get_media_legacy (HandsetMatrixClient *self)
{
  return self->media_legacy;
}

void
handset_matrix_client_set_media_legacy (HandsetMatrixClient *self, gboolean legacy)
{
  self->media_legacy = legacy;
}
