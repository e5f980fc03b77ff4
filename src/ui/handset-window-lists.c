/* handset-window-lists.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window's contacts and call history: their rows, the search
 * over both, a row activated to call, and the lists' models set for a
 * session.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include "handset-avatar-cache.h"
#include "handset-contact-row.h"
#include "handset-history-row.h"
#include "handset-window-private.h"

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
  handset_window_update_call_buttons (self, row);
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
    handset_window_call_user (self, handset_contact_get_user_id (contact), FALSE);
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

void
handset_window_update_contacts_page (HandsetWindow *self)
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
  handset_window_update_contacts_page (self);
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
  handset_window_update_call_buttons (self, row);
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
    handset_window_call_user (self, handset_history_entry_get_peer_user_id (entry),
                              handset_history_entry_get_video (entry));
}

static void
history_changed (HandsetWindow *self)
{
  HandsetCallHistory *history = self->session ? handset_session_get_history (self->session) : NULL;
  gboolean any = history != NULL && g_list_model_get_n_items (G_LIST_MODEL (history)) > 0;

  gtk_stack_set_visible_child_name (self->history_stack, any ? "list" : "empty");
}

static void
contacts_changed (HandsetWindow *self)
{
  handset_window_update_contacts_page (self);
}

/* ------------------------------------------------------------------ session */

/* Before the window's session changes: the lists let go of the old one's
 * models. */
void
handset_window_lists_unset (HandsetWindow *self)
{
  if (self->filtered != NULL)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  if (self->session != NULL && handset_session_get_history (self->session) != NULL)
    g_signal_handlers_disconnect_by_data (handset_session_get_history (self->session), self);
  gtk_list_view_set_model (self->contact_list, NULL);
  gtk_list_view_set_model (self->history_list, NULL);
  g_clear_object (&self->contact_selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->history_filtered);
}

void
handset_window_lists_set (HandsetWindow *self, HandsetSession *session)
{
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

/* ------------------------------------------------------------------ object */

void
handset_window_lists_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, contact_setup);
  gtk_widget_class_bind_template_callback (widget_class, contact_bind);
  gtk_widget_class_bind_template_callback (widget_class, contact_unbind);
  gtk_widget_class_bind_template_callback (widget_class, contact_activated);
  gtk_widget_class_bind_template_callback (widget_class, history_setup);
  gtk_widget_class_bind_template_callback (widget_class, history_bind);
  gtk_widget_class_bind_template_callback (widget_class, history_unbind);
  gtk_widget_class_bind_template_callback (widget_class, history_activated);
}

void
handset_window_lists_init (HandsetWindow *self)
{
  self->filter = gtk_custom_filter_new (filter_contact, self, NULL);
  self->history_filter = gtk_custom_filter_new (filter_history, self, NULL);
}
