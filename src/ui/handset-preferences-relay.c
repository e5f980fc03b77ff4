/* handset-preferences-relay.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences: the fallback relay server, for a homeserver that offers no
 * TURN server. Its address is checked before it is kept, and a TURN
 * server's password goes to the keyring, never to the settings.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-ice-server.h"
#include "handset-preferences-relay.h"

typedef struct
{
  GSettings *settings;
  HandsetSecretStore *secrets; /* nullable */
  AdwPreferencesWindow *window;
  GtkWidget *server;
  GtkWidget *username;
  GtkWidget *password;
} Relay;

static void
relay_free (Relay *relay)
{
  g_object_unref (relay->settings);
  g_clear_object (&relay->secrets);
  g_free (relay);
}

static void
toast (Relay *relay, const char *message)
{
  adw_preferences_window_add_toast (relay->window, adw_toast_new (message));
}

static void
server_applied (AdwEntryRow *row, Relay *relay)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *uri = g_strstrip (g_strdup (text));
  g_autoptr (GError) error = NULL;
  HandsetIceServerKind kind = HANDSET_ICE_SERVER_STUN;

  if (*uri != '\0' && !handset_ice_server_parse (uri, &kind, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      toast (relay, error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  g_settings_set_string (relay->settings, "fallback-ice-server", uri);
  gtk_widget_set_sensitive (relay->username, kind == HANDSET_ICE_SERVER_TURN && *uri != '\0');
  gtk_widget_set_sensitive (relay->password, kind == HANDSET_ICE_SERVER_TURN && *uri != '\0' &&
                                                 relay->secrets != NULL);
}

static void
username_applied (AdwEntryRow *row, Relay *relay)
{
  g_settings_set_string (relay->settings, "fallback-ice-username",
                         gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
password_saved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GtkWidget) row = user_data;
  g_autoptr (GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (row);

  if (handset_secret_store_save_relay_password_finish (HANDSET_SECRET_STORE (object), result,
                                                       &error))
    {
      gtk_editable_set_text (GTK_EDITABLE (row), "");
      return;
    }
  g_warning ("The relay server's password was not kept: %s", error->message);
  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root),
                                      adw_toast_new (_ ("The password could not be kept in the "
                                                        "keyring")));
}

static void
password_applied (AdwEntryRow *row, Relay *relay)
{
  g_autofree char *uri = g_settings_get_string (relay->settings, "fallback-ice-server");

  if (relay->secrets == NULL || *uri == '\0')
    return;
  handset_secret_store_save_relay_password_async (relay->secrets, uri,
                                                  gtk_editable_get_text (GTK_EDITABLE (row)), NULL,
                                                  password_saved_cb, g_object_ref (row));
}

/**
 * handset_preferences_relay_group:
 * @secrets: (nullable): where a TURN server's password goes; without it,
 *   only a STUN server can be set
 *
 * Returns: (transfer floating): the group
 */
GtkWidget *
handset_preferences_relay_group (GSettings *settings,
                                 HandsetSecretStore *secrets,
                                 AdwPreferencesWindow *window)
{
  GtkWidget *group = adw_preferences_group_new ();
  Relay *relay = g_new0 (Relay, 1);
  g_autofree char *uri = g_settings_get_string (settings, "fallback-ice-server");
  g_autofree char *username = g_settings_get_string (settings, "fallback-ice-username");
  HandsetIceServerKind kind = HANDSET_ICE_SERVER_STUN;
  gboolean turn = *uri != '\0' && handset_ice_server_parse (uri, &kind, NULL) &&
                  kind == HANDSET_ICE_SERVER_TURN;

  relay->settings = g_object_ref (settings);
  relay->secrets = secrets ? g_object_ref (secrets) : NULL;
  relay->window = window;
  g_object_set_data_full (G_OBJECT (group), "relay", relay, (GDestroyNotify) relay_free);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _ ("Fallback Relay Server"));
  adw_preferences_group_set_description (
      ADW_PREFERENCES_GROUP (group),
      _ ("Used only when your homeserver offers no relay (TURN) server, so that calls can "
         "connect across firewalls. The server you name learns your network address and when "
         "you call. None is used unless you set one."));

  relay->server = adw_entry_row_new ();
  gtk_widget_set_name (relay->server, "fallback-ice-server");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (relay->server),
                                 _ ("Server, as in turn:turn.example.org:3478"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (relay->server), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (relay->server), uri);
  g_signal_connect (relay->server, "apply", G_CALLBACK (server_applied), relay);

  relay->username = adw_entry_row_new ();
  gtk_widget_set_name (relay->username, "fallback-ice-username");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (relay->username), _ ("Username"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (relay->username), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (relay->username), username);
  gtk_widget_set_sensitive (relay->username, turn);
  g_signal_connect (relay->username, "apply", G_CALLBACK (username_applied), relay);

  /* Never shown again once kept: the keyring holds it. */
  relay->password = adw_password_entry_row_new ();
  gtk_widget_set_name (relay->password, "fallback-ice-password");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (relay->password), _ ("Password"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (relay->password), TRUE);
  gtk_widget_set_sensitive (relay->password, turn && secrets != NULL);
  g_signal_connect (relay->password, "apply", G_CALLBACK (password_applied), relay);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), relay->server);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), relay->username);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), relay->password);

  return group;
}
