/* handset-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_WINDOW (handset_window_get_type ())
G_DECLARE_FINAL_TYPE (HandsetWindow, handset_window, HANDSET, WINDOW, AdwApplicationWindow)

HandsetWindow *handset_window_new (AdwApplication *application, const char *profile_name);

G_END_DECLS
