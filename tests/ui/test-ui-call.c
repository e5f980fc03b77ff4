/* test-ui-call.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The desktop app under Xvfb against the real Synapse, four profiles in
 * one process: alice, alice on a second device, and bob on two devices.
 * Each logs in through the form; alice calls bob from the contact list,
 * in an end-to-end encrypted direct chat;
 * both bob devices show the incoming window; one answers, the other says
 * where and closes; alice sees the call connect and which device answered.
 * alice's own invite never opens her incoming window; her call to herself
 * does, on her other device; alice shares her screen and bob sees it.
 * A screenshot of each main screen, light and
 * dark, goes to _build/screenshots.
 */

#include "config.h"

#include <adwaita.h>

#include "handset-application.h"
#include "handset-call-view.h"
#include "handset-contact-row.h"
#include "handset-fake-devices.h"
#include "handset-history-row.h"
#include "handset-incoming-window.h"
#include "handset-login-page.h"
#include "handset-media-session.h"
#include "handset-recovery-dialog.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define WAIT_S 30

typedef struct
{
  HandsetApplication *app;
  HandsetTestUser *user;
} Profile;

static HandsetWindow *
window_of (Profile *p)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (p->app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (HANDSET_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static HandsetIncomingWindow *
incoming_of (Profile *p)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (p->app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (HANDSET_IS_INCOMING_WINDOW (l->data))
      return l->data;
  return NULL;
}

typedef struct
{
  Profile *profile;
  const char *page;
} PageIs;

static gboolean
page_is (gpointer data)
{
  PageIs *p = data;
  HandsetWindow *window = window_of (p->profile);

  return window != NULL && g_strcmp0 (handset_window_get_page (window), p->page) == 0;
}

static void
wait_page (Profile *profile, const char *page)
{
  PageIs p = { profile, page };

  if (!handset_test_wait_until (page_is, &p, WAIT_S))
    g_error ("%s stays on “%s”, not “%s”", profile->user->user_id,
             window_of (profile) ? handset_window_get_page (window_of (profile)) : "(no window)",
             page);
}

static gboolean
has_incoming (gpointer data)
{
  return incoming_of (data) != NULL;
}

static gboolean
no_incoming (gpointer data)
{
  return incoming_of (data) == NULL;
}

static void
screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("HANDSET_SCREENSHOT_DIR");
  const char *schemes[] = { "light", "dark" };

  if (dir == NULL)
    return;
  g_mkdir_with_parents (dir, 0755);

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      g_autoptr (GdkPaintable) paintable = NULL;
      g_autoptr (GskRenderNode) node = NULL;
      g_autoptr (GdkTexture) texture = NULL;
      g_autofree char *path = NULL;
      GtkSnapshot *snapshot;
      GskRenderer *renderer;
      int width, height;

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          i == 0 ? ADW_COLOR_SCHEME_FORCE_LIGHT
                                                 : ADW_COLOR_SCHEME_FORCE_DARK);
      handset_test_run_for (300);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_assert_cmpint (width, >, 0);
      /* Empty while the widget waits for a new layout (a picture that
       * just arrived asks for one): try again a little later. */
      for (guint tries = 0; node == NULL && tries < 50; tries++)
        {
          if (tries > 0)
            handset_test_run_for (100);
          g_clear_object (&paintable);
          paintable = gtk_widget_paintable_new (widget);
          snapshot = gtk_snapshot_new ();
          gdk_paintable_snapshot (paintable, snapshot, width, height);
          node = gtk_snapshot_free_to_node (snapshot);
        }
      g_assert_nonnull (node);
      renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
      texture =
          gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
      path = g_strdup_printf ("%s/%s-%s.png", dir, name, schemes[i]);
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

static Profile *
start_profile (const char *name, HandsetTestUser *user)
{
  Profile *p = g_new0 (Profile, 1);
  g_autoptr (GError) error = NULL;

  p->user = user;
  p->app = handset_application_new_for_profile (name);
  g_assert_nonnull (p->app);
  g_assert_true (g_application_register (G_APPLICATION (p->app), NULL, &error));
  g_assert_no_error (error);
  /* Its own instance, not one that another test started. */
  g_assert_false (g_application_get_is_remote (G_APPLICATION (p->app)));
  g_application_activate (G_APPLICATION (p->app));

  return p;
}

static void
set_display_name (HandsetTestUser *user, const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/profile/%s/displayname", escaped);
  g_autofree char *body = g_strdup_printf ("{\"displayname\": \"%s\"}", name);
  g_autoptr (JsonNode) ignored = NULL;
  guint status = 0;

  ignored = handset_test_request ("PUT", path, user->access_token, body, &status);
  g_assert_cmpuint (status, ==, 200);
}

static HandsetRecoveryDialog *
recovery_dialog_of (Profile *p)
{
  return (HandsetRecoveryDialog *) handset_test_window_of_type (GTK_APPLICATION (p->app),
                                                                HANDSET_TYPE_RECOVERY_DIALOG);
}

static gboolean
recovery_offered (gpointer data)
{
  HandsetRecoveryDialog *dialog = recovery_dialog_of (data);

  return dialog != NULL && g_strcmp0 (handset_recovery_dialog_get_page (dialog), "set-up") == 0;
}

static gboolean
no_recovery_dialog (gpointer data)
{
  return recovery_dialog_of (data) == NULL;
}

/* The account has no cross-signing: after login the dialog offers to set
 * it up, and the person skips it. */
static void
skip_recovery (Profile *p)
{
  g_assert_true (handset_test_wait_until (recovery_offered, p, WAIT_S));
  gtk_window_close (GTK_WINDOW (recovery_dialog_of (p)));
  g_assert_true (handset_test_wait_until (no_recovery_dialog, p, WAIT_S));
}

static void
log_in (Profile *p, gboolean take_screenshot)
{
  HandsetWindow *window;

  wait_page (p, "login");
  window = window_of (p);
  if (take_screenshot)
    screenshot (GTK_WIDGET (window), "login");
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (window)),
                           p->user->user_id, p->user->password, handset_test_homeserver_url ());
  wait_page (p, "contacts");
  skip_recovery (p);
}

