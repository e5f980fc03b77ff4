/* test-call-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call view of calls on the fake homeserver, with fake media, under
 * Xvfb: the keypad shows only for a connected call whose other side takes
 * tones (§17 #63), and its keys send them; a call that found no path and
 * had no relay says so; Share Screen shows in a connected call and asks
 * `app.share-screen`, why the screen could not be shared is said, and
 * the other side's screen share is shown large, labelled as theirs, with
 * their camera small.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "handset-call-view.h"
#include "handset-fake-homeserver.h"
#include "handset-fake-media.h"
#include "handset-test-ui.h"

#define ALICE "@alice:example.org"
#define BOB   "@bob:example.org"
#define ROOM  "!room:example.org"

static HandsetFakeHomeserver *
new_net (HandsetFakeDevice **alice, HandsetFakeDevice **bob)
{
  const char *members[] = { ALICE, BOB, NULL };
  HandsetFakeHomeserver *net = handset_fake_homeserver_new (ROOM, members);

  *alice = handset_fake_homeserver_add_device (net, ALICE, "ALICEDEVICE");
  *bob = handset_fake_homeserver_add_device (net, BOB, "BOBDEVICE");
  handset_fake_homeserver_join_all (net);
  return net;
}

static HandsetCall *
answered (HandsetFakeHomeserver *net, HandsetFakeDevice *bob)
{
  HandsetCall *call = g_ptr_array_index (bob->rang, bob->rang->len - 1);

  handset_call_answer (call, FALSE);
  handset_fake_homeserver_deliver (net);
  return call;
}

static void
test_keypad (void)
{
  HandsetFakeDevice *alice, *bob;
  HandsetFakeHomeserver *net = new_net (&alice, &bob);
  GtkWidget *window = gtk_window_new ();
  HandsetCallView *view = g_object_new (HANDSET_TYPE_CALL_VIEW, NULL);
  g_autoptr (GError) error = NULL;
  GtkWidget *button, *popover, *key, *typed;
  HandsetCall *a, *b;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));

  /* alice calls from Handset, whose invite says it takes tones. */
  a = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  handset_fake_homeserver_deliver (net);
  b = answered (net, bob);
  handset_call_view_set_call (view, b, "Alice");
  button = handset_test_find_named (GTK_WIDGET (view), "keypad-button");
  g_assert_nonnull (button);
  /* Not connected yet: no keypad. */
  g_assert_false (gtk_widget_get_visible (button));
  handset_fake_media_set_ice_state (
      HANDSET_FAKE_MEDIA (g_ptr_array_index (alice->media, alice->media->len - 1)),
      HANDSET_ICE_STATE_CONNECTED);
  handset_fake_media_set_ice_state (HANDSET_FAKE_MEDIA (handset_call_get_media (b)),
                                    HANDSET_ICE_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_true (gtk_widget_get_visible (button));

  /* Its keys send tones, and show what was pressed. */
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_nonnull (popover);
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  key = handset_test_find_named (popover, "keypad-1");
  g_assert_nonnull (key);
  g_signal_emit_by_name (key, "clicked");
  g_signal_emit_by_name (handset_test_find_named (popover, "keypad-#"), "clicked");
  g_signal_emit_by_name (handset_test_find_named (popover, "keypad-0"), "clicked");
  g_assert_cmpstr (
      handset_fake_media_get_dtmf_sent (HANDSET_FAKE_MEDIA (handset_call_get_media (b))), ==,
      "1#0");
  typed = handset_test_find_named (popover, "keypad-typed");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (typed)), ==, "1#0");

  /* Over: the keypad goes. */
  handset_call_hangup (a);
  handset_fake_homeserver_deliver (net);
  g_assert_false (gtk_widget_get_visible (button));

  /* A caller that does not take tones: no keypad, even connected. */
  handset_fake_homeserver_inject (
      net, ALICE, "m.call.invite",
      "{\"call_id\": \"no-tones\", \"party_id\": \"ALICEPHONE\", \"version\": \"1\","
      " \"lifetime\": 90000, \"invitee\": \"" BOB "\","
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
      0);
  handset_fake_homeserver_deliver (net);
  b = answered (net, bob);
  handset_call_view_set_call (view, b, "Alice");
  handset_fake_media_set_ice_state (HANDSET_FAKE_MEDIA (handset_call_get_media (b)),
                                    HANDSET_ICE_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_false (gtk_widget_get_visible (button));

  gtk_window_destroy (GTK_WINDOW (window));
  handset_fake_homeserver_free (net);
}

