/* test-background-app.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handset as if inside Flatpak (HANDSET_FLATPAK_INFO names a file that
 * exists), logged in to the real homeserver, with a real window (under
 * Xvfb), on a private session bus (GTestDBus) where a fake Background
 * portal (tests/fixture/handset-fake-portal.c) answers. With no portal
 * Handset warns and keeps running in the background when the window
 * closes; a refusal makes closing the window quit, brings a hidden window
 * back and shows the message in the preferences; a yes keeps it running.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "handset-application.h"
#include "handset-fake-portal.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"

#define WAIT_S  30
#define PROFILE "bgportal"
#define REFUSED "Handset cannot ring when closed: background running was not allowed"

static GTestDBus *bus;
static guint n_portal_warnings;

typedef struct
{
  HandsetApplication *app;
  HandsetFakePortal *portal;
  guint n_requests;
} Check;

/* The private bus has no secret service: libsecret says so, and the
 * account is logged in all the same, for this run. The portal's warning
 * is counted; any other warning fails the test. */
static void
log_handler (const char *log_domain,
             GLogLevelFlags log_level,
             const char *message,
             gpointer user_data)
{
  g_log_default_handler (log_domain, log_level, message, user_data);
  if (!(log_level & G_LOG_LEVEL_WARNING) || g_strcmp0 (log_domain, "libsecret") == 0)
    return;
  if (g_strcmp0 (log_domain, "Handset-UI") == 0 &&
      g_str_has_prefix (message, "The Background portal could not be asked") &&
      strstr (message, "ServiceUnknown") != NULL)
    n_portal_warnings++;
  else
    g_test_fail ();
}

