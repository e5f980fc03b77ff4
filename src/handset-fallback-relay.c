/* handset-fallback-relay.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The STUN or TURN server the person set in Preferences, for a homeserver
 * that offers no TURN server: its address and username come from the
 * settings, a TURN server's password from the keyring (read again when
 * Preferences saves a new one), and the media provider gets all three.
 */

/* explicit_bzero() */
#define _DEFAULT_SOURCE
#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include <string.h>

#include "handset-fallback-relay.h"
#include "handset-ice-server.h"

struct _HandsetFallbackRelay
{
  GObject parent_instance;

  HandsetMediaProvider *media;
  HandsetSecretStore *secrets;
  GCancellable *cancellable; /* the password being read */
  char *uri;
  char *username;
  gboolean ready; /* the provider has what the settings say */
};

G_DEFINE_FINAL_TYPE (HandsetFallbackRelay, handset_fallback_relay, G_TYPE_OBJECT)

static void
password_loaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetFallbackRelay) self = user_data;
  g_autoptr (GError) error = NULL;
  char *password = handset_secret_store_load_relay_password_finish (HANDSET_SECRET_STORE (object),
                                                                    result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (password == NULL)
    g_message ("The fallback relay server is used without a password: %s", error->message);
  handset_media_provider_set_fallback_ice_server (self->media, self->uri, self->username, password);
  if (password != NULL)
    {
      explicit_bzero (password, strlen (password));
      g_free (password);
    }
  self->ready = TRUE;
}

static void
apply (HandsetFallbackRelay *self)
{
  HandsetIceServerKind kind = HANDSET_ICE_SERVER_STUN;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->ready = FALSE;
  if (self->uri == NULL || !handset_ice_server_parse (self->uri, &kind, NULL) ||
      kind == HANDSET_ICE_SERVER_STUN || self->secrets == NULL || *self->username == '\0')
    {
      handset_media_provider_set_fallback_ice_server (self->media, self->uri, self->username, NULL);
      self->ready = TRUE;
      return;
    }
  self->cancellable = g_cancellable_new ();
  handset_secret_store_load_relay_password_async (self->secrets, self->uri, self->cancellable,
                                                  password_loaded_cb, g_object_ref (self));
}

static void
password_changed_cb (HandsetSecretStore *secrets, const char *server, HandsetFallbackRelay *self)
{
  if (g_strcmp0 (server, self->uri) == 0)
    apply (self);
}

static void
handset_fallback_relay_dispose (GObject *object)
{
  HandsetFallbackRelay *self = HANDSET_FALLBACK_RELAY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->secrets != NULL)
    g_signal_handlers_disconnect_by_data (self->secrets, self);
  g_clear_object (&self->secrets);
  g_clear_object (&self->media);

  G_OBJECT_CLASS (handset_fallback_relay_parent_class)->dispose (object);
}

static void
handset_fallback_relay_finalize (GObject *object)
{
  HandsetFallbackRelay *self = HANDSET_FALLBACK_RELAY (object);

  g_free (self->uri);
  g_free (self->username);

  G_OBJECT_CLASS (handset_fallback_relay_parent_class)->finalize (object);
}

static void
handset_fallback_relay_class_init (HandsetFallbackRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_fallback_relay_dispose;
  object_class->finalize = handset_fallback_relay_finalize;
}

static void
handset_fallback_relay_init (HandsetFallbackRelay *self)
{
  self->ready = TRUE;
}

/**
 * handset_fallback_relay_new:
 * @secrets: (nullable): where a TURN server's password is kept
 */
HandsetFallbackRelay *
handset_fallback_relay_new (HandsetMediaProvider *media, HandsetSecretStore *secrets)
{
  HandsetFallbackRelay *self = g_object_new (HANDSET_TYPE_FALLBACK_RELAY, NULL);

  self->media = g_object_ref (media);
  if (secrets != NULL)
    {
      self->secrets = g_object_ref (secrets);
      g_signal_connect (secrets, "relay-password-changed", G_CALLBACK (password_changed_cb), self);
    }

  return self;
}

/**
 * handset_fallback_relay_set:
 * @uri: (nullable): the server's address, as the settings hold it; empty
 *   for none
 * @username: (nullable): for a TURN server
 */
void
handset_fallback_relay_set (HandsetFallbackRelay *self, const char *uri, const char *username)
{
  g_return_if_fail (HANDSET_IS_FALLBACK_RELAY (self));

  if (uri != NULL && *uri == '\0')
    uri = NULL;
  if (username == NULL)
    username = "";
  if (g_strcmp0 (uri, self->uri) == 0 && g_strcmp0 (username, self->username) == 0)
    return;
  g_free (self->uri);
  self->uri = g_strdup (uri);
  g_free (self->username);
  self->username = g_strdup (username);
  apply (self);
}

/**
 * handset_fallback_relay_is_ready:
 *
 * Returns: whether calls made now get the server as the settings name it
 *   (a TURN server's password is read from the keyring first)
 */
gboolean
handset_fallback_relay_is_ready (HandsetFallbackRelay *self)
{
  return self->ready;
}
