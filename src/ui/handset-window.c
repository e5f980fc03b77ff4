/* handset-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window: the login form, then the contacts (searchable, each
 * with a call and a video call button), and the call in progress. The
 * contacts and history pages are handset-window-lists.c.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-avatar-cache.h"
#include "handset-call-view.h"
#include "handset-contact-row.h"
#include "handset-history-row.h"
#include "handset-login-page.h"
#include "handset-window-private.h"

G_DEFINE_FINAL_TYPE (HandsetWindow, handset_window, ADW_TYPE_APPLICATION_WINDOW)

void
handset_window_toast (HandsetWindow *self, const char *message)
{
  /* A toast's title is markup; what it says may quote a server or a
   * person (a Matrix ID, an error): escaped, it shows as written. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (escaped));
}

/* ------------------------------------------------------------------ offline */

#define OFFLINE_TOOLTIP N_ ("Cannot call: the homeserver cannot be reached")

void
handset_window_update_call_buttons (HandsetWindow *self, GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *label = g_object_get_data (G_OBJECT (child), "call-label");

      if (label != NULL)
        {
          gtk_widget_set_sensitive (child, !self->offline);
          handset_row_set_tooltip (child, self->offline ? _ (OFFLINE_TOOLTIP) : label);
        }
      handset_window_update_call_buttons (self, child);
    }
}

/* The homeserver cannot be reached: a banner says so (and that Handset
 * keeps trying), and the call buttons say why they cannot call. */
static void
update_offline (HandsetWindow *self)
{
  const char *error = self->sync ? handset_sync_get_error_message (self->sync) : NULL;
  gboolean offline =
      self->sync != NULL && !handset_sync_get_connected (self->sync) && error != NULL;

  if (offline)
    {
      g_autofree char *text = g_strdup_printf (_ ("Offline: %s"), error);

      gtk_label_set_text (self->offline_label, text);
    }
  gtk_revealer_set_reveal_child (self->offline_revealer, offline);
  if (offline == self->offline)
    return;
  self->offline = offline;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-call", !offline);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.call", !offline);
  gtk_widget_set_tooltip_text (self->new_call_button,
                               offline ? _ (OFFLINE_TOOLTIP) : _ ("New Call"));
  handset_window_update_call_buttons (self, GTK_WIDGET (self->contact_list));
  handset_window_update_call_buttons (self, GTK_WIDGET (self->history_list));
}

/* Logged in, but the login cannot be kept: the keyring is locked. A
 * banner offers to unlock it, and then the login is kept. */
static void
update_keyring (HandsetWindow *self)
{
  gtk_revealer_set_reveal_child (self->keyring_revealer,
                                 self->account != NULL &&
                                     handset_account_get_keyring_locked (self->account) &&
                                     !handset_account_get_remembered (self->account));
}

static void
keyring_unlocked (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetWindow) self = HANDSET_WINDOW (user_data);
  g_autoptr (GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->keyring_button), TRUE);
  if (!handset_account_unlock_keyring_finish (HANDSET_ACCOUNT (object), result, &error))
    handset_window_toast (self, error->message);
}

static void
on_unlock_keyring (HandsetWindow *self)
{
  if (self->account == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->keyring_button), FALSE);
  handset_account_unlock_keyring_async (self->account, NULL, keyring_unlocked, g_object_ref (self));
}

/* ------------------------------------------------------------------ placing calls */

static void
call_placed (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetWindow) self = HANDSET_WINDOW (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCall) call = NULL;

  call = handset_session_place_call_finish (HANDSET_SESSION (object), result, &error);
  if (call == NULL)
    {
      g_autofree char *message =
          g_strdup_printf (_ ("The call could not be made: %s"), error->message);

      handset_window_toast (self, message);
    }
}

void
handset_window_call_user (HandsetWindow *self, const char *user_id, gboolean video)
{
  if (self->session == NULL)
    return;

  /* The call view opens when the manager announces the call. */
  handset_session_place_call_async (self->session, user_id, video, NULL, call_placed,
                                    g_object_ref (self));
}

/* win.call: a row's call button, ("@user:example.org", video). */
static void
call_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  const char *user_id;
  gboolean video;

  g_variant_get (parameter, "(&sb)", &user_id, &video);
  handset_window_call_user (HANDSET_WINDOW (widget), user_id, video);
}

/* ------------------------------------------------------------------ new call */

