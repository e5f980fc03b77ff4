/* handset-contact-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row of the contact list: the person's avatar, name and Matrix ID,
 * a video call and a call button. Rows are made only for the contacts in
 * view and handed from one contact to another as the list scrolls; a
 * contact who renames themselves repaints their own row and nothing else.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-contact-row.h"

struct _HandsetContactRow
{
  GtkBox parent_instance;

  AdwAvatar *avatar;
  GtkLabel *title;
  GtkLabel *subtitle;
  GtkWidget *video_button;
  GtkWidget *call_button;

  HandsetContact *contact;
  HandsetAvatarCache *avatars;
};

G_DEFINE_FINAL_TYPE (HandsetContactRow, handset_contact_row, GTK_TYPE_BOX)

/**
 * handset_row_set_tooltip:
 *
 * Sets @widget's tooltip as gtk_widget_set_tooltip_text() does, without
 * asking the display where the pointer is: GTK 4.8 does that for every
 * tooltip set on a visible widget, a round trip to the X server for each
 * button of each row made or handed to another item.
 */
void
handset_row_set_tooltip (GtkWidget *widget, const char *text)
{
  gboolean visible = gtk_widget_get_visible (widget);

  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) == 0)
    return;
  if (visible)
    gtk_widget_set_visible (widget, FALSE);
  gtk_widget_set_tooltip_text (widget, text);
  if (visible)
    gtk_widget_set_visible (widget, TRUE);
}

/* A call button says whom it calls; the window reads "call-label" to say
 * instead why it cannot, while offline. */
static void
label_button (GtkWidget *button, const char *label)
{
  g_object_set_data_full (G_OBJECT (button), "call-label", g_strdup (label), g_free);
  handset_row_set_tooltip (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
name_changed (HandsetContactRow *self)
{
  const char *name = handset_contact_get_display_name (self->contact);
  g_autofree char *call = g_strdup_printf (_ ("Call %s"), name);
  g_autofree char *video = g_strdup_printf (_ ("Video call %s"), name);

  /* Names come from other people: plain text, never markup. */
  gtk_label_set_text (self->title, name);
  adw_avatar_set_text (self->avatar, name);
  label_button (self->call_button, call);
  label_button (self->video_button, video);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
avatar_changed (HandsetContactRow *self)
{
  handset_avatar_cache_bind (self->avatars, self->avatar,
                             handset_contact_get_avatar_url (self->contact));
}

/**
 * handset_contact_row_bind:
 * @avatars: (nullable): where the avatar's image comes from
 *
 * Shows @contact, and follows their name and avatar until unbound.
 */
void
handset_contact_row_bind (HandsetContactRow *self,
                          HandsetContact *contact,
                          HandsetAvatarCache *avatars)
{
  const char *user_id = handset_contact_get_user_id (contact);

  g_return_if_fail (HANDSET_IS_CONTACT_ROW (self));

  handset_contact_row_unbind (self);
  self->contact = g_object_ref (contact);
  g_set_object (&self->avatars, avatars);
  gtk_label_set_text (self->subtitle, user_id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_button), "(sb)", user_id, FALSE);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->video_button), "(sb)", user_id, TRUE);
  /* Named once a target is there: win.call takes one. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->call_button), "win.call");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->video_button), "win.call");
  name_changed (self);
  avatar_changed (self);
  g_signal_connect_swapped (contact, "notify::display-name", G_CALLBACK (name_changed), self);
  g_signal_connect_swapped (contact, "notify::avatar-url", G_CALLBACK (avatar_changed), self);
}

void
handset_contact_row_unbind (HandsetContactRow *self)
{
  g_return_if_fail (HANDSET_IS_CONTACT_ROW (self));

  if (self->contact == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->contact, self);
  g_clear_object (&self->contact);
  g_clear_object (&self->avatars);
}

/**
 * handset_contact_row_get_contact:
 *
 * Returns: (transfer none) (nullable): the contact shown
 */
HandsetContact *
handset_contact_row_get_contact (HandsetContactRow *self)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_ROW (self), NULL);

  return self->contact;
}

/* What the row shows as the name. */
const char *
handset_contact_row_get_title (HandsetContactRow *self)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_ROW (self), NULL);

  return gtk_label_get_text (self->title);
}

/* What the row shows under the name: the Matrix ID. */
const char *
handset_contact_row_get_subtitle (HandsetContactRow *self)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_ROW (self), NULL);

  return gtk_label_get_text (self->subtitle);
}

GtkWidget *
handset_contact_row_get_avatar (HandsetContactRow *self)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_ROW (self), NULL);

  return GTK_WIDGET (self->avatar);
}

/* ------------------------------------------------------------------ sorting */

/**
 * handset_contact_rows_sort:
 * @contacts: (transfer full): a model of #HandsetContact
 *
 * The contacts as the list shows them: by name, case aside, then by
 * Matrix ID. Each name's sort key is made once, and a contact whose name
 * changes (the model says so for its position alone) moves on its own.
 *
 * Returns: (transfer full): the sorted model
 */
GListModel *
handset_contact_rows_sort (GListModel *contacts)
{
  GtkMultiSorter *sorter = gtk_multi_sorter_new ();
  GtkStringSorter *by_name = gtk_string_sorter_new (
      gtk_property_expression_new (HANDSET_TYPE_CONTACT, NULL, "display-name"));
  GtkStringSorter *by_id =
      gtk_string_sorter_new (gtk_property_expression_new (HANDSET_TYPE_CONTACT, NULL, "user-id"));

  gtk_string_sorter_set_ignore_case (by_name, TRUE);
  gtk_string_sorter_set_ignore_case (by_id, FALSE);
  gtk_multi_sorter_append (sorter, GTK_SORTER (by_name));
  gtk_multi_sorter_append (sorter, GTK_SORTER (by_id));

  return G_LIST_MODEL (gtk_sort_list_model_new (contacts, GTK_SORTER (sorter)));
}

/* ------------------------------------------------------------------ object */

static GtkWidget *
call_button (const char *icon_name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");

  return button;
}

static void
handset_contact_row_dispose (GObject *object)
{
  handset_contact_row_unbind (HANDSET_CONTACT_ROW (object));

  G_OBJECT_CLASS (handset_contact_row_parent_class)->dispose (object);
}

static void
handset_contact_row_class_init (HandsetContactRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = handset_contact_row_dispose;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
handset_contact_row_init (HandsetContactRow *self)
{
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self), "contact-row");

  self->avatar = ADW_AVATAR (adw_avatar_new (40, NULL, TRUE));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->avatar));

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

  self->video_button = call_button ("camera-web-symbolic");
  gtk_box_append (GTK_BOX (self), self->video_button);
  self->call_button = call_button ("call-start-symbolic");
  gtk_box_append (GTK_BOX (self), self->call_button);
}

GtkWidget *
handset_contact_row_new (void)
{
  return g_object_new (HANDSET_TYPE_CONTACT_ROW, NULL);
}
