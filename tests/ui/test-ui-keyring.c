/* test-ui-keyring.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A locked keyring, in the window, under Xvfb against the real Synapse.
 * The test runs its own session bus and gnome-keyring (it locks the
 * keyring, which other tests must not see). Where the person would type
 * the keyring's password into the desktop's prompt, the test unlocks it
 * as gnome-keyring's own tools do; no prompt can show on this bus, so an
 * unlock nobody answers is one the person declined.
 *
 * - The login is kept in a keyring that is locked when Handset starts: the
 *   login page says so and offers to unlock it; declined, it says so;
 *   unlocked, the same session comes back, with no new login.
 * - A login made while the keyring is locked: a banner says the login
 *   cannot be kept and offers to unlock; unlocked, it is kept.
 */

#include "config.h"

#include <adwaita.h>
#include <libsecret/secret.h>
#include <signal.h>
#include <unistd.h>
#include <string.h>

#include "handset-application.h"
#include "handset-login-page.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define WAIT_S           30
#define KEYRING_PASSWORD "handset-test"
#define UNLOCK_LABEL     "_Unlock Keyring"

static HandsetApplication *app;

static HandsetWindow *
main_window (void)
{
  return (HandsetWindow *) handset_test_window_of_type (GTK_APPLICATION (app), HANDSET_TYPE_WINDOW);
}

static gboolean
page_is (gpointer data)
{
  return main_window () != NULL && g_strcmp0 (handset_window_get_page (main_window ()), data) == 0;
}

/* The button that unlocks the keyring, as shown: visible, and in a banner
 * only while the banner is revealed. */
