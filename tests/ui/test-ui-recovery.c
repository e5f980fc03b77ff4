/* test-ui-recovery.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Verifying a device through the windows, under Xvfb against the real
 * Synapse. alice logs in on her first device: her account has no
 * cross-signing, and the dialog offers to set it up; the new recovery key
 * is shown once and the dialog stays until she says it is saved. On her
 * second device the dialog asks for that key: a wrong one says so and can
 * be corrected; the right one verifies the device, as the homeserver then
 * says. Issue 14, items 2 and 3.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "handset-application.h"
#include "handset-login-page.h"
#include "handset-recovery-dialog.h"
#include "handset-secret-storage.h"
#include "handset-test-cross-signing.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define WAIT_S 30

static HandsetRecoveryDialog *
dialog_of (HandsetApplication *app)
{
  return (HandsetRecoveryDialog *) handset_test_window_of_type (GTK_APPLICATION (app),
                                                                HANDSET_TYPE_RECOVERY_DIALOG);
}

typedef struct
{
  HandsetApplication *app;
  const char *page;
} PageIs;

static gboolean
dialog_page_is (gpointer data)
{
  PageIs *p = data;
  HandsetRecoveryDialog *dialog = dialog_of (p->app);

  return dialog != NULL && g_strcmp0 (handset_recovery_dialog_get_page (dialog), p->page) == 0;
}

static void
wait_dialog_page (HandsetApplication *app, const char *page)
{
  PageIs p = { app, page };

  if (!handset_test_wait_until (dialog_page_is, &p, WAIT_S))
    g_error ("the recovery dialog shows “%s”, not “%s”",
             dialog_of (app) ? handset_recovery_dialog_get_page (dialog_of (app)) : "(none)", page);
}

static gboolean
main_page_is_contacts (gpointer data)
{
  HandsetWindow *window =
      (HandsetWindow *) handset_test_window_of_type (GTK_APPLICATION (data), HANDSET_TYPE_WINDOW);

  return window != NULL && g_strcmp0 (handset_window_get_page (window), "contacts") == 0;
}

static gboolean
has_error (gpointer data)
{
  HandsetRecoveryDialog *dialog = dialog_of (data);

  return dialog != NULL && handset_recovery_dialog_get_error (dialog) != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return dialog_of (data) == NULL;
}

/* A profile logged in through its form. */
static HandsetApplication *
log_in (const char *profile, HandsetTestUser *user)
{
  HandsetApplication *app = handset_application_new_for_profile (profile);
  g_autoptr (GError) error = NULL;
  HandsetWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_application_activate (G_APPLICATION (app));
  window =
      (HandsetWindow *) handset_test_window_of_type (GTK_APPLICATION (app), HANDSET_TYPE_WINDOW);
  g_assert_nonnull (window);
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (window)),
                           user->user_id, user->password, handset_test_homeserver_url ());
  g_assert_true (handset_test_wait_until (main_page_is_contacts, app, WAIT_S));
  /* The window says whose it is. */
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), user->user_id));

  return app;
}

static gboolean
server_says_signed (gpointer data)
{
  HandsetTestUser *user = data;
  g_autofree char *body = g_strdup_printf ("{\"device_keys\": {\"%s\": []}}", user->user_id);
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GList) ids = NULL;
  JsonObject *devices;
  guint status = 0;
  guint n_signed = 0;

  answer = handset_test_request ("POST", "/_matrix/client/v3/keys/query", user->access_token, body,
                                 &status);
  devices = json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (answer), "device_keys"), user->user_id);
  ids = json_object_get_members (devices);
  for (GList *l = ids; l != NULL; l = l->next)
    n_signed += handset_test_device_cross_signed (user, user->user_id, l->data);

  /* Both of the profiles' devices; the test's own was never signed. */
  return n_signed == 2;
}

static void
test_recovery_through_the_ui (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  HandsetApplication *first, *second;
  HandsetRecoveryDialog *dialog;
  g_autofree char *recovery_key = NULL;
  guint8 other[32];
  g_autofree char *other_key = NULL;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  first = log_in ("uirecovery1", alice);

  /* No cross-signing on the account: the dialog offers to set it up. */
  wait_dialog_page (first, "set-up");
  dialog = dialog_of (first);
  handset_recovery_dialog_enter (dialog, NULL);
  wait_dialog_page (first, "key");
  recovery_key = g_strdup (handset_recovery_dialog_get_recovery_key (dialog));
  g_test_message ("recovery key shown: %zu characters", strlen (recovery_key));
  g_assert_cmpuint (strlen (recovery_key), ==, 59);
  /* It stays until she says the key is saved. */
  g_assert_false (handset_recovery_dialog_get_can_finish (dialog));
  gtk_window_close (GTK_WINDOW (dialog));
  handset_test_run_for (200);
  g_assert_true (dialog_of (first) == dialog);
  handset_recovery_dialog_confirm_saved (dialog);
  g_assert_true (handset_recovery_dialog_get_can_finish (dialog));
  handset_recovery_dialog_finish (dialog);
  g_assert_true (handset_test_wait_until (no_dialog, first, WAIT_S));

  /* Her second device asks for the key. */
  {
    g_autoptr (HandsetTestUser) alice_two = handset_test_login (alice, NULL);

    second = log_in ("uirecovery2", alice_two);
  }
  wait_dialog_page (second, "verify");
  dialog = dialog_of (second);
  for (guint i = 0; i < sizeof other; i++)
    other[i] = (guint8) (i * 5 + 2);
  other_key = handset_recovery_key_encode (other);
  handset_recovery_dialog_enter (dialog, other_key);
  g_assert_true (handset_test_wait_until (has_error, second, WAIT_S));
  g_test_message ("a wrong key: %s", handset_recovery_dialog_get_error (dialog));
  g_assert_nonnull (strstr (handset_recovery_dialog_get_error (dialog), "not the recovery key"));
  g_assert_cmpstr (handset_recovery_dialog_get_page (dialog), ==, "verify");
  handset_recovery_dialog_enter (dialog, recovery_key);
  wait_dialog_page (second, "verified");
  g_assert_true (handset_test_wait_until (server_says_signed, alice, WAIT_S));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_application_quit (G_APPLICATION (first));
  g_application_quit (G_APPLICATION (second));
  g_object_unref (first);
  g_object_unref (second);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/recovery-through-the-ui", test_recovery_through_the_ui);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