/* The @nth history row showing a call, newest first (a row whose call a
 * search hid may linger a moment, showing none). */
static HandsetHistoryRow *
history_row (gpointer data, guint nth)
{
  GtkWidget *list = handset_window_get_history_list (window_of (data));
  GtkWidget *row;

  for (guint i = 0; (row = handset_test_find_nth (list, HANDSET_TYPE_HISTORY_ROW, i)) != NULL; i++)
    if (handset_history_row_get_entry (HANDSET_HISTORY_ROW (row)) != NULL && nth-- == 0)
      return HANDSET_HISTORY_ROW (row);
  return NULL;
}

static gboolean
has_contact_row (gpointer data)
{
  GtkWidget *row = handset_test_find_nth (handset_window_get_contact_list (window_of (data)),
                                          HANDSET_TYPE_CONTACT_ROW, 0);

  return row != NULL && handset_contact_row_get_contact (HANDSET_CONTACT_ROW (row)) != NULL;
}

static gboolean
has_history_row (gpointer data)
{
  return history_row (data, 0) != NULL;
}

typedef struct
{
  HandsetCallView *view;
  const char *prefix;
} TextIs;

static gboolean
state_starts (gpointer data)
{
  TextIs *t = data;

  return g_str_has_prefix (handset_call_view_get_state_text (t->view), t->prefix);
}

static gboolean
status_starts (gpointer data)
{
  Profile *p = data;
  HandsetIncomingWindow *incoming = incoming_of (p);

  return incoming != NULL &&
         g_str_has_prefix (handset_incoming_window_get_status_text (incoming), "Answered on ");
}

/* A widget with that tooltip, sensitive or not. */
static GtkWidget *
find_by_tooltip (GtkWidget *root, const char *tooltip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
        return child;
      if ((found = find_by_tooltip (child, tooltip)) != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  HandsetCallView *view;
  const char *prefix;
} DetailIs;

static gboolean
detail_is (gpointer data)
{
  DetailIs *d = data;

  return g_str_has_prefix (handset_call_view_get_detail_text (d->view), d->prefix);
}

typedef struct
{
  Profile *profile;
  const char *prefix;
} StatusIs;

static gboolean
status_is (gpointer data)
{
  StatusIs *s = data;
  HandsetIncomingWindow *incoming = incoming_of (s->profile);

  return incoming != NULL &&
         g_str_has_prefix (handset_incoming_window_get_status_text (incoming), s->prefix);
}

static gboolean
widget_visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

static gboolean
widget_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

/* "Section: item, item; Section: item" */
static char *
describe_menu (GMenuModel *menu)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_string_append_printf (text, "%s%s:", i ? "; " : "", label);
      for (int j = 0; section && j < g_menu_model_get_n_items (section); j++)
        {
          g_autofree char *item = NULL;

          g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_LABEL, "s", &item);
          g_string_append_printf (text, "%s %s", j ? "," : "", item);
        }
    }

  return g_string_free (text, FALSE);
}

typedef struct
{
  HandsetCallView *view;
  const char *name;
} InPipeline;

/* An element of that name is in the media pipeline of the view's call. */
static gboolean
in_pipeline (gpointer data)
{
  InPipeline *p = data;
  HandsetMedia *media = handset_call_get_media (handset_call_view_get_call (p->view));
  g_autoptr (GstElement) element = NULL;

  if (!HANDSET_IS_MEDIA_SESSION (media))
    return FALSE;
  element = gst_bin_get_by_name (
      GST_BIN (handset_media_session_get_pipeline (HANDSET_MEDIA_SESSION (media))), p->name);
  return element != NULL;
}

static gboolean
not_in_pipeline (gpointer data)
{
  return !in_pipeline (data);
}

/* The call view's menu of microphones and speakers: the same choice as in
 * Preferences, taken into the call at once. */
