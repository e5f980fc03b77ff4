/* handset-history-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row of the call history: incoming, outgoing, missed or declined,
 * with whom, when, for how long, where it was answered, and a button to
 * call back. Rows are made only for the calls in view and handed from
 * one call to another as the list scrolls.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-contact-row.h"
#include "handset-history-row.h"

struct _HandsetHistoryRow
{
  GtkBox parent_instance;

  GtkImage *icon;
  GtkLabel *title;
  GtkLabel *subtitle;
  GtkWidget *call_button;

  HandsetHistoryEntry *entry;
};

G_DEFINE_FINAL_TYPE (HandsetHistoryRow, handset_history_row, GTK_TYPE_BOX)

/* What the row says of a call besides whom it was with. */
static char *
describe (HandsetHistoryEntry *entry, const char **icon_name, const char **kind)
{
  g_autoptr (GDateTime) local = g_date_time_to_local (handset_history_entry_get_started (entry));
  g_autofree char *when = NULL;
  GString *subtitle = g_string_new (NULL);
  int duration = handset_history_entry_get_duration_seconds (entry);

  switch (handset_history_entry_get_kind (entry))
    {
      case HANDSET_HISTORY_OUTGOING:
        *icon_name = "call-outgoing-symbolic", *kind = _ ("Outgoing");
        break;
      case HANDSET_HISTORY_MISSED:
        *icon_name = "call-missed-symbolic", *kind = _ ("Missed");
        break;
      case HANDSET_HISTORY_DECLINED:
        *icon_name = "call-missed-symbolic", *kind = _ ("Declined");
        break;
      case HANDSET_HISTORY_INCOMING:
      default:
        *icon_name = "call-incoming-symbolic", *kind = _ ("Incoming");
        break;
    }

  /* Translators: a date and time, as strftime() writes it */
  when = g_date_time_format (local, _ ("%x %H:%M"));
  g_string_append (subtitle, *kind);
  /* A call of another app (Element Call) says which. */
  if (handset_history_entry_get_application (entry) != NULL)
    g_string_append_printf (subtitle, " · %s", handset_history_entry_get_application (entry));
  g_string_append_printf (subtitle, " · %s", when);
  if (duration > 0)
    g_string_append_printf (subtitle, " · %d:%02d", duration / 60, duration % 60);
  if (handset_history_entry_get_answered_by (entry) != NULL)
    g_string_append_printf (subtitle, " · %s", handset_history_entry_get_answered_by (entry));

  return g_string_free (subtitle, FALSE);
}

/**
 * handset_history_row_bind:
 * @name: how the other person is called
 *
 * Shows @entry (entries never change: a call that changes is a new entry).
 */
void
handset_history_row_bind (HandsetHistoryRow *self, HandsetHistoryEntry *entry, const char *name)
{
  const char *peer = handset_history_entry_get_peer_user_id (entry);
  const char *icon_name, *kind;
  g_autofree char *subtitle = describe (entry, &icon_name, &kind);

  g_return_if_fail (HANDSET_IS_HISTORY_ROW (self));

  g_set_object (&self->entry, entry);
  /* Names come from other people: plain text, never markup. */
  gtk_label_set_text (self->title, name);
  gtk_label_set_text (self->subtitle, subtitle);
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon), GTK_ACCESSIBLE_PROPERTY_LABEL, kind,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);

  gtk_widget_set_visible (self->call_button, peer != NULL);
  if (peer != NULL)
    {
      g_autofree char *label = g_strdup_printf (_ ("Call %s back"), name);

      /* The window reads "call-label" to say instead why it cannot call,
       * while offline. */
      g_object_set_data_full (G_OBJECT (self->call_button), "call-label", g_strdup (label), g_free);
      handset_row_set_tooltip (self->call_button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->call_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_button), "(sb)", peer,
                                        handset_history_entry_get_video (entry));
      /* Named once a target is there: win.call takes one. */
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->call_button), "win.call");
    }
  else
    g_object_set_data (G_OBJECT (self->call_button), "call-label", NULL);
}

/* The row's call is gone from the list (a search hides it, or the row
 * waits to show another). */
void
handset_history_row_unbind (HandsetHistoryRow *self)
{
  g_return_if_fail (HANDSET_IS_HISTORY_ROW (self));

  g_clear_object (&self->entry);
}

/**
 * handset_history_row_get_entry:
 *
 * Returns: (transfer none) (nullable): the call shown
 */
HandsetHistoryEntry *
handset_history_row_get_entry (HandsetHistoryRow *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ROW (self), NULL);

  return self->entry;
}

/* What the row shows as the other person's name. */
const char *
handset_history_row_get_title (HandsetHistoryRow *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ROW (self), NULL);

  return gtk_label_get_text (self->title);
}

/* What the row shows under the name: the kind of call, when, how long. */
const char *
handset_history_row_get_subtitle (HandsetHistoryRow *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ROW (self), NULL);

  return gtk_label_get_text (self->subtitle);
}

/* ------------------------------------------------------------------ object */

static void
handset_history_row_dispose (GObject *object)
{
  g_clear_object (&HANDSET_HISTORY_ROW (object)->entry);

  G_OBJECT_CLASS (handset_history_row_parent_class)->dispose (object);
}

static void
handset_history_row_class_init (HandsetHistoryRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = handset_history_row_dispose;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
handset_history_row_init (HandsetHistoryRow *self)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self), "history-row");

  self->icon = GTK_IMAGE (gtk_image_new ());
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->icon));

  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->title));
  self->subtitle = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->subtitle, 0);
  gtk_label_set_ellipsize (self->subtitle, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "caption");
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->subtitle));
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (self), labels);

  self->call_button = gtk_button_new_from_icon_name ("call-start-symbolic");
  gtk_widget_set_valign (self->call_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->call_button, "flat");
  gtk_box_append (GTK_BOX (self), self->call_button);
}

GtkWidget *
handset_history_row_new (void)
{
  return g_object_new (HANDSET_TYPE_HISTORY_ROW, NULL);
}
