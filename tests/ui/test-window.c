/* test-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window opens for real (under Xvfb in the suite), belongs to the
 * profile's application, and remembers its size in the profile's settings.
 * Its loading spinner turns only while it can be seen.
 */

#include "config.h"

#include <adwaita.h>

#include "handset-application.h"
#include "handset-window.h"
#include "handset-test-util.h"

typedef struct
{
  HandsetApplication *application;
  gboolean checked;
  int width;
} WindowCheck;

static gboolean
spinner_turns (gpointer spinner)
{
  return gtk_widget_get_mapped (spinner) && gtk_spinner_get_spinning (spinner);
}

static gboolean
check_window (gpointer user_data)
{
  WindowCheck *check = user_data;
  GtkWidget *spinner;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (check->application));

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;

  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  spinner = handset_window_get_loading_spinner (HANDSET_WINDOW (window));
  if (gtk_widget_get_mapped (spinner))
    return G_SOURCE_CONTINUE; /* still fading over to the login page */

  /* Logged out, the loading page is hidden: its spinner is still. A
   * spinning one kept the window drawing 60 frames a second. */
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  handset_window_show_loading (HANDSET_WINDOW (window));
  g_assert_true (handset_test_wait_until (spinner_turns, spinner, 5));

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Handset");

  /* Every shortcut the shortcuts window lists shows its keys: its own
   * accelerator, or the application's for its action. */
  {
    g_autoptr (GtkBuilder) builder =
        gtk_builder_new_from_resource ("/io/github/handset/Handset/gtk/help-overlay.ui");
    GSList *objects = gtk_builder_get_objects (builder);

    for (GSList *l = objects; l != NULL; l = l->next)
      {
        g_autofree char *title = NULL;
        g_autofree char *accelerator = NULL;
        g_autofree char *action = NULL;
        g_auto (GStrv) accels = NULL;

        if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
          continue;
        g_object_get (l->data, "title", &title, "accelerator", &accelerator, "action-name", &action,
                      NULL);
        if (action != NULL)
          accels =
              gtk_application_get_accels_for_action (GTK_APPLICATION (check->application), action);
        g_test_message ("shortcut “%s”: %s", title,
                        accelerator ? accelerator : (accels && accels[0] ? accels[0] : "none"));
        g_assert_true ((accelerator != NULL && *accelerator != '\0') ||
                       (accels != NULL && accels[0] != NULL));
      }
    g_slist_free (objects);
  }

  gtk_window_set_default_size (window, check->width, 500);

  /* "Start when I log in" writes the profile's autostart entry, and
   * removes it again. */
  {
    GSettings *settings = handset_application_get_settings (check->application);
    g_autofree char *path =
        g_build_filename (g_get_user_config_dir (), "autostart",
                          "io.github.handset.Handset.Profile_uitest.desktop", NULL);
    g_autofree char *contents = NULL;

    g_settings_set_boolean (settings, "autostart", TRUE);
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "Exec=handset --profile uitest --gapplication-service\n"));
    g_settings_set_boolean (settings, "autostart", FALSE);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  check->checked = TRUE;
  g_application_quit (G_APPLICATION (check->application));

  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *application, WindowCheck *check)
{
  g_timeout_add (50, check_window, check);
}

static void
run_once (const char *profile, int width)
{
  g_autoptr (HandsetApplication) application = handset_application_new ();
  char *argv[] = { (char *) "handset", (char *) "--profile", (char *) profile, NULL };
  WindowCheck check = { application, FALSE, width };
  int status;

  g_signal_connect_after (application, "activate", G_CALLBACK (on_activate), &check);
  status = g_application_run (G_APPLICATION (application), 3, argv);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (check.checked);
  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (application)), ==,
                   "io.github.handset.Handset.Profile_uitest");
  g_assert_nonnull (handset_application_get_settings (application));
  g_assert_cmpint (
      g_settings_get_int (handset_application_get_settings (application), "window-width"), ==,
      width);
}

static void
test_window_opens (void)
{
  g_autoptr (GSettings) settings = NULL;

  run_once ("uitest", 555);

  /* The size went to this profile's path, not the default profile's. */
  settings = g_settings_new_with_path ("io.github.handset.Handset",
                                       "/io/github/handset/Handset/profiles/uitest/");
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 555);
  g_clear_object (&settings);
  settings = g_settings_new_with_path ("io.github.handset.Handset", "/io/github/handset/Handset/");
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 720);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  /* The settings live in memory only, for this test. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("no display: the UI suite runs under Xvfb (build-aux/dev test)\n");
      return 1;
    }

  g_test_add_func ("/window/opens", test_window_opens);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
