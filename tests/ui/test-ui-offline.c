/* test-ui-offline.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window when the homeserver cannot be reached, under Xvfb: a Synapse
 * of the test's own goes away while the window is up. A banner says that
 * Handset is offline and keeps trying, New Call is off and says why; when
 * the server is back, so is the window. Issue 15.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "handset-application.h"
#include "handset-login-page.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define WAIT_S 60

static HandsetWindow *
window_of (HandsetApplication *app)
{
  return (HandsetWindow *) handset_test_window_of_type (GTK_APPLICATION (app), HANDSET_TYPE_WINDOW);
}

static gboolean
on_contacts (gpointer data)
{
  HandsetWindow *window = window_of (data);

  return window != NULL && g_strcmp0 (handset_window_get_page (window), "contacts") == 0;
}

static gboolean
offline (gpointer data)
{
  return handset_window_get_offline_text (window_of (data)) != NULL;
}

static gboolean
online (gpointer data)
{
  return handset_window_get_offline_text (window_of (data)) == NULL;
}

static void
test_offline_banner (void)
{
  guint port;
  g_autofree char *base = NULL;
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GError) error = NULL;
  HandsetApplication *app;
  HandsetWindow *window;

  if (!handset_test_homeserver_require ())
    return;

  port = (guint) g_ascii_strtoull (g_getenv ("HANDSET_TEST_HOMESERVER_PORT"), NULL, 10) + 12;
  base = handset_test_homeserver_start_extra (port, FALSE);
  alice = handset_test_register_at (base, "alice");

  app = handset_application_new_for_profile ("uioffline");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = window_of (app);
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (window)),
                           alice->user_id, alice->password, base);
  g_assert_true (handset_test_wait_until (on_contacts, app, WAIT_S));
  handset_test_run_for (1000);
  g_assert_null (handset_window_get_offline_text (window));
  g_assert_nonnull (handset_test_find_button (GTK_WIDGET (window), "New Call"));

  /* The homeserver goes away. */
  handset_test_homeserver_stop_extra (port);
  g_assert_true (handset_test_wait_until (offline, app, WAIT_S));
  g_test_message ("the banner: %s", handset_window_get_offline_text (window));
  g_assert_true (g_str_has_prefix (handset_window_get_offline_text (window), "Offline: "));
  g_assert_nonnull (strstr (handset_window_get_offline_text (window), "trying again"));
  g_assert_null (handset_test_find_button (GTK_WIDGET (window), "New Call"));

  /* Back: the banner goes, and calls can be made again. */
  g_free (handset_test_homeserver_start_extra (port, FALSE));
  g_assert_true (handset_test_wait_until (online, app, WAIT_S));
  g_assert_nonnull (handset_test_find_button (GTK_WIDGET (window), "New Call"));

  g_application_quit (G_APPLICATION (app));
  g_object_unref (app);
  handset_test_homeserver_stop_extra (port);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/offline-banner", test_offline_banner);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