static void
new_call_response (AdwMessageDialog *dialog, const char *response, HandsetWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");

  /* Whatever was typed (an ID or a link) is checked where every call is
   * placed; what is wrong with it comes back as a toast. */
  if (g_str_equal (response, "call") || g_str_equal (response, "video"))
    handset_window_call_user (self, gtk_editable_get_text (entry), g_str_equal (response, "video"));
}

static void
new_call_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HandsetWindow *self = HANDSET_WINDOW (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _ ("New Call"),
                                              _ ("Call anyone on Matrix by their ID."));
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "@name:example.org");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Matrix ID"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "video",
                                    _ ("_Video Call"), "call", _ ("_Call"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "call",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "call");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect (dialog, "response", G_CALLBACK (new_call_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ pages */

static gboolean
back_to_contacts (gpointer user_data)
{
  HandsetWindow *self = HANDSET_WINDOW (user_data);

  self->back_timer = 0;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "call") == 0)
    {
      handset_call_view_set_call (self->call_view, NULL, NULL);
      gtk_stack_set_visible_child_name (self->stack, self->session ? "contacts" : "login");
    }

  return G_SOURCE_REMOVE;
}

static void
call_state_changed (HandsetCall *call,
                    HandsetCallState state,
                    HandsetCallState old,
                    HandsetWindow *self)
{
  if (state != HANDSET_CALL_STATE_ENDED || handset_call_view_get_call (self->call_view) != call)
    return;

  /* The reason stays up for a moment, then the contacts are back. */
  g_clear_handle_id (&self->back_timer, g_source_remove);
  self->back_timer = g_timeout_add (HANDSET_WINDOW_ENDED_CALL_MS, back_to_contacts, self);
}

/**
 * handset_window_show_call:
 *
 * Shows a call in progress: one we placed, or one answered here.
 */
void
handset_window_show_call (HandsetWindow *self, HandsetCall *call)
{
  const char *peer = handset_call_get_opponent_user_id (call);
  g_autofree char *name = NULL;

  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    peer = handset_call_get_invitee (call);
  name = handset_session_peer_name (self->session, peer);

  g_clear_handle_id (&self->back_timer, g_source_remove);
  handset_call_view_set_call (self->call_view, call, name);
  if (self->session != NULL)
    {
      g_autofree char *avatar_url =
          handset_session_peer_avatar_url (self->session, peer, handset_call_get_room_id (call));

      handset_call_view_set_avatar (
          self->call_view, handset_avatar_cache_get_for_session (self->session), avatar_url);
    }
  g_signal_connect_object (call, "state-changed", G_CALLBACK (call_state_changed), self, 0);
  gtk_stack_set_visible_child_name (self->stack, "call");
}

void
handset_window_show_loading (HandsetWindow *self)
{
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
handset_window_show_login (HandsetWindow *self, HandsetAccount *account)
{
  handset_login_page_set_account (self->login_page, account);
  gtk_stack_set_visible_child_name (self->stack, "login");
}

/**
 * handset_window_set_session:
 * @session: (nullable): the logged-in session, or %NULL after logout
 */
void
handset_window_set_session (HandsetWindow *self, HandsetSession *session)
{
  g_return_if_fail (HANDSET_IS_WINDOW (self));

  handset_window_lists_unset (self);
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->sync);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      self->sync = handset_account_get_sync (handset_session_get_account (session));
      if (self->sync != NULL)
        {
          g_object_ref (self->sync);
          g_signal_connect_swapped (self->sync, "notify::connected", G_CALLBACK (update_offline),
                                    self);
          g_signal_connect_swapped (self->sync, "notify::error-message",
                                    G_CALLBACK (update_offline), self);
        }
    }
  update_offline (self);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  if (session != NULL)
    self->account = g_object_ref (handset_session_get_account (session));
  if (self->account != NULL)
    {
      g_signal_connect_swapped (self->account, "notify::keyring-locked",
                                G_CALLBACK (update_keyring), self);
      g_signal_connect_swapped (self->account, "notify::remembered", G_CALLBACK (update_keyring),
                                self);
    }
  update_keyring (self);

  if (session == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _ ("Handset"));
      return;
    }

  handset_window_lists_set (self, session);
  adw_view_switcher_title_set_subtitle (
      self->switcher_title, handset_account_get_user_id (handset_session_get_account (session)));
  {
    /* Two accounts' windows side by side (and in the window switcher)
     * can be told apart. */
    g_autofree char *title = g_strdup_printf (
        _ ("Handset — %s"), handset_account_get_user_id (handset_session_get_account (session)));

    gtk_window_set_title (GTK_WINDOW (self), title);
  }
  handset_window_update_contacts_page (self);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "call") != 0)
    gtk_stack_set_visible_child_name (self->stack, "contacts");
}