/* What the person reads when no path was found. */
static void
test_no_relay_said (void)
{
  HandsetFakeDevice *alice, *bob;
  HandsetFakeHomeserver *net = new_net (&alice, &bob);
  g_autoptr (GError) error = NULL;
  g_autofree char *with_relay = NULL;
  g_autofree char *without = NULL;
  HandsetCall *a, *b;

  a = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  handset_fake_homeserver_deliver (net);
  b = answered (net, bob);
  handset_fake_media_set_ice_state (HANDSET_FAKE_MEDIA (handset_call_get_media (b)),
                                    HANDSET_ICE_STATE_FAILED);
  with_relay = handset_call_describe_end (b);
  g_assert_cmpstr (with_relay, ==, "Connection failed");
  handset_fake_homeserver_deliver (net);

  a = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  handset_fake_homeserver_deliver (net);
  b = answered (net, bob);
  handset_fake_media_set_no_relay (HANDSET_FAKE_MEDIA (handset_call_get_media (b)));
  handset_fake_media_set_ice_state (HANDSET_FAKE_MEDIA (handset_call_get_media (b)),
                                    HANDSET_ICE_STATE_FAILED);
  without = handset_call_describe_end (b);
  g_test_message ("%s", without);
  g_assert_nonnull (strstr (without, "no relay server was available"));
  g_assert_nonnull (strstr (without, "Preferences"));
  (void) a;

  handset_fake_homeserver_free (net);
}

static void
share_screen_asked (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  *(GVariant **) user_data = g_variant_ref (parameter);
}

static void
emit_frame (HandsetFakeMedia *media, const char *signal, int width, int height)
{
  g_autofree guint8 *pixels = g_malloc0 ((gsize) width * height * 4);
  g_autoptr (GBytes) bytes = g_bytes_new (pixels, (gsize) width * height * 4);

  g_signal_emit_by_name (media, signal, width, height, width * 4, bytes);
}