static GtkWindow *
main_window (HandsetApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (ADW_IS_APPLICATION_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
window_mapped (gpointer data)
{
  GtkWindow *window = main_window (data);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static gboolean
logged_in (gpointer data)
{
  return handset_application_get_session (data) != NULL;
}

static gboolean
portal_asked (gpointer data)
{
  Check *check = data;

  return check->portal->n_requests >= check->n_requests;
}

static gboolean
portal_warned (gpointer data)
{
  return n_portal_warnings > 0;
}

static gboolean
hides_on_close (gpointer data)
{
  GtkWindow *window = main_window (data);

  return window != NULL && gtk_window_get_hide_on_close (window);
}

static gboolean
quits_on_close (gpointer data)
{
  GtkWindow *window = main_window (data);

  return window != NULL && !gtk_window_get_hide_on_close (window);
}

static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The preferences, opened as a person would, and the subtitle of a row. */
static char *
preferences_subtitle (HandsetApplication *app, const char *key)
{
  GtkWidget *preferences = NULL;
  GList *windows;
  GtkWidget *row;
  char *subtitle;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  windows = gtk_window_list_toplevels ();
  for (GList *l = windows; l != NULL; l = l->next)
    if (ADW_IS_PREFERENCES_WINDOW (l->data))
      preferences = l->data;
  g_list_free (windows);
  g_assert_nonnull (preferences);
  row = find_named (preferences, key);
  g_assert_nonnull (row);
  subtitle = g_strdup (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  gtk_window_destroy (GTK_WINDOW (preferences));

  return subtitle;
}

static void
assert_request (HandsetFakePortal *portal, gboolean autostart)
{
  const char *const commandline[] = { "handset", "--profile", PROFILE, "--gapplication-service",
                                      NULL };
  g_autofree const char **sent = NULL;
  gboolean sent_autostart = !autostart;

  g_assert_true (g_variant_lookup (portal->options, "autostart", "b", &sent_autostart));
  g_assert_cmpint (sent_autostart, ==, autostart);
  g_assert_true (g_variant_lookup (portal->options, "commandline", "^a&s", &sent));
  g_assert_cmpstrv (sent, commandline);
  /* The main window is the dialog's parent, under Xvfb an X11 one. */
  g_assert_true (g_str_has_prefix (portal->parent_window, "x11:"));
}

static void
test_background_portal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *autostart_entry = NULL;
  HandsetFakePortal portal = { .has_background = TRUE };
  HandsetTestUser *user;
  HandsetApplication *app;
  GSettings *settings;
  Check check;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("bgportal");
  app = handset_application_new_for_profile (PROFILE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (handset_test_wait_until (window_mapped, app, WAIT_S));
  settings = handset_application_get_settings (app);
  check = (Check){ app, &portal, 1 };

  /* No portal on the bus: a warning, and Handset runs on in the
   * background as it does outside a sandbox. */
  handset_account_login_password_async (handset_application_get_account (app),
                                        handset_test_homeserver_url (), user->user_id,
                                        user->password, NULL, handset_test_store_result, &result);
  g_assert_nonnull (handset_test_wait_for_result (&result, WAIT_S));
  g_assert_true (handset_account_login_password_finish (handset_application_get_account (app),
                                                        result, &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (logged_in, app, WAIT_S));
  g_assert_true (handset_test_wait_until (portal_warned, NULL, WAIT_S));
  handset_test_run_for (100);
  g_assert_cmpuint (n_portal_warnings, ==, 1);
  g_assert_true (hides_on_close (app));

  /* A portal that says no: asked again as autostart changes, and closing
   * the window would now quit. The setting stays as the person set it. */
  portal.response = 1;
  handset_fake_portal_start (&portal, g_test_dbus_get_bus_address (bus));
  g_settings_set_boolean (settings, "autostart", TRUE);
  g_assert_true (handset_test_wait_until (portal_asked, &check, WAIT_S));
  assert_request (&portal, TRUE);
  g_assert_true (handset_test_wait_until (quits_on_close, app, WAIT_S));
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
  subtitle = preferences_subtitle (app, "run-in-background");
  g_assert_cmpstr (subtitle, ==, REFUSED);
  g_clear_pointer (&subtitle, g_free);

  /* Inside Flatpak the portal writes the autostart entry, not Handset. */
  autostart_entry =
      g_build_filename (g_get_user_config_dir (), "autostart",
                        "io.github.handset.Handset.Profile_" PROFILE ".desktop", NULL);
  g_assert_false (g_file_test (autostart_entry, G_FILE_TEST_EXISTS));

  /* Allowed, without autostart: closing the window hides it. */
  handset_fake_portal_set_answer (&portal, 0, TRUE, FALSE);
  check.n_requests = 2;
  g_settings_set_boolean (settings, "autostart", FALSE);
  g_assert_true (handset_test_wait_until (portal_asked, &check, WAIT_S));
  assert_request (&portal, FALSE);
  g_assert_true (handset_test_wait_until (hides_on_close, app, WAIT_S));
  subtitle = preferences_subtitle (app, "run-in-background");
  g_assert_cmpstr (subtitle, ==, "Calls still ring when the window is closed");
  g_clear_pointer (&subtitle, g_free);
  gtk_window_close (main_window (app));
  handset_test_run_for (200);
  g_assert_nonnull (main_window (app));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (main_window (app))));

  /* Refused while the window is hidden: it comes back, and closing it
   * now ends it. */
  portal.response = 1;
  check.n_requests = 3;
  g_settings_set_boolean (settings, "autostart", TRUE);
  g_assert_true (handset_test_wait_until (portal_asked, &check, WAIT_S));
  g_assert_true (handset_test_wait_until (quits_on_close, app, WAIT_S));
  g_assert_true (handset_test_wait_until (window_mapped, app, WAIT_S));
  gtk_window_close (main_window (app));
  handset_test_run_for (200);
  g_assert_null (main_window (app));

  handset_fake_portal_stop (&portal);
  g_application_quit (G_APPLICATION (app));
  g_object_unref (app);
  handset_test_user_free (user);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  g_autofree char *flatpak_info = g_build_filename (home, ".flatpak-info", NULL);
  g_autofree char *display = NULL;
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_assert_true (g_file_set_contents (flatpak_info,
                                      "[Application]\nname=io.github.handset.Handset\n", -1, NULL));
  g_setenv ("HANDSET_FLATPAK_INFO", flatpak_info, TRUE);
  g_test_init (&argc, &argv, NULL);
  /* Warnings are judged by log_handler(); criticals still abort. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (log_handler, NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("no display: this test runs under Xvfb (build-aux/dev test)\n");
      return 1;
    }

  /* The session bus of this process, before GTK or Handset opens it.
   * GTestDBus unsets DISPLAY, which the window needs. */
  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/background-app/portal", test_background_portal);

  status = g_test_run ();
  /* Stopped, not taken down: GTK keeps the bus's connection to the end. */
  g_test_dbus_stop (bus);
  handset_test_remove_tree (home);

  return status;
}