const char *
handset_window_get_page (HandsetWindow *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

GtkWidget *
handset_window_get_call_view (HandsetWindow *self)
{
  return GTK_WIDGET (self->call_view);
}

GtkWidget *
handset_window_get_contact_list (HandsetWindow *self)
{
  return GTK_WIDGET (self->contact_list);
}

/**
 * handset_window_get_offline_text:
 *
 * Returns: (nullable): what the offline banner says, when it shows
 */
const char *
handset_window_get_offline_text (HandsetWindow *self)
{
  return gtk_revealer_get_reveal_child (self->offline_revealer)
             ? gtk_label_get_text (self->offline_label)
             : NULL;
}

GtkWidget *
handset_window_get_search_entry (HandsetWindow *self)
{
  return GTK_WIDGET (self->search_entry);
}

GtkWidget *
handset_window_get_history_list (HandsetWindow *self)
{
  return GTK_WIDGET (self->history_list);
}

GtkWidget *
handset_window_get_login_page (HandsetWindow *self)
{
  return GTK_WIDGET (self->login_page);
}

/* ------------------------------------------------------------------ object */

static void
handset_window_dispose (GObject *object)
{
  HandsetWindow *self = HANDSET_WINDOW (object);

  g_clear_handle_id (&self->back_timer, g_source_remove);
  handset_window_set_session (self, NULL);
  g_clear_object (&self->filter);
  g_clear_object (&self->history_filter);

  G_OBJECT_CLASS (handset_window_parent_class)->dispose (object);
}

static void
handset_window_class_init (HandsetWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = handset_window_dispose;

  g_type_ensure (HANDSET_TYPE_LOGIN_PAGE);
  g_type_ensure (HANDSET_TYPE_CALL_VIEW);
  g_type_ensure (HANDSET_TYPE_CONTACT_ROW);
  g_type_ensure (HANDSET_TYPE_HISTORY_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/handset/Handset/ui/handset-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, history_stack);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, history_list);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, keyring_revealer);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, keyring_button);
  gtk_widget_class_bind_template_callback (widget_class, on_unlock_keyring);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, new_call_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, contacts_stack);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, contact_list);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, call_view);
  handset_window_lists_class_init (widget_class);

  gtk_widget_class_install_action (widget_class, "win.new-call", NULL, new_call_activated);
  gtk_widget_class_install_action (widget_class, "win.call", "(sb)", call_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-call",
                                       NULL);
}

/* A spinner animates only while it can be seen: GTK 4.8 keeps a spinning
 * one ticking on a hidden stack page, 60 frames a second. */
static void
spinner_mapped (GtkWidget *spinner)
{
  gtk_spinner_start (GTK_SPINNER (spinner));
}

static void
spinner_unmapped (GtkWidget *spinner)
{
  gtk_spinner_stop (GTK_SPINNER (spinner));
}

/* The first frame, in the log (G_MESSAGES_DEBUG=Handset-UI): start-up is
 * measured to it. */
static void
first_frame_painted (GdkFrameClock *clock, HandsetWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_frame_painted, self);
  g_debug ("The first frame is painted");
}

static void
window_realized (HandsetWindow *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (first_frame_painted), self, 0);
  g_signal_handlers_disconnect_by_func (self, window_realized, NULL);
}

static void
handset_window_init (HandsetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  handset_window_lists_init (self);
  g_signal_connect (self->loading_spinner, "map", G_CALLBACK (spinner_mapped), NULL);
  g_signal_connect (self->loading_spinner, "unmap", G_CALLBACK (spinner_unmapped), NULL);
  g_signal_connect (self, "realize", G_CALLBACK (window_realized), NULL);
}

/**
 * handset_window_get_loading_spinner:
 *
 * Returns: (transfer none): the spinner of the page shown while a session
 *   is restored
 */
GtkWidget *
handset_window_get_loading_spinner (HandsetWindow *self)
{
  return GTK_WIDGET (self->loading_spinner);
}

/**
 * handset_window_new:
 * @profile_name: (nullable): the profile's name, shown as the subtitle when
 *   it is not the default one, so two profiles side by side can be told apart
 */
HandsetWindow *
handset_window_new (AdwApplication *application, const char *profile_name)
{
  HandsetWindow *self = g_object_new (HANDSET_TYPE_WINDOW, "application", application, NULL);

  if (profile_name != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_ ("Profile “%s”"), profile_name);

      adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle);
    }

  return self;
}
