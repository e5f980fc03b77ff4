/* handset-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetWindow, shared with its contacts and history pages
 * (handset-window-lists.c).
 */
#pragma once

#include "handset-call-view.h"
#include "handset-login-page.h"
#include "handset-window.h"

G_BEGIN_DECLS

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

void handset_window_call_user (HandsetWindow *self, const char *user_id, gboolean video);
void handset_window_update_call_buttons (HandsetWindow *self, GtkWidget *root);

void handset_window_lists_class_init (GtkWidgetClass *widget_class);
void handset_window_lists_init (HandsetWindow *self);
void handset_window_lists_unset (HandsetWindow *self);
void handset_window_lists_set (HandsetWindow *self, HandsetSession *session);
void handset_window_update_contacts_page (HandsetWindow *self);

G_END_DECLS