static void
check_device_menu (Profile *p, HandsetCallView *view)
{
  GSettings *settings = handset_application_get_settings (p->app);
  g_autofree char *menu = describe_menu (handset_call_view_get_devices_menu (view));
  g_autofree char *microphone = NULL;
  g_autofree char *speaker = NULL;
  InPipeline desk = { view, "Desk Microphone" }, headset = { view, "Headset" };

  g_test_message ("devices menu: %s", menu);
  g_assert_true (g_str_has_prefix (menu, "Microphone: System default, "));
  g_assert_nonnull (strstr (menu, "Desk Microphone"));
  g_assert_nonnull (strstr (menu, "; Speaker: System default, "));
  g_assert_nonnull (strstr (strstr (menu, "; Speaker:"), "Headset"));
  g_assert_false (in_pipeline (&desk));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.microphone", "s",
                                             "handset-ui-desk-mic"));
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (view), "call.speaker", "s", "handset-ui-headset"));
  microphone = g_settings_get_string (settings, "microphone");
  speaker = g_settings_get_string (settings, "speaker");
  g_assert_cmpstr (microphone, ==, "handset-ui-desk-mic");
  g_assert_cmpstr (speaker, ==, "handset-ui-headset");
  g_assert_true (handset_test_wait_until (in_pipeline, &desk, WAIT_S));
  g_assert_true (handset_test_wait_until (in_pipeline, &headset, WAIT_S));
  g_assert_cmpint (handset_call_get_state (handset_call_view_get_call (view)), ==,
                   HANDSET_CALL_STATE_CONNECTED);

  /* And back: the system's default again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.microphone", "s", ""));
  g_assert_true (handset_test_wait_until (not_in_pipeline, &desk, WAIT_S));
  g_settings_set_string (settings, "speaker", "");
}

/* @user has an invitation to some room. */
static gboolean
invited_anywhere (HandsetTestUser *user)
{
  g_autoptr (JsonNode) sync = NULL;
  JsonObject *rooms, *invite;
  guint status = 0;

  sync = handset_test_request ("GET", "/_matrix/client/v3/sync?timeout=0", user->access_token, NULL,
                               &status);
  g_assert_cmpuint (status, ==, 200);
  if (!json_object_has_member (json_node_get_object (sync), "rooms"))
    return FALSE;
  rooms = json_object_get_object_member (json_node_get_object (sync), "rooms");
  if (!json_object_has_member (rooms, "invite"))
    return FALSE;
  invite = json_object_get_object_member (rooms, "invite");

  return json_object_get_size (invite) > 0;
}

/* The ringtone plays: playbin reaches PLAYING a moment after the window
 * appears. */
static gboolean
rings (gpointer incoming)
{
  return handset_incoming_window_is_ringing (incoming);
}

static Profile *contact_profile;

static gboolean
has_contact_for (gpointer user_id)
{
  return handset_contact_list_find (
             handset_session_get_contacts (handset_application_get_session (contact_profile->app)),
             user_id) != NULL;
}

static gboolean
remote_screenshare (gpointer data)
{
  return handset_call_get_remote_screenshare (data);
}

