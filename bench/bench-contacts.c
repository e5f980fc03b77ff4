/* bench-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact list of a large account, in the real window under Xvfb:
 * time from the session handed to the window to the first frame painted
 * with contact rows in it, the memory the list added, and a rename's
 * repaint. Each run is a fresh process (this program again, with
 * --child), alternating a window whose list is empty (the baseline) and
 * one with N_CONTACTS contacts.
 *
 * The account is real (registered and logged in on the real homeserver);
 * its direct chats are generated here and handed to the session's rooms
 * as a /sync response, parsed by the sync's own parser, the way the sync
 * loop hands them over. Making 10,000 direct chats with 10,000 users on
 * Synapse would take hours on the development machine.
 */

#include "config.h"

#include <adwaita.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "handset-contact-row.h"
#include "handset-session.h"
#include "handset-sync-batch.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define N_CONTACTS 10000
#define RUNS       5
#define OWN        "@bench:example.org"

static const char *const first_names[] = { "Ada",   "Bea",  "Cyril", "Dana",  "Émile", "Farah",
                                           "Gus",   "Hana", "Ivo",   "Jun",   "Kaito", "Lena",
                                           "Mateo", "Nia",  "Olek",  "Priya", "Quinn", "Rosa" };

/* A name, in an order other than the user IDs'. */
static char *
name_of (guint i)
{
  guint scrambled = (i * 7919u) % 100003u;

  return g_strdup_printf ("%s %05u", first_names[scrambled % G_N_ELEMENTS (first_names)],
                          scrambled);
}

static void
append_member (GString *s, const char *room_id, const char *user_id, const char *name)
{
  g_string_append_printf (s,
                          "{\"type\":\"m.room.member\",\"state_key\":\"%s\",\"sender\":\"%s\","
                          "\"event_id\":\"$m_%s_%s\",\"origin_server_ts\":1700000000000,"
                          "\"content\":{\"membership\":\"join\",\"displayname\":\"%s\"}}",
                          user_id, user_id, room_id + 1, user_id + 1, name);
}

/* A first /sync of @own with @n direct chats: each a room of two, named
 * in m.direct. */
static GBytes *
generate_sync (const char *own, guint n)
{
  GString *s = g_string_new ("{\"next_batch\":\"s1\",\"rooms\":{\"join\":{");
  GString *direct = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *room_id = g_strdup_printf ("!dm%05u:example.org", i);
      g_autofree char *user_id = g_strdup_printf ("@user%05u:example.org", i);
      g_autofree char *name = name_of (i);

      g_string_append_printf (s, "%s\"%s\":{\"state\":{\"events\":[", i ? "," : "", room_id);
      append_member (s, room_id, own, "Bench");
      g_string_append_c (s, ',');
      append_member (s, room_id, user_id, name);
      g_string_append (s, "]},\"timeline\":{\"limited\":false,\"prev_batch\":\"t1\","
                          "\"events\":[]}}");
      g_string_append_printf (direct, "%s\"%s\":[\"%s\"]", i ? "," : "", user_id, room_id);
    }
  g_string_append_printf (
      s,
      "}},\"account_data\":{\"events\":[{\"type\":\"m.direct\",\"content\":{%s}}"
      "]},\"to_device\":{\"events\":[]}}",
      direct->str);
  g_string_free (direct, TRUE);

  return g_string_free_to_bytes (s);
}

/* What the sync hands over when contact @i renames themselves. */
static GBytes *
generate_rename (guint i, const char *name)
{
  g_autofree char *room_id = g_strdup_printf ("!dm%05u:example.org", i);
  g_autofree char *user_id = g_strdup_printf ("@user%05u:example.org", i);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s,
                          "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"%s\":{\"timeline\":{"
                          "\"limited\":false,\"prev_batch\":\"t2\",\"events\":[",
                          room_id);
  append_member (s, room_id, user_id, name);
  g_string_append (s, "]}}}}}");

  return g_string_free_to_bytes (s);
}

static void
feed (HandsetSession *session, GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  HandsetSyncBatch *batch = handset_sync_batch_new_from_bytes (bytes, "s0", 0, &error);

  g_assert_no_error (error);
  handset_rooms_handle_batch (handset_session_get_rooms (session), batch);
  handset_sync_batch_unref (batch);
}

/* ------------------------------------------------------------------ memory */

static double
status_mb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;
  return strtol (line + strlen (field), NULL, 10) / 1024.0;
}

static double
pss_mb (void)
{
  g_autofree char *rollup = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/smaps_rollup", &rollup, NULL, NULL) ||
      (line = strstr (rollup, "\nPss:")) == NULL)
    return -1;
  return strtol (line + 5, NULL, 10) / 1024.0;
}

/* ------------------------------------------------------------------ frames */

typedef struct
{
  HandsetWindow *window;
  gboolean want_rows; /* else the empty list's page */
  gint64 painted;     /* when a frame showed it, or 0 */
  const char *first;  /* the first row shows this name */
  const char *gone;   /* no row shows this name */
} Wait;