static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static void
test_screenshare (void)
{
  HandsetFakeDevice *alice, *bob;
  HandsetFakeHomeserver *net = new_net (&alice, &bob);
  GtkWidget *window = gtk_window_new ();
  HandsetCallView *view = g_object_new (HANDSET_TYPE_CALL_VIEW, NULL);
  g_autoptr (GSimpleActionGroup) app = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) share = g_simple_action_new ("share-screen", G_VARIANT_TYPE ("(sb)"));
  g_autoptr (GVariant) asked = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *button, *screen, *small, *badge;
  HandsetFakeMedia *alice_media, *bob_media;
  HandsetCall *a, *b;
  const char *call_id = NULL;
  gboolean on = FALSE;

  g_signal_connect (share, "activate", G_CALLBACK (share_screen_asked), &asked);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (share));
  gtk_widget_insert_action_group (window, "app", G_ACTION_GROUP (app));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));

  a = handset_call_manager_place_call (alice->manager, ROOM, BOB, TRUE, &error);
  g_assert_no_error (error);
  handset_fake_homeserver_deliver (net);
  b = answered (net, bob);
  handset_call_view_set_call (view, b, "Alice");
  button = handset_test_find_named (GTK_WIDGET (view), "screen-button");
  screen = handset_call_view_get_screen_video (view);
  small = handset_call_view_get_small_camera (view);
  badge = handset_test_find_named (GTK_WIDGET (view), "screenshare-badge");
  g_assert_nonnull (button);
  /* Not connected yet: nothing to share into. */
  g_assert_false (gtk_widget_get_visible (button));
  alice_media = HANDSET_FAKE_MEDIA (g_ptr_array_index (alice->media, alice->media->len - 1));
  bob_media = HANDSET_FAKE_MEDIA (handset_call_get_media (b));
  handset_fake_media_set_ice_state (alice_media, HANDSET_ICE_STATE_CONNECTED);
  handset_fake_media_set_ice_state (bob_media, HANDSET_ICE_STATE_CONNECTED);
  run_for (600);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Share Screen");

  /* The toggle asks the application's action, for this call. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  g_assert_nonnull (asked);
  g_variant_get (asked, "(&sb)", &call_id, &on);
  g_assert_cmpstr (call_id, ==, handset_call_get_call_id (b));
  g_assert_true (on);
  /* The screen could not be opened: said in words, the toggle off. */
  handset_call_view_show_screen_error (view, b,
                                       "Screen sharing needs the desktop’s screen sharing portal");
  run_for (600);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_nonnull (handset_test_find_named (GTK_WIDGET (view), "screen-error"));
  g_assert_true (
      gtk_widget_get_visible (handset_test_find_named (GTK_WIDGET (view), "screen-error")));

  /* alice shares her screen: bob sees it large, labelled, her camera
   * small. */
  handset_call_start_screenshare_async (a, NULL, NULL, NULL);
  run_for (100);
  g_assert_true (handset_call_get_screensharing (a));
  handset_fake_homeserver_deliver (net);
  g_assert_true (handset_call_get_remote_screenshare (b));
  emit_frame (bob_media, "video-frame", 64, 48);
  emit_frame (bob_media, "screenshare-frame", 128, 72);
  run_for (600);
  g_assert_true (gtk_widget_get_visible (screen));
  g_assert_true (gtk_widget_get_visible (small));
  g_assert_true (gtk_widget_get_visible (badge));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (badge)), ==, "Alice’s screen");
  g_assert_true (gtk_picture_get_paintable (GTK_PICTURE (small)) != NULL);
  g_assert_cmpint (
      gdk_paintable_get_intrinsic_width (gtk_picture_get_paintable (GTK_PICTURE (screen))), ==,
      128);
  g_assert_cmpint (
      gdk_paintable_get_intrinsic_width (gtk_picture_get_paintable (GTK_PICTURE (small))), ==, 64);

  /* She stops: her camera is large again. */
  handset_call_stop_screenshare (a);
  handset_fake_homeserver_deliver (net);
  run_for (600);
  g_assert_false (handset_call_get_remote_screenshare (b));
  g_assert_false (gtk_widget_get_visible (screen));
  g_assert_false (gtk_widget_get_visible (small));
  g_assert_false (gtk_widget_get_visible (badge));

  /* bob shares; the desktop stops it ("Stop sharing" in the shell): the
   * toggle is off, and why is said in words. */
  handset_call_start_screenshare_async (b, NULL, NULL, NULL);
  run_for (100);
  g_assert_true (handset_call_get_screensharing (b));
  run_for (600);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  handset_fake_media_end_screenshare (bob_media, "Screen sharing was stopped by the desktop");
  run_for (600);
  g_assert_false (handset_call_get_screensharing (b));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_true (
      gtk_widget_get_visible (handset_test_find_named (GTK_WIDGET (view), "screen-error")));
  g_assert_cmpstr (
      gtk_label_get_text (GTK_LABEL (handset_test_find_named (GTK_WIDGET (view), "screen-error"))),
      ==, "Screen sharing was stopped by the desktop");

  handset_call_view_set_call (view, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  handset_fake_homeserver_free (net);
}

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/call-view/keypad", test_keypad);
  g_test_add_func ("/call-view/no-relay-said", test_no_relay_said);
  g_test_add_func ("/call-view/screenshare", test_screenshare);

  return g_test_run ();
}
