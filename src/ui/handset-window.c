/* handset-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window: the login form, then the contacts (searchable, each
 * with a call and a video call button), and the call in progress.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-avatar-cache.h"
#include "handset-call-view.h"
#include "handset-contact-row.h"
#include "handset-history-row.h"
#include "handset-login-page.h"
#include "handset-window.h"

struct _HandsetWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toasts;
  GtkStack *stack;
  GtkSpinner *loading_spinner;
  HandsetLoginPage *login_page;
  AdwViewSwitcherTitle *switcher_title;
  GtkStack *history_stack;
  GtkListView *history_list;
  GtkSearchEntry *search_entry;
  GtkStack *contacts_stack;
  GtkListView *contact_list;
  HandsetCallView *call_view;
  GtkRevealer *offline_revealer;
  GtkLabel *offline_label;
  GtkRevealer *keyring_revealer;
  GtkButton *keyring_button;
  HandsetAccount *account; /* the session's, for the keyring banner */
  GtkWidget *new_call_button;
  HandsetSync *sync;
  gboolean offline;

  HandsetSession *session;
  GtkFilterListModel *filtered; /* the sorted contacts, searched */
  GtkCustomFilter *filter;
  GtkSingleSelection *contact_selection;
  GtkFilterListModel *history_filtered;
  GtkCustomFilter *history_filter;
  guint back_timer;
};

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

static void
update_call_buttons (HandsetWindow *self, GtkWidget *root)
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
      update_call_buttons (self, child);
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
  update_call_buttons (self, GTK_WIDGET (self->contact_list));
  update_call_buttons (self, GTK_WIDGET (self->history_list));
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

static void
call_user (HandsetWindow *self, const char *user_id, gboolean video)
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
  call_user (HANDSET_WINDOW (widget), user_id, video);
}

/* ------------------------------------------------------------------ contacts */

static void
contact_setup (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  gtk_list_item_set_child (item, handset_contact_row_new ());
}

static void
contact_bind (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  handset_contact_row_bind (HANDSET_CONTACT_ROW (row), gtk_list_item_get_item (item),
                            self->session ? handset_avatar_cache_get_for_session (self->session)
                                          : NULL);
  update_call_buttons (self, row);
}

static void
contact_unbind (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  handset_contact_row_unbind (HANDSET_CONTACT_ROW (gtk_list_item_get_child (item)));
}

/* Enter or a double click on a contact calls them. */
static void
contact_activated (GtkListView *list, guint position, HandsetWindow *self)
{
  g_autoptr (HandsetContact) contact =
      g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), position);

  if (contact != NULL)
    call_user (self, handset_contact_get_user_id (contact), FALSE);
}

/* Whether the search (if any) finds @name or @user_id, case aside. */
static gboolean
search_matches (HandsetWindow *self, const char *name, const char *user_id)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = NULL;
  g_autofree char *folded_name = NULL;
  g_autofree char *folded_id = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  folded_name = g_utf8_casefold (name ? name : "", -1);
  folded_id = g_utf8_casefold (user_id ? user_id : "", -1);

  return strstr (folded_name, needle) != NULL || strstr (folded_id, needle) != NULL;
}

static gboolean
filter_contact (gpointer item, gpointer user_data)
{
  return search_matches (HANDSET_WINDOW (user_data), handset_contact_get_display_name (item),
                         handset_contact_get_user_id (item));
}

/* The history, searched the same way: by the other person. */
static gboolean
filter_history (gpointer item, gpointer user_data)
{
  HandsetWindow *self = HANDSET_WINDOW (user_data);
  const char *peer = handset_history_entry_get_peer_user_id (item);
  g_autofree char *name = self->session ? handset_session_peer_name (self->session, peer) : NULL;

  return search_matches (self, name, peer);
}

static void
update_contacts_page (HandsetWindow *self)
{
  gboolean any =
      self->filtered != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0;

  gtk_stack_set_visible_child_name (self->contacts_stack, any ? "list" : "empty");
}

/* With nothing searched the lists pass their models through untouched:
 * no filter runs over every contact. */
static void
apply_filter (GtkFilterListModel *model, GtkFilter *filter, gboolean searching)
{
  if (model == NULL)
    return;
  if (!searching)
    gtk_filter_list_model_set_filter (model, NULL);
  else if (gtk_filter_list_model_get_filter (model) != filter)
    gtk_filter_list_model_set_filter (model, filter);
  else
    gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_search_changed (HandsetWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = text != NULL && *text != '\0';

  apply_filter (self->filtered, GTK_FILTER (self->filter), searching);
  apply_filter (self->history_filtered, GTK_FILTER (self->history_filter), searching);
  update_contacts_page (self);
}

/* ------------------------------------------------------------------ history */

static void
history_setup (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  gtk_list_item_set_child (item, handset_history_row_new ());
}

static void
history_bind (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  HandsetHistoryEntry *entry = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);
  g_autofree char *name =
      handset_session_peer_name (self->session, handset_history_entry_get_peer_user_id (entry));

  handset_history_row_bind (HANDSET_HISTORY_ROW (row), entry, name);
  update_call_buttons (self, row);
}

static void
history_unbind (GtkListItemFactory *factory, GtkListItem *item, HandsetWindow *self)
{
  handset_history_row_unbind (HANDSET_HISTORY_ROW (gtk_list_item_get_child (item)));
}