static GtkWidget *
shown_unlock_button (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_REVEALER (child) && !gtk_revealer_get_reveal_child (GTK_REVEALER (child)))
        continue;
      if (GTK_IS_STACK (child) && gtk_stack_get_visible_child (GTK_STACK (child)) != NULL)
        {
          /* Only the page shown. */
          if ((found = shown_unlock_button (gtk_stack_get_visible_child (GTK_STACK (child)))))
            return found;
          continue;
        }
      if (GTK_IS_BUTTON (child) &&
          g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), UNLOCK_LABEL) == 0)
        return gtk_widget_is_sensitive (child) ? child : NULL;
      if ((found = shown_unlock_button (child)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
unlock_offered (gpointer data)
{
  return main_window () != NULL && shown_unlock_button (GTK_WIDGET (main_window ())) != NULL;
}

static gboolean
unlock_not_offered (gpointer data)
{
  return !unlock_offered (data);
}

static gboolean
login_error_has (gpointer data)
{
  const char *error = handset_login_page_get_error (
      HANDSET_LOGIN_PAGE (handset_window_get_login_page (main_window ())));

  return error != NULL && strstr (error, data) != NULL;
}

static HandsetAccount *
account (void)
{
  return handset_session_get_account (handset_application_get_session (app));
}

static gboolean
remembered (gpointer data)
{
  return handset_application_get_session (app) != NULL &&
         handset_account_get_remembered (account ());
}

static void
click_unlock (void)
{
  GtkWidget *button = shown_unlock_button (GTK_WIDGET (main_window ()));

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

/* ------------------------------------------------------------------ the keyring */

static void
lock_keyring (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_autoptr (SecretCollection) collection = NULL;
  g_autoptr (GList) objects = NULL;

  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  objects = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (service, objects, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);
}

/* As the person typing the password into the desktop's prompt. */
static void
unlock_keyring_with_password (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr (GVariant) opened = NULL;
  g_autoptr (GVariant) unlocked = NULL;
  g_autoptr (GVariant) output = NULL;
  const char *session;

  g_assert_no_error (error);
  opened = g_dbus_connection_call_sync (
      bus, "org.freedesktop.secrets", "/org/freedesktop/secrets", "org.freedesktop.Secret.Service",
      "OpenSession", g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
      G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (opened, "(v&o)", &output, &session);
  unlocked = g_dbus_connection_call_sync (
      bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
      "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", "UnlockWithMasterPassword",
      g_variant_new ("(o(o@ay@ays))", "/org/freedesktop/secrets/collection/login", session,
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, KEYRING_PASSWORD,
                                                strlen (KEYRING_PASSWORD), 1),
                     "text/plain"),
      NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
secrets_on_bus (gpointer data)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", "org.freedesktop.secrets"), G_VARIANT_TYPE ("(b)"),
      G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* gnome-keyring on this test's bus, its login keyring made and unlocked
 * with KEYRING_PASSWORD; stopped by its PID. */
static GPid
start_keyring (void)
{
  const char *argv[] = { "gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets",
                         NULL };
  g_autoptr (GError) error = NULL;
  GPid pid = 0;
  int input = -1;

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL,
                            NULL, NULL, &pid, &input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD)), ==,
                   (gssize) strlen (KEYRING_PASSWORD));
  close (input);
  g_assert_true (handset_test_wait_until (secrets_on_bus, NULL, WAIT_S));

  return pid;
}

/* ------------------------------------------------------------------ the test */

static void
test_locked_keyring (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *device_id = NULL;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  app = handset_application_new_for_profile ("uikeyring");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "login", WAIT_S));
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (main_window ())),
                           alice->user_id, alice->password, handset_test_homeserver_url ());
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));
  g_assert_true (handset_test_wait_until (remembered, NULL, WAIT_S));
  device_id =
      g_strdup (handset_matrix_client_get_device_id (handset_account_get_client (account ())));

  /* The keyring is locked when the session is to be restored. */
  lock_keyring ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "restore-session", NULL);
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "login", WAIT_S));
  g_assert_true (handset_test_wait_until (login_error_has, (gpointer) "is locked", WAIT_S));
  g_test_message ("login page: %s", handset_login_page_get_error (HANDSET_LOGIN_PAGE (
                                        handset_window_get_login_page (main_window ()))));
  g_assert_true (handset_test_wait_until (unlock_offered, NULL, WAIT_S));

  /* Nobody answers the prompt: it stays locked, and the page says so. */
  click_unlock ();
  g_assert_true (handset_test_wait_until (login_error_has, (gpointer) "not unlocked", WAIT_S));
  g_assert_cmpstr (handset_window_get_page (main_window ()), ==, "login");
  g_assert_true (handset_test_wait_until (unlock_offered, NULL, WAIT_S));

  /* The password typed: the same session is back, no new login. */
  unlock_keyring_with_password ();
  click_unlock ();
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));
  g_assert_cmpstr (handset_matrix_client_get_device_id (handset_account_get_client (account ())),
                   ==, device_id);
  g_assert_true (handset_test_wait_until (unlock_not_offered, NULL, WAIT_S));

  /* Logged out, then in again while the keyring is locked: logged in
   * for now, and a banner offers to unlock so the login is kept. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "logout", NULL);
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "login", WAIT_S));
  lock_keyring ();
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (main_window ())),
                           alice->user_id, alice->password, handset_test_homeserver_url ());
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));
  g_assert_true (handset_test_wait_until (unlock_offered, NULL, WAIT_S));
  g_assert_false (handset_account_get_remembered (account ()));
  unlock_keyring_with_password ();
  click_unlock ();
  g_assert_true (handset_test_wait_until (remembered, NULL, WAIT_S));
  g_assert_true (handset_test_wait_until (unlock_not_offered, NULL, WAIT_S));

  /* Kept indeed: restoring finds it. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "restore-session", NULL);
  handset_test_run_for (500);
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));

  g_application_quit (G_APPLICATION (app));
  handset_test_run_for (200);
  g_clear_object (&app);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  GTestDBus *bus;
  GPid keyring;
  int status;

  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* A bus of its own: no prompt can be shown on it, and locking this
   * keyring touches no other test. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  /* It takes the display away too; the windows need it. */
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_init ();
  adw_init ();
  g_test_init (&argc, &argv, NULL);
  keyring = start_keyring ();

  g_test_add_func ("/ui/locked-keyring", test_locked_keyring);

  status = g_test_run ();
  kill (keyring, SIGTERM);
  g_spawn_close_pid (keyring);
  /* Stopped, not taken down: that would wait for every connection to it
   * to go, and the app's libraries keep theirs. */
  g_test_dbus_stop (bus);
  handset_test_remove_tree (home);

  return status;
}
