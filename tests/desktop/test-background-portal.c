/* test-background-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Background portal request against a fake portal
 * (tests/fixture/handset-fake-portal.c) on a private bus (GTestDBus): a
 * connection of its own owns org.freedesktop.portal.Desktop, answers
 * RequestBackground with the Request object's path and emits that
 * object's Response as each test says. The tests check the options sent, the request path made from
 * the handle_token, what a yes and a no do to "allowed", "autostart" and
 * "message", and that with no portal Handset goes on as before.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "handset-background-portal.h"
#include "handset-fake-portal.h"

#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define WAIT_S      10

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *client;
  HandsetFakePortal portal;
  HandsetBackgroundPortal *background;
  GAsyncResult *result;
  guint n_allowed_notifies;
} Fixture;

static GDBusConnection *
connect_to_bus (GTestDBus *bus)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection =
      g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static void
allowed_notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Fixture *f = user_data;

  f->n_allowed_notifies++;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->client = connect_to_bus (f->bus);
  f->background = handset_background_portal_new (f->client);
  g_signal_connect (f->background, "notify::allowed", G_CALLBACK (allowed_notify_cb), f);
  f->portal.has_background = TRUE;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->result);
  g_clear_object (&f->background);
  handset_fake_portal_stop (&f->portal);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
}

static void
request_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
}

static gboolean
timed_out (gpointer user_data)
{
  g_error ("No answer from the background request in %d s", WAIT_S);
  return G_SOURCE_REMOVE;
}

static void
wait_for_result (Fixture *f)
{
  guint timeout = g_timeout_add_seconds (WAIT_S, timed_out, NULL);

  while (f->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static const char *const commandline[] = { "handset", "--gapplication-service", NULL };

/* Asks, waits for the answer; TRUE when the portal answered. */
static gboolean
request (Fixture *f, gboolean autostart, GCancellable *cancellable, GError **error)
{
  g_clear_object (&f->result);
  handset_background_portal_request_async (f->background, "x11:1c00007", autostart, commandline,
                                           cancellable, request_done_cb, f);
  wait_for_result (f);

  return handset_background_portal_request_finish (f->background, f->result, error);
}

static void
assert_options (Fixture *f, gboolean autostart)
{
  GVariant *options = f->portal.options;
  g_autofree const char **sent_commandline = NULL;
  g_autofree char *sender_part = NULL;
  g_autofree char *expected_handle = NULL;
  const char *token = NULL;
  const char *reason = NULL;
  gboolean sent_autostart = !autostart;
  gboolean dbus_activatable = TRUE;

  g_assert_nonnull (options);
  g_assert_cmpstr (f->portal.parent_window, ==, "x11:1c00007");
  g_assert_cmpstr (f->portal.sender, ==, g_dbus_connection_get_unique_name (f->client));

  g_assert_true (g_variant_lookup (options, "autostart", "b", &sent_autostart));
  g_assert_cmpint (sent_autostart, ==, autostart);

  g_assert_true (g_variant_lookup (options, "commandline", "^a&s", &sent_commandline));
  g_assert_cmpstrv (sent_commandline, commandline);

  g_assert_true (g_variant_lookup (options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, ==, "Ring for incoming calls when the window is closed");

  g_assert_true (g_variant_lookup (options, "dbus-activatable", "b", &dbus_activatable));
  g_assert_false (dbus_activatable);

  /* A token the spec allows, and the request followed at the path made
   * of it. */
  g_assert_true (g_variant_lookup (options, "handle_token", "&s", &token));
  g_assert_cmpuint (strlen (token), >, 0);
  for (const char *c = token; *c != '\0'; c++)
    g_assert_true (g_ascii_isalnum (*c) || *c == '_');
  sender_part = g_strdup (g_dbus_connection_get_unique_name (f->client) + 1);
  g_strdelimit (sender_part, ".", '_');
  expected_handle = g_strdup_printf (PORTAL_PATH "/request/%s/%s", sender_part, token);
  g_assert_cmpstr (f->portal.handle, ==, expected_handle);

  /* Nothing else: the portal would ignore it, and it would hide a typo. */
  g_assert_cmpuint (g_variant_n_children (options), ==, 5);
}

static void
test_granted_with_autostart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  handset_fake_portal_set_answer (&f->portal, 0, TRUE, TRUE);

  g_assert_true (request (f, TRUE, NULL, &error));
  g_assert_no_error (error);
  assert_options (f, TRUE);
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_true (handset_background_portal_get_autostart (f->background));
  g_assert_null (handset_background_portal_get_message (f->background));
  g_assert_cmpuint (f->n_allowed_notifies, ==, 0);
}