/* The rows in view, top to bottom: a list view orders its rows' widgets
 * as it likes, so by their place in the list. */
static GPtrArray *
rows_in_view (HandsetWindow *window)
{
  GtkWidget *list = handset_window_get_contact_list (window);
  GPtrArray *rows = g_ptr_array_new ();
  GtkWidget *row;

  for (guint i = 0; (row = handset_test_find_nth (list, HANDSET_TYPE_CONTACT_ROW, i)) != NULL; i++)
    {
      graphene_point_t point;

      if (!gtk_widget_get_mapped (row) ||
          handset_contact_row_get_contact (HANDSET_CONTACT_ROW (row)) == NULL ||
          !gtk_widget_compute_point (row, list, &GRAPHENE_POINT_INIT (0, 0), &point) ||
          point.y + gtk_widget_get_height (row) <= 0 || point.y >= gtk_widget_get_height (list))
        continue;
      g_object_set_data (G_OBJECT (row), "y", GINT_TO_POINTER ((int) point.y));
      g_ptr_array_add (rows, row);
    }
  return rows;
}

static GtkWidget *
top_row (GPtrArray *rows)
{
  GtkWidget *top = NULL;

  for (guint i = 0; i < rows->len; i++)
    if (top == NULL || GPOINTER_TO_INT (g_object_get_data (rows->pdata[i], "y")) <
                           GPOINTER_TO_INT (g_object_get_data (G_OBJECT (top), "y")))
      top = rows->pdata[i];
  return top;
}

static gboolean
shows (Wait *wait)
{
  g_autoptr (GPtrArray) rows = NULL;

  if (!wait->want_rows)
    return g_strcmp0 (handset_window_get_page (wait->window), "contacts") == 0 &&
           !gtk_widget_get_mapped (handset_window_get_contact_list (wait->window));
  rows = rows_in_view (wait->window);
  if (rows->len == 0)
    return FALSE;
  if (wait->first != NULL &&
      g_strcmp0 (handset_contact_row_get_title (HANDSET_CONTACT_ROW (top_row (rows))),
                 wait->first) != 0)
    return FALSE;
  for (guint i = 0; wait->gone != NULL && i < rows->len; i++)
    if (g_strcmp0 (handset_contact_row_get_title (rows->pdata[i]), wait->gone) == 0)
      return FALSE;
  return TRUE;
}

static void
after_paint (GdkFrameClock *clock, Wait *wait)
{
  if (wait->painted == 0 && shows (wait))
    wait->painted = g_get_monotonic_time ();
}

static gboolean
painted (gpointer data)
{
  return ((Wait *) data)->painted != 0;
}

static GdkFrameClock *
clock_of (HandsetWindow *window)
{
  return gtk_widget_get_frame_clock (GTK_WIDGET (window));
}

static gboolean
window_mapped (gpointer window)
{
  return gtk_widget_get_mapped (window) && clock_of (window) != NULL;
}

/* ------------------------------------------------------------------ one run */

static void
logged_in (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!handset_account_login_password_finish (HANDSET_ACCOUNT (object), result, &error))
    g_error ("login: %s", error->message);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer flag)
{
  return *(gboolean *) flag;
}