static void
test_call_through_the_ui (void)
{
  HandsetTestUser *alice, *alice_two, *bob, *bob_two;
  Profile *pa, *pa2, *pb1, *pb2;
  g_autofree char *room_id = NULL;
  g_autofree char *bob_name = NULL;
  GPtrArray *notifications;
  HandsetCallView *view;
  TextIs t;
  GtkWidget *preferences;

  if (!handset_test_homeserver_require ())
    return;

  notifications = handset_test_start_notification_server ();
  alice = handset_test_register ("alice");
  alice_two = handset_test_login (alice, NULL);
  bob = handset_test_register ("bob");
  bob_two = handset_test_login (bob, NULL);
  /* Names as people have them (the screenshots show them). */
  set_display_name (alice, "Alice");
  set_display_name (bob, "Bob");
  /* An encrypted direct chat, as Element makes them. */
  room_id = handset_test_create_encrypted_direct_room (alice, bob);

  /* Four profiles, each logged in through its own form. */
  pa = start_profile ("uialice", alice);
  pa2 = start_profile ("uialice2", alice_two);
  pb1 = start_profile ("uibob1", bob);
  pb2 = start_profile ("uibob2", bob_two);
  log_in (pa, TRUE);
  log_in (pa2, FALSE);
  log_in (pb1, FALSE);
  log_in (pb2, FALSE);
  /* alice in front, where she calls from. */
  gtk_window_present (GTK_WINDOW (window_of (pa)));
  handset_test_run_for (300);

  /* alice calls bob from her contact list. */
  g_assert_true (handset_test_wait_until (has_contact_row, pa, WAIT_S));
  /* One contact: the row is as tall as what it shows, not the window. */
  handset_test_run_for (300);
  {
    GtkWidget *list = handset_window_get_contact_list (window_of (pa));
    GtkWidget *row = handset_test_find_nth (list, HANDSET_TYPE_CONTACT_ROW, 0);

    g_test_message ("contact list %d px high, its row %d px", gtk_widget_get_height (list),
                    gtk_widget_get_height (row));
    g_assert_true (gtk_widget_get_mapped (row));
    g_assert_cmpint (gtk_widget_get_height (list), >, 2 * gtk_widget_get_height (row));
    g_assert_cmpint (gtk_widget_get_height (row), <, 100);
  }
  screenshot (GTK_WIDGET (window_of (pa)), "contacts");
  bob_name = g_strdup ("Call Bob");
  handset_test_click (GTK_WIDGET (window_of (pa)), bob_name);
  wait_page (pa, "call");
  view = HANDSET_CALL_VIEW (handset_window_get_call_view (window_of (pa)));
  t = (TextIs){ view, "Ringing" };
  g_assert_true (handset_test_wait_until (state_starts, &t, WAIT_S));
  /* The call's signalling is encrypted, and the view says so. */
  g_assert_true (
      g_str_has_prefix (handset_call_view_get_encryption_text (view), "End-to-end encrypted"));
  screenshot (GTK_WIDGET (window_of (pa)), "call-ringing");

  /* Both bob devices ring; alice's own invite rang nowhere for her. */
  g_assert_true (handset_test_wait_until (has_incoming, pb1, WAIT_S));
  g_assert_true (handset_test_wait_until (has_incoming, pb2, WAIT_S));
  screenshot (GTK_WIDGET (incoming_of (pb1)), "incoming-call");
  g_assert_true (g_str_has_prefix (handset_incoming_window_get_encryption_text (incoming_of (pb1)),
                                   "End-to-end encrypted"));
  g_assert_nonnull (
      strstr (handset_incoming_window_get_encryption_text (incoming_of (pb1)), "not verified"));
  /* The ringtone plays while it rings. */
  g_assert_true (handset_test_wait_until (rings, incoming_of (pb1), WAIT_S));
  g_assert_null (incoming_of (pa));
  g_assert_null (incoming_of (pa2));
  /* bob's windows were not in front: he was notified, with both choices. */
  {
    gboolean found = FALSE;

    for (guint i = 0; i < notifications->len; i++)
      {
        const char *text = g_ptr_array_index (notifications, i);

        g_test_message ("notification: %s", text);
        found |= g_str_has_prefix (text, "Incoming call: ") && strstr (text, "Answer") != NULL &&
                 strstr (text, "Decline") != NULL;
      }
    g_assert_true (found);
  }

  /* bob answers on his first device; the second says where, and closes. */
  handset_test_click (GTK_WIDGET (incoming_of (pb1)), "Accept");
  g_assert_true (handset_test_wait_until (status_starts, pb2, WAIT_S));
  screenshot (GTK_WIDGET (incoming_of (pb2)), "answered-elsewhere");
  g_assert_true (handset_test_wait_until (no_incoming, pb2, WAIT_S));
  wait_page (pb1, "call");

  /* alice: connected (a running timer), and which device answered. */
  t = (TextIs){ view, "00:" };
  g_assert_true (handset_test_wait_until (state_starts, &t, WAIT_S));
  g_assert_true (g_str_has_prefix (handset_call_view_get_detail_text (view), "Answered on "));
  /* By the device's name, as bob's own devices show it, not its ID. */
  {
    DetailIs named = { view, "Answered on Handset on " };

    g_assert_true (handset_test_wait_until (detail_is, &named, WAIT_S));
  }
  screenshot (GTK_WIDGET (window_of (pa)), "call-connected");
  check_device_menu (pa, view);

  /* Video on: alice sees a preview of what she sends, in a corner; off:
   * it goes away. */
  g_assert_false (gtk_widget_get_visible (handset_call_view_get_local_video (view)));
  handset_test_click (GTK_WIDGET (window_of (pa)), "Video");
  g_assert_true (
      handset_test_wait_until (widget_visible, handset_call_view_get_local_video (view), WAIT_S));
  screenshot (GTK_WIDGET (window_of (pa)), "call-video");
  handset_test_click (GTK_WIDGET (window_of (pa)), "Video");
  g_assert_true (
      handset_test_wait_until (widget_hidden, handset_call_view_get_local_video (view), WAIT_S));

  /* alice shares her screen (app.share-screen, from the toggle): bob's
   * window shows it large, labelled as hers; she stops: it goes. */
  {
    HandsetCallView *bob_view = HANDSET_CALL_VIEW (handset_window_get_call_view (window_of (pb1)));
    GtkWidget *shared = handset_call_view_get_screen_video (bob_view);

    HandsetMedia *bob_media = handset_call_get_media (handset_call_view_get_call (bob_view));
    gint frames = 0;

    g_signal_connect_swapped (bob_media, "screenshare-frame", G_CALLBACK (g_atomic_int_inc),
                              &frames);
    handset_test_click (GTK_WIDGET (window_of (pa)), "Share Screen");
    g_assert_true (handset_test_wait_until (remote_screenshare,
                                            handset_call_view_get_call (bob_view), WAIT_S));
    if (!handset_test_wait_until (widget_visible, shared, WAIT_S))
      g_error ("bob's view shows no screen share; %d frames of it came, its picture has %s",
               g_atomic_int_get (&frames),
               gtk_picture_get_paintable (GTK_PICTURE (shared)) ? "a paintable" : "none");
    g_signal_handlers_disconnect_by_data (bob_media, &frames);
    g_assert_true (handset_call_get_screensharing (handset_call_view_get_call (view)));
    screenshot (GTK_WIDGET (window_of (pb1)), "call-screenshare");
    handset_test_click (GTK_WIDGET (window_of (pa)), "Share Screen");
    g_assert_true (handset_test_wait_until (widget_hidden, shared, WAIT_S));
  }

  /* The microphone fails during the call: the view says which device,
   * and opens the device menu to choose another; choosing clears it. */
  {
    GtkWidget *devices = find_by_tooltip (GTK_WIDGET (window_of (pa)), "Microphone and Speaker");
    DetailIs failed = { view, "The microphone cannot be used" };

    g_signal_emit_by_name (handset_call_get_media (handset_call_view_get_call (view)),
                           "device-failed", (int) HANDSET_CALL_DEVICE_MICROPHONE,
                           "Device not found");
    g_assert_true (handset_test_wait_until (detail_is, &failed, WAIT_S));
    g_test_message ("%s", handset_call_view_get_detail_text (view));
    g_assert_nonnull (devices);
    g_assert_true (gtk_widget_get_visible (
        GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (devices)))));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (devices));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.microphone", "s",
                                               "handset-ui-desk-mic"));
    handset_test_run_for (300);
    g_assert_cmpint (handset_call_get_failed_device (handset_call_view_get_call (view), NULL), ==,
                     HANDSET_CALL_DEVICE_NONE);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.microphone", "s", ""));
  }

  /* No camera (the devices list none, and nothing stands in for one):
   * the video button is off and says why. */
  {
    g_autofree char *source = g_strdup (g_getenv ("HANDSET_VIDEO_SRC"));
    GtkWidget *button;

    g_unsetenv ("HANDSET_VIDEO_SRC");
    handset_test_click (GTK_WIDGET (window_of (pa)), "Mute");
    handset_test_click (GTK_WIDGET (window_of (pa)), "Mute");
    handset_test_run_for (300);
    button = find_by_tooltip (GTK_WIDGET (window_of (pa)), "No camera was found");
    g_assert_nonnull (button);
    g_assert_false (gtk_widget_get_sensitive (button));
    g_setenv ("HANDSET_VIDEO_SRC", source, TRUE);
    handset_test_click (GTK_WIDGET (window_of (pa)), "Mute");
    handset_test_click (GTK_WIDGET (window_of (pa)), "Mute");
    handset_test_run_for (300);
    g_assert_nonnull (handset_test_find_button (GTK_WIDGET (window_of (pa)), "Video"));
  }

  /* alice hangs up; both leave the call screen. */
  handset_test_click (GTK_WIDGET (window_of (pa)), "Hang Up");
  wait_page (pb1, "contacts");
  wait_page (pa, "contacts");

  /* The history on each side shows the call. */
  g_assert_true (handset_test_wait_until (has_history_row, pa, WAIT_S));
  g_assert_true (handset_test_wait_until (has_history_row, pb1, WAIT_S));
  g_assert_true (handset_test_wait_until (has_history_row, pb2, WAIT_S));
  handset_window_show_history (window_of (pa));
  handset_test_run_for (300);
  screenshot (GTK_WIDGET (window_of (pa)), "history");
  {
    HandsetHistoryRow *row = history_row (pa, 0);
    HandsetHistoryRow *row2 = history_row (pb2, 0);

    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
    g_assert_true (g_str_has_prefix (handset_history_row_get_subtitle (row), "Outgoing"));
    /* bob's second device knows it was taken on the first */
    g_assert_true (g_str_has_prefix (handset_history_row_get_subtitle (row2), "Incoming"));
    g_assert_nonnull (strstr (handset_history_row_get_subtitle (row2), "Handset on"));
  }

  /* The search filters the history too: by the other person. */
  {
    GtkEditable *search = GTK_EDITABLE (handset_window_get_search_entry (window_of (pa)));
    g_autofree char *bob_local =
        g_strndup (bob->user_id + 1, strchr (bob->user_id, ':') - bob->user_id - 1);

    gtk_editable_set_text (search, "nobody-by-that-name");
    handset_test_run_for (500);
    g_assert_false (has_history_row (pa));
    gtk_editable_set_text (search, bob_local);
    handset_test_run_for (500);
    g_assert_true (has_history_row (pa));
    gtk_editable_set_text (search, "");
    handset_test_run_for (300);
  }

  /* alice calls her other device: it rings there, not here. */
  {
    g_autoptr (GError) error = NULL;
    HandsetSession *session = handset_application_get_session (pa->app);

    g_assert_nonnull (handset_call_manager_place_call (handset_session_get_call_manager (session),
                                                       room_id, alice->user_id, FALSE, &error));
    g_assert_no_error (error);
  }
  g_assert_true (handset_test_wait_until (has_incoming, pa2, WAIT_S));
  g_assert_null (incoming_of (pa));
  g_assert_null (incoming_of (pb1));
  {
    HandsetIncomingWindow *incoming = incoming_of (pa2);
    g_autoptr (HandsetCall) rang = g_object_ref (handset_incoming_window_get_call (incoming));

    /* Enter, typed for another window, neither answers nor declines: no
     * button has the focus, and none is the default. */
    g_assert_null (gtk_window_get_focus (GTK_WINDOW (incoming)));
    g_assert_null (gtk_window_get_default_widget (GTK_WINDOW (incoming)));
    gtk_widget_activate_action (GTK_WIDGET (incoming), "default.activate", NULL);
    handset_test_run_for (300);
    g_assert_cmpint (handset_call_get_state (rang), ==, HANDSET_CALL_STATE_RINGING);
    /* Closing the window declines. */
    gtk_window_close (GTK_WINDOW (incoming));
    g_assert_true (handset_test_wait_until (no_incoming, pa2, WAIT_S));
    g_assert_cmpint (handset_call_get_end_reason (rang), ==, HANDSET_CALL_END_LOCAL_REJECT);
  }
  wait_page (pa, "contacts");

  /* A matrix: link asks first, and dials only when told to. */
  {
    g_autofree char *uri = g_strdup_printf ("matrix:u/%s?action=call", bob->user_id + 1);
    g_autoptr (GFile) file = g_file_new_for_uri (uri);
    GtkWidget *dialog = NULL;
    GPtrArray *calls = handset_call_manager_get_calls (
        handset_session_get_call_manager (handset_application_get_session (pa->app)));
    guint before = calls->len;
    GList *windows;

    g_application_open (G_APPLICATION (pa->app), &file, 1, "");
    handset_test_run_for (1000);
    windows = gtk_window_list_toplevels ();
    for (GList *l = windows; l != NULL; l = l->next)
      if (ADW_IS_MESSAGE_DIALOG (l->data))
        dialog = l->data;
    g_list_free (windows);
    g_assert_nonnull (dialog);
    g_assert_true (
        g_str_has_prefix (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), "Call "));
    g_assert_cmpuint (calls->len, ==, before);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "call");
    wait_page (pa, "call");
    g_assert_cmpuint (calls->len, ==, before + 1);
    g_assert_true (handset_test_wait_until (has_incoming, pb1, WAIT_S));
    g_assert_true (handset_test_wait_until (has_incoming, pb2, WAIT_S));
    /* bob declines on his first device; the second says so, not that it
     * was answered (checklist #24). */
    handset_test_click (GTK_WIDGET (incoming_of (pb1)), "Decline");
    {
      StatusIs declined = { pb2, "Declined on " };

      g_assert_true (handset_test_wait_until (status_is, &declined, WAIT_S));
      g_test_message ("bob's second device: %s",
                      handset_incoming_window_get_status_text (incoming_of (pb2)));
    }
    g_assert_true (handset_test_wait_until (no_incoming, pb2, WAIT_S));
    wait_page (pa, "contacts");
  }

  /* alice gives up while bob's devices ring: a missed call, whose
   * notification offers to call back; calling back rings alice. */
  {
    g_autoptr (GError) error = NULL;
    HandsetCall *call = handset_call_manager_place_call (
        handset_session_get_call_manager (handset_application_get_session (pa->app)), room_id,
        bob->user_id, FALSE, &error);
    guint before = notifications->len;
    gboolean offered = FALSE;

    g_assert_no_error (error);
    g_assert_true (handset_test_wait_until (has_incoming, pb1, WAIT_S));
    handset_call_hangup (call);
    g_assert_true (handset_test_wait_until (no_incoming, pb1, WAIT_S));
    handset_test_run_for (500);
    for (guint i = before; i < notifications->len; i++)
      {
        const char *text = g_ptr_array_index (notifications, i);

        g_test_message ("notification: %s", text);
        offered |= g_str_has_prefix (text, "Missed call: ") && strstr (text, "Call Back") != NULL;
      }
    g_assert_true (offered);
    g_action_group_activate_action (G_ACTION_GROUP (pb1->app), "call-back",
                                    g_variant_new ("(ss)", room_id, alice->user_id));
    wait_page (pb1, "call");
    g_assert_true (handset_test_wait_until (has_incoming, pa, WAIT_S));
    handset_test_click (GTK_WIDGET (window_of (pb1)), "Hang Up");
    g_assert_true (handset_test_wait_until (no_incoming, pa, WAIT_S));
    wait_page (pb1, "contacts");
  }

  /* A chat link for a contact: no call, the contacts page with bob's
   * row selected, even from the history page. */
  {
    g_autofree char *uri = g_strdup_printf ("matrix:u/%s?action=chat", bob->user_id + 1);
    g_autoptr (GFile) file = g_file_new_for_uri (uri);
    GtkListView *list = GTK_LIST_VIEW (handset_window_get_contact_list (window_of (pa)));
    GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (list));
    HandsetContact *selected;
    GtkWidget *row;

    handset_window_show_history (window_of (pa));
    gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
    handset_test_run_for (300);
    g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (list)));
    g_application_open (G_APPLICATION (pa->app), &file, 1, "");
    handset_test_run_for (500);
    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
    selected = gtk_single_selection_get_selected_item (selection);
    g_assert_nonnull (selected);
    g_assert_cmpstr (handset_contact_get_user_id (selected), ==, bob->user_id);
    /* His row shows, selected, with his ID under his name. */
    row = handset_test_find_nth (GTK_WIDGET (list), HANDSET_TYPE_CONTACT_ROW, 0);
    g_assert_true (gtk_widget_get_mapped (row));
    g_assert_true (gtk_widget_get_state_flags (gtk_widget_get_parent (row)) &
                   GTK_STATE_FLAG_SELECTED);
    g_assert_cmpstr (handset_contact_row_get_subtitle (HANDSET_CONTACT_ROW (row)), ==,
                     bob->user_id);
    g_assert_null (incoming_of (pb1));
  }

  /* A chat link for someone who is no contact: nothing is made (no room,
   * no invitation) until alice says so; Cancel makes nothing. */
  {
    g_autoptr (HandsetTestUser) dave = handset_test_register ("dave");
    g_autofree char *uri = g_strdup_printf ("matrix:u/%s?action=chat", dave->user_id + 1);
    g_autoptr (GFile) file = g_file_new_for_uri (uri);
    HandsetContactList *contacts =
        handset_session_get_contacts (handset_application_get_session (pa->app));
    GtkWidget *dialog = NULL;
    GList *windows;

    contact_profile = pa;
    for (guint round = 0; round < 2; round++)
      {
        GList *before = gtk_window_list_toplevels ();

        dialog = NULL;
        g_application_open (G_APPLICATION (pa->app), &file, 1, "");
        handset_test_run_for (500);
        /* The dialog this link brought up. */
        windows = gtk_window_list_toplevels ();
        for (GList *l = windows; l != NULL; l = l->next)
          if (ADW_IS_MESSAGE_DIALOG (l->data) && g_list_find (before, l->data) == NULL)
            dialog = l->data;
        g_list_free (windows);
        g_list_free (before);
        g_assert_nonnull (dialog);
        g_assert_true (g_str_has_prefix (
            adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), "Start a chat with "));
        g_assert_null (handset_contact_list_find (contacts, dave->user_id));
        adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), round == 0 ? "cancel" : "chat");
        gtk_window_destroy (GTK_WINDOW (dialog));
        handset_test_run_for (1000);
        if (round == 0)
          {
            /* Nothing was made: dave was invited nowhere. */
            g_assert_false (invited_anywhere (dave));
          }
      }
    /* Said yes: the chat is made and dave is a contact. */
    g_assert_true (handset_test_wait_until (has_contact_for, (gpointer) dave->user_id, WAIT_S));
  }

  /* The other screens, for the record. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window_of (pa)), "win.new-call", NULL));
  handset_test_run_for (500);
  {
    GList *windows = gtk_window_list_toplevels ();
    gboolean dialog = FALSE;

    for (GList *l = windows; l != NULL; l = l->next)
      if (ADW_IS_MESSAGE_DIALOG (l->data))
        {
          dialog = TRUE;
          screenshot (l->data, "new-call");
          gtk_window_destroy (l->data);
        }
    g_list_free (windows);
    g_assert_true (dialog);
  }
  g_action_group_activate_action (G_ACTION_GROUP (pa->app), "preferences", NULL);
  handset_test_run_for (500);
  preferences = NULL;
  {
    GList *windows = gtk_window_list_toplevels ();

    for (GList *l = windows; l != NULL; l = l->next)
      if (ADW_IS_PREFERENCES_WINDOW (l->data))
        preferences = l->data;
    g_list_free (windows);
  }
  g_assert_nonnull (preferences);
  screenshot (preferences, "preferences");
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* carol, whom bob has never talked to, calls him as New Call does: the
   * chat is made, bob's windows ring from the invitation as a new
   * contact, carol waits for him to accept; he answers on his first
   * device, which joins the chat and takes the call. Issue 15. */
  {
    g_autoptr (HandsetTestUser) carol = handset_test_register ("carol");
    Profile *pc;
    HandsetIncomingWindow *incoming;
    HandsetCallView *carol_view;
    TextIs connected;

    set_display_name (carol, "Carol");
    pc = start_profile ("uicarol", carol);
    log_in (pc, FALSE);
    handset_session_place_call_async (handset_application_get_session (pc->app), bob->user_id,
                                      FALSE, NULL, NULL, NULL);
    wait_page (pc, "call");
    carol_view = HANDSET_CALL_VIEW (handset_window_get_call_view (window_of (pc)));
    g_assert_true (handset_test_wait_until (has_incoming, pb1, WAIT_S));
    incoming = incoming_of (pb1);
    g_assert_nonnull (handset_incoming_window_get_invitation (incoming));
    g_test_message ("bob sees: %s", handset_incoming_window_get_status_text (incoming));
    g_assert_nonnull (strstr (handset_incoming_window_get_status_text (incoming), "new contact"));
    g_assert_true (handset_test_wait_until (rings, incoming, WAIT_S));
    {
      DetailIs waiting = { carol_view, "Waiting for " };

      g_assert_true (handset_test_wait_until (detail_is, &waiting, WAIT_S));
      g_test_message ("carol sees: %s", handset_call_view_get_detail_text (carol_view));
      /* By the name bob's profile gives, before any chat with him. */
      g_assert_cmpstr (handset_call_view_get_detail_text (carol_view), ==,
                       "Waiting for Bob to accept");
    }
    screenshot (GTK_WIDGET (incoming), "incoming-new-contact");
    handset_test_click (GTK_WIDGET (incoming), "Accept");
    wait_page (pb1, "call");
    connected = (TextIs){ carol_view, "00:" };
    g_assert_true (handset_test_wait_until (state_starts, &connected, WAIT_S));
    g_assert_null (incoming_of (pb1));
    handset_test_click (GTK_WIDGET (window_of (pc)), "Hang Up");
    wait_page (pb1, "contacts");
    g_application_quit (G_APPLICATION (pc->app));
  }

  g_application_quit (G_APPLICATION (pa->app));
  g_application_quit (G_APPLICATION (pa2->app));
  g_application_quit (G_APPLICATION (pb1->app));
  g_application_quit (G_APPLICATION (pb2->app));
}