static void
test_granted_without_autostart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  handset_fake_portal_set_answer (&f->portal, 0, TRUE, FALSE);

  g_assert_true (request (f, FALSE, NULL, &error));
  g_assert_no_error (error);
  assert_options (f, FALSE);
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_false (handset_background_portal_get_autostart (f->background));
  /* Autostart was not asked: nothing to tell. */
  g_assert_null (handset_background_portal_get_message (f->background));
}

static void
assert_refused (Fixture *f)
{
  g_assert_false (handset_background_portal_get_allowed (f->background));
  g_assert_false (handset_background_portal_get_autostart (f->background));
  g_assert_cmpstr (handset_background_portal_get_message (f->background), ==,
                   "Handset cannot ring when closed: background running was not allowed");
  g_assert_cmpuint (f->n_allowed_notifies, ==, 1);
}

static void
test_refused_by_person (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  /* Response 1: the person said no; the results say nothing. */
  f->portal.response = 1;

  g_assert_true (request (f, TRUE, NULL, &error));
  g_assert_no_error (error);
  assert_options (f, TRUE);
  assert_refused (f);
}

static void
test_refused_background (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  handset_fake_portal_set_answer (&f->portal, 0, FALSE, FALSE);

  g_assert_true (request (f, FALSE, NULL, &error));
  g_assert_no_error (error);
  assert_refused (f);
}

static void
test_ended_otherwise (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  /* Response 2: the portal gave up; nothing was allowed either. */
  handset_fake_portal_set_answer (&f->portal, 2, TRUE, TRUE);

  g_assert_true (request (f, TRUE, NULL, &error));
  assert_refused (f);
}

static void
test_refused_then_granted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  f->portal.response = 1;
  g_assert_true (request (f, TRUE, NULL, &error));
  assert_refused (f);

  /* The person changed their mind in the system settings, and the
   * setting changed: asked again, allowed again. */
  handset_fake_portal_set_answer (&f->portal, 0, TRUE, TRUE);
  g_assert_true (request (f, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->portal.n_requests, ==, 2);
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_true (handset_background_portal_get_autostart (f->background));
  g_assert_null (handset_background_portal_get_message (f->background));
  g_assert_cmpuint (f->n_allowed_notifies, ==, 2);
}

static void
test_autostart_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  handset_fake_portal_set_answer (&f->portal, 0, TRUE, FALSE);

  g_assert_true (request (f, TRUE, NULL, &error));
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_false (handset_background_portal_get_autostart (f->background));
  g_assert_cmpstr (handset_background_portal_get_message (f->background), ==,
                   "Handset cannot start when you log in: starting with the session was not "
                   "allowed");
}

static void
test_old_portal_path (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  f->portal.ignore_token = TRUE;
  f->portal.response = 1;

  g_assert_true (request (f, TRUE, NULL, &error));
  g_assert_true (g_str_has_suffix (f->portal.handle, "/old_portal_1"));
  assert_refused (f);
}