/* Prints: ready ms, RSS added MB, Pss added MB, rename ms (or -1). */
static int
child (guint n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (HandsetSession) session = NULL;
  g_autofree char *profile_name = g_strdup_printf ("benchcontacts%d", (int) getpid ());
  HandsetWindow *window;
  gboolean done = FALSE;
  double rss0, pss0, rename_ms = -1;
  gint64 start;
  Wait wait = { 0 };
  gulong handler;
  char password[256];

  if (fgets (password, sizeof password, stdin) == NULL)
    g_error ("no password on stdin");
  password[strcspn (password, "\n")] = '\0';
  adw_init ();
  profile = handset_profile_new (profile_name, &error);
  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  handset_account_login_password_async (account, handset_test_homeserver_url (),
                                        g_getenv ("HANDSET_BENCH_USER"), password, NULL, logged_in,
                                        &done);
  memset (password, 0, sizeof password);
  if (!handset_test_wait_until (is_true, &done, 60))
    g_error ("login timed out");
  session = handset_session_new (account, NULL);
  if (n > 0)
    {
      g_autoptr (GBytes) bytes = generate_sync (handset_account_get_user_id (account), n);

      feed (session, bytes);
    }
  g_assert_cmpuint (
      g_list_model_get_n_items (G_LIST_MODEL (handset_session_get_contacts (session))), ==, n);

  window = handset_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  if (!handset_test_wait_until (window_mapped, window, 30))
    g_error ("the window did not show");
  handset_test_run_for (1000);
  malloc_trim (0);
  rss0 = status_mb ("VmRSS:");
  pss0 = pss_mb ();

  wait = (Wait){ window, n > 0, 0, NULL };
  handler = g_signal_connect (clock_of (window), "after-paint", G_CALLBACK (after_paint), &wait);
  start = g_get_monotonic_time ();
  handset_window_set_session (window, session);
  if (!handset_test_wait_until (painted, &wait, 120))
    g_error ("the contacts never showed");
  printf ("%.1f ", (wait.painted - start) / 1000.0);

  handset_test_run_for (1000);
  malloc_trim (0);
  printf ("%.1f %.1f ", status_mb ("VmRSS:") - rss0, pss_mb () - pss0);

  if (n > 0)
    {
      /* The contact in the first row takes a name that sorts last: their
       * row leaves the view and the rows below move up. */
      g_autoptr (GPtrArray) rows = rows_in_view (window);
      GtkWidget *top = top_row (rows);
      HandsetContact *contact = handset_contact_row_get_contact (HANDSET_CONTACT_ROW (top));
      guint index = (guint) atoi (handset_contact_get_user_id (contact) + strlen ("@user"));
      g_autoptr (GBytes) bytes = generate_rename (index, "Zoë Zyxwvut");
      g_autofree char *old_name = g_strdup (handset_contact_get_display_name (contact));
      GListModel *sorted = handset_contact_rows_sort (
          g_object_ref (G_LIST_MODEL (handset_session_get_contacts (session))));
      g_autoptr (HandsetContact) first = g_list_model_get_item (sorted, 0);
      g_autoptr (HandsetContact) next = g_list_model_get_item (sorted, 1);

      g_assert_true (first == contact);
      /* This second sorted model would follow the rename too, and double
       * the window's work: it goes before the clock starts. */
      g_object_unref (sorted);
      wait = (Wait){ window, TRUE, 0, handset_contact_get_display_name (next), old_name };
      start = g_get_monotonic_time ();
      feed (session, bytes);
      if (!handset_test_wait_until (painted, &wait, 60))
        {
          g_autoptr (GPtrArray) now = rows_in_view (window);

          g_printerr ("now %s; first row %s, want %s\n", handset_contact_get_display_name (contact),
                      handset_contact_row_get_title (HANDSET_CONTACT_ROW (top_row (now))),
                      wait.first);
          g_error ("the rename never showed");
        }
      g_assert_cmpstr (handset_contact_get_display_name (contact), ==, "Zoë Zyxwvut");
      rename_ms = (wait.painted - start) / 1000.0;
    }
  printf ("%.2f\n", rename_ms);
  fflush (stdout);
  g_signal_handler_disconnect (clock_of (window), handler);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

/* ------------------------------------------------------------------ the table */

static void
run_child (const char *self,
           const char *password,
           guint n,
           double *ready,
           double *rss,
           double *pss,
           double *rename)
{
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  const char *argv[] = { self, "--child", count, NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  /* The password on stdin: never in the environment or the arguments. */
  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process) ||
      sscanf (out, "%lf %lf %lf %lf", ready, rss, pss, rename) != 4)
    g_error ("a run failed: %s", out ? out : "");
}

int
main (int argc, char *argv[])
{
  double ready0[RUNS], rss0[RUNS], pss0[RUNS], ready[RUNS], rss[RUNS], pss[RUNS], rename[RUNS];
  double unused;
  g_autoptr (HandsetTestUser) user = NULL;
  g_autofree char *how = NULL;

  if (argc > 2 && g_str_equal (argv[1], "--child"))
    return child ((guint) atoi (argv[2]));

  user = handset_test_register ("benchcontacts");
  g_setenv ("HANDSET_BENCH_USER", user->user_id, TRUE);
  for (guint i = 0; i < RUNS; i++)
    {
      run_child (argv[0], user->password, 0, &ready0[i], &rss0[i], &pss0[i], &unused);
      run_child (argv[0], user->password, N_CONTACTS, &ready[i], &rss[i], &pss[i], &rename[i]);
    }

  bench_row ("contacts: empty list shown (ms), the baseline", ready0, RUNS, 1,
             "handset_window_set_session() to the end of the first frame (GdkFrameClock "
             "after-paint) showing the contacts page, the account's list empty");
  bench_row ("contacts: 10,000 shown (ms)", ready, RUNS, 1,
             "the same to the first frame with contact rows mapped; the direct chats generated "
             "and handed to the session's rooms as a parsed /sync response before the window");
  bench_row ("contacts: memory added by the empty list (MB RSS)", rss0, RUNS, 1,
             "VmRSS 1 s after it showed less VmRSS before handset_window_set_session(), "
             "malloc_trim() before each");
  bench_row ("contacts: memory added by 10,000 (MB RSS)", rss, RUNS, 1, "the same");
  bench_row ("contacts: memory added by the empty list (MB Pss)", pss0, RUNS, 1,
             "the same with Pss from /proc/self/smaps_rollup");
  bench_row ("contacts: memory added by 10,000 (MB Pss)", pss, RUNS, 1, "the same");
  how = g_strdup_printf (
      "a /sync batch renaming the contact of the first row (to a name sorted last) handed to "
      "the rooms, to the end of the first frame showing the next contact in the first row; "
      "%u contacts",
      N_CONTACTS);
  bench_row ("contacts: a rename repainted (ms)", rename, RUNS, 2, how);

  return 0;
}