/* Enter or a double click on a call calls back. */
static void
history_activated (GtkListView *list, guint position, HandsetWindow *self)
{
  g_autoptr (HandsetHistoryEntry) entry =
      g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), position);

  if (entry != NULL && handset_history_entry_get_peer_user_id (entry) != NULL)
    call_user (self, handset_history_entry_get_peer_user_id (entry),
               handset_history_entry_get_video (entry));
}

static void
history_changed (HandsetWindow *self)
{
  HandsetCallHistory *history = self->session ? handset_session_get_history (self->session) : NULL;
  gboolean any = history != NULL && g_list_model_get_n_items (G_LIST_MODEL (history)) > 0;

  gtk_stack_set_visible_child_name (self->history_stack, any ? "list" : "empty");
}

/* ------------------------------------------------------------------ new call */

static void
new_call_response (AdwMessageDialog *dialog, const char *response, HandsetWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");

  /* Whatever was typed (an ID or a link) is checked where every call is
   * placed; what is wrong with it comes back as a toast. */
  if (g_str_equal (response, "call") || g_str_equal (response, "video"))
    call_user (self, gtk_editable_get_text (entry), g_str_equal (response, "video"));
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

static void
contacts_changed (HandsetWindow *self)
{
  update_contacts_page (self);
}

/**
 * handset_window_set_session:
 * @session: (nullable): the logged-in session, or %NULL after logout
 */
void
handset_window_set_session (HandsetWindow *self, HandsetSession *session)
{
  g_return_if_fail (HANDSET_IS_WINDOW (self));

  if (self->filtered != NULL)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  if (self->session != NULL && handset_session_get_history (self->session) != NULL)
    g_signal_handlers_disconnect_by_data (handset_session_get_history (self->session), self);
  gtk_list_view_set_model (self->contact_list, NULL);
  gtk_list_view_set_model (self->history_list, NULL);
  g_clear_object (&self->contact_selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->history_filtered);
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

  /* Sorted once here (each name's key made once); searched on top, so a
   * search never sorts again. Rows are made for what is in view only. */
  self->filtered =
      gtk_filter_list_model_new (handset_contact_rows_sort (g_object_ref (
                                     G_LIST_MODEL (handset_session_get_contacts (session)))),
                                 NULL);
  self->contact_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->contact_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->contact_selection, TRUE);
  gtk_list_view_set_model (self->contact_list, GTK_SELECTION_MODEL (self->contact_selection));
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (contacts_changed), self);
  if (handset_session_get_history (session) != NULL)
    {
      g_autoptr (GtkNoSelection) none = NULL;

      self->history_filtered = gtk_filter_list_model_new (
          g_object_ref (G_LIST_MODEL (handset_session_get_history (session))), NULL);
      none = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->history_filtered)));
      gtk_list_view_set_model (self->history_list, GTK_SELECTION_MODEL (none));
      g_signal_connect_swapped (handset_session_get_history (session), "items-changed",
                                G_CALLBACK (history_changed), self);
    }
  on_search_changed (self);
  history_changed (self);
  adw_view_switcher_title_set_subtitle (
      self->switcher_title, handset_account_get_user_id (handset_session_get_account (session)));
  {
    /* Two accounts' windows side by side (and in the window switcher)
     * can be told apart. */
    g_autofree char *title = g_strdup_printf (
        _ ("Handset — %s"), handset_account_get_user_id (handset_session_get_account (session)));

    gtk_window_set_title (GTK_WINDOW (self), title);
  }
  update_contacts_page (self);
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

/**
 * handset_window_show_history:
 *
 * Turns to the call history.
 */
void
handset_window_show_history (HandsetWindow *self)
{
  AdwViewStack *stack = adw_view_switcher_title_get_stack (self->switcher_title);

  adw_view_stack_set_visible_child_name (stack, "history");
}

/**
 * handset_window_show_contact:
 *
 * Turns to the contacts and selects @user_id's row, clearing a search
 * that would hide it.
 *
 * Returns: whether @user_id is among the contacts
 */
gboolean
handset_window_show_contact (HandsetWindow *self, const char *user_id)
{
  AdwViewStack *stack = adw_view_switcher_title_get_stack (self->switcher_title);
  GListModel *model = G_LIST_MODEL (self->filtered);

  if (model == NULL)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  on_search_changed (self);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (HandsetContact) contact = g_list_model_get_item (model, i);

      if (g_strcmp0 (handset_contact_get_user_id (contact), user_id) != 0)
        continue;
      adw_view_stack_set_visible_child_name (stack, "contacts");
      gtk_single_selection_set_selected (self->contact_selection, i);
      gtk_widget_activate_action (GTK_WIDGET (self->contact_list), "list.scroll-to-item", "u", i);
      gtk_widget_grab_focus (GTK_WIDGET (self->contact_list));
      return TRUE;
    }

  return FALSE;
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
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, contact_setup);
  gtk_widget_class_bind_template_callback (widget_class, contact_bind);
  gtk_widget_class_bind_template_callback (widget_class, contact_unbind);
  gtk_widget_class_bind_template_callback (widget_class, contact_activated);
  gtk_widget_class_bind_template_callback (widget_class, history_setup);
  gtk_widget_class_bind_template_callback (widget_class, history_bind);
  gtk_widget_class_bind_template_callback (widget_class, history_unbind);
  gtk_widget_class_bind_template_callback (widget_class, history_activated);

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
  self->filter = gtk_custom_filter_new (filter_contact, self, NULL);
  self->history_filter = gtk_custom_filter_new (filter_history, self, NULL);
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
