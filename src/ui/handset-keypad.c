/* handset-keypad.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A telephone keypad, for calls whose other side takes tones (a bridge to
 * the telephone network, say, and its voice menus): twelve keys in the
 * layout of a phone, and above them what was pressed so far. Keys typed
 * on the keyboard while it is open press the same keys.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-keypad.h"

typedef struct
{
  HandsetKeypadPressed pressed;
  gpointer user_data;
  GtkLabel *typed;
} Keypad;

static const char *const keys[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#" };

static void
press (Keypad *keypad, const char *tone)
{
  g_autofree char *typed = g_strconcat (gtk_label_get_text (keypad->typed), tone, NULL);

  gtk_label_set_text (keypad->typed, typed);
  keypad->pressed (tone, keypad->user_data);
}

static void
key_clicked (GtkButton *button, Keypad *keypad)
{
  press (keypad, g_object_get_data (G_OBJECT (button), "tone"));
}

static gboolean
key_typed (GtkEventControllerKey *controller,
           guint keyval,
           guint keycode,
           GdkModifierType state,
           Keypad *keypad)
{
  gunichar c = gdk_keyval_to_unicode (keyval);
  char tone[2] = { (char) c, '\0' };

  if (c == 0 || c > 127 || strchr ("0123456789*#", (int) c) == NULL)
    return FALSE;
  press (keypad, tone);
  return TRUE;
}

/**
 * handset_keypad_new:
 * @pressed: called with each key pressed
 *
 * Returns: (transfer floating): the keypad
 */
GtkWidget *
handset_keypad_new (HandsetKeypadPressed pressed, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *grid = gtk_grid_new ();
  GtkEventController *controller = gtk_event_controller_key_new ();
  Keypad *keypad = g_new0 (Keypad, 1);

  keypad->pressed = pressed;
  keypad->user_data = user_data;
  keypad->typed = GTK_LABEL (gtk_label_new (""));
  gtk_widget_add_css_class (GTK_WIDGET (keypad->typed), "title-3");
  gtk_label_set_selectable (keypad->typed, TRUE);
  gtk_label_set_ellipsize (keypad->typed, PANGO_ELLIPSIZE_START);
  gtk_widget_set_name (GTK_WIDGET (keypad->typed), "keypad-typed");
  g_object_set_data_full (G_OBJECT (box), "keypad", keypad, g_free);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *button = gtk_button_new_with_label (keys[i]);
      g_autofree char *name = g_strdup_printf ("keypad-%s", keys[i]);

      gtk_widget_set_name (button, name);
      gtk_widget_add_css_class (button, "circular");
      gtk_widget_set_size_request (button, 56, 56);
      g_object_set_data (G_OBJECT (button), "tone", (gpointer) keys[i]);
      g_signal_connect (button, "clicked", G_CALLBACK (key_clicked), keypad);
      gtk_grid_attach (GTK_GRID (grid), button, (int) (i % 3), (int) (i / 3), 1, 1);
    }
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_typed), keypad);
  gtk_widget_add_controller (box, controller);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (keypad->typed));
  gtk_box_append (GTK_BOX (box), grid);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Keypad"),
                                  -1);

  return box;
}
