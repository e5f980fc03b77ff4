/* handset-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-account.h"
#include "handset-session.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_WINDOW (handset_window_get_type ())
G_DECLARE_FINAL_TYPE (HandsetWindow, handset_window, HANDSET, WINDOW, AdwApplicationWindow)

/* How long an ended call stays on screen. */
#define HANDSET_WINDOW_ENDED_CALL_MS 2500

HandsetWindow *handset_window_new (AdwApplication *application, const char *profile_name);

void handset_window_show_loading (HandsetWindow *self);
void handset_window_show_login (HandsetWindow *self, HandsetAccount *account);
void handset_window_set_session (HandsetWindow *self, HandsetSession *session);
void handset_window_show_call (HandsetWindow *self, HandsetCall *call);
void handset_window_toast (HandsetWindow *self, const char *message);
const char *handset_window_get_page (HandsetWindow *self);
GtkWidget *handset_window_get_call_view (HandsetWindow *self);
GtkWidget *handset_window_get_loading_spinner (HandsetWindow *self);
GtkWidget *handset_window_get_contact_list (HandsetWindow *self);
GtkWidget *handset_window_get_login_page (HandsetWindow *self);
GtkWidget *handset_window_get_history_list (HandsetWindow *self);
GtkWidget *handset_window_get_search_entry (HandsetWindow *self);
const char *handset_window_get_offline_text (HandsetWindow *self);
void handset_window_show_history (HandsetWindow *self);
gboolean handset_window_show_contact (HandsetWindow *self, const char *user_id);

G_END_DECLS
