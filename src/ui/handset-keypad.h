/* handset-keypad.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*HandsetKeypadPressed) (const char *tone, gpointer user_data);

GtkWidget *handset_keypad_new (HandsetKeypadPressed pressed, gpointer user_data);

G_END_DECLS