static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  f->portal.mode = HANDSET_FAKE_PORTAL_ANSWER_NEVER;

  g_clear_object (&f->result);
  handset_background_portal_request_async (f->background, "", TRUE, commandline, cancellable,
                                           request_done_cb, f);
  while (f->portal.n_requests == 0)
    g_main_context_iteration (NULL, TRUE);
  spin (100);
  g_assert_null (f->result);
  g_cancellable_cancel (cancellable);
  wait_for_result (f);
  g_assert_false (handset_background_portal_request_finish (f->background, f->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The request the portal made is closed, so no dialog stays up. */
  while (f->portal.n_closed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (f->portal.parent_window, ==, "");
  g_assert_true (handset_background_portal_get_allowed (f->background));
}

static void
test_latest_request_wins (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *first_handle = NULL;
  g_autoptr (GAsyncResult) second = NULL;

  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));
  f->portal.mode = HANDSET_FAKE_PORTAL_ANSWER_NEVER;

  /* The first request waits on a dialog... */
  handset_background_portal_request_async (f->background, "", FALSE, commandline, NULL,
                                           request_done_cb, f);
  while (f->portal.n_requests == 0)
    g_main_context_iteration (NULL, TRUE);
  first_handle = g_strdup (f->portal.handle);

  /* ...the setting changes, a second one is granted... */
  f->portal.mode = HANDSET_FAKE_PORTAL_ANSWER_AT_ONCE;
  handset_fake_portal_set_answer (&f->portal, 0, TRUE, TRUE);
  handset_background_portal_request_async (f->background, "", TRUE, commandline, NULL,
                                           request_done_cb, f);
  wait_for_result (f);
  g_assert_true (handset_background_portal_request_finish (f->background, f->result, &error));
  g_assert_true (handset_background_portal_get_autostart (f->background));

  /* ...and the first one's late no does not undo it. */
  second = g_steal_pointer (&f->result);
  g_free (f->portal.handle);
  f->portal.handle = g_steal_pointer (&first_handle);
  f->portal.response = 1;
  handset_fake_portal_emit_response (&f->portal, g_dbus_connection_get_unique_name (f->client));
  wait_for_result (f);
  g_assert_true (handset_background_portal_request_finish (f->background, f->result, &error));
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_true (handset_background_portal_get_autostart (f->background));
  g_assert_null (handset_background_portal_get_message (f->background));
}

static void
test_no_portal (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  /* Nobody owns org.freedesktop.portal.Desktop on this bus. */
  g_test_expect_message ("Handset-UI", G_LOG_LEVEL_WARNING,
                         "The Background portal could not be asked*ServiceUnknown*");
  g_assert_false (request (f, TRUE, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
  /* Handset goes on as outside a sandbox. */
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_null (handset_background_portal_get_message (f->background));
  g_assert_cmpuint (f->n_allowed_notifies, ==, 0);
}

static void
test_portal_without_background (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  /* A portal of a desktop with no Background backend. */
  f->portal.has_background = FALSE;
  handset_fake_portal_start (&f->portal, g_test_dbus_get_bus_address (f->bus));

  g_test_expect_message ("Handset-UI", G_LOG_LEVEL_WARNING,
                         "The Background portal could not be asked*UnknownMethod*");
  g_assert_false (request (f, FALSE, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_assert_true (handset_background_portal_get_allowed (f->background));
  g_assert_null (handset_background_portal_get_message (f->background));
}

static void
test_sandboxed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("handset-flatpak-XXXXXX", &error);
  g_autofree char *info = g_build_filename (dir, ".flatpak-info", NULL);

  g_assert_no_error (error);
  g_setenv ("HANDSET_FLATPAK_INFO", info, TRUE);
  g_assert_false (handset_background_portal_is_sandboxed ());
  g_assert_true (
      g_file_set_contents (info, "[Application]\nname=io.github.handset.Handset\n", -1, &error));
  g_assert_true (handset_background_portal_is_sandboxed ());
  g_unsetenv ("HANDSET_FLATPAK_INFO");
  g_assert_cmpint (g_remove (info), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  /* The messages checked are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/background-portal/granted-with-autostart", test_granted_with_autostart);
  ADD ("/background-portal/granted-without-autostart", test_granted_without_autostart);
  ADD ("/background-portal/refused-by-person", test_refused_by_person);
  ADD ("/background-portal/refused-background", test_refused_background);
  ADD ("/background-portal/ended-otherwise", test_ended_otherwise);
  ADD ("/background-portal/refused-then-granted", test_refused_then_granted);
  ADD ("/background-portal/autostart-refused", test_autostart_refused);
  ADD ("/background-portal/old-portal-path", test_old_portal_path);
  ADD ("/background-portal/cancelled", test_cancelled);
  ADD ("/background-portal/latest-request-wins", test_latest_request_wins);
  ADD ("/background-portal/no-portal", test_no_portal);
  ADD ("/background-portal/portal-without-background", test_portal_without_background);
#undef ADD
  g_test_add_func ("/background-portal/sandboxed", test_sandboxed);

  return g_test_run ();
}
