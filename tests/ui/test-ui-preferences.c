/* test-ui-preferences.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences under Xvfb. The sound processing: each of echo
 * cancellation, noise suppression and gain control is a switch, on by
 * default, that sets its setting.
 *
 * The fallback relay server, with the suite's
 * gnome-keyring: an address that names no server is refused with a
 * reason and not kept; a TURN server is kept with its username in the
 * settings and its password in the keyring only; and a new password
 * reaches the calls made next without a restart.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "handset-fallback-relay.h"
#include "handset-preferences.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"

#define WAIT_S 20

static void
type_and_apply (GtkWidget *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

typedef struct
{
  HandsetSecretStore *secrets;
  const char *server;
  char *password;
  gboolean done;
} Lookup;

static void
loaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Lookup *lookup = user_data;

  lookup->password =
      handset_secret_store_load_relay_password_finish (HANDSET_SECRET_STORE (object), result, NULL);
  lookup->done = TRUE;
}

static gboolean
lookup_done (gpointer data)
{
  return ((Lookup *) data)->done;
}

static char *
keyring_password (HandsetSecretStore *secrets, const char *server)
{
  Lookup lookup = { secrets, server, NULL, FALSE };

  handset_secret_store_load_relay_password_async (secrets, server, NULL, loaded_cb, &lookup);
  g_assert_true (handset_test_wait_until (lookup_done, &lookup, WAIT_S));
  return lookup.password;
}

static gboolean
text_cleared (gpointer data)
{
  return *gtk_editable_get_text (GTK_EDITABLE (data)) == '\0';
}

static gboolean
relay_ready (gpointer data)
{
  return handset_fallback_relay_is_ready (data);
}

static void
count_change (HandsetSecretStore *secrets, const char *server, guint *changes)
{
  (*changes)++;
}

static void
test_fallback_relay (void)
{
  g_autofree char *profile = g_strdup_printf ("relay-test-%u", g_random_int ());
  g_autoptr (GSettings) settings =
      g_settings_new_with_path (HANDSET_APP_ID, "/io/github/handset/Handset/relay-test/");
  g_autoptr (HandsetSecretStore) secrets = handset_secret_store_new (profile);
  g_autoptr (HandsetMediaProvider) provider = handset_media_provider_new (NULL);
  g_autoptr (HandsetFallbackRelay) relay = handset_fallback_relay_new (provider, secrets);
  g_autofree char *stored = NULL;
  GtkWidget *window, *server, *username, *password;
  guint changes = 0;

  g_signal_connect (secrets, "relay-password-changed", G_CALLBACK (count_change), &changes);
  window = handset_preferences_new (settings, NULL, NULL, NULL, secrets);
  gtk_window_present (GTK_WINDOW (window));
  server = handset_test_find_named (window, "fallback-ice-server");
  username = handset_test_find_named (window, "fallback-ice-username");
  password = handset_test_find_named (window, "fallback-ice-password");
  g_assert_nonnull (server);
  g_assert_nonnull (username);
  g_assert_nonnull (password);
  /* None by default, and nothing to fill in for it. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server)), ==, "");
  g_assert_false (gtk_widget_get_sensitive (username));
  g_assert_false (gtk_widget_get_sensitive (password));

  /* A typo is refused where it was typed, and not kept. */
  type_and_apply (server, "turn:turn.example.org:34780000");
  g_assert_true (gtk_widget_has_css_class (server, "error"));
  stored = g_settings_get_string (settings, "fallback-ice-server");
  g_assert_cmpstr (stored, ==, "");
  g_clear_pointer (&stored, g_free);

  /* A TURN server is kept; its username and password can be given. */
  type_and_apply (server, " turn:127.0.0.1:3478?transport=udp ");
  g_assert_false (gtk_widget_has_css_class (server, "error"));
  stored = g_settings_get_string (settings, "fallback-ice-server");
  g_assert_cmpstr (stored, ==, "turn:127.0.0.1:3478?transport=udp");
  g_clear_pointer (&stored, g_free);
  g_assert_true (gtk_widget_get_sensitive (username));
  g_assert_true (gtk_widget_get_sensitive (password));
  type_and_apply (username, "someone");
  stored = g_settings_get_string (settings, "fallback-ice-username");
  g_assert_cmpstr (stored, ==, "someone");
  g_clear_pointer (&stored, g_free);

  /* The calls follow the settings; the password is read from the
   * keyring, where there is none yet. */
  handset_fallback_relay_set (relay, "turn:127.0.0.1:3478?transport=udp", "someone");
  g_assert_true (handset_test_wait_until (relay_ready, relay, WAIT_S));

  /* The password goes to the keyring, and is not shown again. */
  type_and_apply (password, "correct horse");
  g_assert_true (handset_test_wait_until (text_cleared, password, WAIT_S));
  g_assert_cmpuint (changes, ==, 1);
  stored = keyring_password (secrets, "turn:127.0.0.1:3478?transport=udp");
  g_assert_cmpstr (stored, ==, "correct horse");
  g_clear_pointer (&stored, g_free);
  /* The running calls' relay read it again. */
  g_assert_true (handset_test_wait_until (relay_ready, relay, WAIT_S));

  /* Never in the settings. */
  {
    g_autoptr (GSettingsSchema) schema = NULL;
    g_auto (GStrv) keys = NULL;

    g_object_get (settings, "settings-schema", &schema, NULL);
    keys = g_settings_schema_list_keys (schema);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autoptr (GVariant) value = g_settings_get_value (settings, keys[i]);
        g_autofree char *text = g_variant_print (value, FALSE);

        g_assert_null (strstr (text, "correct horse"));
      }
  }

  /* Emptied, the password leaves the keyring. */
  type_and_apply (password, "");
  g_assert_true (handset_test_wait_until (relay_ready, relay, WAIT_S));
  g_assert_true (handset_test_wait_until (text_cleared, password, WAIT_S));
  stored = keyring_password (secrets, "turn:127.0.0.1:3478?transport=udp");
  g_assert_null (stored);

  /* A STUN server needs neither. */
  type_and_apply (server, "stun:127.0.0.1");
  g_assert_false (gtk_widget_get_sensitive (username));
  g_assert_false (gtk_widget_get_sensitive (password));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_sound (void)
{
  g_autoptr (GSettings) settings =
      g_settings_new_with_path (HANDSET_APP_ID, "/io/github/handset/Handset/sound-test/");
  const char *keys[] = { "echo-cancellation", "noise-suppression", "gain-control" };
  GtkWidget *window = handset_preferences_new (settings, NULL, NULL, NULL, NULL);

  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *row = handset_test_find_named (window, keys[i]);
      GtkWidget *toggle;

      g_test_message ("%s", keys[i]);
      g_assert_nonnull (row);
      g_assert_true (g_settings_get_boolean (settings, keys[i]));
      /* A widget without a name of its own is named by its type. */
      toggle = handset_test_find_named (row, "GtkSwitch");
      g_assert_nonnull (toggle);
      g_assert_true (gtk_switch_get_active (GTK_SWITCH (toggle)));
      gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
      g_assert_false (g_settings_get_boolean (settings, keys[i]));
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui-preferences/sound", test_sound);
  g_test_add_func ("/ui-preferences/fallback-relay", test_fallback_relay);

  return g_test_run ();
}