typedef struct
{
  GPtrArray *notifications;
  guint from;
  const char *prefix;
} NotifiedWith;

static gboolean
notified_with (gpointer data)
{
  NotifiedWith *n = data;

  for (guint i = n->from; i < n->notifications->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (n->notifications, i), n->prefix))
      return TRUE;

  return FALSE;
}

static const char *
notification_with (NotifiedWith *n)
{
  for (guint i = n->from; i < n->notifications->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (n->notifications, i), n->prefix))
      return g_ptr_array_index (n->notifications, i);

  return NULL;
}

typedef struct
{
  HandsetTestUser *reader;
  const char *room_id;
  JsonObject *event;
} DeclineIn;

/* The room's latest events hold an Element Call decline. */
static gboolean
decline_in_room (gpointer data)
{
  DeclineIn *d = data;
  g_autofree char *escaped = g_uri_escape_string (d->room_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=20", escaped);
  g_autoptr (JsonNode) answer = NULL;
  JsonArray *chunk;
  guint status = 0;

  handset_test_run_for (100);
  answer = handset_test_request ("GET", path, d->reader->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (answer), "chunk");
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    {
      JsonObject *event = json_array_get_object_element (chunk, i);

      if (g_strcmp0 (json_object_get_string_member (event, "type"),
                     "org.matrix.msc4310.rtc.decline") == 0)
        {
          d->event = json_object_ref (event);
          return TRUE;
        }
    }

  return FALSE;
}

/* alice calls with Element Call (her MatrixRTC membership, then the ring
 * of the room, as matrix-js-sdk sends them): bob is told who calls, that
 * Handset cannot join, and can open the chat in a Matrix app or decline;
 * declining sends the decline to the room, and the history shows a
 * declined Element Call. */
static void
test_element_call_ring (void)
{
  HandsetTestUser *alice, *bob;
  Profile *pb;
  GPtrArray *notifications;
  g_autofree char *room_id = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *content = NULL;
  g_autofree char *ring_id = NULL;
  g_autoptr (JsonNode) member = NULL;
  g_autoptr (JsonObject) decline = NULL;
  NotifiedWith n;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  notifications = handset_test_start_notification_server ();
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  set_display_name (alice, "Alice");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  pb = start_profile ("uirtcbob", bob);
  log_in (pb, FALSE);
  g_assert_true (handset_test_wait_until (has_contact_row, pb, WAIT_S));

  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/state/org.matrix.msc3401.call.member/"
                          "_%s_ALICEDEV_m.call",
                          escaped, alice->user_id);
  member = handset_test_request (
      "PUT", path, alice->access_token,
      "{\"application\": \"m.call\", \"call_id\": \"\", \"scope\": \"m.room\","
      " \"device_id\": \"ALICEDEV\", \"focus_active\": {\"type\": \"livekit\"}}",
      &status);
  g_assert_cmpuint (status, ==, 200);
  content = g_strdup_printf (
      "{\"slot_id\": \"m.call#\", \"m.mentions\": {\"user_ids\": [], \"room\": true},"
      " \"notification_type\": \"ring\", \"m.relates_to\": {\"event_id\": \"%s\","
      " \"rel_type\": \"m.reference\"}, \"sender_ts\": %" G_GINT64_FORMAT ", \"lifetime\": 60000,"
      " \"m.call.intent\": \"audio\"}",
      json_object_get_string_member (json_node_get_object (member), "event_id"),
      g_get_real_time () / 1000);
  n = (NotifiedWith){ notifications, notifications->len, "Alice is calling with Element Call: " };
  ring_id =
      handset_test_send_event (alice, room_id, "org.matrix.msc4075.rtc.notification", content);

  g_assert_true (handset_test_wait_until (notified_with, &n, WAIT_S));
  g_test_message ("notification: %s", notification_with (&n));
  g_assert_nonnull (strstr (notification_with (&n), "Handset cannot join Element Call calls"));
  g_assert_nonnull (strstr (notification_with (&n), "Open in Matrix App"));
  g_assert_nonnull (strstr (notification_with (&n), "Decline"));

  g_action_group_activate_action (G_ACTION_GROUP (pb->app), "decline-element-call",
                                  g_variant_new_string (ring_id));
  /* The app runs in this process: wait with its main loop running. */
  {
    DeclineIn d = { alice, room_id, NULL };

    g_assert_true (handset_test_wait_until (decline_in_room, &d, WAIT_S));
    decline = d.event;
  }
  g_assert_cmpstr (json_object_get_string_member (decline, "sender"), ==, bob->user_id);
  {
    JsonObject *relates = json_object_get_object_member (
        json_object_get_object_member (decline, "content"), "m.relates_to");

    g_assert_cmpstr (json_object_get_string_member (relates, "rel_type"), ==, "m.reference");
    g_assert_cmpstr (json_object_get_string_member (relates, "event_id"), ==, ring_id);
  }

  handset_window_show_history (window_of (pb));
  g_assert_true (handset_test_wait_until (has_history_row, pb, WAIT_S));
  {
    HandsetHistoryRow *row = history_row (pb, 0);
    const char *subtitle = handset_history_row_get_subtitle (row);

    g_test_message ("history: %s — %s", handset_history_row_get_title (row), subtitle);
    g_assert_true (g_str_has_prefix (subtitle, "Declined · Element Call · "));
    g_assert_cmpstr (handset_history_row_get_title (row), ==, "Alice");
  }

  handset_test_user_free (alice);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  /* Test media: a tone, and no sound server needed. */
  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  g_setenv ("HANDSET_VIDEO_SRC", "videotestsrc is-live=true pattern=ball", TRUE);
  g_setenv ("HANDSET_SCREEN_SRC",
            "videotestsrc is-live=true pattern=smpte ! "
            "capsfilter caps=video/x-raw,width=1280,height=720",
            TRUE);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gst_init (&argc, &argv);
  handset_fake_devices_register (
      handset_fake_device_new ("Desk Microphone", "Audio/Source", "node.name", G_TYPE_STRING,
                               "handset-ui-desk-mic", NULL),
      handset_fake_device_new ("Headset", "Audio/Sink", "node.name", G_TYPE_STRING,
                               "handset-ui-headset", NULL),
      NULL);
  gtk_init ();
  adw_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/call-through-the-ui", test_call_through_the_ui);
  g_test_add_func ("/ui/element-call-ring", test_element_call_ring);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
